"""Messages beyond the inbox, end to end through the real broker, the real notification service (on
SQLite and PostgreSQL), a real HTTP SMS gateway (tools/sms_sink.py, failing on demand) and a real SMTP
server (aiosmtpd): written with their notice, sent after commit, held by quiet hours, retried when the
gateway fails and each arriving once, one digest for a day's matches, and nothing beyond the inbox for
those who chose nothing. The clock is moved as time travel moves it (`shared.clock`)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from services.notification.domain.templates import SMS_LIMIT
from shared import clock
from shared.config import settings
from shared.contracts.events import MatchesChanged
from tests.integration.test_messaging_reliability import publish
from tests.polling import until
from tools.sms_sink import SmsSink

USCC, QUIET_ONE, SILENT = "913716024JURQ28300", "913716000000000025", "913716000000000033"
PHONE, QUIET_PHONE = "13812341234", "13900001111"
PUBLIC_URL = "https://huiqi.example"


def at_china(day: int, hour: int, minute: int = 0) -> None:
    """Move the platform's clock to `hour:minute` China time, `day` days after today."""
    real_now = clock.now() - clock.offset()
    today = real_now.astimezone(clock.CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    target = today + timedelta(days=day, hours=hour, minutes=minute)
    clock.set_offset(target - real_now)


@pytest.fixture
def sms():
    with SmsSink() as sink:
        yield sink


@pytest.fixture
def notification(container_factory, nameko_config, platform_env, purge_queues, monkeypatch, sms, mail_server):
    from services.notification.service import NotificationService

    monkeypatch.setenv("HUIQI_SMS_URL", sms.url)
    monkeypatch.setenv("HUIQI_SMTP_URL", mail_server[0])
    monkeypatch.setenv("HUIQI_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.delenv("HUIQI_WECHAT_WEBHOOK_URL", raising=False)
    settings.cache_clear()
    at_china(0, 10)
    container = container_factory(NotificationService, nameko_config)
    container.start()
    yield container
    clock.set_offset(timedelta(0))
    settings.cache_clear()


@pytest.fixture
def service(notification, nameko_config):
    with ServiceRpcProxy("notification", nameko_config, timeout=10) as proxy:
        yield proxy


def choose(service, uscc: str, phone: str | None, email: str | None = None, **preferences) -> None:
    service.set_contacts(uscc, {"phone": phone, "email": email})
    service.set_preferences(uscc, preferences)


def deliveries(service, uscc: str) -> list[dict]:
    return service.deliveries(uscc)["items"]


def ticks(notification, count: int) -> None:
    """Wait for `count` rounds of the sender."""
    for _ in range(count):
        with entrypoint_waiter(notification, "send_deliveries", timeout=10):
            pass


def matched(notification, amqp_uri, *policies: int, usccs=(USCC,)) -> None:
    event = MatchesChanged(matched={policy: list(usccs) for policy in policies},
                           titles={policy: f"政策{policy}：稳岗补贴与技能提升补贴" for policy in policies})
    with entrypoint_waiter(notification, "on_matches_changed", timeout=10):
        publish(amqp_uri, event)


def test_a_match_reaches_the_phone_and_the_mailbox_once_and_the_record_says_so(notification, service, amqp_uri, sms,
                                                                               mail_server):
    choose(service, USCC, PHONE, "office@example.com", kinds={"policy_matched": ["sms", "email"]})
    matched(notification, amqp_uri, 7, usccs=(USCC, SILENT))
    until(lambda: len(sms.sent_to(PHONE)) == 1 and len(list(mail_server[1])) == 1, timeout=15)
    matched(notification, amqp_uri, 7, usccs=(USCC, SILENT))     # the same match again: no second message

    records = until(lambda: [r for r in deliveries(service, USCC) if r["status"] == "sent"], timeout=10)
    assert sorted(record["channel"] for record in records) == ["email", "sms"]
    sms_record = next(record for record in records if record["channel"] == "sms")
    assert sms_record["recipient"] == PHONE and sms_record["attempts"] == 1 and sms_record["provider_id"] == "sink-1"
    (text,) = sms.sent_to(PHONE)
    assert text == sms_record["text"] and len(text) <= SMS_LIMIT and text.endswith(PUBLIC_URL + "/")
    assert "政策7" in text
    assert deliveries(service, SILENT) == [], "the inbox alone for an enterprise that chose nothing"
    assert service.inbox(SILENT)["total"] == 1
    assert len(sms.messages) == 1 and len(list(mail_server[1])) == 1


def test_quiet_hours_hold_an_sms_until_they_end_then_it_is_sent_once(notification, service, amqp_uri, sms):
    choose(service, QUIET_ONE, QUIET_PHONE, kinds={"policy_matched": ["sms"]})
    at_china(0, 23)
    matched(notification, amqp_uri, 8, usccs=(QUIET_ONE,))
    (record,) = deliveries(service, QUIET_ONE)
    assert record["status"] == "deferred" and "免打扰" in record["reason"] and record["attempts"] == 0
    at_china(1, 7, 59)
    ticks(notification, 2)
    assert sms.sent_to(QUIET_PHONE) == [] and deliveries(service, QUIET_ONE)[0]["status"] == "deferred"
    at_china(1, 8, 0)
    until(lambda: sms.sent_to(QUIET_PHONE), timeout=15)
    until(lambda: deliveries(service, QUIET_ONE)[0]["status"] == "sent", timeout=10)
    assert len(sms.sent_to(QUIET_PHONE)) == 1


def test_a_backlog_of_several_batches_goes_out_in_one_round_of_the_sender_not_a_batch_a_second(
        notification, service, amqp_uri, sms, monkeypatch):
    """The quiet hours end with a backlog (100,000 held SMS in the benchmark): the sender takes batch after
    batch while they come full instead of one batch per tick."""
    from services.notification import sender

    monkeypatch.setattr(sender, "BATCH", 3)
    for uscc, phone in ((USCC, PHONE), (QUIET_ONE, QUIET_PHONE)):
        choose(service, uscc, phone, kinds={"policy_matched": ["sms"]})
    at_china(0, 23)
    matched(notification, amqp_uri, *range(61, 65), usccs=(USCC, QUIET_ONE))
    assert len(deliveries(service, USCC) + deliveries(service, QUIET_ONE)) == 8
    at_china(1, 8, 0)
    ticks(notification, 2)   # the first may have begun before 08:00; the second began after
    assert len(sms.sent_to(PHONE)) == len(sms.sent_to(QUIET_PHONE)) == 4
    assert all(r["status"] == "sent" for uscc in (USCC, QUIET_ONE) for r in deliveries(service, uscc))


def test_a_failing_gateway_is_retried_with_backoff_and_every_message_arrives_once(notification, service, amqp_uri,
                                                                                   sms):
    choose(service, USCC, PHONE, kinds={"policy_matched": ["sms"]})
    sms.failing, sms.failing_status = True, 500
    matched(notification, amqp_uri, 1, 2, 3)

    def all_tried():
        records = deliveries(service, USCC)
        return len(records) == 3 and all(r["attempts"] == 1 and r["status"] == "deferred" for r in records) and records

    records = until(all_tried, timeout=15)
    assert all("500" in record["reason"] and record["provider_id"] is None for record in records)
    retries = [datetime.fromisoformat(record["next_attempt_at"]) - clock.now() for record in records]
    assert all(timedelta(seconds=10) < wait <= timedelta(seconds=30) for wait in retries), retries
    assert sms.messages == []
    sms.failing = False
    clock.set_offset(clock.offset() + timedelta(minutes=1))
    until(lambda: all(r["status"] == "sent" for r in deliveries(service, USCC)), timeout=15)
    assert sorted(text.split("：")[1][:3] for text in sms.sent_to(PHONE)) == ["政策1", "政策2", "政策3"]


def test_a_digest_enterprise_gets_one_message_for_the_days_matches_at_nine(notification, service, amqp_uri, sms):
    choose(service, USCC, PHONE, kinds={"policy_matched": ["sms"]}, digest="daily")
    for policy in (11, 12, 13):
        matched(notification, amqp_uri, policy)
    assert deliveries(service, USCC) == [] and sms.messages == []
    at_china(1, 9, 0)
    (text,) = until(lambda: sms.sent_to(PHONE), timeout=15)
    assert "3项" in text and len(text) <= SMS_LIMIT
    (record,) = deliveries(service, USCC)
    assert record["kind"] == "digest" and record["status"] == "sent"
    at_china(1, 9, 5)
    ticks(notification, 2)
    assert len(sms.messages) == 1, "one digest a day"


def test_no_more_than_five_sms_a_day_to_one_phone(notification, service, amqp_uri, sms):
    choose(service, USCC, PHONE, kinds={"policy_matched": ["sms"]})
    matched(notification, amqp_uri, *range(21, 27))
    until(lambda: sum(r["status"] == "sent" for r in deliveries(service, USCC)) == 5, timeout=15)
    (held,) = until(lambda: [r for r in deliveries(service, USCC) if r["status"] == "deferred"], timeout=10)
    assert "5 条" in held["reason"] and held["attempts"] == 0 and len(sms.sent_to(PHONE)) == 5


def test_a_service_killed_between_send_and_record_sends_nothing_twice(notification, service, amqp_uri, sms,
                                                                      container_factory, nameko_config):
    from services.notification.service import NotificationService

    choose(service, USCC, PHONE, kinds={"policy_matched": ["sms"]})
    sms.delay_s = 30   # the gateway takes the message and is slow to say so
    matched(notification, amqp_uri, 31)
    until(lambda: sms.messages, timeout=15)
    notification.kill()   # sent, never recorded
    sms.delay_s = 0
    again = container_factory(NotificationService, nameko_config)
    again.start()
    with ServiceRpcProxy("notification", nameko_config, timeout=10) as restarted:
        (record,) = deliveries(restarted, USCC)
        assert record["status"] == "queued" and record["attempts"] == 1, "claimed, its outcome unknown"
        clock.set_offset(clock.offset() + timedelta(minutes=3))   # the claim's lease ends: tried again
        until(lambda: deliveries(restarted, USCC)[0]["status"] == "sent", timeout=15)
        (record,) = deliveries(restarted, USCC)
    assert record["attempts"] == 2 and record["provider_id"] == "sink-1"
    assert sms.requests == 2 and len(sms.sent_to(PHONE)) == 1, "the same key: the gateway took it once"


def test_a_provider_that_keeps_failing_is_left_alone_until_a_trial_succeeds(notification, service, amqp_uri, sms):
    for uscc, phone in ((USCC, PHONE), (QUIET_ONE, QUIET_PHONE)):
        choose(service, uscc, phone, kinds={"policy_matched": ["sms"]})
    sms.failing = True
    matched(notification, amqp_uri, *range(41, 45), usccs=(USCC, QUIET_ONE))
    until(lambda: sms.requests == 8, timeout=15)
    until(lambda: all(r["attempts"] == 1 and r["status"] == "deferred"
                      for uscc in (USCC, QUIET_ONE) for r in deliveries(service, uscc)), timeout=10)
    clock.set_offset(clock.offset() + timedelta(minutes=2))   # every retry due; the circuit lets one trial through
    until(lambda: sms.requests == 9, timeout=15)
    ticks(notification, 3)
    assert sms.requests == 9, "open: no hammering"
    sms.failing = False
    clock.set_offset(clock.offset() + timedelta(minutes=2))
    until(lambda: all(r["status"] == "sent" for uscc in (USCC, QUIET_ONE) for r in deliveries(service, uscc)),
          timeout=15)
    assert sms.requests == 17 and len(sms.sent_to(PHONE)) == len(sms.sent_to(QUIET_PHONE)) == 4


def test_a_delivery_whose_provider_is_removed_waits_for_it_then_fails_after_a_day(notification, service, amqp_uri,
                                                                                 sms, container_factory,
                                                                                 nameko_config, monkeypatch):
    from services.notification.service import NotificationService

    choose(service, USCC, PHONE, kinds={"policy_matched": ["sms"]})
    sms.failing = True   # not sent before the service stops
    matched(notification, amqp_uri, 51)
    until(lambda: deliveries(service, USCC)[0]["attempts"] == 1, timeout=15)
    notification.stop()
    monkeypatch.delenv("HUIQI_SMS_URL")
    settings.cache_clear()
    clock.set_offset(clock.offset() + timedelta(minutes=5))
    container_factory(NotificationService, nameko_config).start()
    with ServiceRpcProxy("notification", nameko_config, timeout=10) as restarted:
        until(lambda: "未配置" in (deliveries(restarted, USCC)[0]["reason"] or ""), timeout=15)
        clock.set_offset(clock.offset() + timedelta(hours=25))
        (record,) = until(lambda: [r for r in deliveries(restarted, USCC) if r["status"] == "failed"], timeout=15)
    assert "24 小时" in record["reason"] and record["attempts"] == 1 and sms.requests == 1
