"""`live_change_during_bulk_p50_ms`, `live_change_during_bulk_p99_ms`: a single enterprise's
change published while the bulk sync runs, from publishing it to its notification appearing.

It runs inside the `bulk_sync` measurement, on that sync. The changes (`world.pick_changes`,
each making its enterprise newly qualify for a policy) are picked before the sync among the
enterprises of its first batches, so the world's expectations the sync waits for include them.
They are published at a steady rate from the moment the tagging service has applied those first
batches (a change to an enterprise the platform does not know yet would be a registration of a
partial profile, not the live change of a known enterprise measured here); the rest of the sync
is still queued at every hop then. The notification database is watched read-only as in
`change_to_inbox`; a change's latency runs from just before its confirmed publish to the first of
its new notifications being seen.
"""
from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime

from bench.change_to_inbox import InboxWatcher, percentile
from bench.platform import BenchPlatform
from bench.probes import DatabasePeek
from bench.world import World
from shared.contracts.gov import MAX_BATCH
from shared.publisher import ConfirmingPublisher

FIRST_BATCHES = 3     # the changes go to enterprises of the sync's first batches
PER_SECOND = 10.0


class LiveChangesDuringBulk:
    """Started by `bulk_sync` once its batches are published; `result()` once the sync is done."""

    def __init__(self, platform: BenchPlatform, world: World, *, changes: int, rng: random.Random,
                 per_second: float = PER_SECOND):
        self.platform = platform
        self.per_second = per_second
        first = [profile["uscc"] for profile in world.raw_profiles[:FIRST_BATCHES * MAX_BATCH]]
        # changes that keep every match: the platform may see such a change before the policy service
        # has matched the synced profile, and the notifications are the same either way
        self.changes = world.pick_changes(changes, rng, among=first, keep_matches=True)
        self.known_after = len(first)   # enterprises the tagging service holds before the first change
        self.published: dict[str, float] = {}
        self.published_wall: dict[str, float] = {}   # time.time(), to compare with the services' clocks
        self.failure: BaseException | None = None
        self.watcher = InboxWatcher(DatabasePeek(platform.peek["notification"].path),
                                    {change.uscc: change.gained for change in self.changes},
                                    platform.peek["notification"].appended("notifications"))
        self._thread = threading.Thread(target=self._publish, name="live-changes", daemon=True)
        self._first_at = self._last_at = None

    def start(self) -> None:
        self.watcher.start()
        self._thread.start()

    def _publish(self) -> None:
        tagging = DatabasePeek(self.platform.peek["tagging"].path)
        publisher = ConfirmingPublisher(self.platform.amqp_uri)
        try:
            while tagging.appended("enterprises") < self.known_after:
                time.sleep(0.02)
            start = time.perf_counter()
            self._first_at = time.monotonic()
            for number, change in enumerate(self.changes):
                delay = start + number / self.per_second - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                self.published[change.uscc] = time.perf_counter()
                self.published_wall[change.uscc] = time.time()
                publisher.publish([change.message])
            self._last_at = time.monotonic()
        except BaseException as error:  # noqa: BLE001 - reported by result(), the sync must not hang silently
            self.failure = error
        finally:
            publisher.close()
            tagging.close()

    def all_published(self) -> bool:
        return len(self.published) == len(self.changes)

    def stop(self) -> None:
        self._thread.join(timeout=5)
        self.watcher.stop()

    def result(self, sync_started: float, tagged_at: float | None) -> tuple[dict, dict]:
        """Keys and details; `sync_started` and `tagged_at` (the tagging service done with the
        sync) are time.monotonic() values."""
        if self.failure is not None:
            raise RuntimeError(f"publishing the live changes failed: {self.failure!r}")
        missing = [change.uscc for change in self.changes if change.uscc not in self.watcher.seen]
        if missing:
            raise RuntimeError(f"{len(missing)} live changes never notified, e.g. {missing[:3]}")
        latencies = [(self.watcher.seen[change.uscc] - self.published[change.uscc]) * 1000 for change in self.changes]
        p50, p90, p99 = (percentile(latencies, share) for share in (0.50, 0.90, 0.99))
        # each hop apart, from the times the services wrote (their clocks are this machine's):
        # publish -> the tagging transaction starting (its inbox row), -> the policy transaction
        # that matched the change (matched_at), -> the notification transaction (created_at)
        started_at = self._tagging_started()
        to_tagging = [(started_at[change.message.message_id] - self.published_wall[change.uscc]) * 1000
                      for change in self.changes if change.message.message_id in started_at]
        matched_at, created_at = self._first_of_gained()
        to_policy = [(matched_at[change.uscc] - started_at[change.message.message_id]) * 1000
                     for change in self.changes
                     if change.uscc in matched_at and change.message.message_id in started_at]
        to_notification = [(created_at[change.uscc] - matched_at[change.uscc]) * 1000
                           for change in self.changes if change.uscc in created_at and change.uscc in matched_at]
        window = {"first_published_s": round(self._first_at - sync_started, 1),
                  "last_published_s": round(self._last_at - sync_started, 1),
                  "tagging_done_with_the_sync_s": tagged_at and round(tagged_at - sync_started, 1)}
        return ({"live_change_during_bulk_p50_ms": round(p50, 1), "live_change_during_bulk_p99_ms": round(p99, 1)},
                {"changes": len(self.changes), "per_second": self.per_second, "p90_ms": round(p90, 1),
                 "max_ms": round(max(latencies), 1), "min_ms": round(min(latencies), 1),
                 "mean_ms": round(sum(latencies) / len(latencies), 1), **window,
                 **{f"{name}_{label}_ms": values and round(percentile(values, share), 1)
                    for name, values in (("to_tagging", to_tagging), ("tagging_to_policy", to_policy),
                                         ("policy_to_notification", to_notification))
                    for label, share in (("p50", 0.5), ("p99", 0.99))},
                 "observed_by": "notification database, read-only"})

    def _tagging_started(self) -> dict[str, float]:
        """Each change's event id -> when the tagging service claimed it (time.time() scale)."""
        peek = DatabasePeek(self.platform.peek["tagging"].path)
        try:
            wanted = {change.message.message_id for change in self.changes}
            rows = peek.rows("SELECT event_id, handled_at FROM inbox WHERE consumer = 'tagging.on_gov_event'")
        finally:
            peek.close()
        return {event_id: _epoch(at) for event_id, at in rows if event_id in wanted}

    def _first_of_gained(self) -> tuple[dict[str, float], dict[str, float]]:
        """Per changed enterprise: when the policy service matched its first gained policy, and
        when the notification service wrote that notification (time.time() scale)."""
        gained = {change.uscc: min(change.gained) for change in self.changes}
        found: list[dict[str, float]] = []
        for service, table, policy, column in (("policy", "matches", "policy_id", "matched_at"),
                                               ("notification", "notifications", "subject_id", "created_at")):
            peek = DatabasePeek(self.platform.peek[service].path)
            try:
                rows = peek.rows(f"SELECT uscc, {policy}, {column} FROM {table} WHERE uscc IN "
                                 f"({', '.join('?' for _ in gained)})", *gained)
            finally:
                peek.close()
            found.append({uscc: _epoch(at) for uscc, policy_id, at in rows if gained.get(uscc) == policy_id})
        return found[0], found[1]


def _epoch(stored) -> float:
    """A UtcDateTime column as SQLite holds it (ISO text, UTC)."""
    moment = datetime.fromisoformat(str(stored))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
