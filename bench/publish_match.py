"""`publish_match_<n>k_s`: one more policy published, until every enterprise it matches has its
notification.

The draft is created first (not timed); the clock runs from the `policy.publish` RPC until the
notification database holds as many new notifications as `world` says the rule matches.
"""
from __future__ import annotations

import time
from typing import Any

from bench.platform import BenchPlatform, CpuWindow
from bench.policies import ACTOR
from bench.progress import Progress, wait_until
from bench.world import World
from demo import api_body

PHASE = "publish_match"


def run(platform: BenchPlatform, progress: Progress, world: World, entry: dict[str, Any], *,
        label: str) -> tuple[dict, dict]:
    draft = platform.rpc.policy.create_draft(api_body(entry), ACTOR)
    policy_id, rule = draft["id"], draft["eligibility"]
    expected = len(world.preview_policy(rule))
    notification = platform.peek["notification"]
    before = notification.appended("notifications")
    progress.say(PHASE, f"publishing policy {policy_id} ({entry['title']}); it matches {expected:,} of "
                        f"{len(world):,} enterprises ({expected / len(world):.1%})")

    cpu = CpuWindow(platform).start()
    started = time.monotonic()
    platform.rpc.policy.publish(policy_id, ACTOR)
    answered = time.monotonic() - started
    _, finished = wait_until(lambda: notification.appended("notifications") - before,
                             lambda added: added >= expected, progress=progress, phase=PHASE,
                             describe=lambda added: f"{added:,}/{expected:,} notified", started=started,
                             check=platform.check, poll_s=0.02, report_every_s=2.0, stall_s=60)
    elapsed = finished - started
    cpu.stop()
    world.publish_policy(policy_id, rule)

    notified = notification.scalar(
        "SELECT count(*) FROM notifications WHERE kind = 'policy_matched' AND subject_id = ?", policy_id)
    verdict = "as expected" if notified == expected else "MISMATCH"
    progress.say(PHASE, f"{notified:,} enterprises notified in {elapsed:.2f} s (publish RPC answered in "
                        f"{answered * 1000:.0f} ms): {verdict}")
    progress.say(PHASE, cpu.describe())
    return ({f"publish_match_{label}_s": round(elapsed, 3), f"publish_match_{label}_matched": notified},
            {"policy_id": policy_id, "expected": expected, "rpc_s": round(answered, 3), "verdict": verdict,
             "cpu_s": cpu.used})
