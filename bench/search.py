"""`search_p99_ms` (with `_p50_ms`, `_p95_ms`, `_max_ms`, `search_requests_per_s`): policy search
through the real gateway, `GET /api/v1/policies`, with concurrent clients.

Runs before any enterprise or synthetic policy exists, so the corpus is exactly its own policies
whatever else the run measures. Setup (not timed): the gateway process is started with this
run's administrator token; `search_corpus.policies` are created through the policy service's RPC,
three quarters published, and a few of those withdrawn again, so every status filter has
something to find. Then `CLIENTS` threads, each with its own `requests.Session` (keep-alive) and
the administrator's bearer token, send `search_corpus.queries` as fast as answers come: a few
warm-up requests each, then together the measured ones. The bench depends on the HTTP API only:
`{"items": [...], "total": n}`, 200 for every request. A request that fails, times out or answers
anything else is an error, and a run with errors fails (its figures are shown, not recorded).
The clients send back to back, so by Little's law latency is about CLIENTS / throughput; the same
queries are then sent by one client alone (in the details: the cost of a request without queueing).

Afterwards the corpus's published policies are withdrawn (so the enterprises synced later match
only the synthetic policies) and the gateway is stopped.
"""
from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import requests

from bench import policies, search_corpus
from bench.change_to_inbox import percentile
from bench.clients import run_together
from bench.platform import BenchPlatform
from bench.progress import Progress

PHASE = "search"
CLIENTS = 20
WARMUP_PER_CLIENT = 10
LIMIT = 20
PUBLISHED_SHARE = 0.75
WITHDRAWN_SHARE = 0.05          # of all policies: published, then withdrawn before measuring
REQUEST_TIMEOUT_S = 30.0
START_TIMEOUT_S = 600.0         # every client warmed up by then
QUERY_SEED = 47
SHOWN_ERRORS = 5
SINGLE_CLIENT_REQUESTS = 200    # afterwards, one client alone (recorded in the details only)
# 20 people searching: each reads the answer before the next search. A mean pause of a quarter
# second offers about 80 searches a second, a third of what this machine answers back to back.
THINK_S = 0.25


class SearchFailed(RuntimeError):
    """Some requests did not answer 200 with a valid page."""


@dataclass
class Client:
    """One simulated user: its share of the queries and what it saw."""

    url: str
    token: str
    warmup: list[tuple[str, str]]
    measured: list[tuple[str, str]]
    latencies: list[tuple[str, float]] = field(default_factory=list)   # (kind, seconds)
    totals: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    finished: float = 0.0
    think_s: float = 0.0           # mean pause between answers (exponential); 0: back to back
    seed: int = 0

    def run(self, start: threading.Barrier) -> None:
        try:
            with requests.Session() as session:
                session.headers["Authorization"] = f"Bearer {self.token}"
                for kind, query in self.warmup:
                    self._get(session, kind, query)
                start.wait(timeout=START_TIMEOUT_S)
                pauses = random.Random(self.seed)
                for kind, query in self.measured:
                    seconds = self._get(session, kind, query)
                    if seconds is not None:
                        self.latencies.append((kind, seconds))
                    if self.think_s:
                        time.sleep(pauses.expovariate(1 / self.think_s))
        except threading.BrokenBarrierError:
            self.errors.append("another client failed before the measured requests")
        except Exception as error:  # noqa: BLE001 - reported as the run's failure, never lost in a thread
            self.errors.append(f"client crashed: {type(error).__name__}: {error}")
            start.abort()
        self.finished = time.monotonic()

    def _get(self, session: requests.Session, kind: str, query: str) -> float | None:
        """Seconds until the whole answer was read; None (and an error noted) unless a valid 200 page."""
        began = time.perf_counter()
        try:
            response = session.get(f"{self.url}?{query}", timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException as error:
            self.errors.append(f"{kind} {query}: {type(error).__name__}: {error}")
            return None
        seconds = time.perf_counter() - began
        if response.status_code != 200:
            self.errors.append(f"{kind} {query}: HTTP {response.status_code}: {response.text[:200]}")
            return None
        try:
            page = response.json()
            items, total = page["items"], page["total"]
            valid = isinstance(items, list) and isinstance(total, int) and len(items) <= min(LIMIT, total)
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            self.errors.append(f"{kind} {query}: not a page of at most {LIMIT}: {response.text[:200]}")
            return None
        self.totals[kind].append(total)
        return seconds


def run(platform: BenchPlatform, progress: Progress, *, policy_count: int, requests_measured: int) -> tuple[dict, dict]:
    drafts = search_corpus.policies(policy_count)
    platform.start_extra("gateway")
    live: list[int] = []   # published by this measurement and not withdrawn yet
    try:
        created = policies.create_drafts(platform, progress, drafts, phase=PHASE)
        ids = [policy["id"] for policy in created]
        live = ids[:round(PUBLISHED_SHARE * len(ids))]
        policies.change_status(platform, progress, live, action="publish", phase=PHASE)
        withdrawn, published = live[:round(WITHDRAWN_SHARE * len(ids))], live[round(WITHDRAWN_SHARE * len(ids)):]
        policies.change_status(platform, progress, withdrawn, action="withdraw", phase=PHASE)
        live = published
        corpus_kb = sum(len(draft["body"].encode()) + len(draft["summary"].encode()) + len(draft["title"].encode())
                        for draft in drafts) / 1024
        progress.say(PHASE, f"{len(ids):,} policies ({len(published):,} published, {len(withdrawn):,} withdrawn, "
                            f"{len(ids) - len(published) - len(withdrawn):,} drafts; {corpus_kb:,.0f} KiB of text)")
        results, details = _measure(platform, progress, created, requests_measured)
        details.update(policies=len(ids), published=len(published), withdrawn=len(withdrawn),
                       text_kib=round(corpus_kb))
        return results, details
    finally:
        platform.stop_extra("gateway")
        if live and platform.processes.alive("policy"):
            try:
                policies.change_status(platform, progress, live, action="withdraw", phase=PHASE)
            except Exception as error:  # noqa: BLE001 - the failure that got us here matters more
                progress.say(PHASE, f"could not withdraw the corpus's published policies: {error}")


def _measure(platform: BenchPlatform, progress: Progress, created: list[dict], requests_measured: int
             ) -> tuple[dict, dict]:
    """Two rounds: 20 users who pause between searches (the target), then 20 clients back to back
    (the most the platform answers on this machine, and the latency when saturated)."""
    departments = sorted({policy["department"] for policy in created})
    tags = sorted({tag for policy in created for tag in policy["tags_used"]})
    warmup = CLIENTS * WARMUP_PER_CLIENT
    queries = search_corpus.queries(warmup + requests_measured, QUERY_SEED, departments=departments, tags=tags,
                                    limit=LIMIT)
    url = f"{platform.gateway_url}/api/v1/policies"
    paced, paced_details = _round(platform, progress, url, queries[:warmup], queries[warmup:], THINK_S,
                                  f"{CLIENTS} users pausing {THINK_S * 1000:.0f} ms on average between searches")
    saturated, saturated_details = _round(platform, progress, url, queries[:warmup], queries[warmup:], 0.0,
                                          f"{CLIENTS} clients back to back")
    # the same queries one at a time: what a request costs without waiting behind 19 others
    alone = Client(url, platform.admin_token, [], queries[warmup:warmup + SINGLE_CLIENT_REQUESTS])
    alone.run(threading.Barrier(1))
    if alone.errors:
        raise SearchFailed(f"one client alone: {len(alone.errors)} requests failed (first: {alone.errors[0]})")
    alone_ms = [seconds * 1000 for _, seconds in alone.latencies]
    alone_p50, alone_p99 = (percentile(alone_ms, share) for share in (0.5, 0.99)) if alone_ms else (0.0, 0.0)
    progress.say(PHASE, f"one client alone, {len(alone_ms)} requests: p50 {alone_p50:.1f} ms, p99 {alone_p99:.1f} ms")
    results = {f"search_{name}": value for name, value in paced.items()}
    results |= {f"search_saturated_{name}": value for name, value in saturated.items()}
    details = {"clients": CLIENTS, "think_s_mean": THINK_S, "warmup_requests": warmup, "paced": paced_details,
               "saturated": saturated_details,
               "one_client": {"requests": len(alone_ms), "p50_ms": round(alone_p50, 1), "p99_ms": round(alone_p99, 1)}}
    return results, details


def _round(platform: BenchPlatform, progress: Progress, url: str, warmup_queries: list, measured_queries: list,
           think_s: float, what: str) -> tuple[dict, dict]:
    clients = [Client(url, platform.admin_token, warmup_queries[number::CLIENTS], measured_queries[number::CLIENTS],
                      think_s=think_s, seed=number) for number in range(CLIENTS)]
    progress.say(PHASE, f"{what}: {len(warmup_queries):,} warm-up requests, then {len(measured_queries):,} measured "
                        f"({platform.gateway_url})")
    wall, cpu = run_together(platform, progress, PHASE, clients, name="search")

    latencies = [seconds * 1000 for client in clients for _, seconds in client.latencies]
    errors = [error for client in clients for error in client.errors]
    by_kind: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, list[int]] = defaultdict(list)
    for client in clients:
        for kind, seconds in client.latencies:
            by_kind[kind].append(seconds * 1000)
        for kind, found in client.totals.items():
            totals[kind].extend(found)
    p50, p95, p99 = (percentile(latencies, share) for share in (0.50, 0.95, 0.99)) if latencies else (0.0,) * 3
    peak = max(latencies, default=0.0)
    rate = len(latencies) / wall if wall > 0 else 0.0
    summary = (f"{len(latencies):,} answers in {wall:.1f} s ({rate:,.0f}/s): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
               f"p99 {p99:.1f} ms, max {peak:.1f} ms; {len(errors)} errors")
    progress.say(PHASE, summary)
    progress.say(PHASE, cpu.describe())
    for kind in sorted(by_kind, key=lambda kind: -percentile(by_kind[kind], 0.99)):
        values = by_kind[kind]
        progress.say(PHASE, f"  {kind:<15} {len(values):5,} requests  p50 {percentile(values, 0.5):6.1f} ms  "
                            f"p99 {percentile(values, 0.99):6.1f} ms  median total {percentile(totals[kind], 0.5):,}")
    if errors:
        for error in errors[:SHOWN_ERRORS]:
            progress.say(PHASE, f"  error: {error}")
        raise SearchFailed(f"{len(errors):,} of {len(errors) + len(latencies):,} requests failed (first: {errors[0]}); "
                           f"not recorded: {summary}")
    results = {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "p99_ms": round(p99, 1),
               "max_ms": round(peak, 1), "requests_per_s": round(rate, 1)}
    details = {"requests": len(latencies), "errors": 0, "wall_s": round(wall, 2), "cpu_s": cpu.used,
               "by_kind": {kind: {"requests": len(values), "p50_ms": round(percentile(values, 0.5), 1),
                                  "p99_ms": round(percentile(values, 0.99), 1),
                                  "median_total": percentile(totals[kind], 0.5)}
                           for kind, values in sorted(by_kind.items())}}
    return results, details
