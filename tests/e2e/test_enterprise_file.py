"""One file per enterprise (一企一档), end to end: the history of every profile version with what
changed, and the interests an enterprise declares itself (source `self`), which tag `interest.*`.

One platform on SQLite serves the module; each test has enterprises of its own.
"""
from __future__ import annotations

import pytest

from tests.e2e.harness import API, enterprise_event, new_marker, new_uscc, policy_draft
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def firm(marker: str, **changes) -> dict:
    return {"name": f"滨州{marker[-4:]}纺织有限公司", "registered_on": "2018-05-20", "ownership": "private",
            "industry_code": "C1713", "county": "371625", "employees": 80, "interests": [marker], **changes}


def registered(platform, gov, uscc: str, fields: dict) -> dict:
    gov.publish("enterprise.registered", enterprise_event(uscc, fields, source="market-regulation", sequence=3))
    return eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be registered")


def history_of(platform, uscc: str, **params) -> dict:
    answer = platform.get(f"{API}/enterprises/{uscc}/history", params=params)
    assert answer.status_code == 200, f"GET history of {uscc}: {answer.status_code} {answer.text[:300]}"
    return answer.json()


def put_interests(platform, uscc: str, body) -> object:
    return platform.http.put(f"{platform.url}{API}/enterprises/{uscc}/interests", json=body, timeout=30)


def error_of(answer, status: int) -> dict:
    assert answer.status_code == status, f"{answer.status_code} {answer.text[:400]}"
    return answer.json()["error"]


def test_the_history_lists_every_version_newest_first_with_what_changed(platform, gov):
    marker = new_marker()
    uscc = new_uscc()
    first = registered(platform, gov, uscc, firm(marker))
    assert first["version"] == 1

    gov.publish("enterprise.profile_changed",
                enterprise_event(uscc, {"employees": 400, "annual_revenue": 52_000_000.0}, source="tax", sequence=11))
    second = eventually(lambda: _at_version(platform, uscc, 2), what="the tax change")
    # a message that changes nothing makes no version
    gov.publish("enterprise.profile_changed", enterprise_event(uscc, {"employees": 400}, source="tax", sequence=12))
    eventually(lambda: _source_sequence(platform, uscc, "employees", 12), what="the repeated value")
    assert platform.enterprise(uscc)["version"] == 2

    history = history_of(platform, uscc)
    assert history["total"] == 2
    newest, oldest = history["items"]
    assert [newest["version"], oldest["version"]] == [2, 1]
    assert (newest["uscc"], newest["source"], newest["sequence"]) == (uscc, "tax", 11)
    assert newest["changes"] == {"employees": {"from": 80, "to": 400},
                                 "annual_revenue": {"from": None, "to": 52_000_000.0}}
    assert newest["tags_added"] == sorted(set(second["tags"]) - set(first["tags"]))
    assert newest["tags_removed"] == sorted(set(first["tags"]) - set(second["tags"]))
    assert "employment.300_999" in newest["tags_added"] and "employment.50_299" in newest["tags_removed"]
    assert newest["at"] >= oldest["at"] and newest["event_id"] != oldest["event_id"]

    assert (oldest["source"], oldest["sequence"], oldest["tags_removed"]) == ("market-regulation", 3, [])
    assert oldest["tags_added"] == first["tags"]
    assert oldest["changes"]["name"] == {"from": None, "to": firm(marker)["name"]}
    assert oldest["changes"]["interests"] == {"from": None, "to": [marker]}

    page = history_of(platform, uscc, limit=1, offset=1)
    assert page["total"] == 2 and [item["version"] for item in page["items"]] == [1]


def _at_version(platform, uscc: str, version: int) -> dict:
    file = platform.enterprise(uscc)
    assert file["version"] == version, file["version"]
    return file


def _source_sequence(platform, uscc: str, field: str, sequence: int) -> None:
    assert platform.enterprise(uscc)["sources"][field]["sequence"] == sequence


def test_the_enterprise_declares_its_interests_and_gets_the_policies_that_ask_for_them(platform, gov):
    marker = new_marker()
    uscc = new_uscc()
    before = registered(platform, gov, uscc, firm(marker))
    assert not any(tag.startswith("interest.") for tag in before["tags"])
    exporters = platform.create_and_publish(policy_draft("出口企业开拓国际市场奖励", {"tag": "interest.export"}))
    assert exporters not in [item["policy_id"] for item in platform.policies_of(uscc)]

    answer = put_interests(platform, uscc, {"interests": ["export", "financing", "export"]})
    assert answer.status_code == 200, answer.text
    file = answer.json()
    assert file["interests"] == ["export", "financing"] and file["version"] == 2
    assert {"interest.export", "interest.financing"} <= set(file["tags"])
    assert file["sources"]["interests"]["source"] == "self" and file["sources"]["interests"]["sequence"] == 1
    assert file["sources"]["name"]["source"] == "market-regulation"
    assert file["tag_evidence"]["interest.export"]
    assert platform.enterprise(uscc)["sources"]["interests"] == file["sources"]["interests"]

    def pushed():
        assert exporters in [item["policy_id"] for item in platform.policies_of(uscc)]
        notified = [item["policy_id"] for item in platform.notifications_of(uscc)]
        assert notified.count(exporters) == 1, notified
    eventually(pushed, what="the export policy to be listed and notified")

    newest = history_of(platform, uscc)["items"][0]
    assert (newest["version"], newest["source"], newest["sequence"]) == (2, "self", 1)
    assert newest["event_id"].startswith("self-")
    assert newest["changes"] == {"interests": {"from": [marker], "to": ["export", "financing"]}}
    assert {"interest.export", "interest.financing"} <= set(newest["tags_added"])

    # declaring again takes the next self sequence; the same interests change nothing and push nothing again
    again = put_interests(platform, uscc, {"interests": ["financing", "export"]})
    assert again.status_code == 200, again.text
    assert (again.json()["version"], again.json()["sources"]["interests"]["sequence"]) == (2, 2)
    fewer = put_interests(platform, uscc, {"interests": ["financing"]})
    assert fewer.status_code == 200, fewer.text
    assert "interest.export" not in fewer.json()["tags"] and fewer.json()["sources"]["interests"]["sequence"] == 3
    assert history_of(platform, uscc)["items"][0]["tags_removed"] == ["interest.export"]
    eventually(lambda: _not_listed(platform, uscc, exporters), what="the export policy to be unlisted")
    assert [item["policy_id"] for item in platform.notifications_of(uscc)].count(exporters) == 1


def _not_listed(platform, uscc: str, policy_id: int) -> None:
    assert policy_id not in [item["policy_id"] for item in platform.policies_of(uscc)]


def test_declaring_for_an_unknown_enterprise_is_404_and_registers_nothing(platform):
    uscc = new_uscc()
    assert error_of(put_interests(platform, uscc, {"interests": ["export"]}), 404)["code"] == "not_found"
    assert platform.get(f"{API}/enterprises/{uscc}").status_code == 404
    assert error_of(platform.get(f"{API}/enterprises/{uscc}/history"), 404)["code"] == "not_found"


def test_bad_interest_codes_are_422_naming_the_item(platform, gov):
    uscc = new_uscc()
    registered(platform, gov, uscc, firm(new_marker()))
    error = error_of(put_interests(platform, uscc, {"interests": ["出口"]}), 422)
    assert error["code"] == "invalid" and [d["field"] for d in error["details"]] == ["interests.0"]
    error = error_of(put_interests(platform, uscc, {"interests": ["export"], "sequence": 9}), 422)
    assert [d["field"] for d in error["details"]] == ["sequence"]
    error_of(put_interests(platform, "913716024JURQ28301", {"interests": ["export"]}), 422)
    assert platform.enterprise(uscc)["version"] == 1
