"""`bulk_sync_<n>k_s`: every enterprise in `enterprise.profiles_synced` batches of 1,000, until
each one is tagged, matched against the published policies and every notification is in.

The clock starts before the first batch is published (all of them go out at once, confirms
awaited together) and stops when the three counts reach what `world` computed beforehand:
enterprises in the tagging database, matches in the policy database, notifications in the
notification database (read-only peeks, see `probes`). The counts are then confirmed through
the services' own RPC methods and recorded (`..._matches`, `..._notifications`).
"""
from __future__ import annotations

import time

from bench.platform import BenchPlatform, CpuWindow
from bench.progress import Progress, wait_until
from bench.world import SYNC_SOURCE, World
from shared.publisher import ConfirmingPublisher

PHASE = "bulk_sync"


def run(platform: BenchPlatform, progress: Progress, world: World, *, label: str) -> tuple[dict, dict]:
    messages = world.sync_messages()
    enterprises, expected = len(world), world.match_total
    tagging, policy, notification = (platform.peek[name] for name in ("tagging", "policy", "notification"))
    progress.say(PHASE, f"publishing {enterprises:,} enterprises in {len(messages)} batches "
                        f"(source {SYNC_SOURCE}); expecting {expected:,} matches and as many notifications")
    milestones: dict[str, float] = {}

    def read() -> tuple[int, int, int]:
        counts = (tagging.appended("enterprises"), policy.appended("matches"),
                  notification.appended("notifications"))
        now = time.monotonic()
        for name, count, wanted in zip(("tagged", "matched", "notified"), counts,
                                       (enterprises, expected, expected), strict=True):
            if count >= wanted and name not in milestones:
                milestones[name] = now - started
        return counts

    def describe(counts: tuple[int, int, int]) -> str:
        return (f"tagged {counts[0]:,}/{enterprises:,}, matches {counts[1]:,}/{expected:,}, "
                f"notifications {counts[2]:,}/{expected:,}")

    cpu = CpuWindow(platform).start()
    started = time.monotonic()
    publisher = ConfirmingPublisher(platform.amqp_uri)
    try:
        publisher.publish(messages)
    finally:
        publisher.close()
    published = time.monotonic() - started
    progress.say(PHASE, f"{len(messages)} batches confirmed by the broker in {published:.1f} s")
    _, finished = wait_until(read, lambda counts: counts[0] >= enterprises and counts[1] >= expected
                             and counts[2] >= expected, progress=progress, phase=PHASE, describe=describe,
                             started=started, check=platform.check, poll_s=0.1, stall_s=90)
    elapsed = finished - started
    cpu.stop()
    progress.say(PHASE, f"done in {elapsed:.1f} s: all tagged at {milestones.get('tagged', elapsed):.1f} s, "
                        f"all matched at {milestones.get('matched', elapsed):.1f} s, "
                        f"all notified at {milestones.get('notified', elapsed):.1f} s")
    progress.say(PHASE, cpu.describe())

    counted = platform.rpc.tagging.counts()
    matches = platform.rpc.policy.match_count()
    notifications = platform.rpc.notification.notification_count()
    verdict = "as expected" if (counted["enterprises"], matches, notifications) == (enterprises, expected, expected) \
        else "MISMATCH"
    progress.say(PHASE, f"confirmed by RPC: {counted['enterprises']:,} enterprises "
                        f"({counted['quarantined']} quarantined), {matches:,} matches, "
                        f"{notifications:,} notifications: {verdict}")
    results = {f"bulk_sync_{label}_s": round(elapsed, 2), f"bulk_sync_{label}_matches": matches,
               f"bulk_sync_{label}_notifications": notifications}
    details = {"enterprises": enterprises, "batches": len(messages), "expected_matches": expected,
               "publish_s": round(published, 2), "milestones_s": {k: round(v, 2) for k, v in milestones.items()},
               "tagging_counts": counted, "verdict": verdict, "cpu_s": cpu.used}
    return results, details
