"""`python -m bench [--quick | --shape] [--only KEY ...] [--profile]`: see bench/__init__.py."""
from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
import traceback
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime

from bench import (
    applications,
    bulk_sync,
    bulk_sync_pg,
    bus_hop,
    change_to_inbox,
    counselling,
    deliveries,
    evaluation_close,
    overdue_scan,
    peak_rss,
    poison_storm,
    policies,
    portal,
    publish_match,
    quiet_hours,
    ratings,
    report,
    retag_all,
    revise_rematch,
    search,
    stream_changes,
)
from bench.live_during_bulk import LiveChangesDuringBulk
from bench.platform import BENCH_DIR, PLATFORM_SERVICES, BenchPlatform
from bench.profiling import Profiler
from bench.progress import Progress
from tools.launcher import ROOT


@dataclass(frozen=True)
class Size:
    name: str
    label: str            # in key names: bulk_sync_<label>_s
    enterprises: int
    policies: int
    hop_events: int
    stream_changes: int
    latency_changes: int
    search_policies: int
    search_requests: int   # measured, after the warm-up
    applications: int      # carried through the hall, after the warm-up
    live_changes: int      # published at 10 per second during the bulk sync (live_change_during_bulk)
    ratings: int           # rated through the gateway, after the warm-up (ratings_per_s)
    round_ratings: int     # in the round evaluation_close closes, those of `ratings` included
    survey_responses: int  # in that round


SIZES = {
    "full": Size("full", "100k", 100_000, 1_000, 2_000, 3_000, 300, 1_000, 4_000, 2_000, 400, 2_000, 100_000, 7_000),
    "quick": Size("quick", "10k", 10_000, 100, 1_000, 1_000, 100, 200, 1_000, 300, 40, 300, 10_000, 700),
    # the full run's policies over a tenth of its enterprises: its matching and fan-out per
    # enterprise, in a loop short enough to profile and compare changes with
    "shape": Size("shape", "10k_1kp", 10_000, 1_000, 1_000, 1_000, 100, 200, 1_000, 300, 40, 300, 10_000, 700),
}
# `search` runs before the enterprises and synthetic policies arrive: its corpus is its own.
# `applications` runs after everything that counts notifications or matches (its policies add both).
# `evaluation_close` after `ratings`: the ratings made through the gateway count among the round's.
MEASUREMENTS = ("bus_hop", "search", "bulk_sync_pg", "bulk_sync", "live_change_during_bulk", "publish_match",
                "stream_changes", "change_to_inbox", "revise_rematch", "retag_all", "ratings", "evaluation_close",
                "applications", "portal", "overdue_scan", "counselling", "deliveries", "quiet_hours", "poison_storm",
                "peak_rss")
# keys whose names do not start with their measurement's
KEY_PREFIXES = {"raise_alarms": "overdue_scan", "overdue_listing": "overdue_scan", "problem_scan": "counselling",
                "quiet_hours_release": "quiet_hours"}
# bulk_sync_10k_pg_s is bulk_sync_pg's key, not bulk_sync's
PG_SYNC_KEY = re.compile(r"bulk_sync_([^_]+_)?pg(_|$)")
NEED_DATA = {"bulk_sync_pg", "bulk_sync", "live_change_during_bulk", "publish_match", "stream_changes",
             "change_to_inbox", "revise_rematch", "retag_all", "ratings", "evaluation_close"}
LATENCY_PER_SECOND = 10.0
PUBLISH_SELECTIVITY = (0.02, 0.06)   # "a few %" for the one more policy
CHANGE_SEED = 2026


def chosen_measurements(only: list[str] | None) -> list[str]:
    """Measurement names for `--only` values (a key, e.g. bulk_sync_100k_s, or a measurement name)."""
    if not only:
        return list(MEASUREMENTS)
    chosen = set()
    for value in only:
        found = (["bulk_sync_pg"] if PG_SYNC_KEY.match(value) else
                 [name for name in MEASUREMENTS if value == name or value.startswith(name + "_")])
        found += [name for prefix, name in KEY_PREFIXES.items() if value.startswith(prefix + "_")]
        if not found:
            raise SystemExit(f"--only {value}: not a key or measurement; measurements: {', '.join(MEASUREMENTS)}")
        chosen.update(found)
    return [name for name in MEASUREMENTS if name in chosen]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="10,000 enterprises and 100 policies")
    sizes.add_argument("--shape", action="store_true",
                       help="10,000 enterprises and the full run's 1,000 policies (for profiling)")
    parser.add_argument("--only", action="append", metavar="KEY", help="measure only this key (repeatable)")
    parser.add_argument("--profile", action="store_true", help="sample the services with py-spy in each phase")
    args = parser.parse_args(argv)
    size = SIZES["quick" if args.quick else "shape" if args.shape else "full"]
    chosen = chosen_measurements(args.only)
    suffix = "" if size.name == "full" else f"-{size.name}"
    results_path, meta_path = BENCH_DIR / f"results{suffix}.json", BENCH_DIR / f"meta{suffix}.json"

    progress = Progress()
    progress.say("bench", f"{size.name} run: {size.enterprises:,} enterprises, {size.policies:,} policies; "
                          f"measuring {', '.join(chosen)}")
    results: dict[str, float | int] = {}
    details: dict[str, dict] = {}
    failures: dict[str, str] = {}
    started_at = datetime.now(UTC)
    code = report.code_state(ROOT)   # when the run starts: the code the services load
    leftovers: dict = {}

    data = _prepare_data(size, progress) if NEED_DATA & set(chosen) else None
    try:
        with BenchPlatform(progress, keep=os.environ.get("BENCH_KEEP") == "1") as platform:
            profiler = Profiler(platform, progress, enabled=args.profile, tag=size.name)

            def measure(name: str, action, *, record: bool = True, profile: bool = True) -> bool:
                progress.say(name, "starting" if record else "starting (to set up state; not recorded)")
                try:
                    others = platform.wait_for_quiet(name) if record else None
                    with profiler.phase(name) if profile else nullcontext():
                        measured, detail = action()
                    detail["other_cores_before"] = others
                except Exception as error:  # noqa: BLE001 - one failed measurement must not hide the others
                    failures[name] = f"{type(error).__name__}: {error}"
                    platform.keep_logs = True
                    progress.say(name, f"FAILED: {failures[name]}")
                    traceback.print_exc()
                    return False
                if record:
                    results.update(measured)
                details[name] = detail if record else {"setup_only": True, **detail}
                return True

            if "bus_hop" in chosen:
                measure("bus_hop", lambda: bus_hop.run(platform, progress, events=size.hop_events), profile=False)
            if "search" in chosen:
                measure("search", lambda: search.run(platform, progress, policy_count=size.search_policies,
                                                     requests_measured=size.search_requests))
            if "bulk_sync_pg" in chosen:   # platforms of its own, before this one's world is synced
                measure("bulk_sync_pg", lambda: bulk_sync_pg.run(progress, data[0], data[1], label=size.label),
                        profile=False)
            synced = False
            on_this_platform = (NEED_DATA - {"bulk_sync_pg"}) & set(chosen)
            if on_this_platform:
                world, entries, extra, spares = data
                ready = measure("setup", lambda: _publish_policies(platform, progress, world, entries), record=False)
                rng = random.Random(CHANGE_SEED)
                # live changes during the sync: picked now, so the world's expectations include them
                live = (LiveChangesDuringBulk(platform, world, changes=size.live_changes, rng=rng)
                        if ready and "live_change_during_bulk" in chosen else None)
                synced = ready and measure("bulk_sync", lambda: bulk_sync.run(platform, progress, world,
                                                                              label=size.label, live=live),
                                           record=bool({"bulk_sync", "live_change_during_bulk"} & set(chosen)))
                if synced:
                    if "publish_match" in chosen:
                        measure("publish_match", lambda: publish_match.run(platform, progress, world, extra,
                                                                           label=size.label))
                    if "stream_changes" in chosen:
                        measure("stream_changes", lambda: stream_changes.run(
                            platform, progress, world, changes=size.stream_changes, rng=rng))
                    if "change_to_inbox" in chosen:
                        measure("change_to_inbox", lambda: change_to_inbox.run(
                            platform, progress, world, changes=size.latency_changes, per_second=LATENCY_PER_SECOND,
                            rng=rng))
                    if "revise_rematch" in chosen:
                        measure("revise_rematch", lambda: revise_rematch.run(platform, progress, world, spares,
                                                                             label=size.label))
                    if "retag_all" in chosen:
                        measure("retag_all", lambda: retag_all.run(platform, progress, world, label=size.label))
                    if "ratings" in chosen:
                        measure("ratings", lambda: ratings.run(platform, progress, world, count=size.ratings))
                    if "evaluation_close" in chosen:
                        measure("evaluation_close", lambda: evaluation_close.run(
                            platform, progress, world, label=size.label, ratings_total=size.round_ratings,
                            responses=size.survey_responses))
                else:
                    for name in on_this_platform - {"bulk_sync", "live_change_during_bulk"}:
                        failures[name] = "skipped: the bulk sync it builds on failed"
            if "applications" in chosen:
                if not on_this_platform or synced:   # without the run's world it syncs a few thousand of its own
                    measure("applications", lambda: applications.run(
                        platform, progress, data[0] if on_this_platform else None, count=size.applications))
                else:
                    failures["applications"] = "skipped: the bulk sync it builds on failed"
            if "portal" in chosen:   # its enterprise and policies would count among the phases' before it
                measure("portal", lambda: portal.run(platform, progress))
            if "overdue_scan" in chosen:
                measure("overdue_scan", lambda: overdue_scan.run(
                    platform, progress, repetitions=3 if size.name != "full" else overdue_scan.REPETITIONS))
            if "counselling" in chosen:
                measure("counselling", lambda: counselling.run(
                    platform, progress, repetitions=3 if size.name != "full" else counselling.REPETITIONS))
            if "deliveries" in chosen:
                measure("deliveries", lambda: deliveries.run(platform, progress))
            if "quiet_hours" in chosen:
                measure("quiet_hours", lambda: quiet_hours.run(platform, progress, count=size.enterprises,
                                                               label=size.label))
            if "poison_storm" in chosen:
                measure("poison_storm", lambda: poison_storm.run(
                    platform, progress, rounds=3 if size.name != "full" else poison_storm.ROUNDS), profile=False)
            if "peak_rss" in chosen:
                measure("peak_rss", lambda: peak_rss.run(platform, progress), profile=False)
            leftovers = platform.leftovers()
            progress.say("bench", "left behind: " + "; ".join(
                f"{name} {counts['dead_letters']} dead letters, {counts['outbox']} unpublished"
                for name, counts in leftovers.items()))
            if profiler.summaries:
                details["profiles"] = profiler.summaries
    except KeyboardInterrupt:
        progress.say("bench", "interrupted; platform stopped and removed")
        return 130

    previous = report.read(results_path) if args.only else {}
    report.write(results_path, {**previous, **results})
    meta = report.read(meta_path) if args.only else {}
    meta.update({"machine": report.machine(), "code": code, "size": size.__dict__, "last_run": {
        "started_at": started_at.isoformat(), "seconds": round(time.monotonic() - progress.started, 1),
        "measured": chosen, "profiled": args.profile, "failures": failures, "leftovers": leftovers}})
    meta.setdefault("phases", {}).update(details)
    report.write(meta_path, meta)
    merged = {**previous, **results}
    print()
    print(report.table(merged, size.label, PLATFORM_SERVICES, failures))
    print(f"\nwrote {results_path} and {meta_path}")
    return 1 if failures else 0


def _publish_policies(platform: BenchPlatform, progress: Progress, world, entries: list[dict]) -> tuple[dict, dict]:
    """The synthetic policies, created and published before any enterprise arrives; then the
    bench's expectation of every match."""
    started = time.monotonic()
    rules = policies.create_published(platform, progress, entries, phase="setup")
    world.add_policies(rules)
    progress.say("setup", f"expected {world.match_total:,} matches over {len(world):,} enterprises "
                          f"(demo.synthetic predicted {sum(e['expected_matches'] for e in entries):,} "
                          f"for its population); setup {time.monotonic() - started:.1f} s")
    return {}, {"policies": len(entries), "expected_matches": world.match_total,
                "seconds": round(time.monotonic() - started, 1)}


def _prepare_data(size: Size, progress: Progress):
    """The enterprises, the synthetic policies and the bench's own expectations (before any timing)."""
    from bench.world import World
    from demo.enterprises import generate
    from demo.synthetic import synthetic_policies
    from shared import clock

    started = time.monotonic()
    profiles = generate(size.enterprises)
    # Not proactive (免申即享): a proactive policy's matches become applications by themselves, and
    # the offers' notifications would count among the match notifications every phase waits for.
    candidates = [{**entry, "proactive": False}
                  for entry in synthetic_policies(size.policies + 40, enterprises=size.enterprises)]
    entries = candidates[:size.policies]
    low, high = PUBLISH_SELECTIVITY
    extra = next((entry for entry in candidates[size.policies:] if low <= entry["expected_selectivity"] <= high),
                 candidates[size.policies])
    spares = [entry for entry in candidates[size.policies:] if entry is not extra]   # rules for revisions
    world = World(profiles, clock.today_in_china())
    progress.say("data", f"{len(profiles):,} enterprises and {len(entries):,} synthetic policies ready "
                         f"in {time.monotonic() - started:.1f} s")
    return world, entries, extra, spares


if __name__ == "__main__":
    sys.exit(main())
