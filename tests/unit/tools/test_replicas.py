"""`huiqi run --replicas policy=2,tagging=2`: each replica a process of its own, with a name, a log
and a probe port of its own; refused on SQLite, with the reason."""
import pytest

from tools.launcher import SERVICES, ServiceProcesses, parse_replicas, probe_port_of

POSTGRES = {"HUIQI_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/huiqi_{service}"}


def test_replicas_are_read_as_service_and_count():
    assert parse_replicas("policy=2,tagging=3") == {"policy": 2, "tagging": 3}
    assert parse_replicas("") == {}
    with pytest.raises(ValueError, match="'polcy=2' is not SERVICE=COUNT"):
        parse_replicas("polcy=2")
    with pytest.raises(ValueError, match="count of policy must be a whole number of at least 1, not '0'"):
        parse_replicas("policy=0")


def test_replicas_on_sqlite_are_refused_naming_the_service_and_why(tmp_path):
    with pytest.raises(ValueError, match="policy=2 needs PostgreSQL.*one writer at a time"):
        ServiceProcesses(tmp_path, {"HUIQI_DATABASE_URL": "sqlite:///{var_dir}/{service}.sqlite3"},
                         replicas={"policy": 2})
    # the gateway keeps no database; a service's own PostgreSQL URL is enough for it
    ServiceProcesses(tmp_path, {"HUIQI_DATABASE_URL": "sqlite:///x/{service}.sqlite3",
                                "HUIQI_POLICY_DATABASE_URL": POSTGRES["HUIQI_DATABASE_URL"]},
                     replicas={"gateway": 2, "policy": 2})


def test_each_replica_is_a_process_with_a_name_and_probe_port_of_its_own(tmp_path):
    processes = ServiceProcesses(tmp_path, {**POSTGRES, "HUIQI_PROBE_PORT": "9100"},
                                 replicas={"policy": 2, "gateway": 2})
    assert processes.instances("policy", "tagging") == ["policy-1", "policy-2", "tagging"]
    assert len(processes.instances()) == len(SERVICES) + 2
    ports = {name: processes._environment(name) for name in processes.instances()}
    assert ports["policy-1"]["HUIQI_POLICY_PROBE_PORT"] == "9101"
    assert ports["policy-2"]["HUIQI_POLICY_PROBE_PORT"] == str(9101 + len(SERVICES))
    assert len(set(processes.probe_ports.values())) == len(processes.instances())


def test_a_replica_gets_a_free_probe_port_when_none_is_configured(tmp_path):
    processes = ServiceProcesses(tmp_path, POSTGRES, replicas={"tagging": 2})
    processes._environment("tagging-1"), processes._environment("tagging-2"), processes._environment("policy")
    assert set(processes.probe_ports) == {"tagging-1", "tagging-2"}
    assert processes.probe_ports["tagging-1"] != processes.probe_ports["tagging-2"]


def test_a_port_given_for_a_service_is_its_first_replicas():
    env = {"HUIQI_PROBE_PORT": "9100", "HUIQI_GATEWAY_PROBE_PORT": "9200"}
    assert probe_port_of("gateway", env, replica=0) == {}
    assert probe_port_of("gateway", env, replica=1) == {"HUIQI_GATEWAY_PROBE_PORT": str(9200 + len(SERVICES))}
