"""`stream_changes_per_s`: sustained single-enterprise `enterprise.profile_changed` events through
tagging, matching and the inbox.

Each change (chosen by `world`) moves one value of a different registered enterprise so that it
newly qualifies for at least one published policy, so each must end in at least one new
notification. After a short warm-up (the policy service rebuilds its rule index on the first
change after a publish), all changes are published as fast as the broker confirms them; the
clock runs from the first publish until the notification database holds every expected new
notification, i.e. until tagging, policy and notification have all handled every change.
"""
from __future__ import annotations

import random
import time

from bench.platform import BenchPlatform, CpuWindow
from bench.progress import Progress, wait_until
from bench.world import World
from shared.publisher import ConfirmingPublisher

PHASE = "stream_changes"
WARMUP = 20
CONSUMERS = {"tagging": "tagging.on_gov_event", "policy": "policy.on_enterprise_tagged",
             "notification": "notification.on_matches_changed"}


def run(platform: BenchPlatform, progress: Progress, world: World, *, changes: int,
        rng: random.Random) -> tuple[dict, dict]:
    picked = world.pick_changes(WARMUP + changes, rng)
    warm, measured = picked[:WARMUP], picked[WARMUP:]
    notification = platform.peek["notification"]
    publisher = ConfirmingPublisher(platform.amqp_uri)
    try:
        before = notification.appended("notifications")
        publisher.publish([change.message for change in warm])
        wanted = sum(len(change.gained) for change in warm)
        wait_until(lambda: notification.appended("notifications") - before, lambda added: added >= wanted,
                   progress=progress, phase=PHASE, describe=lambda added: f"warm-up: {added}/{wanted} notified",
                   started=time.monotonic(), check=platform.check, stall_s=60)

        expected = sum(len(change.gained) for change in measured)
        handled_before = {name: platform.peek[name].handled(consumer) for name, consumer in CONSUMERS.items()}
        before = notification.appended("notifications")
        milestones: dict[str, float] = {}

        def read() -> tuple[int, int, int, int]:
            # Inbox rows: one per message each consumer handled. Tagging gets one message per change;
            # what it emits (and so what policy and notification get) may bundle many changes.
            handled = tuple(platform.peek[name].handled(consumer) - handled_before[name]
                            for name, consumer in CONSUMERS.items())
            if handled[0] >= changes and "tagging" not in milestones:
                milestones["tagging"] = time.monotonic() - started
            return (*handled, notification.appended("notifications") - before)

        def describe(counts) -> str:
            return (f"tagging handled {counts[0]:,}/{changes:,} changes; policy {counts[1]:,} enterprise.tagged "
                    f"and notification {counts[2]:,} matches_changed events; "
                    f"notifications {counts[3]:,}/{expected:,}")

        progress.say(PHASE, f"publishing {changes:,} profile changes to distinct enterprises "
                            f"(after {WARMUP} warm-up changes); expecting {expected:,} new notifications")
        cpu = CpuWindow(platform).start()
        started = time.monotonic()
        publisher.publish([change.message for change in measured])
        published = time.monotonic() - started
        progress.say(PHASE, f"{changes:,} changes confirmed by the broker in {published:.2f} s")
        counts, finished = wait_until(read, lambda counts: counts[3] >= expected, progress=progress, phase=PHASE,
                                      describe=describe, started=started, check=platform.check,
                                      poll_s=0.02, report_every_s=3.0, stall_s=60)
        elapsed = finished - started
        cpu.stop()
    finally:
        publisher.close()
    rate = changes / elapsed
    progress.say(PHASE, f"{changes:,} changes through tag, match and inbox in {elapsed:.2f} s: {rate:,.1f}/s "
                        f"(tagging had handled all of them at {milestones.get('tagging', elapsed):.2f} s)")
    progress.say(PHASE, cpu.describe())
    matches = platform.rpc.policy.match_count()
    verdict = "as expected" if matches == world.match_total and counts[3] == expected else "MISMATCH"
    progress.say(PHASE, f"matches now {matches:,} (expected {world.match_total:,}); policy handled {counts[1]:,} "
                        f"enterprise.tagged events and notification {counts[2]:,} matches_changed events for "
                        f"{changes:,} changes: {verdict}")
    return ({"stream_changes_per_s": round(rate, 1)},
            {"changes": changes, "warmup": WARMUP, "expected_notifications": expected, "elapsed_s": round(elapsed, 3),
             "publish_s": round(published, 3), "milestones_s": {k: round(v, 3) for k, v in milestones.items()},
             "tagged_events": counts[1], "match_events": counts[2], "verdict": verdict, "cpu_s": cpu.used})
