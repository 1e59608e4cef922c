"""`bulk_sync_<n>k_s`: every enterprise in `enterprise.profiles_synced` batches of 1,000, until
each one is tagged, matched against the published policies and every notification is in.

The clock starts before the first batch is published (all of them go out at once, confirms
awaited together) and stops when the three counts reach what `world` computed beforehand:
enterprises in the tagging database, matches in the policy database, notifications in the
notification database (read-only peeks, see `probes`). The counts are then confirmed through
the services' own RPC methods and recorded (`..._matches`, `..._notifications`).

When `live_change_during_bulk` is measured, it runs during this sync (`live_during_bulk`): 10
single changes a second for a minute or so at 100k, next to the 100 batches of 1,000.

The evaluation service consumes the same events (both bulk lanes: enterprises tagged, matches
changed) and the notification service's counts of what it delivered, but the clock does not wait
for it: the sync is done when enterprises have their notifications. It works at the same time,
on the same cores, so its CPU is part of what the sync's figure pays. Afterwards the phase waits,
untimed for the key, until it has caught up (`evaluation_facts`): `..._evaluation_s` is when that
was seen, from the same start (to within about a second: the queues are asked through
`rabbitmqctl`), so the next phase does not measure beside its backlog. Each service's peak
resident memory from the first batch until then is `..._peak_rss_mb_<service>` (the evaluation
service's while it consumes the sync's events among them; as in `retag_all`).
"""
from __future__ import annotations

import time

from bench import evaluation_facts
from bench.live_during_bulk import LiveChangesDuringBulk
from bench.platform import BenchPlatform, CpuWindow, PhasePeaks
from bench.progress import Progress, wait_until
from bench.world import SYNC_SOURCE, World
from shared.publisher import ConfirmingPublisher

PHASE = "bulk_sync"


def run(platform: BenchPlatform, progress: Progress, world: World, *, label: str,
        live: LiveChangesDuringBulk | None = None) -> tuple[dict, dict]:
    """With `live`, single changes are published while the sync runs (`live_during_bulk`); the
    world's expectations include them, so the sync is done once they are in too."""
    messages = world.sync_messages()
    # a live change during the sync (`live`) may add notifications beyond the matches
    enterprises, expected, notifying = len(world), world.match_total, world.notification_total
    tagging, policy, notification = (platform.peek[name] for name in ("tagging", "policy", "notification"))
    progress.say(PHASE, f"publishing {enterprises:,} enterprises in {len(messages)} batches "
                        f"(source {SYNC_SOURCE}); expecting {expected:,} matches and as many notifications")
    milestones: dict[str, float] = {}

    def read() -> tuple[int, int, int]:
        peaks.sample()
        counts = (tagging.appended("enterprises"), policy.appended("matches"),
                  notification.appended("notifications"))
        now = time.monotonic()
        for name, count, wanted in zip(("tagged", "matched", "notified"), counts,
                                       (enterprises, expected, notifying), strict=True):
            if count >= wanted and name not in milestones:
                milestones[name] = now - started
        return counts

    def describe(counts: tuple[int, int, int]) -> str:
        return (f"tagged {counts[0]:,}/{enterprises:,}, matches {counts[1]:,}/{expected:,}, "
                f"notifications {counts[2]:,}/{notifying:,}")

    peaks = PhasePeaks(platform).start()
    cpu, cpu_until_evaluated = CpuWindow(platform).start(), CpuWindow(platform).start()
    started = time.monotonic()
    publisher = ConfirmingPublisher(platform.amqp_uri)
    try:
        publisher.publish(messages)
    finally:
        publisher.close()
    published = time.monotonic() - started
    progress.say(PHASE, f"{len(messages)} batches confirmed by the broker in {published:.1f} s")
    if live is not None:
        progress.say(PHASE, f"publishing {len(live.changes)} live changes at {live.per_second:g} per second "
                            f"once the first {live.known_after:,} enterprises are tagged")
        live.start()
    try:
        _, finished = wait_until(read, lambda counts: counts[0] >= enterprises and counts[1] >= expected
                                 and counts[2] >= notifying and (live is None or live.all_published()),
                                 progress=progress, phase=PHASE, describe=describe,
                                 started=started, check=platform.check, poll_s=0.1, stall_s=90)
    finally:
        if live is not None:
            live.stop()
    elapsed = finished - started
    cpu.stop()
    progress.say(PHASE, f"done in {elapsed:.1f} s: all tagged at {milestones.get('tagged', elapsed):.1f} s, "
                        f"all matched at {milestones.get('matched', elapsed):.1f} s, "
                        f"all notified at {milestones.get('notified', elapsed):.1f} s")
    progress.say(PHASE, cpu.describe())
    evaluated = evaluation_facts.caught_up(platform, progress, PHASE, enterprises=enterprises, started=started,
                                           sample=peaks.sample) - started
    peaks.stop()
    cpu_until_evaluated.stop()
    kept = platform.peek[evaluation_facts.SERVICE].scalar("SELECT count(*) FROM matches")
    progress.say(PHASE, f"the evaluation service caught up at {evaluated:.1f} s ({evaluated - elapsed:.1f} s after "
                        f"the last notification), keeping {kept:,} matched pairs; {peaks.describe()}")
    progress.say(PHASE, f"until then, {cpu_until_evaluated.describe()}")

    counted = platform.rpc.tagging.counts()
    matches = platform.rpc.policy.match_count()
    notifications = platform.rpc.notification.notification_count()
    # the evaluation service keeps every pair ever matched: at least the matches standing now
    verdict = "as expected" if (counted["enterprises"], matches, notifications) == (enterprises, expected, notifying) \
        and kept >= expected else "MISMATCH"
    progress.say(PHASE, f"confirmed by RPC: {counted['enterprises']:,} enterprises "
                        f"({counted['quarantined']} quarantined), {matches:,} matches, "
                        f"{notifications:,} notifications; the evaluation service keeps {kept:,} matched pairs "
                        f"(at least {expected:,} expected): {verdict}")
    results = {f"bulk_sync_{label}_s": round(elapsed, 2), f"bulk_sync_{label}_matches": matches,
               f"bulk_sync_{label}_notifications": notifications,
               f"bulk_sync_{label}_evaluation_s": round(evaluated, 2),
               **{f"bulk_sync_{label}_peak_rss_mb_{name.replace('-', '_')}": round(peak, 1)
                  for name, peak in peaks.peak.items()}}
    details = {"enterprises": enterprises, "batches": len(messages), "expected_matches": expected,
               "publish_s": round(published, 2), "milestones_s": {k: round(v, 2) for k, v in milestones.items()},
               "tagging_counts": counted, "verdict": verdict, "cpu_s": cpu.used,
               "evaluation": {"caught_up_s": round(evaluated, 2), "matched_pairs_kept": kept,
                              "peak_rss": peaks.describe(), "cpu_s": cpu_until_evaluated.used}}
    if live is not None:
        tagged = milestones.get("tagged")
        live_results, details["live_changes"] = live.result(started, None if tagged is None else started + tagged)
        results.update(live_results)
        progress.say(PHASE, "live changes published during the sync, publish to inbox: " + ", ".join(
            f"{key.rsplit('_', 2)[-2]} {value:.1f} ms" for key, value in live_results.items())
            + f", max {details['live_changes']['max_ms']:.1f} ms over {details['live_changes']['changes']} changes "
              f"(published from {details['live_changes']['first_published_s']} s to "
              f"{details['live_changes']['last_published_s']} s; tagging done with the sync at "
              f"{details['live_changes']['tagging_done_with_the_sync_s']} s); by hop (p50 / p99 ms): " + ", ".join(
                  f"{hop.replace('_', ' ')} {details['live_changes'][hop + '_p50_ms']} / "
                  f"{details['live_changes'][hop + '_p99_ms']}"
                  for hop in ("to_tagging", "tagging_to_policy", "policy_to_notification")))
    return results, details
