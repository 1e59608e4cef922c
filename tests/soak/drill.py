"""`make soak`: the platform under a long mixed load, with RabbitMQ restarted once and the policy
service killed once; every expected match and notification must be there exactly once.

    python -m tests.soak.drill                      the full drill: 100,000 enterprises synced, then
                                                    10,000 profile changes and 20 policy publications,
                                                    RabbitMQ restarted and policy killed (-9) meanwhile
    python -m tests.soak.drill --no-broker-restart --enterprises 2000 --changes 500
                                                    smaller, and without touching the shared broker

The broker restart (`rabbitmqctl stop_app`, `start_app`) stops RabbitMQ for everyone on this
machine: run the full drill only when no one else uses it. Everything else is the platform's
own: a virtual host, databases and service processes of its own (tests/e2e/harness.py), removed
at the end.

The expectations are computed independently, from the generated profiles and the rules alone
(`harness.expected_effects`, the domain's pure functions). Every change raises a number
(employees, revenue, R&D expense) and every rule asks only for tags the changes do not touch and
for numbers at or above a threshold, so a match once made is never lost: the notifications
expected are exactly the final matches, whatever order the platform applies things in.
The result is written to var/soak/last.json and printed.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from demo.enterprises import generate
from shared.clock import today_in_china
from tests.broker import rabbitmqctl
from tests.e2e.harness import (
    DATABASE_SERVICES,
    MONOTONE_POLICIES,
    GovPublisher,
    enterprise_event,
    expected_effects,
    policy_draft,
    quiescent,
    running_platform,
    sync_batches,
)
from tests.polling import eventually
from tools.launcher import ROOT

RESULT = ROOT / "var" / "soak" / "last.json"
# Thresholds the generated population spans, and tags the changes never touch
THRESHOLDS = (("employees", (20, 50, 100, 300, 1000)), ("annual_revenue", (5e6, 2e7, 1e8, 5e8)),
              ("rd_expense", (2e5, 1e6, 5e6)))
STEADY_TAGS = ("industry.c", "industry_group.textiles", "interest.financing", "qualification.tech_sme",
               "county.371681")


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def extra_rules(count: int) -> list[tuple[str, dict]]:
    """`count` monotone rules: a steady tag and a number at or above a threshold."""
    pairs = [(field, value) for field, values in THRESHOLDS for value in values]
    return [(f"浸泡测试政策 {number + 1}",
             {"all": [{"tag": STEADY_TAGS[number % len(STEADY_TAGS)]},
                      {"field": pairs[number % len(pairs)][0], "op": ">=", "value": pairs[number % len(pairs)][1]}]})
            for number in range(count)]


def plan_changes(profiles: list[dict], count: int, rng: random.Random) -> tuple[list[tuple[str, dict]], list[dict]]:
    """`count` enterprise.profile_changed events, each raising one number of a random enterprise (some
    enterprises change several times, each source's sequence rising), and the profiles afterwards."""
    final = {profile["uscc"]: dict(profile) for profile in profiles}
    sequences: dict[tuple[str, str], int] = defaultdict(lambda: 1)   # the sync sent sequence 1
    events = []
    usccs = list(final)
    for _ in range(count):
        uscc = rng.choice(usccs)
        profile = final[uscc]
        field = rng.choice(("employees", "annual_revenue", "rd_expense"))
        source = "human-resources" if field == "employees" else "tax"
        if field == "employees":
            value = int(profile.get("employees") or 0) + rng.randint(1, 200)
        else:
            value = round(float(profile.get(field) or 0) * rng.uniform(1.05, 3.0) + rng.randint(1_000, 500_000), 2)
        profile[field] = value
        sequences[source, uscc] += 1
        events.append(("enterprise.profile_changed",
                       enterprise_event(uscc, {field: value}, source=source, sequence=sequences[source, uscc])))
    return events, list(final.values())


class Stream(threading.Thread):
    """An outside system publishing the changes as fast as the broker takes them, retrying while it is away."""

    def __init__(self, amqp_uri: str, events: list[tuple[str, dict]], per_second: float):
        super().__init__(name="changes", daemon=True)
        self.publisher = GovPublisher(amqp_uri, retry_for_s=300)
        self.events = events
        self.per_second = per_second
        self.published = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        start = time.monotonic()
        try:
            for number, (routing_key, body) in enumerate(self.events):
                # at a steady rate, so the publications and disruptions fall among the changes;
                # after a pause (the broker away) it catches up as fast as the broker takes them
                delay = start + number / self.per_second - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.publisher.publish(routing_key, body)
                self.published += 1
        except BaseException as error:  # noqa: BLE001 - reported by the drill
            self.error = error
        finally:
            self.publisher.close()


def healthy(platform) -> None:
    for name in platform.processes.services:
        assert platform.processes.alive(name), f"{name} exited:\n{platform.crash_summary(name)}"
    try:
        answer = platform.get("/health")
    except Exception as error:  # noqa: BLE001 - the gateway may still be reconnecting
        raise AssertionError(f"gateway: {error!r}") from None
    assert answer.status_code == 200, answer.text[:300]


def publish_policy(platform, title: str, rule: dict) -> int:
    """Create and publish, asking again while the platform recovers (each step is checked, never doubled)."""
    def created() -> int:
        answer = platform.post("/api/v1/policies", policy_draft(title, rule))
        assert answer.status_code == 201, f"create {title}: {answer.status_code} {answer.text[:200]}"
        return answer.json()["id"]
    policy_id = eventually(created, timeout=120, interval=1.0, what=f"creating {title}")

    def published() -> None:
        answer = platform.post(f"/api/v1/policies/{policy_id}/publish")
        assert answer.status_code == 200 or (answer.status_code == 409 and "already" in answer.text), \
            f"publish {policy_id}: {answer.status_code} {answer.text[:200]}"
    eventually(published, timeout=120, interval=1.0, what=f"publishing {title}")
    return policy_id


def restart_broker() -> None:
    stopped = False
    try:
        rabbitmqctl("stop_app", timeout=120)
        stopped = True
        time.sleep(3)   # the broker stays away while the stream keeps publishing (and retrying)
        rabbitmqctl("start_app", timeout=120)
        stopped = False
        rabbitmqctl("await_startup", timeout=120)
    finally:
        if stopped:   # whatever failed above, leave the broker running
            rabbitmqctl("start_app", timeout=120)
            rabbitmqctl("await_startup", timeout=120)


def drill(args: argparse.Namespace, directory: Path) -> dict:
    rng = random.Random(args.seed)
    today = today_in_china()
    started = time.monotonic()
    profiles = generate(args.enterprises, seed=args.seed)
    changes, final_profiles = plan_changes(profiles, args.changes, rng)
    extras = extra_rules(args.policies)
    result: dict = {"enterprises": args.enterprises, "changes": args.changes, "policies_during": args.policies,
                    "backend": args.backend, "broker_restarted": False, "policy_killed": False}

    with running_platform("soak", args.backend, directory) as platform:
        say(f"platform up ({args.backend}); publishing {len(MONOTONE_POLICIES)} policies, then syncing "
            f"{args.enterprises:,} enterprises")
        rules = {publish_policy(platform, title, rule): rule for title, rule in MONOTONE_POLICIES}
        synced = expected_effects(profiles, rules, today)
        publisher = GovPublisher(platform.amqp_uri)
        try:
            for batch in sync_batches(profiles, batch_size=1000):
                publisher.publish("enterprise.profiles_synced", batch)
        finally:
            publisher.close()
        counts = quiescent(platform, synced, timeout=args.timeout, stall_s=180)
        result["synced_at_s"] = round(time.monotonic() - started, 1)
        say(f"synced ({result['synced_at_s']} s from the start): {counts.enterprises:,} enterprises, "
            f"{counts.matches:,} matches")

        stream = Stream(platform.amqp_uri, changes, args.changes_per_s)
        stream.start()
        say(f"streaming {len(changes):,} changes at {args.changes_per_s:g} a second; {len(extras)} policies "
            f"published meanwhile")
        disruptions = {len(extras) // 3: "broker", (2 * len(extras)) // 3: "kill"}
        for number, (title, rule) in enumerate(extras):
            # spread the publications over the stream
            target = (number + 1) * len(changes) // (len(extras) + 1)
            eventually(lambda target=target: _published_at_least(stream, target), timeout=args.timeout,
                       interval=0.2, what="the change stream")
            rules[publish_policy(platform, title, rule)] = rule
            disruption = disruptions.get(number)
            if disruption == "broker" and not args.no_broker_restart:
                say(f"restarting RabbitMQ ({stream.published:,} changes published)")
                restart_broker()
                result["broker_restarted"] = True
                eventually(lambda: healthy(platform), timeout=180, interval=1.0, what="every service again")
            elif disruption == "kill" and not args.no_kill:
                say(f"kill -9 of the policy service ({stream.published:,} changes published)")
                platform.kill("policy")
                platform.start("policy")
                result["policy_killed"] = True
                eventually(lambda: healthy(platform), timeout=180, interval=1.0, what="every service again")
        stream.join(timeout=args.timeout)
        assert not stream.is_alive() and stream.error is None, f"change stream: {stream.error!r}"
        say(f"all {stream.published:,} changes published; waiting for the platform to settle")

        expected = expected_effects(final_profiles, rules, today)
        counts = quiescent(platform, expected, timeout=args.timeout, stall_s=180)
        matched = platform.matched_pairs()
        notified = platform.notified_pairs()
        stored = _stored_numbers(platform, {body["enterprise"]["uscc"] for _key, body in changes})
        wanted = {profile["uscc"]: {field: profile.get(field) for field in ("employees", "annual_revenue",
                                                                            "rd_expense")}
                  for profile in final_profiles if profile["uscc"] in stored}
        result.update({
            "seconds": round(time.monotonic() - started, 1),
            "expected_matches": len(expected.matches), "matches": len(matched),
            "missing_matches": len(expected.matches - matched), "unexpected_matches": len(matched - expected.matches),
            "notifications": len(notified), "duplicate_notifications": len(notified) - len(set(notified)),
            "missing_notifications": len(expected.matches - set(notified)),
            "unexpected_notifications": len(set(notified) - expected.matches),
            "enterprises_stored": counts.enterprises, "stale": counts.stale, "quarantined": counts.quarantined,
            "changed_enterprises_wrong": sum(1 for uscc, numbers in wanted.items()
                                             if not _same_numbers(stored[uscc], numbers)),
            "dead_letters": counts.dead_letters, "publish_retries": stream.publisher.retries,
        })
    problems = [name for name in ("missing_matches", "unexpected_matches", "duplicate_notifications",
                                  "missing_notifications", "unexpected_notifications", "changed_enterprises_wrong")
                if result[name]]
    if result["enterprises_stored"] != args.enterprises:
        problems.append("enterprises_stored")
    if any(result["dead_letters"].get(service) for service in DATABASE_SERVICES):
        problems.append("dead_letters")
    result["problems"] = problems
    result["passed"] = not problems
    return result


def _published_at_least(stream: Stream, count: int) -> None:
    assert stream.error is None, f"change stream: {stream.error!r}"
    assert stream.published >= count or not stream.is_alive(), f"{stream.published} published"


def _stored_numbers(platform, usccs: set[str]) -> dict[str, dict]:
    rows = platform.rows("tagging", "SELECT uscc, profile FROM enterprises")
    found = {}
    for uscc, profile in rows:
        if uscc in usccs:
            profile = json.loads(profile) if isinstance(profile, str) else profile
            found[uscc] = {field: profile.get(field) for field in ("employees", "annual_revenue", "rd_expense")}
    return found


def _same_numbers(stored: dict, wanted: dict) -> bool:
    return all(wanted[field] is None or (stored.get(field) is not None and abs(float(stored[field]) -
                                                                               float(wanted[field])) < 0.01)
               for field in wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak.drill", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--policies", type=int, default=20, help="policies published during the changes")
    parser.add_argument("--changes-per-s", type=float, default=100.0, help="the pace of the change stream")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--no-broker-restart", action="store_true",
                        help="do not restart RabbitMQ (it is shared: use this unless the machine is yours)")
    parser.add_argument("--no-kill", action="store_true", help="do not kill the policy service")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds any one wait may take")
    args = parser.parse_args(argv)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(prefix="huiqi-soak-") as directory:
        try:
            result = drill(args, Path(directory))
        except BaseException as error:  # noqa: BLE001 - recorded as the drill's result
            traceback.print_exc()
            result = {"passed": False, "error": f"{type(error).__name__}: {error}"[:2000]}
    result = {"started_at": started_at, "arguments": vars(args), **result}
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(("PASSED" if result["passed"] else "FAILED") + f"; written to {RESULT.relative_to(ROOT)}")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
