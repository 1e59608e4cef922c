"""Quarantine, end to end: staff list rejected messages, replay one (as received or corrected) or
discard it with a reason; nothing leaves quarantine without a trace (state, resolution, when).

One platform on SQLite serves the module; each test has enterprises of its own.
"""
from __future__ import annotations

import json

import pytest

from tests.e2e.harness import (
    API,
    bulk_event,
    enterprise_event,
    new_marker,
    new_uscc,
    with_wrong_check_character,
)
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def firm(marker: str, **changes) -> dict:
    return {"name": f"滨州{marker[-4:]}化工有限公司", "registered_on": "2019-03-08", "ownership": "private",
            "industry_code": "C2614", "county": "371602", "employees": 80, "interests": [marker], **changes}


def quarantined(platform, event_id: str, item_index: int | None = None) -> dict:
    def found():
        rows = [item for item in platform.quarantine()
                if item["event_id"] == event_id and item["item_index"] == item_index]
        assert len(rows) == 1, rows
        return rows[0]
    return eventually(found, what=f"{event_id} to be quarantined")


def row_of(platform, quarantine_id: int) -> dict:
    [row] = [item for item in platform.quarantine() if item["id"] == quarantine_id]
    return row


def error_of(answer, status: int) -> dict:
    assert answer.status_code == status, f"{answer.status_code} {answer.text[:400]}"
    return answer.json()["error"]


def test_a_rejected_message_is_replayed_once_corrected_and_the_trace_stays(platform, gov):
    marker = new_marker()
    uscc = new_uscc()
    event = enterprise_event(with_wrong_check_character(uscc), firm(marker))
    gov.publish("enterprise.registered", event)
    row = quarantined(platform, event["event_id"])
    assert row["state"] == "waiting" and row["resolution"] is None
    replay = f"{API}/quarantine/{row['id']}/replay"

    # as received, it is still invalid: 422 naming the field, and it keeps waiting
    error = error_of(platform.post(replay), 422)
    assert error["code"] == "invalid" and [d["field"] for d in error["details"]] == ["enterprise.uscc"]
    assert row_of(platform, row["id"])["state"] == "waiting"
    assert platform.get(f"{API}/enterprises/{uscc}").status_code == 404

    corrected = {**event, "enterprise": {**event["enterprise"], "uscc": uscc}}
    answer = platform.post(replay, {"body": corrected})
    assert answer.status_code == 200, answer.text
    replayed = answer.json()
    assert replayed["id"] == row["id"] and replayed["state"] == "replayed" and replayed["resolved_at"]
    assert "city-admin" in replayed["resolution"] and "corrected" in replayed["resolution"]
    assert "applied" in replayed["resolution"]
    assert json.loads(replayed["corrected_body"]) == corrected
    assert json.loads(replayed["body"]) == event, "the message as received is kept"

    file = platform.enterprise(uscc)
    assert file["name"] == firm(marker)["name"] and file["status"] == "active" and file["version"] == 1
    assert file["sources"]["name"]["source"] == "market-regulation"

    listed = row_of(platform, row["id"])
    assert (listed["state"], listed["resolution"]) == ("replayed", replayed["resolution"])
    waiting = platform.get(f"{API}/quarantine", params={"limit": 200}).json()["items"]
    assert row["id"] not in [item["id"] for item in waiting]

    error = error_of(platform.post(replay, {"body": corrected}), 409)
    assert error["code"] == "conflict"
    error_of(platform.post(f"{API}/quarantine/{row['id']}/discard", {"reason": "too late"}), 409)
    assert platform.enterprise(uscc)["version"] == 1


def test_a_bulk_item_is_replayed_in_its_batch_with_the_sequence_rule(platform, gov):
    marker = new_marker()
    uscc = new_uscc()
    items = [{"sequence": 4, "enterprise": {"uscc": uscc, **firm(marker, employees=-3)}}]
    batch = bulk_event("tax", items)
    gov.publish("enterprise.profiles_synced", batch)
    row = quarantined(platform, batch["event_id"], 0)
    answer = platform.post(f"{API}/quarantine/{row['id']}/replay",
                           {"body": {"sequence": 4, "enterprise": {"uscc": uscc, **firm(marker, employees=30)}}})
    assert answer.status_code == 200, answer.text
    assert "applied" in answer.json()["resolution"]
    file = platform.enterprise(uscc)
    assert (file["employees"], file["sources"]["employees"]["source"], file["sources"]["employees"]["sequence"]) \
        == (30, "tax", 4)

    # an older sequence from the same source, replayed after a newer one was applied, is recorded as stale
    newer = bulk_event("tax", [{"sequence": 9, "enterprise": {"uscc": uscc, "employees": 45}},
                               {"sequence": 7, "enterprise": {"uscc": uscc, "employees": "many"}}])
    gov.publish("enterprise.profiles_synced", newer)
    eventually(lambda: assert_employees(platform, uscc, 45), what="the newer batch")
    stale = quarantined(platform, newer["event_id"], 1)
    answer = platform.post(f"{API}/quarantine/{stale['id']}/replay",
                           {"body": {"sequence": 7, "enterprise": {"uscc": uscc, "employees": 40}}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "replayed" and "stale" in answer.json()["resolution"]
    assert platform.enterprise(uscc)["employees"] == 45
    assert platform.scalar("tagging", "SELECT count(*) FROM stale_messages WHERE uscc = :uscc", uscc=uscc) == 1


def assert_employees(platform, uscc: str, employees: int) -> None:
    assert platform.enterprise(uscc)["employees"] == employees


def test_a_rejected_message_is_discarded_with_a_reason_and_listed_so(platform, gov):
    event = enterprise_event(with_wrong_check_character(new_uscc()), firm(new_marker()))
    gov.publish("enterprise.registered", event)
    row = quarantined(platform, event["event_id"])
    discard = f"{API}/quarantine/{row['id']}/discard"

    for body in ({}, {"reason": ""}, {"reason": "   "}):
        assert "reason" in {d["field"] for d in error_of(platform.post(discard, body), 422)["details"]}
    assert row_of(platform, row["id"])["state"] == "waiting"

    answer = platform.post(discard, {"reason": "测试数据，来源系统已撤回"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "discarded"
    page = platform.get(f"{API}/quarantine", params={"state": "discarded", "limit": 200})
    assert page.status_code == 200, page.text
    [listed] = [item for item in page.json()["items"] if item["id"] == row["id"]]
    assert listed["state"] == "discarded" and listed["resolved_at"]
    assert "测试数据，来源系统已撤回" in listed["resolution"] and "city-admin" in listed["resolution"]
    assert {item["state"] for item in page.json()["items"]} == {"discarded"}
    error_of(platform.post(f"{API}/quarantine/{row['id']}/replay"), 409)


def test_an_unknown_quarantined_message_is_404(platform):
    assert error_of(platform.post(f"{API}/quarantine/987654321/replay"), 404)["code"] == "not_found"
    error_of(platform.post(f"{API}/quarantine/987654321/discard", {"reason": "nothing"}), 404)
    error_of(platform.post(f"{API}/quarantine/0/replay"), 422)
