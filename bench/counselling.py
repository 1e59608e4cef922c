"""`counselling_ledger_p99_ms` (with `_p50_ms`, `_max_ms`): one team's problem ledger (工作台账) through the
gateway, as its counsellor asks for it, with 100,000 problems of 108 teams in the counselling service's
database; `problem_scan_100k_ms` (with `_max`): the 24-hour scan over 100,000 open problems.

Setup (not timed). The ledger: 108 teams (12 province, 24 city, 72 county) and 100,000 enterprises with
their names are written straight into the running counselling service's SQLite database, then 100,000
problems spread evenly over the teams, raised over the last 60 days, 70% answered (half of those
resolved) with one to three responses each. The 3,000 counsellors are accounts of the accounts service,
27 or 28 a team, made by its `create` RPC (the gateway's `POST /api/v1/staff` without the HTTP hop and the
team check: the teams were written above) `ACCOUNT_BATCH` calls at a time; the measured team's first
counsellor's token asks for the ledger, so the gateway finds it among the 3,000. The scan: a fresh
counselling database of its own (no service), 100,000 problems without a first response, raised over the
last 23 hours but for 5% raised 24 to 30 hours ago (due), no alarm raised yet.

Timed: `REQUESTS` sequential `GET /api/v1/counselling/ledger?limit=50` (the first page, oldest first, and
every team rate in the counsellor's scope) after `WARMUP` untimed ones; the scan is
`problem_store.raise_due(session, now)` in one transaction, rolled back, `REPETITIONS` times after one
untimed warm-up (the median and the max): the SELECT of the due problems by `problems_next_alarm` and the
alarms of at most `problem_store.BATCH` of them.
"""
from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

import requests
from sqlalchemy import insert
from sqlalchemy.orm import Session

from bench.platform import BenchPlatform
from bench.progress import Progress
from services.counselling import problem_store
from services.counselling.domain import escalation
from services.counselling.models import enterprises, problems, responses, teams
from shared import clock, migrations
from shared.contracts.actors import Actor, Role
from shared.database import drop_database, engine_for

PHASE = "counselling"
PROBLEMS = 100_000
COUNSELLORS = 3_000
ACCOUNT_BATCH = 100     # create calls under way at once (the accounts service works 10 at a time)
TEAMS = (("province", 12), ("city", 24), ("county", 72))
COUNTIES = ("371602", "371603", "371621", "371622", "371623", "371625", "371681")
REQUESTS = 300
WARMUP = 20
REPETITIONS = 7
CHUNK = 10_000
SEED = 16


def _teams(now) -> list[dict]:
    made, number = [], 0
    for level, count in TEAMS:
        for index in range(count):
            number += 1
            made.append({"id": number, "name": f"第{number}辅导队", "level": level,
                         "county": COUNTIES[index % len(COUNTIES)] if level == "county" else None,
                         "created_at": now, "created_by": "bench"})
    return made


def _uscc(number: int) -> str:
    return f"91371600{number:09d}X"


def _fill(engine, now, *, answered_share: float, due_share: float, window_hours: float) -> dict:
    rng = random.Random(SEED)
    made = _teams(now)
    rows, replies, due = [], [], 0
    for number in range(1, PROBLEMS + 1):
        team = made[number % len(made)]
        if rng.random() < due_share:
            raised = now - timedelta(hours=rng.uniform(24.01, 30))
            due += 1
        else:
            raised = now - timedelta(hours=rng.uniform(0, window_hours))
        answered = rng.random() < answered_share
        first = raised + timedelta(hours=rng.uniform(1, 40)) if answered else None
        if first is not None and first > now:
            first = now
        status = "open" if not answered else rng.choice(("in_progress", "resolved"))
        rows.append({"id": number, "uscc": _uscc(number), "team_id": team["id"], "text": "企业融资难，需要协调",
                     "status": status, "raised_at": raised, "raised_by": "bench", "raised_role": "enterprise",
                     "first_answered_at": first,
                     "answered_in_time": None if first is None else escalation.answered_in_time(raised, first),
                     "resolved_at": first if status == "resolved" else None, "updated_at": first or raised,
                     "alarm_stage": 0,
                     "next_alarm_at": None if answered else escalation.next_alarm_at(raised, team["level"], 0)})
        for version in range(1, (rng.randint(1, 3) if answered else 0) + 1):
            replies.append({"problem_id": number, "version": version, "text": f"第{version}版落实措施",
                            "status": "in_progress" if version < 3 else status, "created_at": first,
                            "created_by": "bench"})
    with engine.begin() as connection:
        connection.execute(insert(teams), made)
        for start in range(0, PROBLEMS, CHUNK):
            connection.execute(insert(enterprises), [{"uscc": _uscc(number), "version": 1,
                                                      "name": f"滨州第{number}有限公司", "financing_interest": True}
                                                     for number in range(start + 1, start + CHUNK + 1)])
            connection.execute(insert(problems), rows[start:start + CHUNK])
        for start in range(0, len(replies), CHUNK):
            connection.execute(insert(responses), replies[start:start + CHUNK])
    return {"teams": len(made), "problems": PROBLEMS, "responses": len(replies), "due": due}


def _counsellors(platform: BenchPlatform, team_ids: list[int]) -> tuple[dict[int, str], float]:
    """`COUNSELLORS` counsellor accounts spread over the teams; each team's first counsellor's token, and the
    seconds it took."""
    admin = Actor(role=Role.city_admin, id="bench").model_dump(mode="json")
    tokens: dict[int, str] = {}
    started = time.perf_counter()
    for start in range(0, COUNSELLORS, ACCOUNT_BATCH):
        pending = [(team_ids[number % len(team_ids)],
                    platform.rpc.accounts.create.call_async("staff", f"辅导员{number + 1}号", admin, role="counsellor",
                                                            team_id=team_ids[number % len(team_ids)]))
                   for number in range(start, min(start + ACCOUNT_BATCH, COUNSELLORS))]
        for team_id, reply in pending:
            tokens.setdefault(team_id, reply.result()["token"])
    return tokens, time.perf_counter() - started


def _ledger(platform: BenchPlatform, progress: Progress) -> tuple[dict, dict]:
    now = clock.now()
    engine = engine_for(f"sqlite:///{platform.run_dir}/counselling.sqlite3", pool_size=1)
    try:
        filled = _fill(engine, now, answered_share=0.7, due_share=0.0, window_hours=60 * 24)
    finally:
        engine.dispose()
    platform.start_extra("gateway")
    try:
        team_id = 50   # a county team
        tokens, accounts_s = _counsellors(platform, list(range(1, filled["teams"] + 1)))
        ours = requests.Session()
        ours.headers["Authorization"] = f"Bearer {tokens[team_id]}"
        me = ours.get(f"{platform.gateway_url}/api/v1/me", timeout=30)
        me.raise_for_status()
        if me.json().get("team_id") != team_id:
            raise RuntimeError(f"the measured counsellor is not of team {team_id}: {me.text[:300]}")
        url = f"{platform.gateway_url}/api/v1/counselling/ledger"
        progress.say(PHASE, f"{filled['problems']:,} problems of {filled['teams']} teams written, {COUNSELLORS:,} "
                            f"counsellors made in {accounts_s:.1f} s; measuring the ledger of team {team_id}")
        timings = []
        for index in range(WARMUP + REQUESTS):
            started = time.perf_counter()
            answer = ours.get(url, params={"limit": 50}, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"ledger answered {answer.status_code}: {answer.text[:300]}")
            if index >= WARMUP:
                timings.append(elapsed)
        body = answer.json()
    finally:
        platform.stop_extra("gateway")
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return ({"counselling_ledger_p99_ms": round(p99, 1),
             "counselling_ledger_p50_ms": round(statistics.median(timings), 1),
             "counselling_ledger_max_ms": round(timings[-1], 1)},
            {**filled, "counsellors": COUNSELLORS, "counsellor_accounts_s": round(accounts_s, 1), "requests": REQUESTS,
             "team_problems": body["total"], "team_rates": body["teams"]})


def _scan(platform: BenchPlatform, progress: Progress, repetitions: int) -> tuple[dict, dict]:
    now = clock.now()
    url = f"sqlite:///{platform.run_dir}/counselling-scan.sqlite3"
    engine = engine_for(url, pool_size=1)
    try:
        migrations.migrate("counselling", url)
        filled = _fill(engine, now, answered_share=0.0, due_share=0.05, window_hours=23.9)
        progress.say(PHASE, f"{filled['problems']:,} open problems written, {filled['due']:,} past 24 hours")
        timings, raised = [], 0
        for index in range(repetitions + 1):
            with Session(engine) as session:
                started = time.perf_counter()
                raised = len(problem_store.raise_due(session, now))
                elapsed = (time.perf_counter() - started) * 1000
                session.rollback()
            if index:
                timings.append(elapsed)
    finally:
        engine.dispose()
        drop_database(url)
    if raised != min(problem_store.BATCH, filled["due"]):
        raise RuntimeError(f"the scan raised {raised} alarms; {min(problem_store.BATCH, filled['due'])} were due")
    return ({"problem_scan_100k_ms": round(statistics.median(timings), 1),
             "problem_scan_100k_ms_max": round(max(timings), 1)},
            {"scan_problems": filled["problems"], "scan_due": filled["due"], "alarms_per_pass": raised})


def run(platform: BenchPlatform, progress: Progress, *, repetitions: int = REPETITIONS) -> tuple[dict, dict]:
    results, details = _ledger(platform, progress)
    scanned, scan_details = _scan(platform, progress, repetitions)
    return {**results, **scanned}, {**details, **scan_details}
