"""The policy hall end to end: staff accounts and their scopes, enterprise tokens, revisions that
re-decide matches at once, withdrawal, explanations, near-misses, estimated amounts and exclusive
groups, all through the gateway with every service its own process.

One platform on SQLite serves the module; each test has enterprises and departments of its own.
"""
from __future__ import annotations

import io
import uuid

import pytest
from openpyxl import load_workbook

from tests.e2e.harness import (
    API,
    As,
    enterprise_event,
    has_interest,
    new_marker,
    new_uscc,
    policy_draft,
)
from tests.polling import eventually, until

pytestmark = pytest.mark.e2e


def created(answer, status: int = 201) -> dict:
    assert answer.status_code == status, f"{answer.status_code} {answer.text[:500]}"
    return answer.json()


def refused(answer, status: int) -> dict:
    assert answer.status_code == status, f"{answer.status_code} {answer.text[:500]}"
    return answer.json()["error"]


def staff(platform, role: str, **scope) -> As:
    account = created(platform.post(f"{API}/staff", {"name": f"{role} {uuid.uuid4().hex[:4]}", "role": role,
                                                      **scope}))
    assert account["token"].startswith("hq_") and account["role"] == role
    return As(platform, account["token"])


def department(platform) -> str:
    return platform.department()


def registered(platform, gov, marker: str, **fields) -> str:
    uscc = new_uscc()
    profile = {"name": f"滨州{marker[-4:]}有限公司", "registered_on": "2019-03-01", "ownership": "private",
               "industry_code": "C1713", "county": "371625", "employees": 50, "interests": [marker], **fields}
    gov.publish("enterprise.registered", enterprise_event(uscc, profile, sequence=1))
    eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be registered")
    return uscc


def matched_ids(platform, uscc: str) -> set[int]:
    return {item["policy_id"] for item in platform.policies_of(uscc)}


def pushed(platform, uscc: str, policy_id: int) -> int:
    return sum(1 for item in platform.notifications_of(uscc) if item["policy_id"] == policy_id)


# --- accounts -----------------------------------------------------------------------------------

def test_staff_accounts_carry_their_role_and_scope_and_only_the_administrator_makes_them(platform):
    finance = department(platform)
    clerk = staff(platform, "department_staff", department=finance)
    me = created(clerk.get("/me"), 200)
    assert (me["role"], me["department"]) == ("department_staff", finance)
    county = created(staff(platform, "county_staff", county="371625").get("/me"), 200)
    assert (county["role"], county["county"]) == ("county_staff", "371625")

    error = refused(platform.post(f"{API}/staff", {"name": "x", "role": "department_staff"}), 422)
    assert "department" in str(error)
    error = refused(platform.post(f"{API}/staff", {"name": "x", "role": "county_staff", "county": "110101"}), 422)
    assert "county" in str(error)
    error = refused(clerk.post("/staff", {"name": "x", "role": "city_admin"}), 403)
    assert "department_staff" in error["message"]

    listed = created(platform.get(f"{API}/accounts", params={"kind": "staff", "limit": 200}), 200)
    assert any(item.get("department") == finance for item in listed["items"])
    assert all("token" not in item and "token_digest" not in item for item in listed["items"])


def test_a_disabled_token_stops_working(platform):
    account = created(platform.post(f"{API}/staff", {"name": "temp", "role": "assessor"}))
    caller = As(platform, account["token"])
    assert caller.get("/me").status_code == 200
    created(platform.post(f"{API}/accounts/{account['id']}/disable"), 200)
    assert refused(caller.get("/me"), 401)["code"] == "unauthorized"
    assert refused(platform.post(f"{API}/accounts/{account['id']}/disable"), 409)


def test_an_enterprise_token_acts_for_that_enterprise_only(platform, gov):
    marker = new_marker()
    own, other = registered(platform, gov, marker), registered(platform, gov, marker)
    account = created(platform.post(f"{API}/enterprises/{own}/accounts", {"name": "财务 王女士"}))
    assert (account["role"], account["uscc"]) == ("enterprise", own)
    firm = As(platform, account["token"])

    assert created(firm.get(f"/enterprises/{own}"), 200)["uscc"] == own
    assert created(firm.get(f"/enterprises/{own}/notifications"), 200) == []
    error = refused(firm.get(f"/enterprises/{other}"), 403)
    assert own in error["message"] and other in error["message"]
    refused(firm.get(f"/enterprises/{other}/notifications"), 403)
    refused(firm.put(f"/enterprises/{other}/interests", {"interests": ["financing"]}), 403)
    assert created(firm.put(f"/enterprises/{own}/interests", {"interests": [marker, "financing"]}), 200)

    refused(firm.post("/policies", policy_draft("企业不能发政策", {})), 403)
    draft = platform.create_policy(policy_draft("未发布的草稿", has_interest(marker)))
    assert refused(firm.get(f"/policies/{draft['id']}"), 404)["code"] == "not_found"  # drafts are staff's
    refused(firm.get(f"/policies/{draft['id']}/versions"), 403)

    unknown = new_uscc()
    refused(platform.post(f"{API}/enterprises/{unknown}/accounts"), 404)


# --- scopes -------------------------------------------------------------------------------------

def test_department_staff_change_only_their_own_departments_policies(platform):
    ours, theirs = department(platform), department(platform)
    our_staff, their_staff = staff(platform, "department_staff", department=ours), \
        staff(platform, "department_staff", department=theirs)
    draft = policy_draft("本部门政策", has_interest(new_marker()), department=ours)
    policy = created(our_staff.post("/policies", draft))
    assert policy["department"] == ours

    error = refused(their_staff.post(f"/policies/{policy['id']}/publish"), 403)
    assert ours in error["message"] and theirs in error["message"]
    refused(their_staff.put(f"/policies/{policy['id']}", {**draft, "department": theirs}), 403)
    refused(their_staff.post(f"/policies/{policy['id']}/withdraw", {"reason": "x"}), 403)
    refused(their_staff.post("/policies", policy_draft("冒名", {}, department=ours)), 403)
    # nor may our staff move the policy to another department
    refused(our_staff.put(f"/policies/{policy['id']}", {**draft, "department": theirs}), 403)

    assert created(our_staff.post(f"/policies/{policy['id']}/publish"), 200)["status"] == "published"
    assert created(their_staff.get(f"/policies/{policy['id']}"), 200)["status"] == "published"  # reading is open


def test_county_staff_change_only_county_level_policies_of_their_county(platform):
    boxing = staff(platform, "county_staff", county="371625")
    # every policy these tests publish asks for an interest no other test's enterprises have
    county_draft = policy_draft("博兴县政策", has_interest(new_marker()), department="boxing_industry_it",
                                level="county", county="371625")
    policy = created(boxing.post("/policies", county_draft))
    assert created(boxing.post(f"/policies/{policy['id']}/publish"), 200)["status"] == "published"

    error = refused(boxing.post("/policies", {**county_draft, "county": "371602"}), 403)
    assert "371625" in error["message"]
    refused(boxing.post("/policies", policy_draft("市级政策", {}, department="boxing_industry_it")), 403)
    city = platform.create_policy(policy_draft("市级政策", {}))
    refused(boxing.post(f"/policies/{city['id']}/publish"), 403)


def test_roles_that_only_read_cannot_change_policies(platform):
    policy = platform.create_policy(policy_draft("只读角色", {}))
    for role in ("window_clerk", "assessor", "counsellor"):
        caller = staff(platform, role)
        if role == "counsellor":   # drafts are the government's work in progress (docs/access.md)
            refused(caller.get(f"/policies/{policy['id']}"), 404)
        else:
            assert created(caller.get(f"/policies/{policy['id']}"), 200)["id"] == policy["id"]
        error = refused(caller.post(f"/policies/{policy['id']}/publish"), 403)
        assert role in error["message"]


# --- revisions, withdrawal ----------------------------------------------------------------------

def test_revising_a_published_rule_re_decides_every_enterprise_at_once_and_pushes_once(platform, gov):
    marker = new_marker()
    small = registered(platform, gov, marker, employees=50)
    large = registered(platform, gov, marker, employees=200)
    owner = department(platform)
    writer = staff(platform, "department_staff", department=owner)
    draft = policy_draft("用工补贴", {"all": [has_interest(marker), {"field": "employees", "op": ">=", "value": 100}]},
                         department=owner)
    policy_id = created(writer.post("/policies", draft))["id"]
    created(writer.post(f"/policies/{policy_id}/publish"), 200)
    until(lambda: matched_ids(platform, large) == {policy_id}, what="the large firm to match")
    assert matched_ids(platform, small) == set()

    fewer = {"field": "employees", "op": "<", "value": 100}
    narrower = {**draft, "eligibility": {"all": [has_interest(marker), fewer]}}
    revised = created(writer.put(f"/policies/{policy_id}", narrower), 200)
    assert (revised["version"], revised["status"]) == (2, "published")
    until(lambda: (matched_ids(platform, small), matched_ids(platform, large)) == ({policy_id}, set()),
               what="the revision to move the match")
    until(lambda: pushed(platform, small, policy_id) == 1, what="the small firm's push")
    match = next(item for item in platform.policies_of(small) if item["policy_id"] == policy_id)
    assert match["policy_version"] == 2

    created(writer.put(f"/policies/{policy_id}", {**draft, "title": "用工补贴（修订）"}), 200)
    until(lambda: matched_ids(platform, large) == {policy_id}, what="the large firm to match again")
    assert pushed(platform, large, policy_id) == 1  # pushed once ever, not again on matching anew

    versions = created(writer.get(f"/policies/{policy_id}/versions"), 200)
    assert [version["version"] for version in versions] == [3, 2, 1]
    assert versions[0]["policy"]["title"] == "用工补贴（修订）"
    assert versions[1]["policy"]["eligibility"] == narrower["eligibility"]
    assert {version["actor"]["department"] for version in versions} == {owner}


def test_a_withdrawn_policy_stops_matching_and_cannot_be_revised_or_republished(platform, gov):
    marker = new_marker()
    uscc = registered(platform, gov, marker)
    policy_id = platform.create_and_publish(policy_draft("将被撤回", has_interest(marker)))
    until(lambda: matched_ids(platform, uscc) == {policy_id}, what="the match")

    refused(platform.post(f"{API}/policies/{policy_id}/withdraw", {}), 422)
    withdrawn = created(platform.post(f"{API}/policies/{policy_id}/withdraw", {"reason": "资金已用完"}), 200)
    assert (withdrawn["status"], withdrawn["withdrawn_reason"]) == ("withdrawn", "资金已用完")
    until(lambda: matched_ids(platform, uscc) == set(), what="the match to drop")
    assert pushed(platform, uscc, policy_id) == 1

    assert refused(platform.publish_policy(policy_id), 409)["details"] == {"status": "withdrawn"}
    refused(platform.http.put(f"{platform.url}{API}/policies/{policy_id}",
                              json=policy_draft("改", has_interest(marker)), timeout=30), 409)
    refused(platform.post(f"{API}/policies/{policy_id}/withdraw", {"reason": "again"}), 409)


# --- explanations, near-misses, amounts, exclusive groups ---------------------------------------

def test_why_not_lists_each_condition_with_the_enterprises_value(platform, gov):
    marker = new_marker()
    uscc = registered(platform, gov, marker, employees=40)
    rule = {"all": [has_interest(marker), {"field": "employees", "op": ">=", "value": 100},
                    {"tag": "county.371625"}]}
    policy_id = platform.create_and_publish(policy_draft("规上企业奖励", rule))
    account = created(platform.post(f"{API}/enterprises/{uscc}/accounts"))
    firm = As(platform, account["token"])

    answer = created(firm.get(f"/policies/{policy_id}/explain/{uscc}"), 200)
    assert answer["matched"] is False
    assert [(item["subject"], item["actual"], item["held"]) for item in answer["conditions"]] == [
        ("interests", [marker], True), ("employees", 40, False), ("county.371625", True, True)]
    assert [item["subject"] for item in answer["missing"]] == ["employees"]
    assert "40" in answer["conditions"][1]["text"] and "不符合" in answer["conditions"][1]["text"]
    refused(firm.get(f"/policies/{policy_id}/explain/{new_uscc()}"), 403)
    counsellor = staff(platform, "counsellor")   # reaches no enterprise until counsellor teams exist
    assert "counsellor" in refused(counsellor.get(f"/policies/{policy_id}/explain/{uscc}"), 403)["message"]


def test_near_misses_are_grouped_by_the_one_condition_they_fail(platform, gov):
    marker = new_marker()
    rule = {"all": [has_interest(marker), {"field": "employees", "op": ">=", "value": 100},
                    {"field": "county", "op": "==", "value": "371625"}]}
    matching = registered(platform, gov, marker, employees=150)
    too_small = [registered(platform, gov, marker, employees=20) for _ in range(2)]
    elsewhere = registered(platform, gov, marker, employees=300, county="371602")
    registered(platform, gov, marker, employees=10, county="371602")  # fails two: not a near-miss
    owner = department(platform)
    writer = staff(platform, "department_staff", department=owner)
    policy_id = created(writer.post("/policies", policy_draft("近失测试", rule, department=owner)))["id"]
    created(writer.post(f"/policies/{policy_id}/publish"), 200)
    until(lambda: matched_ids(platform, matching) == {policy_id}, what="the match")

    def all_near_misses(caller, **params) -> tuple[dict, list[dict]]:
        items, offset = [], 0
        while True:
            page = created(caller.get(f"/policies/{policy_id}/near-misses",
                                      params={**params, "offset": offset, "limit": 200}), 200)
            assert (page["offset"], page["limit"]) == (offset, 200)
            items += page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return page, items

    answer, items = all_near_misses(writer)
    assert answer["total"] == len(items) == sum(group["count"] for group in answer["conditions"])
    groups = {group["path"]: group for group in answer["conditions"]}
    # other tests' enterprises lack this test's interest: they may miss on $.all[0] only
    assert set(groups) <= {"$.all[0]", "$.all[1]", "$.all[2]"}
    by_path: dict[str, list[str]] = {}
    for item in items:
        by_path.setdefault(item["path"], []).append(item["uscc"])
    assert (groups["$.all[1]"]["count"], by_path["$.all[1]"]) == (2, sorted(too_small))
    assert (groups["$.all[2]"]["count"], by_path["$.all[2]"]) == (1, [elsewhere])
    assert "100" in groups["$.all[1]"]["text"]
    ours = {matching, *too_small, elsewhere}
    assert not ours & set(by_path.get("$.all[0]", []))
    only_county, only_county_items = all_near_misses(writer, condition="$.all[2]")
    assert only_county_items == [item for item in items if item["path"] == "$.all[2]"]
    assert only_county["total"] == 1 and only_county["conditions"] == answer["conditions"]
    error = refused(writer.get(f"/policies/{policy_id}/near-misses", params={"condition": "$.all[7]"}), 422)
    assert error["details"][0]["field"] == "condition"

    # one enterprise: staff may ask, and the enterprise itself, for itself only
    one = created(writer.get(f"/policies/{policy_id}/near-misses", params={"uscc": elsewhere}), 200)
    assert [(item["uscc"], item["path"]) for item in one["items"]] == [(elsewhere, "$.all[2]")]
    assert [group["count"] for group in one["conditions"]] == [1]
    firm = As(platform, created(platform.post(f"{API}/enterprises/{elsewhere}/accounts"))["token"])
    assert created(firm.get(f"/policies/{policy_id}/near-misses", params={"uscc": elsewhere}), 200) == one
    assert elsewhere in refused(firm.get(f"/policies/{policy_id}/near-misses"), 403)["message"]
    refused(firm.get(f"/policies/{policy_id}/near-misses", params={"uscc": too_small[0]}), 403)
    refused(firm.get(f"/policies/{policy_id}/near-misses.xlsx"), 403)
    assert created(writer.get(f"/policies/{policy_id}/near-misses", params={"uscc": matching}), 200)["items"] == []

    # the enterprise's own 还差一项, over every policy in force: this one, by the same condition, with its value
    def own_near_misses(caller, uscc: str) -> list[dict]:
        items, offset = [], 0
        while True:
            page = created(caller.get(f"/enterprises/{uscc}/near-misses", params={"offset": offset, "limit": 200}), 200)
            items += page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return items

    mine = [item for item in own_near_misses(firm, elsewhere) if item["policy_id"] == policy_id]
    assert [(item["path"], item["text"], item["title"]) for item in mine] == \
        [("$.all[2]", groups["$.all[2]"]["text"], "近失测试")]
    assert [(leaf["subject"], leaf["actual"], leaf["held"]) for leaf in mine[0]["conditions"]] == \
        [("county", "371602", False)]
    refused(firm.get(f"/enterprises/{too_small[0]}/near-misses"), 403)
    assert policy_id not in {item["policy_id"] for item in own_near_misses(writer, matching)}
    assert {item["policy_id"]: item["path"] for item in own_near_misses(writer, too_small[1])}[policy_id] == "$.all[1]"
    refused(writer.get(f"/enterprises/{new_uscc()}/near-misses"), 404)
    refused(writer.get(f"/policies/{policy_id}/near-misses", params={"uscc": new_uscc()}), 404)

    workbook = writer.get(f"/policies/{policy_id}/near-misses.xlsx")
    assert workbook.status_code == 200, workbook.text[:300]
    assert workbook.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(workbook.content))["近失企业"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[0] == ["统一社会信用代码", "企业名称", "未满足的条件", "条件位置"]
    assert [(row[0], row[3]) for row in rows[1:]] == [(item["uscc"], item["path"]) for item in items]

    other = staff(platform, "department_staff", department=department(platform))
    refused(other.get(f"/policies/{policy_id}/near-misses"), 403)
    refused(other.get(f"/policies/{policy_id}/near-misses.xlsx"), 403)
    assert created(staff(platform, "assessor").get(f"/policies/{policy_id}/near-misses"), 200)["total"] == \
        answer["total"]


def test_redeemable_matches_carry_an_estimate_and_exclusive_ones_are_flagged(platform, gov):
    marker = new_marker()
    uscc = registered(platform, gov, marker, employees=120, rd_expense=3_000_000.0)
    group = f"group_{marker}"
    per_head = platform.create_and_publish(policy_draft(
        "稳岗补贴", has_interest(marker), redeemable=True, exclusive_group=group, budget=10_000_000,
        subsidy={"type": "per_unit", "field": "employees", "rate": 1000, "cap": 100_000}))
    research = platform.create_and_publish(policy_draft(
        "研发补助", has_interest(marker), redeemable=True, exclusive_group=group,
        subsidy={"type": "ratio", "field": "rd_expense", "rate": 0.1}))
    capped = platform.create_and_publish(policy_draft(
        "小额奖励", has_interest(marker), redeemable=True, budget=5_000,
        subsidy={"type": "fixed", "amount": 20_000}))
    until(lambda: matched_ids(platform, uscc) == {per_head, research, capped}, what="three matches")

    items = {item["policy_id"]: item for item in platform.policies_of(uscc)}
    assert items[per_head]["estimated_amount"] == 100_000        # 120 × 1,000 capped at 100,000
    assert items[research]["estimated_amount"] == 300_000        # 10% of 3,000,000
    assert items[capped]["estimated_amount"] == 5_000            # never beyond the whole budget
    assert (items[per_head]["combinable"], items[per_head]["not_combinable_with"]) == (False, [research])
    assert (items[research]["combinable"], items[research]["not_combinable_with"]) == (False, [per_head])
    assert "combinable" not in items[capped]


def test_time_travel_is_off_unless_switched_on(platform):
    answer = platform.post(f"{API}/admin/clock", {"advance": "P1D"})
    assert answer.status_code == 404 and "HUIQI_TIME_TRAVEL" in answer.json()["error"]["message"]
    assert platform.post(f"{API}/admin/clock", {"advance": "P1D", "set": "2027-01-01T00:00:00+08:00"}) \
        .status_code == 422


def test_search_finds_chinese_words_and_phrases_ranked_and_filtered(platform, gov):
    marker = new_marker()   # a word only this test's policies carry, so other tests' policies stay out
    owner = department(platform)
    word = f"检索{marker[-6:]}"
    title_hit = platform.create_and_publish(policy_draft(f"{word}专精特新企业奖励", has_interest(marker),
                                                         department=owner, redeemable=True,
                                                         subsidy={"type": "fixed", "amount": 1000}))
    body_hit = platform.create_and_publish(policy_draft("人才引进补贴", has_interest(marker), department=owner,
                                                        body=f"本政策面向{word}相关的小微 企业，专精特新优先。"))
    county_hit = platform.create_and_publish(policy_draft(f"{word}博兴县政策", has_interest(marker),
                                                          department=owner, level="county", county="371625"))
    draft = platform.create_policy(policy_draft(f"{word}草稿", {}, department=owner))

    def search(caller=platform, **params):
        answer = caller.get(f"{API}/policies" if caller is platform else "/policies", params=params)
        assert answer.status_code == 200, answer.text[:300]
        return answer.json()

    found = search(q=word)
    assert found["total"] == 4
    assert [item["id"] for item in found["items"]][-1] == body_hit   # a title hit ranks above a body hit
    assert all("body" not in item and "eligibility" not in item for item in found["items"])
    assert "【" in next(item for item in found["items"] if item["id"] == body_hit)["snippet"]
    assert {item["id"] for item in search(q=f"{word} 专精特新")["items"]} == {title_hit, body_hit}
    assert [item["id"] for item in search(q=f'"{word}相关的小微 企业"')["items"]] == [body_hit]
    assert {item["id"] for item in search(q=word, level="county")["items"]} == {county_hit}
    assert {item["id"] for item in search(q=word, county="371625")["items"]} == {county_hit}
    assert {item["id"] for item in search(q=word, redeemable="true")["items"]} == {title_hit}
    assert {item["id"] for item in search(q=word, status="draft")["items"]} == {draft["id"]}
    assert search(q=word, valid_on="2028-01-01")["total"] == 0
    assert search(department=owner, limit=2, offset=2)["total"] == 4
    assert len(search(department=owner, limit=2, offset=2)["items"]) == 2

    uscc = registered(platform, gov, marker)
    firm = As(platform, created(platform.post(f"{API}/enterprises/{uscc}/accounts"))["token"])
    assert search(firm, q=word)["total"] == 3          # drafts are not for enterprises
    refused(firm.get("/policies", params={"status": "draft"}), 403)
    refused(platform.get(f"{API}/policies", params={"county": "37"}), 422)


# --- the register of departments ------------------------------------------------------------------

def test_the_administrator_keeps_the_register_and_an_unknown_department_is_refused(platform):
    reader = staff(platform, "assessor")
    register = created(reader.get("/departments"), 200)
    known = {item["code"]: item for item in register["items"]}
    assert register["total"] == len(known)
    assert known["industry_it"]["name"] == "滨州市工业和信息化局" and known["hrss"]["origin"] == "default"

    code = f"dept_{uuid.uuid4().hex[:8]}"
    typo = code[:-1]
    # a typo creates nothing: not a staff account, not a policy
    error = refused(platform.post(f"{API}/staff", {"name": "新科室", "role": "department_staff", "department": code}),
                    422)
    assert error["details"][0]["field"] == "department" and code in error["message"]
    draft = policy_draft("新部门的政策", has_interest(new_marker()), department=code)
    del draft["department_name"]
    error = refused(platform.post(f"{API}/policies", draft), 422)
    assert error["details"][0]["field"] == "department" and "PUT /api/v1/departments" in error["message"]

    def admin_put(path, body):
        return platform.http.put(f"{platform.url}{API}{path}", json=body, timeout=30)

    put = created(admin_put(f"/departments/{code}", {"name": "滨州市新设局"}), 201)
    assert put["added"] is True
    assert (put["department"]["code"], put["department"]["name"], put["department"]["origin"]) == \
        (code, "滨州市新设局", "staff")
    assert created(admin_put(f"/departments/{code}", {"name": "滨州市新设管理局"}), 200)["added"] is False
    listed = {item["code"]: item["name"] for item in created(reader.get("/departments"), 200)["items"]}
    assert listed[code] == "滨州市新设管理局" and typo not in listed

    writer = staff(platform, "department_staff", department=code)
    policy = created(writer.post("/policies", draft))
    assert policy["department_name"] == "滨州市新设管理局"   # named by code: the register names it
    refused(writer.put(f"/policies/{policy['id']}", {**draft, "department": typo}), 403)   # not theirs either
    error = refused(admin_put(f"/policies/{policy['id']}", {**draft, "department": typo}), 422)
    assert error["details"][0]["field"] == "department"

    refused(writer.put(f"/departments/{code}", {"name": "自己改名"}), 403)
    refused(reader.put(f"/departments/{code}", {"name": "自己改名"}), 403)
    error = refused(admin_put("/departments/Industry-IT", {"name": "x"}), 422)
    assert "lowercase letters, digits and underscores" in str(error)
    refused(admin_put(f"/departments/{code}", {"name": " "}), 422)
