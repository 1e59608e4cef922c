"""What `make run` loads, on a running platform: the demo's enterprises and policies, then its finished
evaluation round (三评) with ratings, questionnaire answers, assessments, results and one open rectification,
all through the gateway; and the platform settles after it. With an SMS gateway and a mail server given (as
the README shows), the registered demo enterprise's notices and the counsellors' alarm reach them."""
from __future__ import annotations

from datetime import datetime

import pytest

from demo.counselling import demo_teams, load_counselling
from demo.evaluation import QUESTIONS, RATERS, load_round
from demo.load import DEMO_MAIL_DOMAIN, demo_usccs, load, wait_until_settled
from shared.clock import CHINA
from tests.e2e.harness import ADMIN_TOKEN, As, ok
from tests.mail_server import mails_to
from tests.polling import until
from tests.tcp_proxy import free_port

SMS_PORT, SMTP_PORT = free_port(), free_port()
pytestmark = [pytest.mark.e2e, pytest.mark.platform(env={
    "HUIQI_SMS_URL": f"http://127.0.0.1:{SMS_PORT}/sms", "HUIQI_SMTP_URL": f"smtp://127.0.0.1:{SMTP_PORT}"})]


def test_the_demo_holds_a_finished_round_with_results_ratings_and_an_open_rectification(platform, sms, mail):
    admin = As(platform, ADMIN_TOKEN)
    assert load(platform.url, ADMIN_TOKEN, platform.amqp_uri, say=lambda _: None)
    wait_until_settled(platform.url, platform.amqp_uri, say=lambda _: None, timeout_s=300)
    # the demo enterprise chose SMS and e-mail before the policies came: each notice in its inbox is a mail too
    registered = demo_usccs()[0]
    inbox = ok(admin.get(f"/enterprises/{registered}/notifications", limit=200))
    assert 0 < len(inbox) < 200
    address = f"{registered.lower()}@{DEMO_MAIL_DOMAIN}"
    until(lambda: len(mails_to(mail, address)) == len(inbox), timeout=60,
          what=f"{len(inbox)} notices mailed to the demo enterprise")
    sent = ok(admin.get(f"/enterprises/{registered}/deliveries", limit=200))
    assert {delivery["channel"] for delivery in sent} == {"sms", "email"}
    today = datetime.fromisoformat(ok(platform.get("/health"))["services"]["evaluation"]["now"]).astimezone(CHINA)
    results = load_round(platform.url, ADMIN_TOKEN, demo_usccs(), today.date(), say=lambda _: None)
    wait_until_settled(platform.url, platform.amqp_uri, say=lambda _: None, timeout_s=120)

    rounds = ok(admin.get("/evaluations"))["items"]
    assert [(item["id"], item["status"]) for item in rounds] == [(results["evaluation_id"], "closed")]
    assert len(rounds[0]["survey"]["questions"]) == len(QUESTIONS)
    assert ok(admin.get(f"/evaluations/{results['evaluation_id']}/results")) == results
    departments = results["departments"]
    assert len(departments) > 5 and [entry["rank"] for entry in departments] == sorted(
        entry["rank"] for entry in departments)
    assert all(entry["sources"]["self"] is not None and entry["sources"]["third_party"] is not None
               for entry in departments)
    assert results["counties"] and results["policies"]
    ratings = ok(admin.get("/ratings", limit=200))
    assert ratings["total"] == RATERS and ratings["average"]["count"] == RATERS
    assert ok(admin.get("/follow-ups", status="open"))["total"] > 0        # the 1- and 2-star ratings'
    rectifications = ok(admin.get("/rectifications"))["items"]
    assert [(item["unit"], item["status"]) for item in rectifications] == [(departments[-1]["unit"], "issued")]

    # the counsellors: two teams, plans, a few problems, one overdue and alarmed
    counselling = load_counselling(platform.url, ADMIN_TOKEN, platform.amqp_uri, demo_usccs(),
                                   demo_teams(platform.url, ADMIN_TOKEN), say=lambda _: None)
    overdue = counselling["overdue_problem_id"]
    alarms = until(lambda: ok(admin.get("/counselling/alarms"))["items"] or None, timeout=30, what="the alarm")
    assert [(alarm["problem_id"], alarm["stage"]) for alarm in alarms] == [(overdue, 1)]
    # ... and it reaches the demo counsellor of that team by e-mail, once
    alarmed = until(lambda: mails_to(mail, f"counsellor@{DEMO_MAIL_DOMAIN}") or None, timeout=60,
                    what="the alarm mailed to the demo counsellor")
    assert len(alarmed) == 1 and "预警" in alarmed[0]
    ledger = ok(admin.get("/counselling/ledger"))
    assert ledger["total"] == 4 and [item["id"] for item in ledger["items"] if item["overdue"]] == [overdue]
    statistics = ok(admin.get("/counselling/statistics"))["items"]
    assert sorted(team["plans"] for team in statistics) == [0, 3]
    # loaded once: a second start keeps what is there
    assert not load(platform.url, ADMIN_TOKEN, platform.amqp_uri, say=lambda _: None)
