"""The deployment files are valid for the tools that read them, checked offline.

Kubernetes manifests: kubernetes-validate's strict schemas (unknown fields are errors) for the
oldest and newest Kubernetes we aim at. compose.yaml: the Compose Specification's JSON schema,
as check-jsonschema vendors it. Each validator is also shown to reject a broken copy, so a
validator that accepted anything would fail here.
"""
from __future__ import annotations

import copy

import jsonschema
import kubernetes_validate
import pytest

from tests.unit.deploy.deploy_files import KUBERNETES_VERSIONS, compose, compose_schema, kubernetes_documents, of_kind


def _cases() -> list:
    return [pytest.param(document, version, id=f"{name}:{document['kind']}/{document['metadata']['name']}@{version}")
            for name, document in kubernetes_documents() for version in KUBERNETES_VERSIONS]


def _compose_errors(document: dict) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_kubernetes_validate_ships_the_versions_we_check():
    assert set(KUBERNETES_VERSIONS) <= set(kubernetes_validate.utils.all_versions())


@pytest.mark.parametrize(("document", "version"), _cases())
def test_every_kubernetes_manifest_is_valid(document, version):
    kubernetes_validate.validate(document, version, strict=True)


def test_the_kubernetes_validator_rejects_a_misspelt_field_and_a_wrong_type():
    deployment = next(iter(of_kind("Deployment").values()))
    misspelt = copy.deepcopy(deployment)
    misspelt["spec"]["template"]["spec"]["containers"][0]["comand"] = ["huiqi", "declare"]
    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "two"
    for broken in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_compose_file_follows_the_compose_specification():
    assert _compose_errors(compose()) == []


def test_the_compose_schema_rejects_an_unknown_key_and_a_wrong_type():
    unknown = compose()
    unknown["services"]["policy"]["replica"] = 2
    wrong_type = compose()
    wrong_type["services"]["policy"]["depends_on"]["declare"]["condition"] = "service_finished"
    assert any("replica" in error for error in _compose_errors(unknown))
    assert any(error.startswith("services/policy/depends_on") for error in _compose_errors(wrong_type))
