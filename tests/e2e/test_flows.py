"""The platform's main flows, end to end: every service its own process, driven only through
`gov.events` (as another government system) and the gateway's HTTP API (as staff).

One platform per backend serves the whole module; each test has its own enterprises and an
interest code of its own (`new_marker`) that its policies ask for, so tests never see each
other's matches.
"""
from __future__ import annotations

import json
import uuid

import kombu
import pytest

from shared.clock import today_in_china
from shared.topology import PLATFORM_EVENTS
from tests.e2e.harness import (
    ADMIN_TOKEN,
    API,
    bulk_event,
    drained,
    enterprise_event,
    expected_tags,
    has_interest,
    huiqi,
    new_marker,
    new_uscc,
    policy_draft,
    with_wrong_check_character,
)
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.platform(backends=("sqlite", "postgresql"))]


def textile_firm(marker: str, **changes) -> dict:
    """A realistic medium-sized private cotton spinner in Zouping, interested in financing."""
    return {"name": f"滨州{marker[-4:]}棉纺织有限公司", "registered_on": "2018-05-16", "ownership": "private",
            "industry_code": "C1711", "county": "371681", "employees": 120, "annual_revenue": 36_000_000.0,
            "total_assets": 52_000_000.0, "interests": sorted(["financing", marker]), **changes}


def policy_ids(items: list[dict]) -> list[int]:
    return sorted(item["policy_id"] for item in items)


def stale_records(platform, uscc: str) -> int:
    return platform.scalar("tagging", "SELECT count(*) FROM stale_messages WHERE uscc = :uscc", uscc=uscc)


# --- 1. an enterprise registers ----------------------------------------------------------------------
def test_a_registered_enterprise_is_tagged_matched_explained_and_notified_once(platform, gov):
    marker = new_marker()
    textiles = platform.create_and_publish(policy_draft(
        "邹平市纺织企业技术改造补助", {"all": [{"tag": "industry.c"}, {"tag": "county.371681"}, has_interest(marker)]}))
    jobs = platform.create_and_publish(policy_draft(
        "稳岗扩岗补贴", {"all": [{"field": "employees", "op": ">=", "value": 100}, has_interest(marker)]}))
    large_only = platform.create_and_publish(policy_draft(
        "大型企业总部奖励", {"all": [{"tag": "scale.large"}, has_interest(marker)]}))
    draft_only = platform.create_policy(policy_draft("尚未发布的政策", has_interest(marker)))["id"]
    uscc = new_uscc(division="371681")
    fields = textile_firm(marker)
    event = enterprise_event(uscc, fields, source="market-regulation", sequence=1)

    gov.publish("enterprise.registered", event)

    file = eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be filed")
    assert {name: file[name] for name in fields} == fields
    assert file["uscc"] == uscc and file["status"] == "active" and file["version"] == 1
    assert set(file["tags"]) == expected_tags(fields, today_in_china())
    assert {"industry.c", "county.371681", "ownership.private", "interest.financing"} <= set(file["tags"])
    assert {(origin["source"], origin["sequence"]) for origin in file["sources"].values()} == {("market-regulation", 1)}
    assert set(fields) <= set(file["sources"])

    def listed():
        items = platform.policies_of(uscc)
        assert policy_ids(items) == sorted([textiles, jobs]), items
        return items
    items = eventually(listed, what="its policies to be listed")
    assert large_only not in policy_ids(items) and draft_only not in policy_ids(items)
    by_id = {item["policy_id"]: item for item in items}
    assert by_id[textiles]["title"] == "邹平市纺织企业技术改造补助" and by_id[textiles]["matched_at"]
    explanation = by_id[textiles]["explanation"]
    assert explanation["matched"] is True
    assert [(c["subject"], c["held"]) for c in explanation["conditions"]] == [
        ("industry.c", True), ("county.371681", True), ("interests", True)]
    employees = by_id[jobs]["explanation"]["conditions"][0]
    assert (employees["subject"], employees["actual"], employees["held"]) == ("employees", 120, True)

    def notified():
        inbox = platform.notifications_of(uscc)
        assert policy_ids(inbox) == sorted([textiles, jobs]), inbox
        return inbox
    inbox = eventually(notified, what="its notifications")
    assert {(n["kind"], n["read_at"]) for n in inbox} == {("policy_matched", None)}
    assert {n["policy_id"]: n["title"] for n in inbox}[jobs] == "稳岗扩岗补贴"

    # The same event again, on the bus and through the gateway's door for HTTP-only systems: no second effect.
    gov.publish("enterprise.registered", event)
    again = platform.post(f"{API}/events/enterprise.registered", event)
    assert again.status_code == 202 and again.json()["event_id"] == event["event_id"], again.text
    drained(platform)
    assert platform.enterprise(uscc)["version"] == 1
    assert stale_records(platform, uscc) == 0, "the duplicate was merged again (and found stale)"
    assert policy_ids(platform.notifications_of(uscc)) == sorted([textiles, jobs])


# --- 2. staff publish a policy -------------------------------------------------------------------------
def test_a_published_policy_is_pushed_once_to_every_matching_enterprise_and_to_no_other(platform, gov):
    marker = new_marker()
    boxing_makers = [new_uscc(division="371625") for _ in range(3)]
    elsewhere, traders = new_uscc(division="371602"), new_uscc(division="371625")
    profiles = {uscc: textile_firm(marker, county="371625", industry_code="C3411", name=f"博兴{n}号厨具有限公司")
                for n, uscc in enumerate(boxing_makers)}
    profiles[elsewhere] = textile_firm(marker, county="371602", name="滨城区某机械有限公司")
    profiles[traders] = textile_firm(marker, county="371625", industry_code="F5174", name="博兴县某商贸有限公司")
    items = [{"sequence": 1, "enterprise": {"uscc": uscc, **fields}} for uscc, fields in profiles.items()]
    gov.publish("enterprise.profiles_synced", bulk_event("market-regulation", items))
    for uscc in profiles:  # known to the policy service, with nothing matched yet
        assert eventually(lambda uscc=uscc: platform.policies_of(uscc), what=f"{uscc} to reach matching") == []

    draft = platform.create_policy(policy_draft(
        "博兴县厨具产业集群发展扶持", {"all": [{"tag": "county.371625"}, {"tag": "industry.c"}, has_interest(marker)]},
        department="boxing_industry_it", level="county", county="371625"))
    assert draft["status"] == "draft"
    assert platform.get(f"{API}/policies/{draft['id']}").json()["status"] == "draft"
    published = platform.publish_policy(draft["id"])
    assert published.status_code == 200 and published.json()["status"] == "published", published.text

    def each_matching_notified_once():
        for uscc in boxing_makers:
            assert [n["policy_id"] for n in platform.notifications_of(uscc)] == [draft["id"]], uscc
    eventually(each_matching_notified_once, what="every matching enterprise's notification")
    drained(platform)
    for uscc in (elsewhere, traders):
        assert platform.notifications_of(uscc) == [], uscc
        assert platform.policies_of(uscc) == [], uscc
    for uscc in boxing_makers:
        assert policy_ids(platform.policies_of(uscc)) == [draft["id"]]

    twice = platform.publish_policy(draft["id"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "conflict", twice.text
    drained(platform)
    for uscc in boxing_makers:
        assert [n["policy_id"] for n in platform.notifications_of(uscc)] == [draft["id"]]
    found = platform.get(f"{API}/policies", params={"q": "厨具 集群", "status": "published"}).json()
    assert draft["id"] in [item["id"] for item in found["items"]]


# --- 3. a later change from another source ---------------------------------------------------------
def test_a_change_from_another_source_retags_pushes_new_matches_drops_lost_ones_and_ignores_stale_data(platform, gov):
    marker = new_marker()
    large_employer = platform.create_and_publish(policy_draft(
        "重点企业用工保障补贴", {"all": [{"field": "employees", "op": ">=", "value": 100}, has_interest(marker)]}))
    small_employer = platform.create_and_publish(policy_draft(
        "小微企业吸纳就业补贴", {"all": [{"tag": "employment.10_49"}, has_interest(marker)]}))
    uscc = new_uscc(division="371622")
    registered = textile_firm(marker, county="371622", employees=20, name="阳信县某食品有限公司", industry_code="C1352")
    gov.publish("enterprise.registered", enterprise_event(uscc, registered, source="market-regulation", sequence=10))

    def state(version, employees, listed, notified):
        def check():
            file = platform.enterprise(uscc)
            assert (file["version"], file["employees"]) == (version, employees), file
            assert policy_ids(platform.policies_of(uscc)) == sorted(listed)
            assert policy_ids(platform.notifications_of(uscc)) == sorted(notified)
            return file
        return check

    eventually(state(1, 20, [small_employer], [small_employer]), what="the registration's effects")

    # human resources reports 300 employees: re-tagged, the large-employer policy pushed, the small one dropped
    gov.publish("enterprise.profile_changed",
                enterprise_event(uscc, {"employees": 300}, source="human-resources", sequence=3))
    file = eventually(state(2, 300, [large_employer], [small_employer, large_employer]),
                      what="the change from human-resources to be applied and matched")
    assert "employment.300_999" in file["tags"] and "employment.10_49" not in file["tags"]
    assert file["sources"]["employees"]["source"] == "human-resources" and file["sources"]["employees"]["sequence"] == 3
    assert file["sources"]["county"]["source"] == "market-regulation"
    assert platform.notifications_of(uscc)[0]["policy_id"] == large_employer, "the inbox is newest first"

    # an older message of the same source arrives late: recorded as stale, not applied
    late = enterprise_event(uscc, {"employees": 15}, source="human-resources", sequence=2)
    gov.publish("enterprise.profile_changed", late)
    eventually(lambda: _assert_stale(platform, late), what="the stale message to be recorded")
    drained(platform)
    state(2, 300, [large_employer], [small_employer, large_employer])()

    # back to 30 employees: qualifies for the small-employer policy again; it is listed, but never pushed twice
    gov.publish("enterprise.profile_changed",
                enterprise_event(uscc, {"employees": 30}, source="human-resources", sequence=4))
    eventually(state(3, 30, [small_employer], [small_employer, large_employer]), what="the second change")
    drained(platform)
    assert len(platform.notifications_of(uscc)) == 2


def test_a_deregistered_enterprise_loses_its_tags_and_every_match_but_keeps_its_inbox(platform, gov):
    marker = new_marker()
    everyone = platform.create_and_publish(policy_draft("全市企业普惠政策", has_interest(marker)))
    uscc = new_uscc(division="371621")
    gov.publish("enterprise.registered", enterprise_event(uscc, textile_firm(marker, county="371621")))
    eventually(lambda: _listed(platform, uscc, [everyone]), what="the registration's match")

    gov.publish("enterprise.deregistered", enterprise_event(uscc, {}, sequence=2))

    def gone():
        file = platform.enterprise(uscc)
        assert (file["status"], file["version"], file["tags"]) == ("deregistered", 2, []), file
        _listed(platform, uscc, [])
    eventually(gone, what="the deregistration to take effect")
    assert [n["policy_id"] for n in platform.notifications_of(uscc)] == [everyone]


def _listed(platform, uscc: str, expected: list[int]) -> None:
    assert policy_ids(platform.policies_of(uscc)) == sorted(expected)


def _assert_stale(platform, event) -> None:
    recorded = platform.scalar("tagging", "SELECT count(*) FROM stale_messages WHERE event_id = :id",
                               id=event["event_id"])
    assert recorded == 1, f"stale records for {event['event_id']}: {recorded}"


# --- 4. bad input ---------------------------------------------------------------------------------------
def test_bad_messages_are_quarantined_with_the_field_named_and_good_batch_items_are_applied(platform, gov):
    marker = new_marker()
    bad_code = with_wrong_check_character(new_uscc())
    single = enterprise_event(bad_code, textile_firm(marker))
    gov.publish("enterprise.registered", single)

    good = [new_uscc(division="371623") for _ in range(2)]
    items = [{"sequence": 1, "enterprise": {"uscc": good[0], **textile_firm(marker, county="371623")}},
             {"sequence": 1, "enterprise": {"uscc": new_uscc(), **textile_firm(marker, employees=-5)}},
             {"sequence": 1, "enterprise": {"uscc": good[1], **textile_firm(marker, county="371623", employees=7)}}]
    batch = bulk_event("market-regulation", items)
    gov.publish("enterprise.profiles_synced", batch)

    def quarantined():
        found = {(item["event_id"], item["item_index"]): item for item in platform.quarantine()
                 if item["event_id"] in (single["event_id"], batch["event_id"])}
        assert set(found) == {(single["event_id"], None), (batch["event_id"], 1)}, found
        return found
    found = eventually(quarantined, what="both bad messages to be quarantined")
    whole = found[(single["event_id"], None)]
    assert whole["routing_key"] == "enterprise.registered" and whole["source"] == "market-regulation"
    assert [error["field"] for error in whole["errors"]] == ["enterprise.uscc"]
    assert "enterprise.uscc" in whole["reason"] and "check character" in whole["reason"]
    assert json.loads(whole["body"]) == single, "the message is kept as it came"
    item = found[(batch["event_id"], 1)]
    assert [error["field"] for error in item["errors"]] == ["profiles.1.enterprise.employees"]
    assert "profiles.1.enterprise.employees" in item["reason"]
    assert json.loads(item["body"]) == items[1]

    files = [eventually(lambda uscc=uscc: platform.enterprise(uscc), what="the good items") for uscc in good]
    assert [file["employees"] for file in files] == [120, 7]
    unknown = platform.get(f"{API}/enterprises/{bad_code}")
    assert unknown.status_code == 422 and unknown.json()["error"]["details"][0]["field"] == "uscc", unknown.text


def test_bad_http_requests_get_4xx_json_naming_the_fields_and_tokens_are_required(platform):
    def error_of(answer, status):
        assert answer.status_code == status, f"{answer.status_code} {answer.text[:400]}"
        return answer.json()["error"]

    broken = {"title": "", "department": "Industry IT", "summary": "缺少必填字段的政策",
              "valid_from": "2026-13-01", "valid_to": "2027-12-31", "materials": ["一", "二", "三", "四"]}
    error = error_of(platform.post(f"{API}/policies", broken), 422)
    assert error["code"] == "invalid"
    assert {"title", "department", "valid_from", "materials"} <= {detail["field"] for detail in error["details"]}

    unknown_tag = policy_draft("规则有误的政策", {"all": [{"tag": "industry.c"}, {"tag": "scale.gigantic"}]})
    error = error_of(platform.post(f"{API}/policies", unknown_tag), 422)
    assert [detail["field"] for detail in error["details"]] == ["eligibility.all[1].tag"]
    assert "scale.gigantic" in error["message"]

    bad_field = policy_draft("规则有误的政策", {"any": [{"field": "headcount", "op": ">", "value": 3}]})
    error = error_of(platform.post(f"{API}/policies", bad_field), 422)
    assert [detail["field"] for detail in error["details"]] == ["eligibility.any[0].field"]

    event = enterprise_event(with_wrong_check_character(new_uscc()), {"name": "某公司"})
    error = error_of(platform.post(f"{API}/events/enterprise.registered", event), 422)
    assert [detail["field"] for detail in error["details"]] == ["enterprise.uscc"]
    error = error_of(platform.post(f"{API}/events/enterprise.profile_changed", {**event, "sequence": -1}), 422)
    assert "sequence" in {detail["field"] for detail in error["details"]}

    not_json = platform.http.post(f"{platform.url}{API}/policies", data=b"{not json", timeout=30,
                                  headers={"Content-Type": "application/json"})
    assert 400 <= not_json.status_code < 500 and "error" in not_json.json()

    for method, path in (("GET", f"{API}/quarantine"), ("POST", f"{API}/policies"),
                         ("GET", f"{API}/enterprises/{new_uscc()}")):
        for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": f"Basic {ADMIN_TOKEN}"}):
            answer = platform.http.request(method, f"{platform.url}{path}", json=policy_draft("x", {}),
                                           headers={"Authorization": None, **headers}, timeout=30)
            assert error_of(answer, 401)["code"] == "unauthorized", (method, path, headers)
    assert platform.get("/health").status_code == 200
    assert platform.http.get(f"{platform.url}{API}/openapi.json", headers={"Authorization": None},
                             timeout=30).status_code == 200


# --- 8. a handler that raises ---------------------------------------------------------------------------
def test_a_failing_handler_keeps_its_message_as_a_dead_letter_and_the_command_replays_it(platform):
    event_id = f"broken-{uuid.uuid4()}"
    body = json.dumps({"event_id": event_id, "matched": {"not-a-policy-id": [new_uscc()]}})
    with kombu.Connection(platform.amqp_uri, transport_options={"confirm_publish": True}) as connection:
        kombu.Producer(connection).publish(body, exchange=PLATFORM_EVENTS.name, routing_key="policy.matches_changed",
                                           delivery_mode=2, content_type="application/json",
                                           content_encoding="utf-8", message_id=event_id)

    def dead_letters(include_replayed: bool) -> list[dict]:
        answer = platform.get(f"{API}/admin/dead-letters",
                              params={"service": "notification", "include_replayed": str(include_replayed).lower()})
        assert answer.status_code == 200, answer.text
        return [letter for letter in answer.json() if letter["event_id"] == event_id]

    def kept():
        letters = dead_letters(False)
        assert len(letters) == 1, letters
        return letters[0]
    letter = eventually(kept, what="the dead letter")
    assert letter["queue"] == "notification.matches_changed" and letter["routing_key"] == "policy.matches_changed"
    assert "ValidationError" in letter["error"] and "matched" in letter["error"]
    assert letter["replayed_at"] is None

    env = {"HUIQI_AMQP_URI": platform.amqp_uri, "HUIQI_DATABASE_URL": platform.database_url,
           "HUIQI_VAR_DIR": str(platform.var_dir)}
    listed = huiqi("dead-letters", "notification", env=env)
    assert listed.returncode == 0, listed.stderr
    assert event_id in listed.stdout and "1 waiting" in listed.stdout

    replayed = huiqi("dead-letters", "notification", "--replay", env=env)
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 1 dead letter" in replayed.stdout

    # The replay went back to the queue and was handled again; the cause is not fixed, so it is kept
    # again (never lost), and the first one is marked replayed.
    def handled_again():
        letters = dead_letters(True)
        assert len(letters) == 2, letters
        return letters
    letters = eventually(handled_again, what="the replayed message to be handled again")
    assert sorted(letter["replayed_at"] is None for letter in letters) == [False, True]
    assert [letter["id"] for letter in dead_letters(False)] == [max(letter["id"] for letter in letters)]
