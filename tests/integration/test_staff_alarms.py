"""Staff alarms beyond `GET /api/v1/alarms` (contract section 11), through the real broker, the real accounts,
application and notification services on their own databases (SQLite, then PostgreSQL) and a real HTTP SMS
gateway (tools/sms_sink.py): a staff account made with a phone is told to the notification service; an
application's review left overdue raises an alarm in the application service, whose event reaches that
department's staff member by SMS, once, and nobody else's phone; and a question on a policy left unanswered
past its due time reaches the staff who answer it (the policy service's pass), once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.accounts.service import AccountsService
from services.application import hall
from services.application.models import alarms
from services.application.service import ApplicationService
from services.notification import staff_store
from services.notification.domain.templates import SMS_LIMIT
from services.notification.models import deliveries, staff_contacts
from services.notification.service import NotificationService
from services.policy.models import policies, question_alarms, questions
from services.policy.service import PolicyService
from shared import clock, workdays
from shared.config import settings
from shared.contracts.actors import Actor, Role
from shared.contracts.events import AlarmAudience, AlarmsRaised, StaffAccountChanged, StaffAlarm
from tests.integration.test_messaging_reliability import publish
from tests.integration.test_notification_deliveries import at_china
from tests.polling import until

USCC = "913716000000000017"
FINANCE_PHONE, OTHER_PHONE = "13812345678", "13987654321"
PUBLIC_URL = "https://huiqi.example"
CITY_ADMIN = Actor(role=Role.city_admin, id="city-admin").model_dump(mode="json")
CLERK = Actor(role=Role.window_clerk, id="clerk").model_dump(mode="json")


def terms() -> dict:
    policy = {"id": 7, "title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
              "status": "published", "redeemable": True, "exclusive_group": None, "stage_limits": {},
              "budget": None, "version": 1}
    return {"policy": policy, "uscc": USCC, "matched": True, "missing": [], "estimated_amount": 20_000,
            "profile": {"name": "滨州测试有限公司"}}


@pytest.fixture
def platform(request, container_factory, nameko_config, platform_env, purge_queues, monkeypatch, sms):
    """Accounts and notification, SMS to the sink; a test that asks for `wechat` has the sink play the WeChat
    group robot too."""
    monkeypatch.setenv("HUIQI_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.delenv("HUIQI_SMTP_URL", raising=False)
    if "wechat" in request.fixturenames:
        monkeypatch.setenv("HUIQI_WECHAT_WEBHOOK_URL", sms.url)
    else:
        monkeypatch.delenv("HUIQI_WECHAT_WEBHOOK_URL", raising=False)
    settings.cache_clear()
    at_china(0, 10)     # outside the quiet hours, which hold a staff alarm's SMS as they hold any
    containers = {cls.name: container_factory(cls, nameko_config)
                  for cls in (AccountsService, NotificationService)}
    for container in containers.values():
        container.start()
    yield containers
    clock.set_offset(timedelta(0))
    settings.cache_clear()


@pytest.fixture
def wechat():
    """Asked for by a test whose platform posts to the WeChat group robot (the `platform` fixture reads it)."""
    return "wechat"


def made_staff(notification, nameko_config, **account) -> dict:
    with entrypoint_waiter(notification, "on_staff_changed", timeout=15), \
            ServiceRpcProxy("accounts", nameko_config, timeout=15) as accounts:
        return accounts.create("staff", account.pop("name"), CITY_ADMIN, **account)


def told_again(amqp_uri, notification, source: str, alarm_id: str, kind: str, raiser: tuple) -> None:
    """The alarm `alarm_id` told again (another event naming it, to the finance department), heard; then three
    passes of the service that raised it (`raiser`: its container and timer) and of the sender go by."""
    again = AlarmsRaised(source=source, alarms=[StaffAlarm(
        alarm_id=alarm_id, kind=kind, title="再说一次", audience=[AlarmAudience(role="department_staff",
                                                                              department="finance")])])
    with entrypoint_waiter(notification, "on_alarm_raised", timeout=15):
        publish(amqp_uri, again, routing_key=AlarmsRaised.routing_key)
    for _ in range(3):
        with entrypoint_waiter(*raiser, timeout=10), entrypoint_waiter(notification, "send_deliveries", timeout=10):
            pass


def test_an_overdue_review_reaches_the_departments_staff_by_sms_once(platform, container_factory, nameko_config,
                                                                     service_engine, amqp_uri, sms):
    notification = platform["notification"]
    finance = made_staff(notification, nameko_config, name="财政局审核员", role="department_staff",
                         department="finance", phone=FINANCE_PHONE, email="audit@finance.example.gov.cn")
    assert (finance["phone"], finance["email"]) == (FINANCE_PHONE, "audit@finance.example.gov.cn")
    made_staff(notification, nameko_config, name="人社局审核员", role="department_staff", department="hrss",
               phone=OTHER_PHONE)
    made_staff(notification, nameko_config, name="窗口", role="window_clerk", phone="13700001111")

    # an application accepted three weeks ago: its review (5 working days) is long overdue
    engine = service_engine("application")
    entered = clock.now() - timedelta(days=21)
    calendar = workdays.seeded()
    with engine.begin() as connection:
        application_id = hall.open_application(connection, terms(), note=None, checked_materials=[],
                                               actor=Actor.model_validate(CLERK), now=entered,
                                               calendar=calendar).application_id
        hall.act(connection, application_id, "accept", Actor.model_validate(CLERK), comment=None, amount=None,
                 now=entered + timedelta(hours=1), calendar=calendar)
    application = container_factory(ApplicationService, nameko_config)
    application.start()

    (text,) = until(lambda: sms.sent_to(FINANCE_PHONE), timeout=20, what="the alarm's SMS")
    assert text.startswith("【惠企平台】预警：") and f"申请{application_id}的审核环节已超期" in text
    assert len(text) <= SMS_LIMIT and text.endswith(PUBLIC_URL + "/")
    with engine.connect() as connection:
        raised = connection.execute(select(alarms.c.kind, alarms.c.role, alarms.c.stage_id)).all()
    assert {(row.kind, row.role) for row in raised} >= {("overdue", "department_staff")}

    # the same alarm told again (another event naming it): the delivery's key refuses a second message
    stage_id = next(row.stage_id for row in raised if row.kind == "overdue")
    told_again(amqp_uri, notification, "application", f"application.stage{stage_id}.overdue", "stage_overdue",
               (application, "tick"))
    assert sms.sent_to(FINANCE_PHONE) == [text], "one message per alarm and person"
    assert sms.sent_to(OTHER_PHONE) == [], "another department's staff are not told"
    assert sms.sent_to("13700001111") == [], "a window clerk is not told of a review"
    notified = service_engine("notification")
    with notified.connect() as connection:
        rows = connection.execute(select(deliveries.c.account_id, deliveries.c.channel, deliveries.c.status,
                                         deliveries.c.uscc)).all()
    assert [tuple(row) for row in rows] == [(finance["id"], "sms", "sent", None)]


def test_an_overdue_question_reaches_its_staff_by_sms_and_the_wechat_group_once(wechat, platform, container_factory,
                                                                                nameko_config, service_engine,
                                                                                amqp_uri, sms):
    """A question on a county-level policy of the finance department, unanswered past its due time: the
    policy service raises the alarm in its periodic pass, once, to the department's and the county's staff,
    each by SMS, and the WeChat group robot is posted it once (not once per person)."""
    notification = platform["notification"]
    finance = made_staff(notification, nameko_config, name="财政局", role="department_staff",
                         department="finance", phone=FINANCE_PHONE)
    county = made_staff(notification, nameko_config, name="无棣县", role="county_staff", county="371623",
                        phone="13600002222")
    made_staff(notification, nameko_config, name="人社局", role="department_staff", department="hrss",
               phone=OTHER_PHONE)
    made_staff(notification, nameko_config, name="另一个县", role="county_staff", county="371625",
               phone="13600003333")
    engine = service_engine("policy")
    now = clock.now()
    with engine.begin() as connection:
        policy_id = connection.execute(insert(policies).values(
            title="县级稳岗补贴", department="finance", level="county", county="371623", summary="测试", body="测试",
            eligibility={}, tags_used=[], valid_from="2026-01-01", valid_to="2027-12-31", redeemable=False,
            proactive=False, materials=[], stage_limits={}, status="draft", version=1, created_at=now,
            updated_at=now)).inserted_primary_key[0]
        asked = {"policy_id": policy_id, "uscc": USCC, "text": "怎么申请？", "asked_by": {"role": "enterprise"}}
        past = {"asked_at": now - timedelta(days=9), "due_at": now - timedelta(days=5)}
        states = (past, {**past, "answer": "已答复", "answered_at": now - timedelta(days=6)},
                  {"asked_at": now, "due_at": now + timedelta(days=2)})
        late, answered, not_due = (connection.execute(insert(questions).values(**asked, **state))
                                   .inserted_primary_key[0] for state in states)
    policy = container_factory(PolicyService, nameko_config)
    policy.start()

    expected = f"【惠企平台】预警：政策{policy_id}的咨询{late}已超期未答复 详见{PUBLIC_URL}/"
    until(lambda: sms.sent_to(FINANCE_PHONE) and sms.sent_to("13600002222"), timeout=20, what="the alarm's SMS")
    until(lambda: sms.sent_to("wechat"), timeout=20, what="the alarm's post to the WeChat group")
    # the same alarm told again: neither the people nor the group are sent it twice
    told_again(amqp_uri, notification, "policy", f"policy.question{late}.overdue", "question_overdue",
               (policy, "raise_question_alarms"))
    assert sms.sent_to("wechat") == [expected], "one post per alarm to the group"
    assert sms.sent_to(FINANCE_PHONE) == [expected] and sms.sent_to("13600002222") == [expected]
    assert sms.sent_to(OTHER_PHONE) == [] and sms.sent_to("13600003333") == [], "only the policy's owners are told"
    with engine.connect() as connection:
        marked = connection.execute(select(question_alarms.c.question_id)).scalars().all()
    assert marked == [late] and answered not in marked and not_due not in marked
    notified = service_engine("notification")
    with notified.connect() as connection:
        rows = connection.execute(select(deliveries.c.account_id, deliveries.c.channel, deliveries.c.recipient)).all()
    assert sorted((tuple(row) for row in rows), key=str) == sorted(
        [(finance["id"], "sms", FINANCE_PHONE), (county["id"], "sms", "13600002222"), (None, "wechat", "group")],
        key=str)


def test_an_older_change_to_a_staff_account_heard_after_a_newer_one_changes_nothing(service_engine):
    """Two changes of one account heard by two workers at once may commit in either order: the newer stands."""
    engine = service_engine("notification")
    account = {"account_id": "staff-7", "role": "department_staff", "department": "finance", "active": True}
    older = StaffAccountChanged(**account, phone="13800000001", occurred_at=clock.now() - timedelta(seconds=5))
    newer = StaffAccountChanged(**account, phone="13800000002", occurred_at=clock.now())
    disabled = StaffAccountChanged(**{**account, "active": False}, phone="13800000002",
                                   occurred_at=clock.now() - timedelta(seconds=1))
    with Session(engine) as session, session.begin():
        staff_store.keep(session, newer)
        staff_store.keep(session, older)
    with engine.connect() as connection:
        assert connection.execute(select(staff_contacts.c.phone)).scalar_one() == "13800000002"
    # a disable is kept whenever it comes, and nothing after it re-enables the account
    with Session(engine) as session, session.begin():
        staff_store.keep(session, disabled)
        staff_store.keep(session, StaffAccountChanged(**account, phone="13800000003"))
    with engine.connect() as connection:
        assert tuple(connection.execute(select(staff_contacts.c.phone, staff_contacts.c.active)).one()) == \
            ("13800000002", False)
