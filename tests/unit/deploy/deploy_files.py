"""The deployment files under deploy/, read as the tools that use them read them."""
from __future__ import annotations

import json
from importlib.resources import files

import yaml

from tools.launcher import ROOT

DEPLOY = ROOT / "deploy"
KUBERNETES_FILES = sorted((DEPLOY / "k8s").glob("*.yaml"))
# The oldest Kubernetes the manifests are meant for, and the newest kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.33.0", "1.37.0")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def kubernetes_documents() -> list[tuple[str, dict]]:
    """(file name, document) of every document in deploy/k8s/."""
    return [(path.name, document) for path in KUBERNETES_FILES
            for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]


def of_kind(kind: str) -> dict[str, dict]:
    """The Kubernetes documents of one kind, by name."""
    return {document["metadata"]["name"]: document for _, document in kubernetes_documents()
            if document["kind"] == kind}


def compose_schema() -> dict:
    """The Compose Specification's JSON schema, as check-jsonschema ships it (no network)."""
    vendor = files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath("compose-spec.json").read_text(encoding="utf-8"))


def pod_containers(document: dict) -> list[dict]:
    """The containers (init containers too) of a Deployment's or Job's pod template."""
    pod = document["spec"]["template"]["spec"]
    return pod.get("initContainers", []) + pod["containers"]
