"""Policy services around the rules, end to end: gift packs with QR codes and a public page,
spreadsheet imports, questions with working-day deadlines, and policies expiring by themselves.
The platform runs with time travel on (HUIQI_TIME_TRAVEL=1): later tests move the clock forward.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
import requests

from services.gateway import portal
from shared.clock import CHINA
from tests.e2e.harness import (
    API,
    checked_session,
    enterprise_event,
    has_interest,
    new_marker,
    new_uscc,
    ok,
    policy_draft,
)
from tests.polling import eventually, until
from tools.launcher import SERVICES

pytestmark = [pytest.mark.e2e, pytest.mark.platform(env={"HUIQI_TIME_TRAVEL": "1"})]


def token_for(platform, path: str, body: dict) -> requests.Session:
    return checked_session(ok(platform.post(f'{API}{path}', body), 201)['token'])


def registered(platform, gov, marker: str) -> str:
    uscc = new_uscc()
    gov.publish("enterprise.registered", enterprise_event(uscc, {"name": "滨州测试有限公司", "county": "371625",
                                                                 "employees": 30, "interests": [marker]}))
    eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be registered")
    return uscc


# --- gift packs ---------------------------------------------------------------------------------

def test_a_gift_pack_has_a_public_page_that_counts_scans_and_qr_codes(platform):
    first = platform.create_and_publish(policy_draft("<b>创新券</b>", has_interest(new_marker()), proactive=True,
                                                     redeemable=True, subsidy={"type": "fixed", "amount": 1000}))
    second = platform.create_and_publish(policy_draft("人才公寓", has_interest(new_marker())))
    draft = platform.create_policy(policy_draft("草稿", {}))
    refused = platform.post(f"{API}/packs", {"title": "礼包", "policy_ids": [first, draft["id"], 999_999]})
    assert refused.status_code == 422
    assert {item["field"] for item in refused.json()["error"]["details"]} == {"policy_ids.1", "policy_ids.2"}

    pack = ok(platform.post(f"{API}/packs", {"title": "新办企业大礼包", "policy_ids": [second, first]}), 201)
    assert pack["scans"] == 0 and pack["url"].endswith(f"/packs/{pack['code']}")

    # no token; a client that names no kind (no Accept) gets the page the gateway renders, a scan
    anonymous = checked_session().get(f"{platform.url}/packs/{pack['code']}", headers={"Accept": None}, timeout=30)
    assert anonymous.status_code == 200 and anonymous.headers["Content-Type"].startswith("text/html")
    page = anonymous.text
    assert "新办企业大礼包" in page and page.index("人才公寓") < page.index("创新券")
    assert "<b>创新券</b>" not in page and "&lt;b&gt;创新券&lt;/b&gt;" in page and "免申即享" in page
    # a browser gets the portal's page once it is built, which counts nothing: the JSON it fetches is the scan
    browser = checked_session().get(f"{platform.url}/packs/{pack['code']}",
                                    headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, timeout=30)
    assert browser.status_code == 200 and browser.headers["Content-Type"].startswith("text/html")
    as_json = checked_session().get(f"{platform.url}/packs/{pack['code']}", headers={"Accept": "application/json"},
                           timeout=30).json()
    assert [policy["id"] for policy in as_json["policies"]] == [second, first]
    assert ok(platform.get(f"{API}/packs/{pack['id']}"))["scans"] == (2 if portal.is_built() else 3)
    # an unknown code: 404 to the portal page's JSON fetch (it says so) and to the page the gateway renders
    for kind in ("application/json", None):
        assert checked_session().get(f"{platform.url}/packs/zzzzzzzz", headers={"Accept": kind},
                                     timeout=30).status_code == 404

    png = platform.get(f"{API}/packs/{pack['id']}/qr.png")
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    svg = platform.get(f"{API}/packs/{pack['id']}/qr.svg")
    assert svg.headers["Content-Type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert checked_session().get(f"{platform.url}{API}/packs/{pack['id']}/qr.png", timeout=30).status_code == 401


# --- spreadsheet import -------------------------------------------------------------------------

def spreadsheet(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_an_import_creates_the_good_rows_and_names_each_bad_one(platform):
    owner = platform.department()
    good = {"title": "导入政策一", "department": owner, "summary": "摘要", "valid_from": "2026-01-01",
            "valid_to": "2027-12-31", "eligibility": '{"tag": "scale.small"}'}
    rows = [good, {**good, "title": "导入政策二", "eligibility": ""},
            {**good, "title": "坏日期", "valid_to": "2025-01-01"},
            {**good, "title": "坏规则", "eligibility": '{"tag": "no.such_tag"}'},
            {**good, "title": "别的部门", "department": "someone_else"}]
    writer = token_for(platform, "/staff", {"name": "导入员", "role": "department_staff", "department": owner})
    answer = ok(writer.post(f"{platform.url}{API}/policies/import", timeout=30,
                            files={"file": ("policies.csv", spreadsheet(rows), "text/csv")}))
    assert answer["imported"] == 2 and len(answer["ids"]) == 2
    assert [error["row"] for error in answer["errors"]] == [4, 5, 6]
    reasons = {error["row"]: error["reason"] for error in answer["errors"]}
    assert "valid_to" in reasons[4] and "no.such_tag" in reasons[5] and "someone_else" in reasons[6]
    titles = {ok(platform.get(f"{API}/policies/{policy_id}"))["title"] for policy_id in answer["ids"]}
    assert titles == {"导入政策一", "导入政策二"}
    # the administrator may import for any department, but only one in the register: a typo is refused per row
    typo = f"{owner}x"
    answer = ok(platform.http.post(f"{platform.url}{API}/policies/import", timeout=30, files={"file": (
        "policies.csv", spreadsheet([{**good, "title": "管理员导入"}, {**good, "title": "错别字", "department": typo}]),
        "text/csv")}))
    assert answer["imported"] == 1 and [error["row"] for error in answer["errors"]] == [3]
    assert typo in answer["errors"][0]["reason"] and "register of departments" in answer["errors"][0]["reason"]

    missing = platform.http.post(f"{platform.url}{API}/policies/import", timeout=30,
                                 files={"other": ("x.csv", b"title\n", "text/csv")})
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "file"
    broken = platform.http.post(f"{platform.url}{API}/policies/import", timeout=30,
                                files={"file": ("x.csv", "标题\n只有标题\n".encode(), "text/csv")})
    assert broken.status_code == 422 and "department" in broken.json()["error"]["message"]


# --- questions and time -------------------------------------------------------------------------

def test_a_question_unanswered_after_two_working_days_is_overdue_and_listed(platform, gov):
    marker = new_marker()
    uscc = registered(platform, gov, marker)
    owner = platform.department()
    writer = token_for(platform, "/staff", {"name": "答复员", "role": "department_staff", "department": owner})
    policy = ok(writer.post(f"{platform.url}{API}/policies", json=policy_draft("咨询政策", has_interest(marker),
                                                                                department=owner), timeout=30), 201)
    ok(writer.post(f"{platform.url}{API}/policies/{policy['id']}/publish", timeout=30))
    firm = token_for(platform, f"/enterprises/{uscc}/accounts", {})

    asked = [ok(firm.post(f"{platform.url}{API}/policies/{policy['id']}/questions", json={"text": f"问题{n}"},
                          timeout=30), 201) for n in range(2)]
    assert asked[0]["uscc"] == uscc and asked[0]["overdue"] is False
    due = datetime.fromisoformat(asked[0]["due_at"])
    assert due.utcoffset().total_seconds() in (0, 8 * 3600) and due > datetime.fromisoformat(asked[0]["asked_at"])

    answered = ok(writer.post(f"{platform.url}{API}/questions/{asked[1]['id']}/answer", json={"text": "可以申请"},
                              timeout=30))
    assert answered["answer"] == "可以申请"
    assert writer.post(f"{platform.url}{API}/questions/{asked[1]['id']}/answer", json={"text": "again"},
                       timeout=30).status_code == 409
    outsider = token_for(platform, "/staff", {"name": "外部门", "role": "department_staff",
                                                        "department": platform.department()})
    assert outsider.post(f"{platform.url}{API}/questions/{asked[0]['id']}/answer", json={"text": "x"},
                         timeout=30).status_code == 403

    moved = ok(platform.post(f"{API}/admin/clock", {"set": (due - timedelta(seconds=5)).isoformat()}))
    assert set(moved["services"]) == set(SERVICES) - {"gateway"}
    listed = ok(firm.get(f"{platform.url}{API}/policies/{policy['id']}/questions", timeout=30))
    assert [item["overdue"] for item in listed["items"]] == [False, False]   # not yet: the clocks run on
    ok(platform.post(f"{API}/admin/clock", {"advance": "PT10S"}))
    mine = ok(writer.get(f"{platform.url}{API}/questions", params={"overdue": "true"}, timeout=30))
    assert [item["id"] for item in mine["items"]] == [asked[0]["id"]] and mine["overdue_total"] == 1
    assert ok(outsider.get(f"{platform.url}{API}/questions", params={"overdue": "true"}, timeout=30))["total"] == 0


def test_a_policy_past_valid_to_expires_by_itself_and_drops_its_matches(platform, gov):
    marker = new_marker()
    uscc = registered(platform, gov, marker)
    now = datetime.fromisoformat(ok(platform.get("/health"))["services"]["policy"]["now"])
    policy_id = platform.create_and_publish(policy_draft("年底到期", has_interest(marker),
                                                         valid_to=now.astimezone(CHINA).date().isoformat()))
    until(lambda: [item["policy_id"] for item in platform.policies_of(uscc)] == [policy_id],
               what="the match")
    ok(platform.post(f"{API}/admin/clock", {"advance": "P2D"}))
    # the policy service looks for expired policies every 10 seconds
    until(lambda: ok(platform.get(f"{API}/policies/{policy_id}"))["status"] == "expired",
               timeout=90, what="the policy to expire")
    until(lambda: platform.policies_of(uscc) == [], what="the match to drop")
    assert platform.publish_policy(policy_id).status_code == 409


def test_a_new_day_re_tags_everyone_so_age_tags_follow_the_calendar(platform, gov):
    today = datetime.fromisoformat(ok(platform.get("/health"))["services"]["tagging"]["now"]).astimezone(CHINA).date()
    uscc = new_uscc()
    # its third anniversary is two days away: a startup today, growing from then on
    founded = today.replace(year=today.year - 3) + timedelta(days=2)
    gov.publish("enterprise.registered", enterprise_event(uscc, {"name": "即将满三年公司", "registered_on":
                                                                 founded.isoformat()}))
    assert "age.startup" in eventually(lambda: platform.enterprise(uscc))["tags"]
    last_job = max((job["id"] for job in ok(platform.get(f"{API}/jobs"))["items"]), default=0)

    ok(platform.post(f"{API}/admin/clock", {"advance": "P3D"}))
    daily = until(lambda: next((job for job in ok(platform.get(f"{API}/jobs"))["items"]
                                if job["id"] > last_job and job["kind"] == "daily" and job["state"] == "done"), None),
                  timeout=60, what="the daily re-tag job")
    assert daily["changed"] >= 1 and daily["done"] == daily["total"]
    file = platform.enterprise(uscc)
    assert "age.growing" in file["tags"] and "age.startup" not in file["tags"]
    latest = ok(platform.get(f"{API}/enterprises/{uscc}/history"))["items"][0]
    assert (latest["source"], latest["tags_added"], latest["tags_removed"]) == \
        ("catalogue", ["age.growing"], ["age.startup"])
