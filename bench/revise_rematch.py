"""`revise_rematch_<n>k_s`: a published policy's rule revised after the sync, until every enterprise
is decided again and the newly qualifying ones have the policy in their inboxes.

Before the clock starts the bench picks, from the policies the sync matched, the one and the new
rule (a spare synthetic rule that was never published) that change the most enterprises both
ways: thousands lose the policy and thousands, never matched by it before, gain it. `world`
works out the policy's matches after the revision with `shared.eligibility.evaluate` on its own
copy of every enterprise, so the bench knows the match set and the pushes to wait for.

The clock runs from the `policy.revise` RPC (the policy service records the version and emits
`policy.revised`; its handler re-decides the policy with one SQL query over its read model, adds
and drops match rows and emits `matches_changed`; the notification service adds one
`policy_matched` per enterprise never pushed this policy before) until the policy's match rows
are exactly as many as expected, all on the new version, and the notification database holds
as many new rows as pushes expected. The match set, the policy's notifications and the total
match count are then checked against `world` and recorded with the figure
(`..._gained`, `..._lost`, `..._pushed`).
"""
from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from bench.platform import BenchPlatform, CpuWindow
from bench.policies import ACTOR
from bench.progress import Progress, wait_until
from bench.world import Revision, World
from demo import API_FIELDS

PHASE = "revise_rematch"
CANDIDATE_POLICIES = 12      # the published policies matching the most enterprises
CANDIDATE_RULES = 12         # the spare rules matching the most
LEAST_SHARE = 0.01           # gained (pushed) and lost must each reach 1% of the enterprises
REVISION_NOTE = "（修订：调整支持对象范围，原符合条件但不再符合新条件的企业不再推送。）"


def run(platform: BenchPlatform, progress: Progress, world: World, spares: list[dict[str, Any]], *,
        label: str) -> tuple[dict, dict]:
    started_choice = time.monotonic()
    policy_id, rule_json = _choose(world, spares, least=max(1, round(LEAST_SHARE * len(world))))
    revision = world.revision(policy_id, rule_json)
    current = platform.rpc.policy.get(policy_id)
    body = {key: current[key] for key in API_FIELDS if current.get(key) is not None}
    body.update(eligibility=rule_json, summary=(current["summary"] + REVISION_NOTE)[:2000])
    progress.say(PHASE, f"revising policy {policy_id} v{current['version']} ({current['title']}): it matches "
                        f"{len(revision.before):,}, will match {len(revision.after):,}: "
                        f"{len(revision.gained):,} gained ({len(revision.pushed):,} to push), "
                        f"{len(revision.lost):,} lost (chosen in {time.monotonic() - started_choice:.1f} s)")

    policy, notification = platform.peek["policy"], platform.peek["notification"]
    notified_before = notification.appended("notifications")
    version = current["version"] + 1
    expected = len(revision.after)
    milestones: dict[str, float] = {}

    def read() -> tuple[int, int, int]:
        rows, on_version = (int(value or 0) for value in policy.rows(
            "SELECT count(*), sum(policy_version = ?) FROM matches WHERE policy_id = ?", version, policy_id)[0])
        pushed = notification.appended("notifications") - notified_before
        now = time.monotonic()
        if rows == on_version == expected and "matched" not in milestones:
            milestones["matched"] = now - started
        if pushed >= len(revision.pushed) and "notified" not in milestones:
            milestones["notified"] = now - started
        return rows, on_version, pushed

    def describe(counts: tuple[int, int, int]) -> str:
        return (f"policy {policy_id}: {counts[0]:,} match rows ({counts[1]:,} on v{version}) of {expected:,}; "
                f"{counts[2]:,}/{len(revision.pushed):,} pushed")

    cpu = CpuWindow(platform).start()
    started = time.monotonic()
    revised = platform.rpc.policy.revise(policy_id, body, ACTOR)
    answered = time.monotonic() - started
    _, finished = wait_until(read, lambda counts: counts[0] == counts[1] == expected
                             and counts[2] >= len(revision.pushed), progress=progress, phase=PHASE,
                             describe=describe, started=started, check=platform.check, poll_s=0.02,
                             report_every_s=2.0, stall_s=60)
    elapsed = finished - started
    cpu.stop()
    progress.say(PHASE, f"re-decided in {elapsed:.2f} s (revise RPC answered in {answered * 1000:.0f} ms; "
                        f"matches settled at {milestones.get('matched', elapsed):.2f} s, "
                        f"pushes in at {milestones.get('notified', elapsed):.2f} s)")
    progress.say(PHASE, cpu.describe())

    verdict = _verify(platform, world, revision, revised, version)
    progress.say(PHASE, f"checked against the bench's own evaluation: {verdict}")
    key = f"revise_rematch_{label}"
    results = {f"{key}_s": round(elapsed, 3), f"{key}_gained": len(revision.gained),
               f"{key}_lost": len(revision.lost), f"{key}_pushed": len(revision.pushed)}
    details = {"policy_id": policy_id, "version": version, "matched_before": len(revision.before),
               "matched_after": expected, "gained": len(revision.gained), "lost": len(revision.lost),
               "pushed": len(revision.pushed), "rpc_s": round(answered, 3),
               "milestones_s": {name: round(value, 3) for name, value in milestones.items()},
               "rule": rule_json, "verdict": verdict, "cpu_s": cpu.used}
    return results, details


def _choose(world: World, spares: list[dict[str, Any]], *, least: int) -> tuple[int, dict[str, Any]]:
    """The published policy and the spare rule whose swap changes the most enterprises, counted as
    the smaller of pushes (gained, never notified) and losses."""
    published = set(world.rules)
    counts: dict[int, int] = defaultdict(int)
    for found in world.matches.values():
        for policy_id in found:
            counts[policy_id] += 1
    chosen = set(sorted((policy_id for policy_id in counts if policy_id in published),
                        key=lambda policy_id: -counts[policy_id])[:CANDIDATE_POLICIES])
    before: dict[int, set[str]] = {policy_id: set() for policy_id in chosen}
    for uscc, found in world.matches.items():
        for policy_id in found & chosen:
            before[policy_id].add(uscc)
    rules = sorted(spares, key=lambda entry: -entry["expected_matches"])[:CANDIDATE_RULES]
    after = [(entry["eligibility"], set(world.preview_policy(entry["eligibility"]))) for entry in rules]
    best: tuple[int, int, dict[str, Any]] | None = None
    for policy_id, matched in before.items():
        for rule_json, matching in after:
            pushed = sum(1 for uscc in matching - matched if policy_id not in world.notified[uscc])
            score = min(pushed, len(matched - matching))
            if best is None or score > best[0]:
                best = (score, policy_id, rule_json)
    if best is None or best[0] < least:
        raise RuntimeError(f"no revision among {len(before)} policies and {len(after)} spare rules gains and "
                           f"loses {least:,} enterprises each (best: {best[0] if best else 0:,})")
    return best[1], best[2]


def _verify(platform: BenchPlatform, world: World, revision: Revision, revised: dict, version: int) -> str:
    """The policy's match rows, its notifications and the total match count, against `world`."""
    policy_id = revision.policy_id
    problems = []
    if revised["version"] != version or revised["status"] != "published":
        problems.append(f"revise answered v{revised['version']} {revised['status']}, expected v{version} published")
    matched = {uscc for (uscc,) in platform.peek["policy"].rows(
        "SELECT uscc FROM matches WHERE policy_id = ?", policy_id)}
    if matched != revision.after:
        problems.append(f"match rows differ: {len(matched - revision.after):,} unexpected, "
                        f"{len(revision.after - matched):,} missing")
    notified = {uscc for (uscc,) in platform.peek["notification"].rows(
        "SELECT uscc FROM notifications WHERE kind = 'policy_matched' AND subject_id = ?", policy_id)}
    ever = {uscc for uscc, policies in world.notified.items() if policy_id in policies} | revision.pushed
    if notified != ever:
        problems.append(f"notifications of the policy differ: {len(notified - ever):,} unexpected, "
                        f"{len(ever - notified):,} missing")
    world.revise_policy(revision)
    total = platform.rpc.policy.match_count()
    if total != world.match_total:
        problems.append(f"{total:,} matches in all, expected {world.match_total:,}")
    return "MISMATCH: " + "; ".join(problems) if problems else "as expected"
