"""`deliveries_per_s`: new matches for 10,000 enterprises with SMS on, to a local SMS gateway (issue 15: at least
500 a second).

Setup (not timed): a notification service of its own (`bench.quiet_hours.OwnNotification`: a vhost and a database
of its own, a real HTTP SMS gateway in this process, no per-provider pace), its clock moved to 10:00 China time
(outside the quiet hours), and in its database 10,000 enterprises that chose SMS for a new match, each with a
phone of its own.

Timed: from the first `policy.matches_changed` published (one policy newly matching all of them, 1,000 enterprises
an event, as the policy service publishes a fan-out) until the SMS gateway has taken every message, one to each
phone; every delivery is then checked to be `sent`. The key is the messages over those seconds.
"""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import insert

from bench.platform import BenchPlatform
from bench.progress import Progress
from bench.quiet_hours import OwnNotification
from services.notification.models import notification_contacts, notification_preferences
from shared import clock, migrations
from shared.clock import CHINA
from shared.contracts.events import MatchesChanged
from shared.database import engine_for
from shared.publisher import ConfirmingPublisher, Outgoing

PHASE = "deliveries"
ENTERPRISES = 10_000
PER_EVENT = 1_000
POLICY_ID = 9_001


def run(platform: BenchPlatform, progress: Progress, *, count: int = ENTERPRISES) -> tuple[dict, dict]:
    usccs = [f"913716{number:012d}" for number in range(1, count + 1)]
    with OwnNotification(platform, PHASE) as own:
        _choose_sms(own.database_url, usccs)
        own.start()
        real_now = clock.now() - clock.offset()
        ten = real_now.astimezone(CHINA).replace(hour=10, minute=0, second=0, microsecond=0)
        own.move_clock_to(ten if ten > real_now else ten + timedelta(days=1))
        time.sleep(1.0)    # the broadcast reaches the service before the matches do
        events = [MatchesChanged(matched={POLICY_ID: usccs[start:start + PER_EVENT]},
                                 titles={POLICY_ID: "稳岗补贴与技能提升补贴"})
                  for start in range(0, count, PER_EVENT)]
        progress.say(PHASE, f"{count:,} enterprises with SMS on; publishing {len(events)} match events")
        publisher = ConfirmingPublisher(own.amqp_uri)
        started = time.monotonic()
        try:
            unroutable = publisher.publish([Outgoing("huiqi.events", MatchesChanged.routing_key,
                                                     event.model_dump_json(), event.event_id) for event in events])
        finally:
            publisher.close()
        if unroutable:
            raise AssertionError(f"{len(unroutable)} match events reached no queue")
        seconds = own.wait_for_messages(count, started)
        own.check_sent(count)
    per_s = count / seconds
    progress.say(PHASE, f"{count:,} SMS sent in {seconds:.1f} s ({per_s:,.0f}/s)")
    return {"deliveries_per_s": round(per_s, 1)}, {"deliveries": count, "seconds": round(seconds, 2)}


def _choose_sms(url: str, usccs: list[str]) -> None:
    engine = engine_for(url)
    now = clock.now()
    try:
        migrations.migrate("notification", url)
        with engine.begin() as connection:
            connection.execute(insert(notification_preferences), [
                {"uscc": uscc, "kinds": {"policy_matched": ["in_app", "sms"]}, "quiet_start": "21:00",
                 "quiet_end": "08:00", "digest": "immediate", "updated_at": now} for uscc in usccs])
            connection.execute(insert(notification_contacts), [
                {"uscc": uscc, "phone": f"139{number:08d}", "email": None, "updated_at": now}
                for number, uscc in enumerate(usccs, start=1)])
    finally:
        engine.dispose()
