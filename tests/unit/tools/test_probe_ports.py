"""`huiqi run` starts every service on one host: each gets a probe port of its own."""
from tools.launcher import SERVICES, probe_port_of


def test_each_service_gets_the_next_port_after_the_first():
    env = {"HUIQI_PROBE_PORT": "9100"}
    ports = {name: probe_port_of(name, env) for name in SERVICES}
    assert ports["tagging"] == {"HUIQI_TAGGING_PROBE_PORT": "9100"}
    assert sorted(int(value) for given in ports.values() for value in given.values()) == \
        list(range(9100, 9100 + len(SERVICES)))


def test_a_port_given_for_a_service_is_kept_and_none_given_means_off():
    assert probe_port_of("gateway", {"HUIQI_PROBE_PORT": "9100", "HUIQI_GATEWAY_PROBE_PORT": "9200"}) == {}
    assert probe_port_of("gateway", {}) == {}
    assert probe_port_of("gateway", {"HUIQI_PROBE_PORT": "0"}) == {}
