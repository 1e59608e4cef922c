"""`retag_all_<n>k_s`: staff change a tag's rule after the sync, until every enterprise is tagged
again, re-matched, and the policies it newly qualifies for are in its inbox.

The change is fixed, so every size makes the same one: `scale.small` (named by more synthetic
policies than any other tag) is redefined by headcount alone, 10 to 99 people, instead of the
national standard's industry-specific employee and revenue thresholds. Before the clock starts,
`world` tags every enterprise again with the catalogue holding the new rule (`Catalogue.with_tag`
over its own `derive`d facts) and re-decides each one whose tags change with
`shared.eligibility.evaluate`: who gains and who loses the tag, the (enterprise, policy) pairs
matched and dropped, and the pushes owed (newly matched, never notified). Each of gained, lost
and pushed must reach 1% of the enterprises, or the bench refuses to measure.

The clock runs from the `tagging.change_tag` RPC (the catalogue's revision moves and a re-tag job
is queued; the `run_jobs` timer takes it within a second and walks every enterprise in batches,
writing those whose tags changed and emitting their snapshots; the policy service re-matches
them; the notification service pushes the new matches) until all of:
- the job's row says `done` (read-only peek at the tagging database; confirmed by `tagging.job`);
- the notification database holds as many new rows as pushes expected;
- the policy service's read model holds every re-tagged enterprise on its new profile version
  (the sum of its versions has grown by the number re-tagged) and its matches of the policies
  naming the tag are exactly the expected pairs.
Then the new profile versions, the new notifications and the total counts are checked against
`world` and recorded (`..._gained`, `..._lost`, `..._pushed`).

Memory: just before the change each service's high-water mark is set back to its resident set
(/proc/<pid>/clear_refs), so `..._peak_rss_mb_<service>` is the peak during the job, and the
details give the resident set it started from. The job streams its batches, so the peak should
barely depend on the number of enterprises: compare the 10k (`--quick`) and 100k figures.
"""
from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any, NamedTuple

from bench.platform import BenchPlatform, CpuWindow, PhasePeaks
from bench.policies import ACTOR
from bench.progress import Progress, wait_until
from bench.world import Retag, World

PHASE = "retag_all"
TAG = "scale.small"
RULE = {"all": [{"field": "employees", "op": ">=", "value": 10}, {"field": "employees", "op": "<", "value": 100}]}
LEAST_SHARE = 0.01     # gained, lost and pushed must each reach 1% of the enterprises


class Reading(NamedTuple):
    state: str
    done: int
    changed: int
    pushed: int
    versions_left: int | None     # re-tagged enterprises the policy service has not taken yet (None: not read)
    pairs_off: int | None         # matches of the tag's policies differing from the expected (None: not read)


def run(platform: BenchPlatform, progress: Progress, world: World, *, label: str) -> tuple[dict, dict]:
    started_choice = time.monotonic()
    retag = world.retag(TAG, RULE)
    least = max(1, round(LEAST_SHARE * len(world)))
    if min(len(retag.gained), len(retag.lost), len(retag.pushed)) < least:
        raise RuntimeError(f"changing {TAG} gains {len(retag.gained):,}, loses {len(retag.lost):,} and pushes "
                           f"{len(retag.pushed):,}: each should reach {least:,}")
    tagging, policy, notification = (platform.peek[name] for name in ("tagging", "policy", "notification"))
    expected_pairs = _pairs_after(world, retag)
    policy_ids = sorted(retag.policies)
    pairs_sql = f"SELECT uscc, policy_id FROM matches WHERE policy_id IN ({','.join('?' * len(policy_ids))})"
    versions_before = policy.scalar("SELECT sum(version) FROM enterprise_facts")
    versions_expected = versions_before + len(retag.tags)
    notified_before = notification.appended("notifications")
    history_before = tagging.scalar("SELECT max(rowid) FROM profile_versions")
    progress.say(PHASE, f"changing {TAG} (named by {len(policy_ids)} published policies) to "
                        f"{json.dumps(RULE)}: {len(retag.tags):,} of {len(world):,} enterprises re-tagged, "
                        f"{len(retag.gained):,} gain it, {len(retag.lost):,} lose it; {len(retag.matched):,} "
                        f"matches gained ({len(retag.pushed):,} to push), {len(retag.unmatched):,} dropped "
                        f"(worked out in {time.monotonic() - started_choice:.1f} s)")

    milestones: dict[str, float] = {}
    job_id: int | None = None

    def mark(name: str, now: float) -> None:
        milestones.setdefault(name, now - started)

    def read() -> Reading:
        peaks.sample()
        rows = tagging.rows("SELECT state, done, changed, error FROM jobs WHERE id = ?", job_id)
        state, done, changed, error = rows[0] if rows else ("queued", 0, 0, None)
        if state == "failed":
            raise RuntimeError(f"re-tag job {job_id} failed: {error}")
        pushed = notification.appended("notifications") - notified_before
        now = time.monotonic()
        if state != "queued":
            mark("job_started", now)
        if state == "done":
            mark("job_done", now)
        if pushed >= len(retag.pushed):
            mark("pushed", now)
        versions_left = pairs_off = None
        if state == "done" and pushed >= len(retag.pushed):
            versions_left = versions_expected - policy.scalar("SELECT sum(version) FROM enterprise_facts")
            if versions_left == 0:
                mark("rematched", now)
                pairs_off = len(set(policy.rows(pairs_sql, *policy_ids)) ^ expected_pairs)
        return Reading(state, done, changed, pushed, versions_left, pairs_off)

    def describe(reading: Reading) -> str:
        text = (f"job {job_id} {reading.state}: {reading.done:,}/{len(world):,} tagged, {reading.changed:,}/"
                f"{len(retag.tags):,} changed; {reading.pushed:,}/{len(retag.pushed):,} pushed")
        if reading.versions_left is not None:
            text += f"; policy service: {reading.versions_left:,} re-tagged enterprises not yet matched"
        if reading.pairs_off is not None:
            text += f", {reading.pairs_off:,} matches of the tag's policies differ"
        return text

    peaks = PhasePeaks(platform).start()
    cpu = CpuWindow(platform).start()
    started = time.monotonic()
    answer = platform.rpc.tagging.change_tag(TAG, {"rule": RULE}, ACTOR)
    answered = time.monotonic() - started
    job_id = answer["job_id"]
    _, finished = wait_until(read, lambda reading: reading.pairs_off == 0, progress=progress, phase=PHASE,
                             describe=describe, started=started, check=platform.check, poll_s=0.05,
                             report_every_s=5.0, stall_s=90)
    elapsed = finished - started
    cpu.stop()
    peaks.stop()
    progress.say(PHASE, f"re-tagged, re-matched and pushed in {elapsed:.2f} s (change RPC answered in "
                        f"{answered * 1000:.0f} ms; job started at {milestones.get('job_started', 0):.2f} s, "
                        f"done at {milestones.get('job_done', elapsed):.2f} s; pushes in at "
                        f"{milestones.get('pushed', elapsed):.2f} s; policy service caught up at "
                        f"{milestones.get('rematched', elapsed):.2f} s)")
    progress.say(PHASE, cpu.describe())
    progress.say(PHASE, peaks.describe())

    job = platform.rpc.tagging.job(job_id)
    verdict = _verify(platform, world, retag, job, answer, history_before, notified_before)
    progress.say(PHASE, f"checked against the bench's own tagging and evaluation: {verdict}")
    key = f"retag_all_{label}"
    results = {f"{key}_s": round(elapsed, 3), f"{key}_gained": len(retag.gained), f"{key}_lost": len(retag.lost),
               f"{key}_pushed": len(retag.pushed),
               **{f"{key}_peak_rss_mb_{name.replace('-', '_')}": round(peak, 1)
                  for name, peak in peaks.peak.items()}}
    details = {"tag": TAG, "rule": RULE, "job_id": job_id, "revision": answer.get("revision"),
               "enterprises": len(world), "retagged": len(retag.tags), "gained": len(retag.gained),
               "lost": len(retag.lost), "policies_naming_tag": len(policy_ids), "matches_gained": len(retag.matched),
               "matches_dropped": len(retag.unmatched), "pushed": len(retag.pushed), "rpc_s": round(answered, 3),
               "job_s": _job_seconds(job),
               "milestones_s": {name: round(value, 3) for name, value in milestones.items()},
               "rss_before_mb": {name: round(value, 1) for name, value in peaks.before.items()},
               "rss_peak_mb": {name: round(value, 1) for name, value in peaks.peak.items()},
               "rss_peak_source": "VmHWM after clear_refs" if peaks.reset else "VmRSS sampled while polling",
               "verdict": verdict, "cpu_s": cpu.used}
    return results, details


def _pairs_after(world: World, retag: Retag) -> set[tuple[str, int]]:
    """(enterprise, policy) matches of the policies naming the tag once the change has gone through."""
    named = retag.policies
    pairs = {(uscc, policy_id) for uscc, found in world.matches.items() if found & named
             for policy_id in found & named}
    return (pairs - retag.unmatched) | retag.matched


def _job_seconds(job: dict[str, Any]) -> float | None:
    if not job.get("started_at") or not job.get("finished_at"):
        return None
    return round((datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["started_at"]))
                 .total_seconds(), 3)


def _verify(platform: BenchPlatform, world: World, retag: Retag, job: dict, answer: dict, history_before: int,
            notified_before: int) -> str:
    """The job, the tag, the new profile versions, the new notifications and the totals, against `world`."""
    problems = []
    tagging, notification = platform.peek["tagging"], platform.peek["notification"]
    if (job["state"], job["done"], job["changed"]) != ("done", len(world), len(retag.tags)):
        problems.append(f"job answered {job['state']}, {job['done']:,} done, {job['changed']:,} changed; expected "
                        f"done, {len(world):,}, {len(retag.tags):,}")
    if (answer.get("tag") or {}).get("rule") != RULE:
        problems.append(f"change_tag answered the rule {answer.get('tag')!r}")
    versions = tagging.rows("SELECT uscc, source, tags_added, tags_removed FROM profile_versions WHERE rowid > ?",
                            history_before)
    gained = {uscc for uscc, _, added, _ in versions if json.loads(added) == [retag.code]}
    lost = {uscc for uscc, _, _, removed in versions if json.loads(removed) == [retag.code]}
    sources = {source for _, source, _, _ in versions}
    if len(versions) != len(retag.tags) or gained != retag.gained or lost != retag.lost or sources - {"catalogue"}:
        problems.append(f"{len(versions):,} new profile versions (sources {sorted(sources)}): {len(gained):,} gain "
                        f"{retag.code}, {len(lost):,} lose it; expected {len(retag.tags):,}, {len(retag.gained):,}, "
                        f"{len(retag.lost):,} (source catalogue)")
    pushed = set(notification.rows("SELECT uscc, subject_id FROM notifications WHERE rowid > ?", notified_before))
    if pushed != retag.pushed:
        problems.append(f"new notifications differ: {len(pushed - retag.pushed):,} unexpected, "
                        f"{len(retag.pushed - pushed):,} missing")
    world.apply_retag(retag)
    matches, notifications = platform.rpc.policy.match_count(), platform.rpc.notification.notification_count()
    if (matches, notifications) != (world.match_total, world.notification_total):
        problems.append(f"{matches:,} matches and {notifications:,} notifications in all, expected "
                        f"{world.match_total:,} and {world.notification_total:,}")
    return "MISMATCH: " + "; ".join(problems) if problems else "as expected"
