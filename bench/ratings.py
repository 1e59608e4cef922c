"""`ratings_per_s` (with `ratings_p50_ms`, `ratings_p99_ms`): enterprises rating the pushes they received
(好差评), through the real gateway, 10 clients at once.

Setup (not timed), on the run's synced world:
- the evaluation service has caught up with every event so far (`evaluation_facts`);
- `count` ratings plus a warm-up of `WARMUP_PER_CLIENT` per client, by `RATINGS_PER_ENTERPRISE`
  enterprises' worth each: enterprises drawn at random (`SEED`) among those the world says were
  pushed a policy, each rating that many of the pushes it received (policies it was matched to:
  `world.notified`), as in one visit to its inbox. The evaluation service's own facts are read
  (read-only) to check it holds every one of those matches;
- one enterprise account per enterprise, made through the gateway
  (`POST /api/v1/enterprises/{uscc}/accounts` with this run's administrator token, `CLIENTS` at a
  time);
- stars drawn from `STARS` (about one rating in eight has 1 or 2 stars and opens a follow-up,
  差评回访), a comment with one rating in three.

Timed: `CLIENTS` threads, each with one keep-alive connection (`bench.keepalive`), rate their share
with `POST /api/v1/ratings` (`subject` push), one enterprise after the other, each enterprise's
ratings back to back with its own token (so its first request's token is new to the gateway, which
asks the accounts service who holds it, and the next finds it cached). A few ratings per client run
first as a warm-up; then all clients start together. The figure is ratings answered 201 per second
of wall time; the latency of each is its request. Every answer is checked: 201, the enterprise, the
policy, the stars and the comment sent, no earlier history, and a follow-up (open, with its due
time) exactly when the stars are 1 or 2. A run with any error fails (its figures are
shown, not recorded).

Afterwards, untimed: the evaluation database (read-only) holds exactly those ratings, one history
entry each, and a follow-up for each low one; the gateway's listing (`GET /api/v1/ratings`, as the
city administrator) counts them all with the same mean stars.

The ratings stay: `evaluation_close` counts them among the round's 100,000.
"""
from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import requests

from bench import evaluation_facts
from bench.change_to_inbox import percentile
from bench.clients import REQUEST_TIMEOUT_S, KeepAliveClient, run_together
from bench.keepalive import JsonConnection
from bench.platform import BenchPlatform
from bench.progress import Progress
from bench.world import World

PHASE = "ratings"
CLIENTS = 10
WARMUP_PER_CLIENT = 6
RATINGS_PER_ENTERPRISE = 2
SEED = 13
SHOWN_ERRORS = 5
API = "/api/v1"
# stars and how often: a platform's ratings lean to the good side, with a tail of complaints
STARS = {5: 0.50, 4: 0.25, 3: 0.12, 2: 0.08, 1: 0.05}
FOLLOW_UP_STARS = 2   # at most: opens a follow-up
COMMENTS = ("推送及时，政策解读清楚", "申报条件说明得很明白", "希望简化申报材料", "推送的政策与我们企业不太相关",
            "联系电话打不通，没人解答", "兑现速度快，点赞")
COMMENT_SHARE = 1 / 3


class RatingsFailed(RuntimeError):
    """Some ratings were not answered as expected, or the records disagree with what was sent."""


@dataclass(frozen=True)
class Rating:
    uscc: str
    policy_id: int
    stars: int
    comment: str | None


def draw_stars(rng: random.Random) -> int:
    return rng.choices(list(STARS), weights=list(STARS.values()))[0]


def draw_comment(rng: random.Random) -> str | None:
    return rng.choice(COMMENTS) if rng.random() < COMMENT_SHARE else None


@dataclass
class Client(KeepAliveClient):
    """One enterprise after another, each rating its pushes with its own token."""

    what = "ratings"
    url: str
    tokens: dict[str, str]
    warmup: list[list[Rating]]        # per enterprise, its ratings
    measured: list[list[Rating]]
    latencies: list[float] = field(default_factory=list)   # seconds per measured rating
    errors: list[str] = field(default_factory=list)
    follow_ups: int = 0
    finished: float = 0.0

    def work(self, connection: JsonConnection, *, measured: bool) -> None:
        self._rate(connection, self.measured if measured else self.warmup, measured=measured)

    def _rate(self, connection: JsonConnection, visits: list[list[Rating]], *, measured: bool) -> None:
        for visit in visits:
            for rating in visit:
                body = {"subject": "push", "policy_id": rating.policy_id, "stars": rating.stars}
                if rating.comment is not None:
                    body["comment"] = rating.comment
                what = f"{rating.uscc} rating policy {rating.policy_id} {rating.stars} stars"
                began = time.perf_counter()
                try:
                    status, text = connection.post(f"{API}/ratings", body, self.tokens[rating.uscc])
                except (OSError, http.client.HTTPException) as error:
                    self.errors.append(f"{what}: {type(error).__name__}: {error}")
                    continue
                seconds = time.perf_counter() - began
                problem = _check(status, text, rating)
                if problem:
                    self.errors.append(f"{what}: {problem}")
                    continue
                if measured:
                    self.latencies.append(seconds)
                    self.follow_ups += rating.stars <= FOLLOW_UP_STARS


def _check(status: int, text: str, rating: Rating) -> str | None:
    """What is wrong with the answer to `rating`, if anything."""
    if status != 201:
        return f"HTTP {status}: {text[:300]}"
    try:
        answer = json.loads(text)
        got = (answer["uscc"], answer["subject"], answer["policy_id"], answer["stars"], answer["comment"],
               answer["history"])
        follow_up = answer["follow_up"]
    except (ValueError, KeyError, TypeError):
        return f"not a rating: {text[:300]}"
    if got != (rating.uscc, "push", rating.policy_id, rating.stars, rating.comment, []):
        return f"answered {got}"
    wanted = rating.stars <= FOLLOW_UP_STARS
    if (follow_up is not None) != wanted or (wanted and (follow_up.get("status") != "open"
                                                         or not follow_up.get("due_at"))):
        return f"follow-up {follow_up}; expected {'an open one' if wanted else 'none'}"
    return None


def run(platform: BenchPlatform, progress: Progress, world: World, *, count: int) -> tuple[dict, dict]:
    started_setup = time.monotonic()
    evaluation_facts.caught_up(platform, progress, PHASE, enterprises=len(world))
    warmups = CLIENTS * WARMUP_PER_CLIENT
    visits = _visits(world, count + warmups, random.Random(SEED))
    _check_matched(platform, visits)
    platform.start_extra("gateway")
    try:
        tokens = _accounts(platform, [visit[0].uscc for visit in visits])
        progress.say(PHASE, f"{len(tokens):,} enterprise accounts made through the gateway; setup "
                            f"{time.monotonic() - started_setup:.1f} s")
        platform.wait_for_quiet(PHASE)
        results, details = _measure(platform, progress, visits, tokens, count, warmups)
        details.update(_verify(platform, progress, [rating for visit in visits for rating in visit]))
    finally:
        platform.stop_extra("gateway")
    details.update(enterprises=len(visits), ratings_per_enterprise=RATINGS_PER_ENTERPRISE, stars_drawn_from=STARS)
    return results, details


def _visits(world: World, wanted: int, rng: random.Random) -> list[list[Rating]]:
    """Enterprises (in random order) with `RATINGS_PER_ENTERPRISE` pushes each to rate, `wanted` ratings in all."""
    pushed = sorted(uscc for uscc, policy_ids in world.notified.items() if len(policy_ids) >= RATINGS_PER_ENTERPRISE)
    enterprises = -(-wanted // RATINGS_PER_ENTERPRISE)
    if len(pushed) < enterprises:
        raise RatingsFailed(f"only {len(pushed):,} enterprises were pushed {RATINGS_PER_ENTERPRISE} policies; "
                            f"{enterprises:,} are needed")
    visits, left = [], wanted
    for uscc in rng.sample(pushed, enterprises):
        policy_ids = rng.sample(sorted(world.notified[uscc]), min(RATINGS_PER_ENTERPRISE, left))
        visits.append([Rating(uscc, policy_id, draw_stars(rng), draw_comment(rng)) for policy_id in policy_ids])
        left -= len(policy_ids)
    return visits


def _check_matched(platform: BenchPlatform, visits: list[list[Rating]]) -> None:
    """The evaluation service knows each push (a match it kept) and no rating of it exists yet."""
    peek = platform.peek[evaluation_facts.SERVICE]
    wanted = {(rating.uscc, rating.policy_id) for visit in visits for rating in visit}
    usccs = sorted({uscc for uscc, _ in wanted})
    kept, rated = set(), set()
    for first in range(0, len(usccs), 500):
        chunk = usccs[first:first + 500]
        marks = ", ".join("?" for _ in chunk)
        kept.update(peek.rows(f"SELECT uscc, policy_id FROM matches WHERE first_matched_at IS NOT NULL "
                              f"AND uscc IN ({marks})", *chunk))
        rated.update(peek.rows(f"SELECT uscc, policy_id FROM ratings WHERE subject = 'push' AND uscc IN ({marks})",
                               *chunk))
    if wanted - kept:
        raise RatingsFailed(f"the evaluation service keeps no match for {len(wanted - kept):,} of the pushes to "
                            f"rate (first: {sorted(wanted - kept)[0]})")
    if wanted & rated:
        raise RatingsFailed(f"{len(wanted & rated):,} of the pushes to rate are rated already")


def _accounts(platform: BenchPlatform, usccs: list[str]) -> dict[str, str]:
    """An enterprise account each, made by this run's administrator through the gateway, `CLIENTS` at a time."""
    tokens: dict[str, str] = {}
    errors: list[str] = []

    def make(share: list[str]) -> None:
        connection = JsonConnection(platform.gateway_url, REQUEST_TIMEOUT_S)
        try:
            for uscc in share:
                status, text = connection.post(f"{API}/enterprises/{uscc}/accounts", {"name": f"{uscc} 经办人"},
                                               platform.admin_token)
                if status != 201:
                    errors.append(f"account for {uscc}: HTTP {status}: {text[:300]}")
                    return
                tokens[uscc] = json.loads(text)["token"]
        except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
            errors.append(f"accounts: {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=make, args=(usccs[number::CLIENTS],), daemon=True) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RatingsFailed(f"{len(errors)} accounts failed; first: {errors[0]}")
    return tokens


def _measure(platform: BenchPlatform, progress: Progress, visits: list[list[Rating]], tokens: dict[str, str],
             count: int, warmups: int) -> tuple[dict, dict]:
    """Each client's warm-up from the first enterprises, then the measured ratings from the rest."""
    warm_enterprises = -(-warmups // RATINGS_PER_ENTERPRISE)
    warm, rest = visits[:warm_enterprises], visits[warm_enterprises:]
    clients = [Client(platform.gateway_url, tokens, warm[number::CLIENTS], rest[number::CLIENTS])
               for number in range(CLIENTS)]
    measured_total = sum(len(visit) for visit in rest)
    progress.say(PHASE, f"{CLIENTS} clients, {warmups} warm-up ratings, then {measured_total:,} measured "
                        f"(POST {API}/ratings through {platform.gateway_url}, {RATINGS_PER_ENTERPRISE} per enterprise)")
    wall, cpu = run_together(platform, progress, PHASE, clients, name="rating", done=lambda: (
        f"{sum(len(client.latencies) for client in clients):,}/{measured_total:,} ratings"))

    latencies = [seconds * 1000 for client in clients for seconds in client.latencies]
    errors = [error for client in clients for error in client.errors]
    p50, p99 = (percentile(latencies, share) for share in (0.5, 0.99)) if latencies else (0.0, 0.0)
    rate = len(latencies) / wall if wall > 0 else 0.0
    follow_ups = sum(client.follow_ups for client in clients)
    summary = (f"{len(latencies):,} ratings in {wall:.1f} s ({rate:,.1f} ratings/s), {follow_ups:,} opening a "
               f"follow-up: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies, default=0.0):.1f} ms; "
               f"{len(errors)} errors")
    progress.say(PHASE, summary)
    progress.say(PHASE, cpu.describe())
    if errors or len(latencies) != count:
        for error in errors[:SHOWN_ERRORS]:
            progress.say(PHASE, f"  error: {error}")
        raise RatingsFailed(f"{len(errors):,} errors, {len(latencies):,} of {count:,} ratings answered "
                            f"(first: {errors[0] if errors else 'none'}); not recorded: {summary}")
    results = {"ratings_per_s": round(rate, 1), "ratings_p50_ms": round(p50, 1), "ratings_p99_ms": round(p99, 1)}
    details = {"clients": CLIENTS, "ratings": len(latencies), "warmup_ratings": warmups, "follow_ups": follow_ups,
               "errors": 0, "wall_s": round(wall, 2), "max_ms": round(max(latencies), 1), "cpu_s": cpu.used}
    return results, details


def _verify(platform: BenchPlatform, progress: Progress, sent: list[Rating]) -> dict:
    """The ratings read back from the evaluation database and through the gateway."""
    peek = platform.peek[evaluation_facts.SERVICE]
    problems = []
    held = {(uscc, policy_id): (stars, comment, history, follow_ups) for uscc, policy_id, stars, comment, history,
            follow_ups in peek.rows(
                "SELECT r.uscc, r.policy_id, r.stars, r.comment, "
                "(SELECT count(*) FROM rating_history h WHERE h.rating_id = r.id), "
                "(SELECT count(*) FROM follow_ups f WHERE f.rating_id = r.id AND f.status = 'open') "
                "FROM ratings r WHERE r.subject = 'push'")}
    wrong = [rating for rating in sent if held.get((rating.uscc, rating.policy_id)) != (
        rating.stars, rating.comment, 1, int(rating.stars <= FOLLOW_UP_STARS))]
    if wrong:
        first = wrong[0]
        problems.append(f"{len(wrong):,} ratings not held as sent (first: {first} held as "
                        f"{held.get((first.uscc, first.policy_id))})")
    if len(held) != len(sent):
        problems.append(f"the evaluation service holds {len(held):,} push ratings, {len(sent):,} were made")
    response = requests.get(f"{platform.gateway_url}{API}/ratings", params={"limit": 1},
                            headers={"Authorization": f"Bearer {platform.admin_token}"}, timeout=REQUEST_TIMEOUT_S)
    average = response.json().get("average") if response.status_code == 200 else None
    mean = sum(rating.stars for rating in sent) / len(sent)
    if not average or average.get("count") != len(sent) or abs((average.get("stars") or 0) - mean) > 0.006:
        problems.append(f"the gateway lists {average}, expected {len(sent):,} ratings averaging {mean:.2f}")
    verdict = "MISMATCH: " + "; ".join(problems) if problems else "as expected"
    progress.say(PHASE, f"{len(sent):,} ratings read back (database and GET /ratings): {verdict}")
    if problems:
        raise RatingsFailed(verdict)
    by_stars: dict[int, int] = defaultdict(int)
    for rating in sent:
        by_stars[rating.stars] += 1
    return {"verdict": verdict, "by_stars": dict(sorted(by_stars.items())), "mean_stars": round(mean, 3)}
