"""`quiet_hours_release_100k_s`: 100,000 SMS held by the quiet hours, released at 08:00 China time, all sent
(issue 15: within 120 s).

Setup (not timed): a notification service of its own, on a vhost of its own and a fresh database in the
run's folder, with `HUIQI_SMS_URL` at a real HTTP SMS gateway in this process (tools/sms_sink.py),
`HUIQI_TIME_TRAVEL=1` and no per-provider pace (`HUIQI_NOTIFICATION_RATE_PER_S=0`: the gateway is the bench's
own). Its `deliveries` table is filled directly with `count` deliveries as the service writes them for a
new match at night: one SMS each to a phone of its own (so the daily limit of 5 holds none), `deferred` by the
quiet hours until the next 08:00 China time, with the default preferences.

Timed: from the moment the service's clock is moved to 08:00 (time travel, the gateway's broadcast) until the
SMS gateway has taken every message; then each phone is checked to have been sent exactly one, and every
delivery to be `sent`. `--quick` holds 10,000 (key `quiet_hours_release_10k_s`).
"""
from __future__ import annotations

import time
from datetime import timedelta

from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import func, insert, select

from bench.platform import BenchPlatform
from bench.progress import Progress
from services.notification.domain import delivery as rules
from services.notification.domain.templates import notice_text
from services.notification.models import deliveries
from shared import clock, migrations
from shared.database import engine_for
from shared.time_travel import CLOCK_CHANGED, CLOCK_SOURCE
from tools.launcher import ServiceProcesses
from tools.sms_sink import SmsSink

PHASE = "quiet_hours"
CHUNK = 5_000
TIMEOUT_S = 900.0
PUBLIC_URL = "https://huiqi.example"


def run(platform: BenchPlatform, progress: Progress, *, count: int, label: str) -> tuple[dict, dict]:
    release = _next_eight(clock.now())
    with OwnNotification(platform, PHASE) as own:
        _fill(own.database_url, count, release)
        progress.say(PHASE, f"{count:,} SMS deferred until {release.isoformat()}")
        own.start()
        if own.sink.messages:
            raise AssertionError(f"{len(own.sink.messages)} SMS went out before 08:00")
        started = time.monotonic()
        own.move_clock_to(release + timedelta(seconds=1))
        seconds = own.wait_for_messages(count, started)
        own.check_sent(count)
    progress.say(PHASE, f"{count:,} SMS sent in {seconds:.1f} s ({count / seconds:,.0f}/s)")
    return ({f"quiet_hours_release_{label}_s": round(seconds, 2)},
            {"deliveries": count, "release": release.isoformat(), "per_s": round(count / seconds, 1)})


class OwnNotification:
    """A notification service of the measurement's own: a vhost and a database folder of its own, a real SMS
    gateway in this process (`sink`), time travel on and no per-provider pace."""

    def __init__(self, platform: BenchPlatform, name: str):
        self.platform, self.name = platform, name
        self.folder = platform.run_dir / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.database_url = f"sqlite:///{self.folder}/notification.sqlite3"
        self.sink = SmsSink()
        self._vhost = platform.vhost_of_its_own(name)
        self.processes: ServiceProcesses | None = None

    def __enter__(self) -> OwnNotification:
        self.amqp_uri = self._vhost.__enter__()
        self.config = {"AMQP_URI": self.amqp_uri, "serializer": "json"}
        self.sink.start()
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if self.processes is not None:
                self.processes.stop(timeout_s=30)
            self.sink.stop()
        finally:
            self._vhost.__exit__(*exc_info)

    def start(self) -> None:
        self.processes = ServiceProcesses(self.folder / "logs", {
            **self.platform.env, "HUIQI_AMQP_URI": self.amqp_uri,
            "HUIQI_DATABASE_URL": f"sqlite:///{self.folder}/{{service}}.sqlite3", "HUIQI_VAR_DIR": str(self.folder),
            "HUIQI_SMS_URL": self.sink.url, "HUIQI_TIME_TRAVEL": "1", "HUIQI_NOTIFICATION_RATE_PER_S": "0",
            "HUIQI_PUBLIC_URL": PUBLIC_URL}, services=("notification",))
        self.processes.start("notification")
        _wait_ready(self.config, self.processes)

    def move_clock_to(self, at) -> None:
        """The service's clock to `at` (the gateway's time-travel broadcast)."""
        offset_s = (at - (clock.now() - clock.offset())).total_seconds()
        event_dispatcher(self.config)(CLOCK_SOURCE, CLOCK_CHANGED, {"offset_s": offset_s})

    def wait_for_messages(self, count: int, started: float) -> float:
        """Seconds from `started` until the gateway has taken `count` SMS, each to a phone of its own."""
        while len(self.sink.messages) < count:
            if time.monotonic() - started > TIMEOUT_S:
                raise TimeoutError(f"{len(self.sink.messages):,} of {count:,} SMS sent after {TIMEOUT_S:.0f} s")
            if self.processes.processes["notification"].poll() is not None:
                raise RuntimeError(f"the notification service exited; see {self.folder / 'logs'}")
            time.sleep(0.05)
        seconds = time.monotonic() - started
        phones = {message["phone"] for message in self.sink.messages}
        if len(self.sink.messages) != count or len(phones) != count:
            raise AssertionError(f"{len(self.sink.messages):,} SMS to {len(phones):,} phones, not one each to "
                                 f"{count:,}")
        return seconds

    def check_sent(self, count: int, timeout_s: float = 60.0) -> None:
        """Every delivery recorded `sent` (the sender records a round once all its answers are in: shortly after
        the gateway took the last message)."""
        engine = engine_for(self.database_url)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                with engine.connect() as connection:
                    statuses = dict(connection.execute(select(deliveries.c.status, func.count())
                                                       .group_by(deliveries.c.status)).all())
                if statuses == {rules.SENT: count}:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"deliveries by status {timeout_s:.0f} s after the last SMS: {statuses}")
                time.sleep(0.2)
        finally:
            engine.dispose()


def _next_eight(now):
    """The next 08:00 China time after `now`."""
    local = now.astimezone(rules.CHINA)
    eight = local.replace(hour=8, minute=0, second=0, microsecond=0)
    return eight if eight > local else eight + timedelta(days=1)


def _fill(url: str, count: int, release) -> None:
    engine = engine_for(url)
    try:
        migrations.migrate("notification", url)
        night = release - timedelta(hours=11)
        text = notice_text("policy_matched", "稳岗补贴与技能提升补贴", PUBLIC_URL)
        reason = f"免打扰时段，{release.astimezone(rules.CHINA):%H:%M} 后发送"
        with engine.begin() as connection:
            for start in range(0, count, CHUNK):
                connection.execute(insert(deliveries), [
                    {"idempotency_key": f"n{number}.sms", "uscc": f"913716{number:012d}", "account_id": None,
                     "kind": "policy_matched", "notification_id": number, "channel": "sms",
                     "recipient": f"139{number:08d}", "text": text, "status": rules.DEFERRED, "attempts": 0,
                     "next_attempt_at": release, "reason": reason, "created_at": night, "updated_at": night}
                    for number in range(start + 1, min(start + CHUNK, count) + 1)])
    finally:
        engine.dispose()


def _wait_ready(config: dict, processes: ServiceProcesses, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    with ClusterRpcProxy(config, timeout=5) as rpc:
        while True:
            try:
                rpc.notification.notification_count()
                return
            except Exception:  # noqa: BLE001 - not consuming yet
                if processes.processes["notification"].poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
