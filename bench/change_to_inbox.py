"""`change_to_inbox_p50_ms`, `change_to_inbox_p99_ms`: from publishing a profile change to its
notification appearing, at a light load (10 changes per second).

Each change (chosen by `world`) makes its enterprise newly qualify for at least one published
policy. A thread of the bench watches the notification database read-only (a range query on the
primary key every millisecond, see `probes`), so "appearing" means committed and visible to any
reader, and the watching costs the notification service nothing. The latency of a change is the
time from just before its publish (a confirmed publish of one message) to the first of its new
notifications being seen.
"""
from __future__ import annotations

import math
import random
import threading
import time

from bench.platform import BenchPlatform, CpuWindow
from bench.probes import DatabasePeek
from bench.progress import Progress, wait_until
from bench.world import Change, World
from shared.publisher import ConfirmingPublisher

PHASE = "change_to_inbox"
WARMUP = 5
POLL_S = 0.001


class InboxWatcher(threading.Thread):
    """Records when the first expected notification of each watched enterprise becomes visible."""

    def __init__(self, peek: DatabasePeek, expected: dict[str, frozenset[int]], after_id: int):
        super().__init__(name="inbox-watcher", daemon=True)
        self.peek = peek
        self.expected = expected
        self.after_id = after_id
        self.seen: dict[str, float] = {}
        self.polls = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            rows = self.peek.rows("SELECT id, uscc, subject_id FROM notifications WHERE id > ? ORDER BY id",
                                  self.after_id)
            now = time.perf_counter()
            self.polls += 1
            for row_id, uscc, policy_id in rows:
                self.after_id = row_id
                if uscc not in self.seen and policy_id in self.expected.get(uscc, ()):
                    self.seen[uscc] = now
            time.sleep(POLL_S)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)
        self.peek.close()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value at or above `share` of the values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def run(platform: BenchPlatform, progress: Progress, world: World, *, changes: int, per_second: float,
        rng: random.Random) -> tuple[dict, dict]:
    picked = world.pick_changes(WARMUP + changes, rng)
    warm, measured = picked[:WARMUP], picked[WARMUP:]
    path = platform.peek["notification"].path
    watcher = InboxWatcher(DatabasePeek(path), {change.uscc: change.gained for change in picked},
                           platform.peek["notification"].appended("notifications"))
    published: dict[str, float] = {}
    publisher = ConfirmingPublisher(platform.amqp_uri)
    watcher.start()
    try:
        _publish_paced(publisher, warm, published, per_second)
        wait_until(lambda: sum(1 for change in warm if change.uscc in watcher.seen), lambda seen: seen >= WARMUP,
                   progress=progress, phase=PHASE, describe=lambda seen: f"warm-up: {seen}/{WARMUP} notified",
                   started=time.monotonic(), check=platform.check, stall_s=30)
        progress.say(PHASE, f"publishing {changes:,} changes at {per_second:g} per second "
                            f"(after {WARMUP} warm-up changes), watching the notification database")
        cpu = CpuWindow(platform).start()
        started = time.monotonic()
        _publish_paced(publisher, measured, published, per_second,
                       every=lambda done: done % 100 == 0 and progress.say(
                           PHASE, f"{done:,}/{changes:,} published, {_count_seen(measured, watcher):,} notified "
                                  f"({time.monotonic() - started:.1f} s)"))
        wait_until(lambda: _count_seen(measured, watcher), lambda seen: seen >= changes, progress=progress,
                   phase=PHASE, describe=lambda seen: f"{seen:,}/{changes:,} notified", started=started,
                   check=platform.check, poll_s=0.05, stall_s=30)
        cpu.stop()
    finally:
        watcher.stop()
        publisher.close()

    latencies = [(watcher.seen[change.uscc] - published[change.uscc]) * 1000 for change in measured]
    p50, p90, p99 = (percentile(latencies, share) for share in (0.50, 0.90, 0.99))
    progress.say(PHASE, f"publish to inbox over {len(latencies):,} changes: p50 {p50:.1f} ms, p90 {p90:.1f} ms, "
                        f"p99 {p99:.1f} ms, max {max(latencies):.1f} ms, min {min(latencies):.1f} ms "
                        f"({watcher.polls:,} polls of the notification database)")
    progress.say(PHASE, cpu.describe())
    return ({"change_to_inbox_p50_ms": round(p50, 1), "change_to_inbox_p99_ms": round(p99, 1)},
            {"changes": changes, "per_second": per_second, "warmup": WARMUP, "p90_ms": round(p90, 1),
             "max_ms": round(max(latencies), 1), "min_ms": round(min(latencies), 1),
             "mean_ms": round(sum(latencies) / len(latencies), 1), "observed_by": "notification database, read-only",
             "cpu_s": cpu.used})


def _count_seen(changes: list[Change], watcher: InboxWatcher) -> int:
    seen = watcher.seen
    return sum(1 for change in changes if change.uscc in seen)


def _publish_paced(publisher: ConfirmingPublisher, changes: list[Change], published: dict[str, float],
                   per_second: float, every=lambda done: None) -> None:
    start = time.perf_counter()
    for number, change in enumerate(changes):
        delay = start + number / per_second - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        published[change.uscc] = time.perf_counter()
        publisher.publish([change.message])
        every(number + 1)
