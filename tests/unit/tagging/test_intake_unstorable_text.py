"""Text PostgreSQL cannot store (U+0000, lone surrogates) is refused at validation, naming the field,
and what is kept of the refused message is itself storable."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.tagging import intake
from shared import storable_text
from shared.uscc import complete

GOOD = complete("91371625MA3C12345")
UNSTORABLE = ["\x00", "\ud800", "\udfff", "\udc80"]
ANY_TEXT = st.text(st.characters(blacklist_categories=[]))   # lone surrogates too


def single(**fields):
    return {"event_id": "e-1", "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
            "sequence": 3, "enterprise": {"uscc": GOOD, **fields}}


def all_storable(rejected: intake.Rejected) -> bool:
    texts = [rejected.body, rejected.reason, rejected.event_id or "", rejected.source or "",
             *(value for error in rejected.errors for value in error.values())]
    return all(storable_text.problem(text) is None for text in texts)


@pytest.mark.parametrize("bad", UNSTORABLE, ids=ascii)
@pytest.mark.parametrize(("path", "body"), [
    ("enterprise.name", lambda bad: single(name=f"滨州{bad}有限公司")),
    ("enterprise.uscc", lambda bad: {**single(), "enterprise": {"uscc": GOOD[:5] + bad + GOOD[6:]}}),
    ("enterprise.qualifications", lambda bad: single(qualifications=["tech_sme", f"gazelle{bad}"])),
    ("event_id", lambda bad: {**single(), "event_id": f"e-{bad}-1"}),
    ("source", lambda bad: {**single(), "source": f"market{bad}"}),
])
def test_an_unstorable_character_in_a_string_field_is_refused_naming_the_field(bad, path, body):
    message = body(bad)
    received = intake.read("enterprise.profile_changed", message, json.dumps(message))
    [rejected] = received.rejected
    assert received.updates == []
    assert [error["field"] for error in rejected.errors] == [path]
    assert "U+0000" in rejected.reason if bad == "\x00" else "surrogate" in rejected.reason
    assert all_storable(rejected)


def test_in_a_bulk_batch_only_the_item_with_the_character_is_refused():
    batch = {"event_id": "b-1", "source": "tax", "occurred_at": "2026-11-27T09:30:00+08:00", "profiles": [
        {"sequence": 1, "enterprise": {"uscc": GOOD, "name": "甲"}},
        {"sequence": 2, "enterprise": {"uscc": GOOD, "name": "乙\x00"}},
        {"sequence": 3, "enterprise": {"uscc": GOOD, "name": "丙\ud83d"}},
        {"sequence": 4, "enterprise": {"uscc": GOOD, "na\x00me": "丁"}},
        {"sequence": 5, "enterprise": {"uscc": GOOD, "name": "戊 🙂"}},  # a surrogate pair is fine
    ]}
    received = intake.read("enterprise.profiles_synced", batch, json.dumps(batch))
    assert [update.sequence for update in received.updates] == [1, 5]
    assert [(item.item_index, item.errors[0]["field"]) for item in received.rejected] == [
        (1, "profiles.1.enterprise.name"), (2, "profiles.2.enterprise.name"),
        (3, "profiles.3.enterprise.na\\u0000me")]
    assert all(all_storable(item) for item in received.rejected)


@given(st.text(st.characters(blacklist_categories=[]), min_size=1, max_size=30))
def test_a_name_is_applied_only_if_storable_and_a_refusal_is_always_storable(name):
    message = single(name=name)
    received = intake.read("enterprise.profile_changed", message, json.dumps(message))
    if storable_text.problem(name) is None:
        assert received.updates and received.updates[0].fields["name"] == name
    else:
        [rejected] = received.rejected
        assert rejected.errors[0]["field"] == "enterprise.name" and all_storable(rejected)


@given(ANY_TEXT)
def test_escaping_leaves_storable_text_alone_and_makes_any_text_storable(text):
    assert storable_text.problem(storable_text.escaped(text)) is None
    if storable_text.problem(text) is None:
        assert storable_text.escaped(text) == text
