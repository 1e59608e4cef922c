"""The deployment files agree with the code and keep the rules of operating it.

Every service the launcher starts runs in compose and on Kubernetes after `huiqi declare` and
`huiqi migrate`; every
`HUIQI_` variable they set is one the platform reads; images are pinned; secrets come from the
environment (compose) or from the Secret the operator creates (Kubernetes), never from a file here.
"""
from __future__ import annotations

import importlib
import re
import tomllib
from urllib.parse import urlsplit

import pytest

from shared.config import Settings
from tests.unit.deploy.deploy_files import DEPLOY, compose, kubernetes_documents, of_kind, pod_containers
from tools.launcher import ROOT, SERVICES

LONG_RUNNING = ("rabbitmq", "postgres", *SERVICES)
PROBES = {"livenessProbe": "/health/live", "readinessProbe": "/health/ready"}
HPA_TARGETS = ("gateway", "policy")
SECRET_NAME = "huiqi"
TWO_PART_RELEASES = frozenset({"postgres"})
INTERPOLATION = re.compile(r"\$\{(\w+)(:?[?-][^}]*)?\}")


def _class_of(target: str):
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def _project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def _deployments() -> dict[str, dict]:
    return of_kind("Deployment")


def _selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in selector["matchLabels"].items())


def known_variables() -> set[str]:
    """`HUIQI_` variables the platform reads: Settings, deploy/nameko.yaml, one database per service."""
    nameko = (DEPLOY / "nameko.yaml").read_text(encoding="utf-8")
    return ({f"HUIQI_{name.upper()}" for name in Settings.model_fields}
            | set(re.findall(r"\$\{(HUIQI_\w+):", nameko))
            | {f"HUIQI_{service.upper()}_DATABASE_URL" for service in SERVICES})


def unpinned(image: str) -> str | None:
    """Why an image reference is not pinned to one release, or None when it is.

    A release is major.minor.patch (`3.11` or `15` move with every patch), except for projects
    whose releases have two parts (PostgreSQL: `15.20`)."""
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return f"{image}: no tag"
    if tag == "latest":
        return f"{image}: latest"
    parts = 2 if name.rsplit("/", 1)[-1] in TWO_PART_RELEASES else 3
    if not re.match(r"\d+" + r"\.\d+" * (parts - 1) + r"(?![.\d])", tag):
        return f"{image}: not one release"
    return None


def test_every_service_the_launcher_starts_exists_and_is_named_as_its_key():
    for key, target in SERVICES.items():
        assert _class_of(target).name == key


def test_compose_and_kubernetes_run_the_same_services_after_declare_and_migrate():
    commands = {name: spec["command"] for name, spec in compose()["services"].items() if "command" in spec}
    assert commands.pop("declare") == ["huiqi", "declare"]
    assert commands.pop("migrate") == ["huiqi", "migrate"]
    deployments = _deployments()
    for key, target in SERVICES.items():
        assert commands[key][:3] == ["nameko", "run", target]
        container = deployments[f"huiqi-{key}"]["spec"]["template"]["spec"]["containers"][0]
        assert container["command"][:3] == ["nameko", "run", target]
    assert set(deployments) == {f"huiqi-{key}" for key in SERVICES}
    jobs = {name: job["spec"]["template"]["spec"]["containers"][0]["command"] for name, job in of_kind("Job").items()}
    assert jobs == {"huiqi-declare": ["huiqi", "declare"], "huiqi-migrate": ["huiqi", "migrate"]}


def test_every_huiqi_variable_the_deployment_files_name_is_one_the_platform_reads():
    named = {path.relative_to(ROOT).as_posix(): set(re.findall(r"\bHUIQI_[A-Z0-9_]*[A-Z0-9]", path.read_text()))
             for path in sorted(DEPLOY.rglob("*")) if path.is_file()}
    assert "HUIQI_ADMIN_TOKEN" in named["deploy/compose.yaml"]
    assert {path: sorted(names - known_variables()) for path, names in named.items() if names - known_variables()} == {}


def test_every_image_is_pinned_and_huiqi_is_the_project_version():
    images = re.findall(r"^FROM\s+(\S+)", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.MULTILINE)
    images += [spec["image"] for spec in compose()["services"].values()]
    images += [container["image"] for _, document in kubernetes_documents()
               if document["kind"] in ("Deployment", "Job") for container in pod_containers(document)]
    assert len(images) > 2 * len(SERVICES)
    assert [reason for reason in map(unpinned, images) if reason] == []
    assert {image for image in images if image.startswith("huiqi:")} == {f"huiqi:{_project_version()}"}


def test_image_pinning_rejects_latest_and_a_missing_tag():
    assert unpinned("postgres:15.20") is None
    assert unpinned("registry.local:5000/huiqi:0.1.0") is None
    assert unpinned("huiqi:latest") == "huiqi:latest: latest"
    assert unpinned("registry.local:5000/huiqi") == "registry.local:5000/huiqi: no tag"
    assert unpinned("rabbitmq") == "rabbitmq: no tag"
    assert unpinned("python:3.11.7-slim-bookworm") is None
    assert unpinned("python:3.11-slim") == "python:3.11-slim: not one release"
    assert unpinned("rabbitmq:3.10-management") == "rabbitmq:3.10-management: not one release"
    assert unpinned("postgres:15") == "postgres:15: not one release"


def test_compose_keeps_data_in_named_volumes_checks_health_and_counts_replicas():
    services = compose()["services"]
    volumes = compose()["volumes"]
    for name, data in (("postgres", "/var/lib/postgresql/data"), ("rabbitmq", "/var/lib/rabbitmq")):
        [source] = [mount.split(":")[0] for mount in services[name]["volumes"] if mount.split(":")[1] == data]
        assert source in volumes, f"{name}: {data} is not a named volume"
    for name in LONG_RUNNING:
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
        assert isinstance(services[name]["deploy"]["replicas"], int), name


def test_compose_starts_each_service_after_declare_and_migrate_have_completed():
    services = compose()["services"]
    assert services["declare"]["depends_on"]["rabbitmq"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name in SERVICES:
        for one_shot in ("declare", "migrate"):
            assert services[name]["depends_on"][one_shot] == {"condition": "service_completed_successfully"}, name


def test_compose_takes_every_password_and_token_from_the_environment():
    """A secret's value is `${VARIABLE}` (with `:?` and no default); a URL's password too."""
    checked = []
    for name, spec in compose()["services"].items():
        for key, value in spec.get("environment", {}).items():
            where = f"{name}.{key}"
            if re.search(r"PASS|TOKEN|SECRET", key):
                match = INTERPOLATION.fullmatch(value)
                assert match and not (match.group(2) or "").lstrip(":").startswith("-"), where
                checked.append(where)
            if "://" in value:
                password = urlsplit(value.replace("{service}", "service")).password
                assert password is None or INTERPOLATION.fullmatch(password), where
                checked.append(where)
    assert {"postgres.POSTGRES_PASSWORD", "rabbitmq.RABBITMQ_DEFAULT_PASS", "gateway.HUIQI_ADMIN_TOKEN",
            "policy.HUIQI_DATABASE_URL", "declare.HUIQI_AMQP_URI", "migrate.HUIQI_DATABASE_URL"} <= set(checked)


def test_kubernetes_holds_no_secret_and_every_pod_reads_the_operators_secret():
    assert [name for name, document in kubernetes_documents() if document["kind"] == "Secret"] == []
    for document in [*_deployments().values(), *of_kind("Job").values()]:
        for container in pod_containers(document):
            assert {"secretRef": {"name": SECRET_NAME}} in container["envFrom"], container["name"]
            assert [item["name"] for item in container.get("env", []) if "value" in item
                    and re.search(r"PASS|TOKEN|SECRET|_URI|_URL", item["name"])] == [], container["name"]


def test_every_deployment_has_probes_on_a_named_port_and_resources():
    for name, deployment in _deployments().items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        ports = {port["name"] for port in container["ports"]}
        for probe, path in PROBES.items():
            assert container[probe]["httpGet"]["path"] == path, f"{name} {probe}"
            assert container[probe]["httpGet"]["port"] in ports, f"{name} {probe}"
        assert set(container["resources"]["requests"]) == {"cpu", "memory"}, name
        assert "memory" in container["resources"]["limits"], name


def _probe_ports() -> set[int]:
    """The numbers of the container ports named `probe`, and the port compose's health checks ask."""
    ports = {port["containerPort"] for deployment in _deployments().values()
             for port in deployment["spec"]["template"]["spec"]["containers"][0]["ports"] if port["name"] == "probe"}
    services = compose()["services"]
    ports |= {urlsplit(services[name]["healthcheck"]["test"][-1]).port for name in SERVICES}
    return ports


def test_kubernetes_and_compose_probe_every_service_on_one_port():
    for name, deployment in _deployments().items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert {container[probe]["httpGet"]["port"] for probe in PROBES} == {"probe"}, name
    assert len(_probe_ports()) == 1


def test_every_service_is_told_the_port_it_is_probed_on():
    """Services serve probes on HUIQI_PROBE_PORT (off by default): it must be the port probed."""
    if "probe_port" not in Settings.model_fields:
        pytest.skip("this version of the platform serves no probe port of its own")
    [port] = _probe_ports()
    for name, deployment in _deployments().items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert {"name": "HUIQI_PROBE_PORT", "value": str(port)} in container.get("env", []), name
    for name in SERVICES:
        assert compose()["services"][name]["environment"].get("HUIQI_PROBE_PORT") == str(port), name


def test_every_deployment_has_a_disruption_budget_selecting_its_pods():
    budgets = of_kind("PodDisruptionBudget").values()
    for name, deployment in _deployments().items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert [budget for budget in budgets if _selects(budget["spec"]["selector"], labels)], name


def test_gateway_and_policy_scale_by_autoscaler_and_name_no_replica_count():
    """A Deployment an autoscaler scales names no `replicas`: each apply would reset it."""
    deployments = _deployments()
    targets = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind("HorizontalPodAutoscaler").values()}
    assert targets == {f"huiqi-{name}" for name in HPA_TARGETS}
    for name in targets:
        assert "replicas" not in deployments[name]["spec"], name
    for name in set(deployments) - targets:
        assert deployments[name]["spec"]["replicas"] >= 1, name
