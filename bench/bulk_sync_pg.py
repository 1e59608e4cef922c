"""`bulk_sync_<n>_pg_s` and `bulk_sync_<n>_pg_2x_s`: `bulk_sync` on PostgreSQL, with one process of
each service and then with two processes of tagging and of policy; `bulk_sync_<n>_pg_2x_speedup_x`
is the first time over the second (above 1: the two replicas were faster).

Each runs on a platform of its own (`BenchPlatform` with `database_url` and `replicas`): its own
vhost, fresh databases at BENCH_POSTGRES (one per service, dropped afterwards unless BENCH_KEEP=1),
its own processes; the run's own SQLite platform stays idle meanwhile. Each gets the same world
(the run's enterprises, its synthetic policies published first, the bench's expectations computed
afresh: its policy ids are its own) and the same sync, timed and checked by `bulk_sync.run`, so
the keys beside `_s` are the same (`..._matches`, `..._evaluation_s`, `..._peak_rss_mb_policy_1`).
No live changes run beside these syncs. CPU seconds per process are in meta.json, the PostgreSQL
server processes serving each service's database among them (`postgresql_<service>`): on a busy
shared machine they say more than the wall-clock times.
"""
from __future__ import annotations

import os
import uuid
from typing import Any

from bench import bulk_sync, policies
from bench.overdue_scan import BENCH_POSTGRES
from bench.platform import BenchPlatform
from bench.progress import Progress
from bench.world import World

PHASE = "bulk_sync_pg"
# key suffix -> processes per service (one where not named)
SETUPS = {"pg": {}, "pg_2x": {"tagging": 2, "policy": 2}}


def run(progress: Progress, world: World, entries: list[dict[str, Any]], *, label: str) -> tuple[dict, dict]:
    results: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for suffix, replicas in SETUPS.items():
        url = f"{BENCH_POSTGRES}/huiqi_bench_{uuid.uuid4().hex[:8]}_{{service}}"
        fresh = World(world.raw_profiles, world.today)   # the same enterprises, nothing synced yet
        with BenchPlatform(progress, keep=os.environ.get("BENCH_KEEP") == "1", database_url=url,
                           replicas=replicas, tag=suffix) as platform:
            try:
                fresh.add_policies(policies.create_published(platform, progress, entries, phase=PHASE))
                others = platform.wait_for_quiet(PHASE)
                measured, detail = bulk_sync.run(platform, progress, fresh, label=f"{label}_{suffix}")
            except BaseException:
                platform.keep_logs = True     # its logs outlive its run folder
                raise
        results.update(measured)
        details[suffix] = {**detail, "replicas": replicas, "other_cores_before": others}
    one, two = results[f"bulk_sync_{label}_pg_s"], results[f"bulk_sync_{label}_pg_2x_s"]
    results[f"bulk_sync_{label}_pg_2x_speedup_x"] = round(one / two, 2)
    progress.say(PHASE, f"on PostgreSQL: {one:.1f} s with one process of each service, {two:.1f} s with two of "
                        f"tagging and policy: {one / two:.2f}x")
    return results, details
