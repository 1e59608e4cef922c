"""Staff alarms reach people, end to end (contract section 11): every service its own process over the real
bus, a real HTTP SMS gateway (tools/sms_sink.py) and a real mail server (aiosmtpd), with time travel. A
department's staff member sets its own phone and e-mail; an enterprise rates the department's push one star
(a follow-up, due in 5 working days), asks a question on its policy (due in 2) and raises a problem with its
counsellors (24 hours); the clock moves past every due time, and the follow-up, the question and the problem
each reach the staff responsible, by SMS and e-mail where they gave them, exactly once. A second question and
problem, made later and alarmed in later passes, are the proof that the first ones were not sent again. The
staff member sees what was sent to it in full, the administrator masked, another staff member not at all.
The clock only moves forward."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from shared.clock import CHINA
from tests.e2e.harness import (
    ADMIN_TOKEN,
    API,
    As,
    account,
    firm,
    has_interest,
    new_marker,
    ok,
    policy_draft,
)
from tests.mail_server import mails_to
from tests.polling import until
from tests.tcp_proxy import free_port

# the platform's processes are told where the SMS gateway and the mail server will listen before they start
SMS_PORT, SMTP_PORT = free_port(), free_port()
PUBLIC_URL = "https://huiqi.example"
pytestmark = [pytest.mark.e2e, pytest.mark.platform(env={
    "HUIQI_TIME_TRAVEL": "1", "HUIQI_SMS_URL": f"http://127.0.0.1:{SMS_PORT}/sms",
    "HUIQI_SMTP_URL": f"smtp://127.0.0.1:{SMTP_PORT}", "HUIQI_PUBLIC_URL": PUBLIC_URL})]
STAFF_PHONE, STAFF_EMAIL, COUNSELLOR_PHONE = "13812340001", "shenpi@finance.example.gov.cn", "13812340002"


def now_of(platform) -> datetime:
    return datetime.fromisoformat(ok(platform.get("/health"))["services"]["notification"]["now"]).astimezone(CHINA)


def move_past(platform, *instants: datetime) -> None:
    """The clock to 10:00 China time on the day after the latest of `instants` (outside the quiet hours that hold
    an SMS, and past every one of them)."""
    day = max(instant.astimezone(CHINA) for instant in instants).date() + timedelta(days=1)
    ok(platform.post(f"{API}/admin/clock", {"set": datetime.combine(day, time(10), CHINA).isoformat()}))


def alarm(text: str) -> str:
    return f"【惠企平台】预警：{text} 详见{PUBLIC_URL}/"


def test_overdue_follow_ups_questions_and_problems_reach_their_staff_once(platform, gov, sms, mail):
    admin = As(platform, ADMIN_TOKEN)
    move_past(platform, now_of(platform))     # a morning, so that no SMS waits for the quiet hours to end
    code = platform.department()
    staff = account(platform, {"name": "审批科", "role": "department_staff", "department": code})
    staff_id = ok(staff.get("/me"))["id"]
    # the staff member gives its own phone and e-mail; another staff member may not, nor read its deliveries
    other = account(platform, {"name": "别的部门", "role": "department_staff", "department": platform.department()})
    assert other.put(f"/staff/{staff_id}/contacts", {"phone": "13900000000"}).status_code == 403
    assert other.get(f"/staff/{staff_id}/deliveries").status_code == 403
    bad = staff.put(f"/staff/{staff_id}/contacts", {"phone": "12345"})
    assert bad.status_code == 422 and "phone" in bad.text
    ok(staff.put(f"/staff/{staff_id}/contacts", {"phone": STAFF_PHONE, "email": STAFF_EMAIL}))
    assert (ok(staff.get("/me"))["phone"], ok(staff.get("/me"))["email"]) == (STAFF_PHONE, STAFF_EMAIL)

    marker = new_marker()
    uscc, enterprise = firm(platform, gov, "滨州告警测试有限公司", marker)
    draft = policy_draft("告警测试补贴", has_interest(marker), department=code)
    policy_id = ok(staff.post("/policies", draft), 201)["id"]
    ok(staff.post(f"/policies/{policy_id}/publish"))
    team = ok(admin.post("/counsellor-teams", {"name": f"告警测试辅导队{marker}", "level": "county",
                                               "county": "371625"}), 201)
    ok(admin.put(f"/counsellor-teams/{team['id']}/enterprises", {"usccs": [uscc]}))
    account(platform, {"name": "辅导员", "role": "counsellor", "team_id": team["id"], "phone": COUNSELLOR_PHONE})

    # the push rated one star (once the evaluation service knows of it): a follow-up
    rated = until(lambda: (lambda answer: answer.json() if answer.status_code == 201 else None)(
        enterprise.post("/ratings", {"subject": "push", "policy_id": policy_id, "stars": 1})),
        timeout=60, what="the push to be known to the evaluation service")
    follow_up = rated["follow_up"]
    question = ok(enterprise.post(f"/policies/{policy_id}/questions", {"text": "需要哪些材料？"}), 201)
    problem = ok(enterprise.post(f"/enterprises/{uscc}/problems", {"text": "续贷困难"}), 201)

    move_past(platform, datetime.fromisoformat(follow_up["due_at"]), datetime.fromisoformat(question["due_at"]),
              datetime.fromisoformat(problem["raised_at"]) + timedelta(hours=24))
    first = {alarm(f"差评回访{follow_up['id']}已超期未办结"),
             alarm(f"政策{policy_id}的咨询{question['id']}已超期未答复")}
    until(lambda: set(sms.sent_to(STAFF_PHONE)) == first, timeout=60, what="the follow-up's and question's SMS")
    until(lambda: set(mails_to(mail, STAFF_EMAIL)) == first, timeout=30, what="their e-mails")
    counsellor_first = alarm(f"问题{problem['id']}超过24小时未答复")
    until(lambda: sms.sent_to(COUNSELLOR_PHONE), timeout=30, what="the problem's SMS")

    # later alarms of the same kinds, raised by later passes of the same services: the first are not sent again
    later_question = ok(enterprise.post(f"/policies/{policy_id}/questions", {"text": "什么时候兑现？"}), 201)
    later_problem = ok(enterprise.post(f"/enterprises/{uscc}/problems", {"text": "担保费偏高"}), 201)
    move_past(platform, datetime.fromisoformat(later_question["due_at"]),
              datetime.fromisoformat(later_problem["raised_at"]) + timedelta(hours=24))
    then = first | {alarm(f"政策{policy_id}的咨询{later_question['id']}已超期未答复")}
    until(lambda: len(sms.sent_to(STAFF_PHONE)) >= 3 and len(sms.sent_to(COUNSELLOR_PHONE)) >= 2
          and len(mails_to(mail, STAFF_EMAIL)) >= 3, timeout=60, what="the later alarms")
    assert sorted(sms.sent_to(STAFF_PHONE)) == sorted(then), "each alarm once by SMS"
    assert mails_to(mail, STAFF_EMAIL) == sorted(then), "each alarm once by e-mail"
    assert sorted(sms.sent_to(COUNSELLOR_PHONE)) == sorted(
        [counsellor_first, alarm(f"问题{later_problem['id']}超过24小时未答复")])
    assert sms.sent_to("13900000000") == []

    # what was sent: in full to the staff member, masked to the administrator
    own = ok(staff.get(f"/staff/{staff_id}/deliveries"))
    assert sorted((item["channel"], item["recipient"], item["status"]) for item in own) == sorted(
        [("sms", STAFF_PHONE, "sent")] * 3 + [("email", STAFF_EMAIL, "sent")] * 3)
    assert {item["kind"] for item in own} == {"alarm"}
    seen = ok(admin.get(f"/staff/{staff_id}/deliveries"))
    assert {item["recipient"] for item in seen} == {"138****0001", "s***@finance.example.gov.cn"}
