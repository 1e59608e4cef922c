"""The deployment files name services and commands that exist."""
import importlib

import yaml

from tools.launcher import ROOT, SERVICES


def _class_of(target: str):
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def test_every_service_the_launcher_starts_exists_and_is_named_as_its_key():
    for key, target in SERVICES.items():
        assert _class_of(target).name == key


def test_compose_and_kubernetes_run_the_same_services_after_declare():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    documents = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / "huiqi.yaml").read_text()))
    commands = {name: spec["command"] for name, spec in compose["services"].items() if "command" in spec}
    assert commands.pop("declare") == ["huiqi", "declare"]
    deployments = {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == "Deployment"}
    for key, target in SERVICES.items():
        assert commands[key][:3] == ["nameko", "run", target]
        container = deployments[f"huiqi-{key}"]["spec"]["template"]["spec"]["containers"][0]
        assert container["command"][:3] == ["nameko", "run", target]
    [job] = [doc for doc in documents if doc["kind"] == "Job"]
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["huiqi", "declare"]
