"""Creating and publishing policies through the policy service's RPC, as the gateway would."""
from __future__ import annotations

import time
from typing import Any

from bench.platform import BenchPlatform
from bench.progress import Progress, wait_until
from demo import api_body

ACTOR = {"role": "city_admin", "id": "bench", "department": None, "county": None, "uscc": None}
WINDOW = 20   # RPC calls in flight at once


def create_published(platform: BenchPlatform, progress: Progress, entries: list[dict[str, Any]], *,
                     phase: str) -> dict[int, dict[str, Any]]:
    """Create and publish every entry; returns policy id -> rule JSON once the policy service has
    handled every `policy.published` (matched each new policy against the enterprises it has)."""
    policy = platform.rpc.policy
    handled_before = platform.peek["policy"].handled("policy.on_policy_changed")
    started = time.monotonic()
    rules: dict[int, dict[str, Any]] = {}
    for start in range(0, len(entries), WINDOW):
        part = entries[start:start + WINDOW]
        drafts = [policy.create_draft.call_async(api_body(entry), ACTOR) for entry in part]
        created = [draft.result() for draft in drafts]
        publishing = [policy.publish.call_async(draft["id"], ACTOR) for draft in created]
        for reply in publishing:
            reply.result()
        for draft in created:
            rules[draft["id"]] = draft["eligibility"]
        done = start + len(part)
        if done % 200 == 0 or done == len(entries):
            progress.say(phase, f"{done:,}/{len(entries):,} policies created and published "
                                f"({time.monotonic() - started:.1f} s)")
    wait_until(lambda: platform.peek["policy"].handled("policy.on_policy_changed") - handled_before,
               lambda handled: handled >= len(entries), progress=progress, phase=phase,
               describe=lambda handled: f"policy service matched {handled:,}/{len(entries):,} new policies",
               started=started, check=platform.check, poll_s=0.2, stall_s=120)
    progress.say(phase, f"{len(entries):,} policies live in {time.monotonic() - started:.1f} s")
    return rules


def create_drafts(platform: BenchPlatform, progress: Progress, entries: list[dict[str, Any]], *,
                  phase: str) -> list[dict[str, Any]]:
    """Create every entry as a draft (no event, nothing matched); returns the drafts as created."""
    policy = platform.rpc.policy
    started = time.monotonic()
    created: list[dict[str, Any]] = []
    for start in range(0, len(entries), WINDOW):
        calls = [policy.create_draft.call_async(entry, ACTOR) for entry in entries[start:start + WINDOW]]
        created.extend(call.result() for call in calls)
        if len(created) % 200 == 0 or len(created) == len(entries):
            progress.say(phase, f"{len(created):,}/{len(entries):,} drafts created "
                                f"({time.monotonic() - started:.1f} s)")
    return created


def change_status(platform: BenchPlatform, progress: Progress, policy_ids: list[int], *, action: str,
                  phase: str) -> None:
    """`publish` or `withdraw` each policy, then wait until the policy service has re-decided every one
    (its `policy.policy_changed` handler took each event)."""
    policy = platform.rpc.policy
    handled_before = platform.peek["policy"].handled("policy.on_policy_changed")
    started = time.monotonic()
    for start in range(0, len(policy_ids), WINDOW):
        part = policy_ids[start:start + WINDOW]
        calls = ([policy.publish.call_async(policy_id, ACTOR) for policy_id in part] if action == "publish" else
                 [policy.withdraw.call_async(policy_id, "基准测试结束，撤回测试政策", ACTOR) for policy_id in part])
        for call in calls:
            call.result()
    wait_until(lambda: platform.peek["policy"].handled("policy.on_policy_changed") - handled_before,
               lambda handled: handled >= len(policy_ids), progress=progress, phase=phase,
               describe=lambda handled: f"policy service re-decided {handled:,}/{len(policy_ids):,} ({action})",
               started=started, check=platform.check, poll_s=0.2, stall_s=120)
    progress.say(phase, f"{len(policy_ids):,} policies: {action} done in {time.monotonic() - started:.1f} s")
