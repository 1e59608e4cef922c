import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.tagging import intake
from shared.uscc import complete

GOOD = complete("91371625MA3C12345")
BAD_CHECK = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")


def single(**enterprise):
    return {"event_id": "e-1", "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
            "sequence": 3, "enterprise": {"uscc": GOOD, **enterprise}}


def test_a_valid_event_becomes_one_update_with_only_the_fields_sent():
    received = intake.read("enterprise.profile_changed", single(employees=12), "{}")
    [update] = received.updates
    assert (update.uscc, update.source, update.sequence, update.fields) == (GOOD, "market-regulation", 3,
                                                                            {"employees": 12})
    assert received.rejected == []


def test_registration_makes_the_enterprise_active_and_deregistration_ends_it():
    assert intake.read("enterprise.registered", single(), "{}").updates[0].fields == {"status": "active"}
    assert intake.read("enterprise.deregistered", single(), "{}").updates[0].fields == {"status": "deregistered"}


def test_a_bad_check_character_is_rejected_naming_the_field():
    body = single()
    body["enterprise"]["uscc"] = BAD_CHECK
    received = intake.read("enterprise.registered", body, json.dumps(body))
    [rejected] = received.rejected
    assert rejected.errors[0]["field"] == "enterprise.uscc"
    assert "check character" in rejected.reason
    assert rejected.event_id == "e-1" and received.updates == []


def test_every_broken_rule_is_listed():
    received = intake.read("enterprise.profile_changed",
                           single(employees=-1, county="110101", registered_on="2999-01-01", colour="red"), "{}")
    fields = {error["field"] for error in received.rejected[0].errors}
    assert fields == {"enterprise.employees", "enterprise.county", "enterprise.registered_on", "enterprise.colour"}


def test_a_body_that_is_not_json_is_rejected_with_the_decoder_error():
    received = intake.read("enterprise.registered", None, "{nope", decode_error="JSONDecodeError: Expecting")
    assert received.event_id is None
    assert received.rejected[0].body == "{nope" and "not JSON" in received.rejected[0].reason


def test_a_bad_item_in_a_batch_rejects_that_item_only():
    batch = {"event_id": "b-1", "source": "tax", "occurred_at": "2026-11-27T09:30:00+08:00", "profiles": [
        {"sequence": 1, "enterprise": {"uscc": GOOD, "annual_revenue": 1000}},
        {"sequence": 1, "enterprise": {"uscc": BAD_CHECK}},
        {"sequence": "x", "enterprise": {"uscc": GOOD}},
    ]}
    received = intake.read("enterprise.profiles_synced", batch, json.dumps(batch))
    assert [update.fields for update in received.updates] == [{"annual_revenue": 1000.0}]
    assert [(item.item_index, item.errors[0]["field"]) for item in received.rejected] == [
        (1, "profiles.1.enterprise.uscc"), (2, "profiles.2.sequence")]


def test_a_batch_envelope_that_is_wrong_rejects_the_whole_message():
    received = intake.read("enterprise.profiles_synced", {"event_id": "b-2", "source": "tax",
                                                          "occurred_at": "2026-11-27T09:30:00", "profiles": []}, "{}")
    assert {error["field"] for error in received.rejected[0].errors} == {"occurred_at", "profiles"}


@given(st.integers(0, 40), st.integers(0, 3), st.integers(1, 12))
def test_parts_keep_every_update_once_in_order_and_the_rejections_with_the_first(updates, rejected, size):
    message = intake.Intake("batch-1", [
        intake.ProfileUpdate("batch-1", "enterprise.profiles_synced", "tax", 1, f"u{number}", {"employees": number},
                             datetime(2026, 12, 1, tzinfo=UTC)) for number in range(updates)],
        [intake.Rejected("enterprise.profiles_synced", "{}", "bad", [], "batch-1", "tax", number)
         for number in range(rejected)])
    parts = intake.parts(message, size)
    assert [update for part in parts for update in part.updates] == message.updates
    assert all(0 < len(part.updates) <= size for part in parts) or parts == [message]
    assert parts[0].rejected == message.rejected and all(not part.rejected for part in parts[1:])
    assert len(parts) == max(1, -(-updates // size))
    assert {part.event_id for part in parts} == {"batch-1"}
