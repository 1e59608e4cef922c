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
    handled_before = platform.peek["policy"].handled("policy.on_policy_published")
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
    wait_until(lambda: platform.peek["policy"].handled("policy.on_policy_published") - handled_before,
               lambda handled: handled >= len(entries), progress=progress, phase=phase,
               describe=lambda handled: f"policy service matched {handled:,}/{len(entries):,} new policies",
               started=started, check=platform.check, poll_s=0.2, stall_s=120)
    progress.say(phase, f"{len(entries):,} policies live in {time.monotonic() - started:.1f} s")
    return rules
