"""The application service's providers: materials kept before they are named, proactive policies known."""
from __future__ import annotations

import base64

import pytest

from services.application import dependencies
from services.application.dependencies import Materials, ProactivePolicies
from services.application.material_store import MaterialStore
from shared.errors import Invalid

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def materials(tmp_path) -> Materials:
    provider = Materials()
    provider.store = MaterialStore(tmp_path / "materials")
    return provider


def test_materials_are_on_disk_once_kept(materials):
    checked = materials.keep([{"name": "申请表", "filename": "申请表.pdf",
                               "content_base64": base64.b64encode(PDF).decode()}])
    assert [material.name for material in checked] == ["申请表"]
    assert materials.store.open(checked[0].sha256) == PDF


def test_materials_refused_are_invalid_naming_the_field_and_nothing_is_kept(materials):
    with pytest.raises(Invalid) as refused:
        materials.keep([{"name": "申请表", "filename": "申请表.exe", "content_base64": base64.b64encode(PDF).decode()}])
    assert refused.value.details[0]["field"] == "materials.0.filename"
    assert not materials.store.root.exists()


class Clock:
    def __init__(self):
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(dependencies.time, "monotonic", clock.monotonic)
    return clock


def test_proactive_policies_are_asked_again_for_a_policy_not_seen_or_after_a_while(clock):
    asked = []

    def ask() -> dict:
        asked.append(clock.now)
        return {"published": [1, 2, 3], "proactive": [2]}

    policies = ProactivePolicies()
    policies.setup()
    assert policies.trusted_for_s == 10.0   # HUIQI_PROACTIVE_CACHE_S, unless set
    assert policies.ids({1}, ask) == frozenset({2}) and len(asked) == 1
    clock.now += policies.trusted_for_s
    assert policies.ids({1, 3}, ask) == frozenset({2}) and len(asked) == 1   # known, and fresh enough
    assert policies.ids({4}, ask) == frozenset({2}) and len(asked) == 2      # a policy published meanwhile?
    clock.now += policies.trusted_for_s + 1
    policies.ids(set(), ask)
    assert len(asked) == 3
