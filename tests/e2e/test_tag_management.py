"""Tag management end to end: preview, create, change and retire tags menu-style, each change a
re-tag job with progress whose effects reach the enterprises' tags, history, matches and inboxes.

One platform on SQLite serves the module; each test names tags and interests of its own.
"""
from __future__ import annotations

import uuid

import pytest

from tests.e2e.harness import API, enterprise_event, has_interest, new_marker, new_uscc, ok, policy_draft
from tests.polling import eventually, until

pytestmark = pytest.mark.e2e


def registered(platform, gov, marker: str, employees: int) -> str:
    uscc = new_uscc()
    gov.publish("enterprise.registered", enterprise_event(uscc, {
        "name": f"滨州{employees}人公司", "county": "371602", "employees": employees, "interests": [marker]}))
    eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be registered")
    return uscc


def finished(platform, job_id: int) -> dict:
    job = until(lambda: (lambda job: job if job["state"] in ("done", "failed") else None)(
        ok(platform.get(f"{API}/jobs/{job_id}"))), timeout=60, what=f"job {job_id} to finish")
    assert job["state"] == "done", job
    assert job["done"] == job["total"] and job["total"] > 0
    return job


def test_a_new_tag_is_previewed_created_applied_by_a_job_and_pushes_what_now_matches(platform, gov):
    marker = new_marker()
    small, large = registered(platform, gov, marker, 30), registered(platform, gov, marker, 700)
    code = f"workforce.big_{uuid.uuid4().hex[:6]}"
    rule = {"all": [has_interest(marker), {"field": "employees", "op": ">=", "value": 500}]}

    preview = ok(platform.post(f"{API}/tags/preview", {"rule": rule}))
    assert preview["would_have"] == 1 and preview["samples"]["would_have"] == [
        {"uscc": large, "name": "滨州700人公司"}]
    bad = platform.post(f"{API}/tags/preview", {"rule": {"field": "staff", "op": ">=", "value": 1}})
    assert bad.status_code == 422 and "staff" in bad.text

    # a policy cannot name the tag before it exists ...
    refused = platform.post(f"{API}/policies", policy_draft("大企业政策", {"tag": code}))
    assert refused.status_code == 422 and code in refused.text
    change = ok(platform.post(f"{API}/tags", {
        "code": code, "category": code.split(".")[0], "category_name": "用工规模（自定义）", "name": "大用工企业",
        "description": "员工人数不少于500人且关注本测试兴趣的企业", "rule": rule}), 202)
    job = finished(platform, change["job_id"])
    assert job["kind"] == "create" and job["changed"] >= 1
    assert code in platform.enterprise(large)["tags"] and code not in platform.enterprise(small)["tags"]
    history = ok(platform.get(f"{API}/enterprises/{large}/history"))["items"][0]
    assert (history["source"], history["tags_added"], history["changes"]) == ("catalogue", [code], {})
    assert any(tag["code"] == code for tag in ok(platform.get(f"{API}/tags"))["tags"])

    # ... and once it does, the policy reaches the enterprise that has it
    policy_id = until(lambda: (lambda answer: answer.json()["id"] if answer.status_code == 201 else None)(
        platform.post(f"{API}/policies", policy_draft("大企业政策", {"tag": code}))), timeout=40,
        what="the policy service to know the new tag")
    assert platform.publish_policy(policy_id).status_code == 200
    until(lambda: [item["policy_id"] for item in platform.policies_of(large)] == [policy_id],
          what="the large firm to match")

    # widening the rule re-tags and pushes the policy to the enterprise that now has the tag
    wider = {"all": [has_interest(marker), {"field": "employees", "op": ">=", "value": 10}]}
    preview = ok(platform.post(f"{API}/tags/preview", {"rule": wider, "code": code}))
    assert (preview["gain"], preview["lose"], preview["samples"]["gain"][0]["uscc"]) == (1, 0, small)
    job = finished(platform, ok(platform.http.put(f"{platform.url}{API}/tags/{code}", json={"rule": wider},
                                                  timeout=30), 202)["job_id"])
    assert job["kind"] == "change"
    until(lambda: any(item["policy_id"] == policy_id for item in platform.notifications_of(small)),
          what="the small firm's push")

    # a tag a published policy uses cannot be retired until the policy changes
    conflict = platform.http.delete(f"{platform.url}{API}/tags/{code}", timeout=30)
    assert conflict.status_code == 409
    assert [item["id"] for item in conflict.json()["error"]["details"]["policies"]] == [policy_id]
    later_draft = ok(platform.post(f"{API}/policies", policy_draft("大企业政策（二期）", {"tag": code})), 201)["id"]
    ok(platform.post(f"{API}/policies/{policy_id}/withdraw", {"reason": "改用其他条件"}))
    # the tagging service hears of the withdrawal on the bus: until then it still refuses, changing nothing
    retired = until(lambda: (lambda answer: answer if answer.status_code != 409 else None)(
        platform.http.delete(f"{platform.url}{API}/tags/{code}", timeout=30)), what="the withdrawal to be heard")
    job = finished(platform, ok(retired, 202)["job_id"])
    assert job["kind"] == "retire"
    assert code not in platform.enterprise(large)["tags"]
    assert all(tag["code"] != code for tag in ok(platform.get(f"{API}/tags"))["tags"])
    retired = ok(platform.get(f"{API}/tags", params={"include_retired": "true"}))["tags"]
    assert next(tag for tag in retired if tag["code"] == code)["state"] == "retired"
    assert platform.http.delete(f"{platform.url}{API}/tags/{code}", timeout=30).status_code == 409
    # a draft written while the tag was in force is not published with it
    stale = platform.publish_policy(later_draft)
    assert stale.status_code == 409 and stale.json()["error"]["details"] == {"tags": [code]}, stale.text


def test_tag_changes_are_refused_with_reasons(platform):
    assert platform.post(f"{API}/tags", {"code": "scale.small", "category": "scale", "name": "x",
                                         "description": "x", "rule": {}}).status_code == 409
    new_category = platform.post(f"{API}/tags", {"code": "brandnew.x", "category": "brandnew", "name": "x",
                                                 "description": "x", "rule": {}})
    assert new_category.status_code == 422 and "category_name" in new_category.text
    mismatch = platform.post(f"{API}/tags", {"code": "scale.x", "category": "county", "name": "x",
                                             "description": "x", "rule": {}})
    assert mismatch.status_code == 422
    assert platform.http.put(f"{platform.url}{API}/tags/none.such", json={"name": "x"}, timeout=30).status_code == 404
    assert platform.http.put(f"{platform.url}{API}/tags/scale.small", json={}, timeout=30).status_code == 422
    assert platform.get(f"{API}/jobs/999999").status_code == 404


def test_a_tag_read_from_the_catalogue_can_be_put_back_and_only_its_identity_is_refused(platform, gov):
    registered(platform, gov, new_marker(), 30)   # a re-tag job has someone to re-tag
    code = f"workforce.round_{uuid.uuid4().hex[:6]}"
    created = ok(platform.post(f"{API}/tags", {
        "code": code, "category": "workforce", "category_name": "用工规模（自定义）", "name": "往返标签",
        "description": "员工不少于 5 人", "rule": {"field": "employees", "op": ">=", "value": 5}}), 202)
    finished(platform, created["job_id"])
    read = next(tag for tag in ok(platform.get(f"{API}/tags"))["tags"] if tag["code"] == code)
    assert {"code", "category", "state", "origin", "updated_at"} <= set(read)

    def put(body):
        return platform.http.put(f"{platform.url}{API}/tags/{code}", json=body, timeout=30)

    unchanged = ok(put(read), 202)
    finished(platform, unchanged["job_id"])
    assert unchanged["tag"] == {name: read[name] for name in ("code", "category", "name", "description", "rule")}
    edited = ok(put({**read, "name": "往返标签（改）"}), 202)
    assert edited["tag"]["name"] == "往返标签（改）"
    finished(platform, edited["job_id"])

    for field, value in (("code", "workforce.other"), ("category", "scale"), ("state", "retired"),
                         ("origin", "default")):
        refused = put({**read, field: value})
        assert refused.status_code == 422, (field, refused.text)
        error = refused.json()["error"]
        assert [detail["field"] for detail in error["details"]] == [field]
        assert str(read[field]) in error["details"][0]["message"], error   # says what it must stay
    current = next(tag for tag in ok(platform.get(f"{API}/tags"))["tags"] if tag["code"] == code)
    assert current["name"] == "往返标签（改）" and current["category"] == "workforce"
