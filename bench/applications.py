"""`applications_per_s` and `applications_batched_per_s` (each with `_path_p50_ms`, `_p99_ms`):
applications carried through the application hall by the people who handle them, through the real
gateway, until each is in public notice; once with one request per action, once with staff working
their queues in batches (`POST /api/v1/applications/actions`), each mode on applications of its own.

Setup (not timed):
- enterprises: the run's own world when the bulk sync has run (every enterprise is in the
  platform already); otherwise (`--only applications_per_s`) the first `OWN_ENTERPRISES` of the
  same generated population, synced here as the data-sharing exchange would;
- `POLICIES` redeemable policies of two departments, published through the policy service's RPC,
  each with a budget far beyond what the run approves and the rule `employees >= T`, T chosen on
  `world`'s own facts so that each policy matches at least `MARGIN` times the enterprises that
  will apply for it. `world.preview_policy` gives each policy's match set; the bench waits until
  the policy service holds exactly those match rows, so every (enterprise, policy) pair that
  applies is matched. The amount each must be granted is `services.policy.domain.subsidy.estimate`
  (the platform's own pure formula) over `world`'s facts;
- accounts through the gateway (`POST /api/v1/staff` with this run's administrator token): one
  window clerk, one department_staff per policy department.

Timed, per mode: `CLIENTS` threads, each with one keep-alive connection (`bench.keepalive`),
carry their share of the applications: `POST /api/v1/applications` by the window clerk (a
distinct one-page PDF attached, so each submission stores a file), `accept` by the clerk (the hall
routes it to the policy's department by itself: the answer is already in `review`), `approve` by
the department's staff (the formula's amount, reserved against the budget), answered in
`public_notice`.
- `applications`: one path after the other, each the whole way with one request per action; the
  latency of a path is its three requests back to back.
- `applications_batched`: `BATCH` paths at a time, each submitted on its own (an enterprise's
  application is always its own request); then the clerk accepts the ten in one batch request and
  each department approves its own in one; a path's latency runs from its submission to the answer
  of the batch that approved it.
A few paths per client run first as a warm-up; then all clients start together. The figure is
completed paths per second of wall time. Every answer is checked (status code, stage, amount,
each outcome of a batch); a request that fails or answers anything else is an error, and a run
with errors fails (its figures are shown, not recorded).

Afterwards, untimed: every application the run made is read from the application database
(read-only): in public_notice, with the expected amount, one open stage, four history entries
(submit, accept, route, approve); each policy's committed budget is the sum of its amounts; and
the gateway's own listing (`GET /api/v1/applications?status=public_notice`) counts them all.
"""
from __future__ import annotations

import base64
import http.client
import json
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import requests

from bench import policies
from bench.change_to_inbox import percentile
from bench.clients import REQUEST_TIMEOUT_S, KeepAliveClient, run_together
from bench.keepalive import JsonConnection
from bench.platform import BenchPlatform
from bench.progress import Progress, wait_until
from bench.world import World
from services.policy.domain.subsidy import estimate
from shared import clock
from shared.money import exact, json_number
from shared.publisher import ConfirmingPublisher

PHASE = "applications"
CLIENTS = 10
WARMUP_PER_CLIENT = 2
OWN_ENTERPRISES = 3_000
MARGIN = 1.2                 # each policy matches at least this many times the enterprises applying for it
BUDGET = 10_000_000_000.0    # yuan: no approval in the run comes near it
PAIR_SEED = 55
SHOWN_ERRORS = 5
API = "/api/v1"
PUBLIC_NOTICE = "public_notice"
BATCH = 10
# each on paths of its own: (key prefix, paths carried together; 1 = one request per action)
MODES = (("applications", 1), ("applications_batched", BATCH))
# (department, department name, title, subsidy): two departments, two policies each
POLICIES = (
    ("hrss", "滨州市人力资源和社会保障局", "稳岗扩岗补贴",
     {"type": "per_unit", "field": "employees", "rate": 500, "cap": 300_000}),
    ("hrss", "滨州市人力资源和社会保障局", "吸纳就业一次性补贴", {"type": "fixed", "amount": 20_000}),
    ("industry_it", "滨州市工业和信息化局", "中小企业数字化转型补助", {"type": "fixed", "amount": 50_000}),
    ("industry_it", "滨州市工业和信息化局", "企业职工技能培训补贴",
     {"type": "per_unit", "field": "employees", "rate": 200, "cap": 200_000}),
)


class ApplicationsFailed(RuntimeError):
    """Some paths did not end in public notice with the expected answers."""


@dataclass(frozen=True)
class Path:
    policy_id: int
    department: str
    uscc: str
    amount: Decimal


@dataclass
class Client(KeepAliveClient):
    """One member of staff at the window, with the departments' reviewers at hand."""

    what = "paths"

    url: str
    clerk_token: str
    reviewer_tokens: dict[str, str]
    warmup: list[Path]
    measured: list[Path]
    batch: int = 1                 # paths carried together: submitted one by one, then accepted and approved in batches
    latencies: list[float] = field(default_factory=list)                   # seconds per measured path
    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    application_ids: dict[Path, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    finished: float = 0.0

    def work(self, connection: JsonConnection, *, measured: bool) -> None:
        self._carry(connection, self.measured if measured else self.warmup, measured=measured)

    def _carry(self, connection: JsonConnection, paths: list[Path], *, measured: bool) -> None:
        for first in range(0, len(paths), self.batch):
            chunk = paths[first:first + self.batch]
            if self.batch == 1:
                began = time.perf_counter()
                if self._path(connection, self.reviewer_tokens[chunk[0].department], chunk[0], measured=measured) \
                        and measured:
                    self.latencies.append(time.perf_counter() - began)
            else:
                self._batch(connection, chunk, measured=measured)

    def _submit(self, connection: JsonConnection, path: Path, measured: bool) -> dict | None:
        body = {"policy_id": path.policy_id, "uscc": path.uscc, "note": "窗口代为提交（基准测试）",
                "materials": [{"name": "申请表", "filename": "申请表.pdf", "content_base64": _pdf(path)}]}
        submitted = self._call(connection, self.clerk_token, "submit", f"{API}/applications", body, 201,
                               "submitted", path, measured)
        if submitted is not None:
            self.application_ids[path] = submitted["id"]
        return submitted

    def _batch(self, connection: JsonConnection, chunk: list[Path], *, measured: bool) -> None:
        """Each path submitted on its own; then the clerk accepts them all in one batch and each department
        approves its own in one; a path's latency runs from its submission to the approval's answer."""
        began = {}
        for path in chunk:
            began[path] = time.perf_counter()
            if self._submit(connection, path, measured) is None:
                return
        if not self._act_on_batch(connection, self.clerk_token, "accept", chunk, "review", measured):
            return
        for department in sorted({path.department for path in chunk}):
            own = [path for path in chunk if path.department == department]
            if not self._act_on_batch(connection, self.reviewer_tokens[department], "approve", own, PUBLIC_NOTICE,
                                      measured):
                return
            if measured:
                ended = time.perf_counter()
                self.latencies.extend(ended - began[path] for path in own)

    def _act_on_batch(self, connection: JsonConnection, token: str, action: str, paths: list[Path], stage: str,
                      measured: bool) -> bool:
        began = time.perf_counter()
        ids = [self.application_ids[path] for path in paths]
        what = f"batch {action} of {len(ids)} applications"
        try:
            status, text = connection.post(f"{API}/applications/actions", {"action": action, "ids": ids}, token)
            answer = json.loads(text) if status == 200 else None
        except (OSError, http.client.HTTPException, ValueError) as error:
            self.errors.append(f"{what}: {type(error).__name__}: {error}")
            return False
        if answer is None:
            self.errors.append(f"{what}: HTTP {status}: {text[:300]}")
            return False
        got = [(outcome.get("id"), outcome.get("ok"), outcome.get("status")) for outcome in answer.get("results", [])]
        wrong = [path for path, outcome, (_, ok, moved) in zip(paths, answer.get("results", []), got, strict=False)
                 if not ok or moved != stage or _yuan_of(outcome.get("amount")) != path.amount]
        if got[:len(ids)] != [(application_id, True, stage) for application_id in ids] or wrong:
            self.errors.append(f"{what}: expected each in {stage}; answered {text[:300]}")
            return False
        if measured:
            self.steps[f"batch {action}"].append(time.perf_counter() - began)
        return True

    def _path(self, connection: JsonConnection, reviewer: str, path: Path, *, measured: bool) -> bool:
        """Submit, accept, approve; True when every answer was the expected one."""
        submitted = self._submit(connection, path, measured)
        if submitted is None:
            return False
        actions = f"{API}/applications/{submitted['id']}/actions"
        accepted = self._call(connection, self.clerk_token, "accept", actions,
                              {"action": "accept", "comment": "材料齐全，予以受理"}, 200, "review", path, measured)
        if accepted is None:
            return False
        approved = self._call(connection, reviewer, "approve", actions, {"action": "approve", "comment": "审核通过"},
                              200, PUBLIC_NOTICE, path, measured)
        return approved is not None

    def _call(self, connection: JsonConnection, token: str, step: str, target: str, body: dict, status: int,
              stage: str, path: Path, measured: bool) -> dict | None:
        began = time.perf_counter()
        what = f"{step} policy {path.policy_id} for {path.uscc}"
        try:
            got_status, text = connection.post(target, body, token)
        except (OSError, http.client.HTTPException) as error:
            self.errors.append(f"{what}: {type(error).__name__}: {error}")
            return None
        seconds = time.perf_counter() - began
        if got_status != status:
            self.errors.append(f"{what}: HTTP {got_status}: {text[:300]}")
            return None
        try:
            answer = json.loads(text)
            got = (answer["status"], answer["amount"])
        except (ValueError, KeyError, TypeError):
            self.errors.append(f"{what}: not an application: {text[:300]}")
            return None
        if got[0] != stage or _yuan_of(got[1]) != path.amount:
            self.errors.append(f"{what}: answered stage {got[0]}, amount {got[1]}; expected {stage}, {path.amount}")
            return None
        if measured:
            self.steps[step].append(seconds)
        return answer


def _pdf(path: Path) -> str:
    """A one-page PDF of its own for each application (materials are stored by their SHA-256)."""
    content = (b"%PDF-1.4\n%" + f"huiqi bench application {path.uscc} {path.policy_id}".encode() +
               b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return base64.b64encode(content).decode()


def run(platform: BenchPlatform, progress: Progress, world: World | None, *, count: int) -> tuple[dict, dict]:
    started_setup = time.monotonic()
    own = world is None
    if own:
        from demo.enterprises import generate

        world = World(generate(OWN_ENTERPRISES), clock.today_in_china())
    per_mode = count + CLIENTS * WARMUP_PER_CLIENT
    paths_wanted = per_mode * len(MODES)
    per_policy = math.ceil(paths_wanted / len(POLICIES))
    threshold = _threshold(world, math.ceil(per_policy * MARGIN))
    rule = {"all": [{"field": "employees", "op": ">=", "value": threshold}]}
    entries = [_entry(number, department, name, title, subsidy, rule)
               for number, (department, name, title, subsidy) in enumerate(POLICIES, 1)]
    rules = policies.create_published(platform, progress, entries, phase=PHASE)
    policy_ids = list(rules)
    expected = {policy_id: set(world.preview_policy(rules[policy_id])) for policy_id in policy_ids}
    if own:
        _sync(platform, progress, world)
    _wait_for_matches(platform, progress, expected)
    for policy_id in policy_ids:
        world.publish_policy(policy_id, rules[policy_id])
    progress.say(PHASE, f"{len(policy_ids)} redeemable policies ({', '.join(map(str, policy_ids))}) for employees "
                        f">= {threshold}: {', '.join(f'{len(found):,}' for found in expected.values())} matches "
                        f"of {len(world):,} enterprises ({'synced here' if own else 'the run’s own world'})")

    paths = _paths(world, entries, policy_ids, expected, paths_wanted, per_policy)
    platform.start_extra("gateway")
    try:
        tokens = _accounts(platform, sorted({department for department, *_ in POLICIES}))
        progress.say(PHASE, f"setup in {time.monotonic() - started_setup:.1f} s")
        results, details, ids = {}, {}, {}
        for number, (name, batch) in enumerate(MODES):
            platform.wait_for_quiet(PHASE)
            got, details[name] = _measure(platform, progress, paths[number * per_mode:(number + 1) * per_mode],
                                          tokens, count, batch=batch, name=name)
            ids.update(details[name].pop("application_ids"))
            results.update(got)
        details.update(_verify(platform, progress, paths, ids, policy_ids))
    finally:
        platform.stop_extra("gateway")
    details.update(policies=policy_ids, threshold_employees=threshold, own_enterprises=own,
                   enterprises=len(world), matches_per_policy=[len(expected[policy_id]) for policy_id in policy_ids])
    return results, details


def _threshold(world: World, wanted: int) -> int:
    """The largest headcount T such that at least `wanted` active enterprises have employees >= T."""
    counts = sorted((facts["employees"] for facts in world.facts.values()
                     if facts.get("status") != "deregistered" and isinstance(facts.get("employees"), int | float)),
                    reverse=True)
    if len(counts) < wanted:
        raise RuntimeError(f"only {len(counts):,} enterprises report employees; {wanted:,} are needed")
    return int(counts[wanted - 1])


def _entry(number: int, department: str, department_name: str, title: str, subsidy: dict, rule: dict) -> dict:
    return {"title": f"{title}（基准测试申报{number}）", "department": department, "department_name": department_name,
            "level": "city", "summary": f"{title}：按从业人员规模申报，窗口受理，主管部门审核（基准测试用）。",
            "body": "申报条件：从业人员达到规定人数。申报材料：申请表。审核通过后公示五个工作日，期满无异议拨付。",
            "eligibility": rule, "valid_from": "2026-01-01", "valid_to": "2028-12-31", "redeemable": True,
            "proactive": False, "subsidy": subsidy, "budget": BUDGET, "materials": ["申请表"]}


def _sync(platform: BenchPlatform, progress: Progress, world: World) -> None:
    """The measurement's own enterprises, as the data-sharing exchange sends them."""
    started = time.monotonic()
    publisher = ConfirmingPublisher(platform.amqp_uri)
    try:
        publisher.publish(world.sync_messages())
    finally:
        publisher.close()
    tagging = platform.peek["tagging"]
    wait_until(lambda: tagging.appended("enterprises"), lambda tagged: tagged >= len(world), progress=progress,
               phase=PHASE, describe=lambda tagged: f"{tagged:,}/{len(world):,} enterprises tagged", started=started,
               check=platform.check, poll_s=0.1, stall_s=90)


def _wait_for_matches(platform: BenchPlatform, progress: Progress, expected: dict[int, set[str]]) -> None:
    """Until the policy service holds exactly the expected match rows of the policies."""
    peek = platform.peek["policy"]
    marks = ", ".join("?" for _ in expected)
    total = sum(len(found) for found in expected.values())
    started = time.monotonic()
    wait_until(lambda: peek.scalar(f"SELECT count(*) FROM matches WHERE policy_id IN ({marks})", *expected),
               lambda rows: rows >= total, progress=progress, phase=PHASE,
               describe=lambda rows: f"{rows:,}/{total:,} matches of the policies", started=started,
               check=platform.check, poll_s=0.1, stall_s=90)
    for policy_id, found in expected.items():
        held = {uscc for (uscc,) in peek.rows("SELECT uscc FROM matches WHERE policy_id = ?", policy_id)}
        if held != found:
            raise ApplicationsFailed(f"policy {policy_id}: the policy service matches {len(held - found):,} "
                                     f"enterprises the bench does not and misses {len(found - held):,}")


def _paths(world: World, entries: list[dict], policy_ids: list[int], expected: dict[int, set[str]], wanted: int,
           per_policy: int) -> list[Path]:
    """`wanted` distinct (enterprise, policy) pairs, the policies taking turns; each with its amount."""
    rng = random.Random(PAIR_SEED)
    chosen: list[list[str]] = []
    for policy_id in policy_ids:
        found = sorted(expected[policy_id])
        rng.shuffle(found)
        chosen.append(found[:per_policy])
    paths = []
    for number in range(wanted):
        turn = number % len(policy_ids)
        entry, uscc = entries[turn], chosen[turn][number // len(policy_ids)]
        amount = estimate(entry["subsidy"], world.facts[uscc], entry["budget"])
        if amount is None:
            raise RuntimeError(f"no amount for {uscc} under {entry['subsidy']}: the bench chose a pair it cannot check")
        paths.append(Path(policy_ids[turn], entry["department"], uscc, amount))
    return paths


def _accounts(platform: BenchPlatform, departments: list[str]) -> dict[str, str | dict[str, str]]:
    """A window clerk and one reviewer per department, created by this run's administrator."""
    with requests.Session() as admin:
        admin.headers["Authorization"] = f"Bearer {platform.admin_token}"

        def create(body: dict) -> str:
            response = admin.post(f"{platform.gateway_url}{API}/staff", json=body, timeout=REQUEST_TIMEOUT_S)
            if response.status_code != 201:
                raise ApplicationsFailed(f"creating account {body}: HTTP {response.status_code}: {response.text[:300]}")
            return response.json()["token"]

        clerk = create({"name": "一窗受理窗口（基准测试）", "role": "window_clerk"})
        reviewers = {department: create({"name": f"{department} 审核科室（基准测试）", "role": "department_staff",
                                         "department": department}) for department in departments}
    return {"clerk": clerk, "reviewers": reviewers}


def _measure(platform: BenchPlatform, progress: Progress, paths: list[Path], tokens: dict, count: int, *,
             batch: int, name: str) -> tuple[dict, dict]:
    clients = [Client(platform.gateway_url, tokens["clerk"], tokens["reviewers"],
                      paths[number::CLIENTS][:WARMUP_PER_CLIENT], paths[number::CLIENTS][WARMUP_PER_CLIENT:], batch)
               for number in range(CLIENTS)]
    how = "one request per action" if batch == 1 else f"accepted and approved in batches of {batch}"
    progress.say(PHASE, f"{name}: {CLIENTS} clients, {CLIENTS * WARMUP_PER_CLIENT} warm-up paths, then {count:,} "
                        f"measured (submit, accept, approve through {platform.gateway_url}; {how})")
    wall, cpu = run_together(platform, progress, PHASE, clients, name="hall", done=lambda: (
        f"{sum(len(client.latencies) for client in clients):,}/{count:,} paths done"))

    latencies = [seconds * 1000 for client in clients for seconds in client.latencies]
    errors = [error for client in clients for error in client.errors]
    steps: dict[str, list[float]] = defaultdict(list)
    for client in clients:
        for step, values in client.steps.items():
            steps[step].extend(seconds * 1000 for seconds in values)
    p50, p99 = (percentile(latencies, share) for share in (0.5, 0.99)) if latencies else (0.0, 0.0)
    rate = len(latencies) / wall if wall > 0 else 0.0
    summary = (f"{len(latencies):,} paths in {wall:.1f} s ({rate:,.1f} applications/s): path p50 {p50:.1f} ms, "
               f"p99 {p99:.1f} ms, max {max(latencies, default=0.0):.1f} ms; {len(errors)} errors")
    progress.say(PHASE, summary)
    progress.say(PHASE, cpu.describe())
    for step, values in steps.items():
        progress.say(PHASE, f"  {step:<14} p50 {percentile(values, 0.5):6.1f} ms  "
                            f"p99 {percentile(values, 0.99):6.1f} ms")
    if errors or len(latencies) != count:
        for error in errors[:SHOWN_ERRORS]:
            progress.say(PHASE, f"  error: {error}")
        raise ApplicationsFailed(f"{len(errors):,} errors, {len(latencies):,} of {count:,} paths completed "
                                 f"(first: {errors[0] if errors else 'none'}); not recorded: {summary}")
    results = {f"{name}_per_s": round(rate, 1), f"{name}_path_p50_ms": round(p50, 1),
               f"{name}_path_p99_ms": round(p99, 1)}
    details = {"clients": CLIENTS, "batch": batch, "paths": len(latencies), "warmup_paths": CLIENTS * WARMUP_PER_CLIENT,
               "errors": 0, "wall_s": round(wall, 2), "max_ms": round(max(latencies), 1), "cpu_s": cpu.used,
               "steps": {step: {"p50_ms": round(percentile(values, 0.5), 1),
                                "p99_ms": round(percentile(values, 0.99), 1)} for step, values in steps.items()},
               "application_ids": {path: client.application_ids[path] for client in clients
                                   for path in client.application_ids}}
    return results, details


def _verify(platform: BenchPlatform, progress: Progress, paths: list[Path], ids: dict[Path, int],
            policy_ids: list[int]) -> dict:
    """Every application the run made, read back from the application database and the gateway."""
    peek = platform.peek["application"]
    problems = []
    if len(ids) != len(paths):
        problems.append(f"{len(paths) - len(ids):,} paths have no application")
    rows = {row[0]: row[1:] for row in peek.rows(
        "SELECT a.id, a.stage, a.amount, a.policy_id, a.uscc, "
        "(SELECT count(*) FROM application_stages s WHERE s.application_id = a.id AND s.completed_at IS NULL), "
        "(SELECT group_concat(h.action, ',') FROM (SELECT action FROM application_history "
        " WHERE application_id = a.id ORDER BY id) h) FROM applications a")}
    wrong = []
    for path, application_id in ids.items():
        row = rows.get(application_id)
        if row is None:
            wrong.append(f"{application_id}: missing")
            continue
        stage, amount, policy_id, uscc, open_stages, actions = row
        if (stage, policy_id, uscc, open_stages, actions) != (PUBLIC_NOTICE, path.policy_id, path.uscc, 1,
                                                               "submit,accept,route,approve") \
                or _stored_yuan(amount) != path.amount:
            wrong.append(f"{application_id}: {stage} {amount} policy {policy_id} {uscc}, {open_stages} open "
                         f"stages, history {actions}")
    if wrong:
        problems.append(f"{len(wrong):,} applications not as expected (first: {wrong[0]})")
    committed = dict(peek.rows(f"SELECT policy_id, committed FROM budgets WHERE policy_id IN "
                               f"({', '.join('?' for _ in policy_ids)})", *policy_ids))
    owed: dict[int, Decimal] = defaultdict(Decimal)
    for path in paths:
        owed[path.policy_id] += path.amount
    for policy_id in policy_ids:
        if _stored_yuan(committed.get(policy_id, 0)) != owed[policy_id]:
            problems.append(f"policy {policy_id}: budget committed {committed.get(policy_id)}, owed {owed[policy_id]}")
    response = requests.get(f"{platform.gateway_url}{API}/applications", params={"status": PUBLIC_NOTICE, "limit": 1},
                            headers={"Authorization": f"Bearer {platform.admin_token}"}, timeout=REQUEST_TIMEOUT_S)
    listed = response.json().get("total") if response.status_code == 200 else None
    if listed != len(paths):
        problems.append(f"the gateway lists {listed} applications in public notice, expected {len(paths):,}")
    verdict = "MISMATCH: " + "; ".join(problems) if problems else "as expected"
    progress.say(PHASE, f"{len(ids):,} applications read back (database and GET /applications): {verdict}")
    if problems:
        raise ApplicationsFailed(verdict)
    return {"verdict": verdict, "approved_yuan": json_number(sum(owed.values(), Decimal("0.00")))}


def _yuan_of(answered) -> Decimal | None:
    """An amount as the gateway answers it: a JSON number with its exact digits."""
    return None if answered is None else exact(answered)


def _stored_yuan(stored) -> Decimal | None:
    """An amount as a Money column holds it: integer fen on SQLite, NUMERIC on PostgreSQL."""
    if stored is None:
        return None
    return Decimal(stored).scaleb(-2) if isinstance(stored, int) else exact(stored)
