"""Replaying a quarantined message: read again exactly as a consumed one, or refused naming the fields."""
import json
from datetime import UTC, datetime

import pytest

from services.tagging import replay
from shared.contracts.actors import Actor, Role
from shared.errors import Invalid
from shared.uscc import complete

GOOD = complete("91371625MA3C12345")
BAD_CHECK = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
RECEIVED = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)


def event(uscc=GOOD, **enterprise):
    return {"event_id": "e-1", "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
            "sequence": 3, "enterprise": {"uscc": uscc, **enterprise}}


def whole(body, corrected=None, routing_key="enterprise.registered"):
    stored = body if isinstance(body, str) else json.dumps(body)
    return replay.message_to_replay(routing_key=routing_key, stored_body=stored, item_index=None,
                                    event_id="e-1", source="market-regulation", received_at=RECEIVED,
                                    corrected=corrected)


def item(body, corrected=None):
    return replay.message_to_replay(routing_key="enterprise.profiles_synced", stored_body=json.dumps(body),
                                    item_index=4, event_id="batch-1", source="tax", received_at=RECEIVED,
                                    corrected=corrected)


def test_the_stored_message_still_invalid_is_refused_naming_the_field():
    with pytest.raises(Invalid) as raised:
        whole(event(BAD_CHECK))
    assert [error["field"] for error in raised.value.details] == ["enterprise.uscc"]
    assert "check character" in raised.value.message


def test_a_corrected_whole_message_is_read_as_a_consumed_one():
    received = whole(event(BAD_CHECK), corrected=event(employees=12))
    [update] = received.updates
    assert (update.uscc, update.source, update.sequence, update.event_id) == (GOOD, "market-regulation", 3, "e-1")
    assert update.fields == {"employees": 12, "status": "active"}


def test_a_stored_body_that_is_not_json_needs_a_correction():
    with pytest.raises(Invalid) as raised:
        whole("{not json")
    assert raised.value.details[0]["field"] == "body"
    assert whole("{not json", corrected=event()).updates[0].uscc == GOOD


def test_a_bulk_item_is_replayed_inside_its_batch_envelope_and_its_errors_name_the_item_fields():
    bad = {"sequence": 5, "enterprise": {"uscc": GOOD, "employees": -5}}
    with pytest.raises(Invalid) as raised:
        item(bad)
    assert [error["field"] for error in raised.value.details] == ["enterprise.employees"]
    [update] = item(bad, corrected={"sequence": 5, "enterprise": {"uscc": GOOD, "employees": 5}}).updates
    assert (update.event_id, update.source, update.sequence, update.fields) == ("batch-1", "tax", 5, {"employees": 5})
    assert update.occurred_at == RECEIVED


def test_a_corrected_body_of_the_wrong_shape_is_refused():
    with pytest.raises(Invalid):
        whole(event(BAD_CHECK), corrected=["not", "an", "event"])
    with pytest.raises(Invalid):
        item({"sequence": 1}, corrected={"sequence": 1, "enterprise": {"uscc": GOOD}, "extra": 1})


def test_resolutions_say_who_how_and_what_came_of_it():
    admin = Actor(role=Role.city_admin, id="city-admin")
    assert replay.replayed_resolution(admin, True, "applied") == \
        "replayed by city_admin city-admin with a corrected body: applied"
    assert replay.replayed_resolution(admin, False, "stale") == "replayed by city_admin city-admin as received: stale"
    assert replay.discarded_resolution(admin, "测试数据") == "discarded by city_admin city-admin: 测试数据"


@pytest.mark.parametrize("reason", [None, "", "  ", 3])
def test_discarding_needs_a_reason(reason):
    with pytest.raises(Invalid):
        replay.discard_reason(reason)
    assert replay.discard_reason("  duplicate of 12 ") == "duplicate of 12"
