"""The sender: after commit, takes the deliveries due, holds those that quiet hours or the daily SMS
limit keep back, leaves alone the providers whose circuit is open, sends the rest (`CONCURRENCY` at once,
over connections kept open to each provider) and records what each provider answered; and writes the daily
digest at 09:00. The service's timer runs it every `SEND_INTERVAL_S`; a tick that finds a backlog goes on
taking batches (for up to `TICK_S`) instead of one batch a tick.

`Outbound` is its Nameko dependency: the channels configured at start, each provider's circuit and
pace (HUIQI_NOTIFICATION_RATE_PER_S), which outlive any one worker."""
from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

import eventlet
from eventlet.greenpool import GreenPool
from nameko.extensions import DependencyProvider

from services.notification import channels as channel_adapters
from services.notification import delivery_store
from services.notification.channels import Message, ProviderFailed
from services.notification.domain import delivery as rules
from services.notification.domain.preferences import DEFAULTS, IN_APP
from shared import clock
from shared.config import settings

SEND_INTERVAL_S = 1.0
BATCH = 500
CONCURRENCY = 20
TICK_S = 2.0   # how long one tick goes on sending full rounds (then the service may stop, or ticks again at once)
UNCONFIGURED_WAIT = timedelta(hours=1)


class Outbound(DependencyProvider):
    def setup(self):
        config = settings()
        self.channels = channel_adapters.configured(config, connections=CONCURRENCY)
        self.circuits = {name: rules.Circuit() for name in self.channels}
        self.paces = {name: rules.Pace(config.notification_rate_per_s) for name in self.channels}
        self.public_url = config.public_base_url()
        self.pool = GreenPool(CONCURRENCY)
        self.digested_on = None

    def get_dependency(self, worker_ctx):
        return self

    def stop(self):
        self.pool.waitall()   # the sends under way are answered (and the worker records them)

    def kill(self):
        for sending in list(self.pool.coroutines_running):
            sending.kill()

    def available(self) -> set[str]:
        return {IN_APP, *self.channels}

    def digest_due(self, now: datetime) -> bool:
        return rules.digest_window(now) is not None and self.digested_on != now.astimezone(rules.CHINA).date()

    def digested(self, now: datetime) -> None:
        self.digested_on = now.astimezone(rules.CHINA).date()

    def send_due(self, store, now: datetime) -> Counter:
        """Rounds of up to `BATCH` deliveries, one after the other while each finds a full batch and settles all of
        it (none left due behind an open circuit), for up to `TICK_S`: what they came to, by status (and `held`).
        A backlog goes out as fast as the provider answers, not one batch per `SEND_INTERVAL_S`."""
        started, total = time.monotonic(), Counter()
        while True:
            outcome, settled = self._round(store, now)
            total += outcome
            if settled < BATCH or time.monotonic() - started >= TICK_S:
                return total
            now = clock.now()

    def _round(self, store, now: datetime) -> tuple[Counter, int]:
        """One round: what it came to, and how many due deliveries it held or tried."""
        with store.transaction() as tx:
            rows = delivery_store.due(tx.session, now, BATCH)
            if not rows:
                return Counter(), 0
            held, take = self._sort(tx.session, rows, now)
            delivery_store.hold(tx.session, held, now)
            claimed = delivery_store.claim(tx.session, take, now)
        outcomes = list(self.pool.imap(self._attempt, claimed))
        with store.transaction() as tx:
            delivery_store.record(tx.session, outcomes, clock.now())
        return Counter({"held": len(held)}) + Counter(outcome["status"] for outcome in outcomes), \
            len(held) + len(claimed)

    def _sort(self, session, rows, now: datetime) -> tuple[dict, list[int]]:
        """Which due deliveries are held (id -> (until, why)) and which go now."""
        chosen = delivery_store.choices(session, {row.uscc for row in rows})
        day_start = rules.china_day_start(now)
        phones = [row.recipient for row in rows if row.channel == "sms"]
        sms_sent = Counter(delivery_store.sms_sent_since(session, phones, day_start) if phones else {})
        held: dict[int, tuple[datetime | None, str]] = {}
        take: list[int] = []
        for row in rows:
            if row.channel not in self.channels:   # its provider was removed since the delivery was decided
                given_up = now - row.created_at > rules.GIVE_UP_AFTER
                held[row.id] = (None, "渠道已超过 24 小时未配置，不再发送") if given_up else \
                    (now + UNCONFIGURED_WAIT, "渠道未配置，配置后发送")
                continue
            preferences = chosen.get(row.uscc, (DEFAULTS, None))[0]
            until = rules.quiet_until(preferences.quiet_hours, row.channel, now)
            if until is not None:
                held[row.id] = (until, f"免打扰时段，{until.astimezone(rules.CHINA):%H:%M} 后发送")
                continue
            if row.channel == "sms":
                if sms_sent[row.recipient] >= rules.SMS_PER_PHONE_PER_DAY:
                    tomorrow = day_start + timedelta(days=1, hours=rules.DIGEST_AT.hour)
                    held[row.id] = (tomorrow, f"该号码今日短信已达 {rules.SMS_PER_PHONE_PER_DAY} 条，次日发送")
                    continue
                sms_sent[row.recipient] += 1
            if self.circuits[row.channel].allows(now):
                take.append(row.id)
        return held, take

    def _attempt(self, row) -> dict:
        channel, circuit = self.channels[row.channel], self.circuits[row.channel]
        wait_s = self.paces[row.channel].wait_s(time.monotonic())
        if wait_s:
            eventlet.sleep(wait_s)
        try:
            receipt = channel.send(Message(row.recipient, row.text, row.idempotency_key))
        except ProviderFailed as failure:
            return self._failed(row, circuit, failure.reason, failure.answer, permanent=failure.permanent)
        except Exception as error:  # noqa: BLE001 - a provider's surprise is a failed attempt, never a lost message
            return self._failed(row, circuit, f"{type(error).__name__}: {error}", "", permanent=False)
        circuit.succeeded()
        return {"id": row.id, "status": rules.SENT, "next": None, "reason": None, "answer": receipt.answer,
                "provider_id": receipt.provider_id, "sent_at": clock.now()}

    def _failed(self, row, circuit: rules.Circuit, reason: str, answer: str, *, permanent: bool) -> dict:
        now = clock.now()
        circuit.failed(now)
        retry = rules.after_failure(row.created_at, now, row.attempts, permanent=permanent)
        why = (f"第 {row.attempts} 次发送失败，稍后重试：{reason}" if retry else
               f"发送失败，不再重试（{'服务商拒收' if permanent else '已超过 24 小时'}）：{reason}")
        return {"id": row.id, "status": rules.DEFERRED if retry else rules.FAILED, "next": retry,
                "reason": why[:500], "answer": answer, "provider_id": None, "sent_at": None}
