"""`overdue_scan_100k_ms`: finding the overdue stages among 100,000 open applications; with
`raise_alarms_100k_ms` (the whole alarm pass, writes included) and `overdue_listing_100k_ms`.

Setup (not timed): a fresh application-service database, SQLite in the run's folder (and a fresh
PostgreSQL database when one answers at BENCH_POSTGRES, keys `..._pg_ms`), with the service's own
tables (`huiqi migrate`'s, `shared.migrations`), filled directly:
100,000 applications, each open in one stage with the stages before it completed (about 300,000
stage rows). Open stages are spread like a working hall's: 40% review, 23% disbursement, 15% public
notice, 12% acceptance, 5% returned and 3% confirmation (the enterprise's own time, no due time),
2% objection. Every due time is the end of a working day by the official calendar; 5% of those
with a due time are overdue by 1 to 8 working days, the rest fall due today or within the stage's
limit. No alarm has been raised yet (`alarmed_at` and `escalated_at` null). "Now" is fixed
(Wednesday 2026-11-25 10:00 UTC+8), so every run and every backend sees the same hall.

Timed, after one untimed warm-up, `REPETITIONS` times each (3 with `--quick`), median and max
recorded:
- the finding (`overdue_scan_100k_ms`): the very SELECT `hall.raise_alarms` runs, captured from
  one call of it (rolled back) with SQLAlchemy's `before_cursor_execute` and replayed as it was
  sent to the driver, all rows fetched. So the bench times what the service asks, never a copy;
- the whole pass (`raise_alarms_100k_ms`): `hall.raise_alarms(session, now, calendar)` in one transaction,
  committed (an alarm and the stage's mark for each overdue stage it takes, at most its `limit`
  longest overdue, and an escalation for each overdue by more than a working day); between
  repetitions the marks and alarms are cleared, untimed;
- the overdue listing (`overdue_listing_100k_ms`): `hall.listing(..., overdue=True)` for the
  window (every application), first page of 50 and the total.
The rows found, the alarms raised and the listing's total are checked against the bench's own
count of what it wrote. The query plans (EXPLAIN QUERY PLAN, EXPLAIN ANALYZE on PostgreSQL after
ANALYZE) are in the details, with whether the scan uses `stages_open_by_due`.
"""
from __future__ import annotations

import gc
import inspect
import os
import random
import statistics
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal

from sqlalchemy import delete, event, insert, text, update
from sqlalchemy.orm import Session

from bench.platform import BenchPlatform, CpuWindow
from bench.progress import Progress
from services.application import hall
from services.application.domain import deadlines
from services.application.domain.alarms import RESPONSIBLE
from services.application.domain.stages import DEFAULT_LIMITS
from services.application.models import alarms, applications, stages
from shared import migrations, workdays
from shared.clock import CHINA
from shared.contracts.actors import Actor, Role
from shared.contracts.applications import Stage
from shared.database import drop_database, engine_for

CALENDAR = workdays.seeded()
PHASE = "overdue_scan"
APPLICATIONS = 100_000
LABEL = "100k"
OVERDUE_SHARE = 0.05            # of the open stages that have a due time
MOST_OVERDUE_DAYS = 8           # working days
REPETITIONS = 7
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CHINA)
SEED = 25
INSERT_CHUNK = 10_000
INDEX = "stages_open_by_due"
BENCH_POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")

# the stage an application is open in, how often, and the stages it went through before
OPEN_STAGES = {
    Stage.review: (0.40, (Stage.acceptance, Stage.routing)),
    Stage.disbursement: (0.23, (Stage.acceptance, Stage.routing, Stage.review, Stage.public_notice)),
    Stage.public_notice: (0.15, (Stage.acceptance, Stage.routing, Stage.review)),
    Stage.acceptance: (0.12, ()),
    Stage.returned: (0.05, (Stage.acceptance, Stage.routing, Stage.review)),
    Stage.confirmation: (0.03, ()),
    Stage.objection: (0.02, (Stage.acceptance, Stage.routing, Stage.review, Stage.public_notice)),
}
DEPARTMENTS = ("industry_it", "science_tech", "hrss", "commerce", "agriculture", "finance_regulation", "finance",
               "market_regulation")
COUNTIES = ("371602", "371603", "371621", "371622", "371623", "371625", "371681")
POLICIES = 60
STAFF = {"role": "window_clerk", "id": "bench-clerk"}


class ScanMismatch(RuntimeError):
    """The scan found, raised or listed something else than the bench wrote."""


def run(platform: BenchPlatform, progress: Progress, *, repetitions: int = REPETITIONS) -> tuple[dict, dict]:
    hall_rows = _hall(random.Random(SEED))
    expected = _expected(hall_rows)
    # The bench holds some 440,000 row dicts; a full collection walking them (200 ms and more)
    # would land inside a timed call. The service's own heap is small: keep them out of the GC.
    gc.collect()
    gc.freeze()
    progress.say(PHASE, f"{APPLICATIONS:,} open applications, {len(hall_rows.stages):,} stage rows; "
                        f"{expected['overdue_open']:,} open stages overdue, {expected['overdue_responsible']:,} of "
                        f"them in a stage staff answer for; one pass (limit {expected['pass_limit']}) takes "
                        f"{expected['found']:,}, {expected['escalations']:,} of them due for escalation "
                        f"(now {NOW.isoformat()})")
    results: dict = {}
    details: dict = {"applications": APPLICATIONS, "stage_rows": len(hall_rows.stages), "now": NOW.isoformat(),
                     "expected": expected, "open_stages": dict(Counter(hall_rows.open_stage.values()))}
    backends = [("sqlite", f"sqlite:///{platform.run_dir}/overdue_scan.sqlite3", "")]
    postgres_url = f"{BENCH_POSTGRES}/huiqi_bench_{uuid.uuid4().hex[:8]}_application"
    if _postgres_answers():
        backends.append(("postgresql", postgres_url, "_pg"))
    else:
        progress.say(PHASE, f"PostgreSQL does not answer at {BENCH_POSTGRES}: SQLite only")
        details["postgresql"] = "not answering"
    try:
        for backend, url, suffix in backends:
            try:
                measured, about = _measure(platform, progress, backend, url, hall_rows, expected, repetitions)
            finally:
                if backend == "postgresql":
                    drop_database(url)
            results.update({key.replace("_100k_", f"_{LABEL}{suffix}_"): value for key, value in measured.items()})
            details[backend] = about
    finally:
        gc.unfreeze()
    details["repetitions"] = repetitions
    return results, details


class _Hall:
    def __init__(self):
        self.applications: list[dict] = []
        self.stages: list[dict] = []
        self.open_stage: dict[int, str] = {}


def _working_days_around(now: datetime) -> tuple[list[date], list[date]]:
    """Working days before today (most recent first) and from today on, by the official calendar."""
    today = now.astimezone(CHINA).date()
    before, after = [], []
    day = today
    while len(before) < MOST_OVERDUE_DAYS + 30:
        day -= timedelta(days=1)
        if CALENDAR.is_working_day(day):
            before.append(day)
    day = today
    while len(after) < 12:
        if CALENDAR.is_working_day(day):
            after.append(day)
        day += timedelta(days=1)
    return before, after


def _end_of(day: date) -> datetime:
    return datetime.combine(day, day_time(23, 59, 59), tzinfo=CHINA)


def _hall(rng: random.Random) -> _Hall:
    """Every row, made before any database is touched (the same hall for each backend)."""
    built = _Hall()
    before, after = _working_days_around(NOW)
    names = list(OPEN_STAGES)
    weights = [OPEN_STAGES[name][0] for name in names]
    limits = {stage.value: days for stage, days in DEFAULT_LIMITS.items()}
    stage_id = 0
    for application_id in range(1, APPLICATIONS + 1):
        open_stage = rng.choices(names, weights)[0]
        passed = OPEN_STAGES[open_stage][1]
        limit = DEFAULT_LIMITS.get(open_stage)
        if limit is None:
            due = None
            entered = NOW - timedelta(hours=rng.uniform(1, 24 * 15))
        elif rng.random() < OVERDUE_SHARE:
            due = _end_of(before[rng.randrange(MOST_OVERDUE_DAYS)])        # 1 to 8 working days late
            entered = due - timedelta(days=limit * 1.4 + rng.uniform(0.2, 1.0))
        else:
            due = _end_of(after[rng.randrange(limit + 1)])                  # today .. the limit from now
            entered = min(due - timedelta(days=limit * 1.4 + rng.uniform(0.2, 1.0)),
                          NOW - timedelta(minutes=rng.uniform(5, 600)))
        # the stages before the open one, completed back to back up to its entry
        moments = sorted(entered - timedelta(hours=rng.uniform(0.5, 72)) for _ in passed)
        created = moments[0] if moments else entered
        department = rng.choice(DEPARTMENTS)
        county_level = rng.random() < 0.15
        policy_id = rng.randrange(1, POLICIES + 1)
        uscc = f"9137{application_id:014d}"
        name = f"滨州基准测试企业{application_id:06d}有限公司"
        built.applications.append({
            "id": application_id, "policy_id": policy_id, "policy_title": f"基准测试政策{policy_id:03d}",
            "department": department, "level": "county" if county_level else "city",
            "county": rng.choice(COUNTIES) if county_level else None, "exclusive_group": None, "uscc": uscc,
            "enterprise_name": name, "proactive": open_stage == Stage.confirmation, "stage": open_stage.value,
            "returned_from": Stage.review.value if open_stage == Stage.returned else None,
            "amount": Decimal(rng.choice((10_000, 20_000, 50_000, 100_000))),
            "form": {"name": name, "employees": rng.randint(1, 500), "county": rng.choice(COUNTIES)},
            "material_list": [],
            "note": None, "stage_limits": limits, "created_by": STAFF, "created_at": created, "updated_at": entered,
            "open_key": f"{uscc}:{policy_id}"})
        for position, earlier in enumerate(passed):
            stage_id += 1
            finished = moments[position + 1] if position + 1 < len(moments) else entered
            built.stages.append({"id": stage_id, "application_id": application_id, "stage": earlier.value,
                                 "entered_at": moments[position],
                                 "due_at": CALENDAR.due_at(moments[position], DEFAULT_LIMITS[earlier]),
                                 "due_provisional": False, "completed_at": finished, "actor": STAFF, "alarmed_at": None,
                                 "escalated_at": None})
        stage_id += 1
        built.stages.append({"id": stage_id, "application_id": application_id, "stage": open_stage.value,
                             "entered_at": entered, "due_at": due, "due_provisional": False, "completed_at": None,
                             "actor": None, "alarmed_at": None, "escalated_at": None})
        built.open_stage[application_id] = open_stage.value
    return built


def _expected(built: _Hall) -> dict[str, int]:
    """What the scan must find, by the bench's own reading of the rows it made. One pass takes the
    `limit` (raise_alarms's own default) longest overdue: ties share a due time, hence whether
    they escalate, so the count of escalations among those taken is exact."""
    overdue = [row for row in built.stages if row["completed_at"] is None and row["due_at"] is not None
               and row["due_at"] < NOW]
    responsible = sorted((row for row in overdue if row["stage"] in RESPONSIBLE), key=lambda row: row["due_at"])
    limit = inspect.signature(hall.raise_alarms).parameters.get("limit")
    taken = responsible[:limit.default] if limit is not None and limit.default is not None else responsible
    escalations = sum(1 for row in taken if NOW > deadlines.escalation_at(CALENDAR, row["due_at"]))
    return {"overdue_open": len(overdue), "overdue_responsible": len(responsible),
            "pass_limit": None if limit is None else limit.default, "found": len(taken), "escalations": escalations,
            "alarms": len(taken) + escalations}


def _postgres_answers() -> bool:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    try:
        engine = create_engine(f"{BENCH_POSTGRES}/postgres", poolclass=NullPool, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "measure SQLite only"
        return False


def _measure(platform: BenchPlatform, progress: Progress, backend: str, url: str, built: _Hall,
             expected: dict[str, int], repetitions: int) -> tuple[dict, dict]:
    engine = engine_for(url, pool_size=2)
    try:
        started = time.monotonic()
        migrations.migrate("application", url)
        with engine.begin() as connection:
            for table, rows in ((applications, built.applications), (stages, built.stages)):
                for start in range(0, len(rows), INSERT_CHUNK):
                    connection.execute(insert(table), rows[start:start + INSERT_CHUNK])
        if backend == "postgresql":
            with engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
        progress.say(PHASE, f"{backend}: written in {time.monotonic() - started:.1f} s")
        platform.wait_for_quiet(PHASE)

        cpu = CpuWindow(platform).start()
        sql, parameters = _captured_scan(engine)
        found_ms, found_rows = _time_scan(engine, sql, parameters, repetitions)
        if found_rows != expected["found"]:
            raise ScanMismatch(f"{backend}: the scan found {found_rows:,} overdue stages, expected "
                               f"{expected['found']:,}")
        plan = _plan(engine, backend, sql, parameters)
        uses_index = INDEX in plan
        listing_ms, listed = _time_listing(engine, repetitions)
        if listed != expected["overdue_open"]:
            raise ScanMismatch(f"{backend}: the overdue listing counts {listed:,}, expected "
                               f"{expected['overdue_open']:,}")
        alarms_ms, raised = _time_raise_alarms(engine, repetitions)
        if raised != expected["alarms"]:
            raise ScanMismatch(f"{backend}: raise_alarms raised {raised:,} alarms, expected {expected['alarms']:,}")
        cpu.stop()
    finally:
        engine.dispose()

    def summary(values: list[float]) -> str:
        return f"median {statistics.median(values):.1f} ms, max {max(values):.1f} ms"

    progress.say(PHASE, f"{backend}: finding the {found_rows:,} overdue stages: {summary(found_ms)}; "
                        f"uses {INDEX}: {'yes' if uses_index else 'NO'}")
    progress.say(PHASE, f"{backend}: raise_alarms ({raised:,} alarms written): {summary(alarms_ms)}; "
                        f"overdue listing (total {listed:,}): {summary(listing_ms)}")
    for line in plan.splitlines()[:12]:
        progress.say(PHASE, f"  plan: {line}")
    results = {"overdue_scan_100k_ms": round(statistics.median(found_ms), 1),
               "overdue_scan_100k_max_ms": round(max(found_ms), 1),
               "raise_alarms_100k_ms": round(statistics.median(alarms_ms), 1),
               "raise_alarms_100k_max_ms": round(max(alarms_ms), 1),
               "overdue_listing_100k_ms": round(statistics.median(listing_ms), 1)}
    details = {"found": found_rows, "alarms_raised": raised, "listing_total": listed, "uses_index": uses_index,
               "scan_ms": [round(value, 1) for value in found_ms],
               "raise_alarms_ms": [round(value, 1) for value in alarms_ms],
               "listing_ms": [round(value, 1) for value in listing_ms], "plan": plan, "sql": sql,
               "cpu_s": cpu.used}
    return results, details


def _captured_scan(engine) -> tuple[str, object]:
    """The SELECT `hall.raise_alarms` sends to the driver, and its parameters (one call, rolled back)."""
    sent: list[tuple[str, object]] = []

    def capture(_connection, _cursor, statement, parameters, _context, _executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            session.begin()
            hall.raise_alarms(session, NOW, CALENDAR)
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    scans = [(statement, parameters) for statement, parameters in sent
             if statement.lstrip().upper().startswith("SELECT") and "alarmed_at" in statement]
    if not scans:
        raise RuntimeError("raise_alarms sent no SELECT naming alarmed_at: the bench no longer knows its scan")
    return scans[0]


def _time_scan(engine, sql: str, parameters, repetitions: int) -> tuple[list[float], int]:
    timings, found = [], 0
    with engine.connect() as connection:
        for repetition in range(repetitions + 1):
            began = time.perf_counter()
            rows = connection.exec_driver_sql(sql, parameters).fetchall()
            elapsed = (time.perf_counter() - began) * 1000
            connection.rollback()
            found = len(rows)
            if repetition:                      # the first is the warm-up
                timings.append(elapsed)
    return timings, found


def _time_listing(engine, repetitions: int) -> tuple[list[float], int]:
    timings, total = [], 0
    clerk = Actor(role=Role.window_clerk, id="bench-clerk")
    for repetition in range(repetitions + 1):
        with Session(engine) as session:
            began = time.perf_counter()
            page = hall.listing(session, NOW, actor=clerk, status=None, overdue=True, policy_id=None, limit=50,
                                offset=0)
            elapsed = (time.perf_counter() - began) * 1000
        total = page["total"]
        if repetition:
            timings.append(elapsed)
    return timings, total


def _time_raise_alarms(engine, repetitions: int) -> tuple[list[float], int]:
    timings, raised = [], 0
    for repetition in range(repetitions + 1):
        with Session(engine) as session, session.begin():      # untimed: the hall as before any alarm
            session.execute(delete(alarms))
            session.execute(update(stages).where(stages.c.completed_at.is_(None))
                            .values(alarmed_at=None, escalated_at=None))
        began = time.perf_counter()
        with Session(engine) as session, session.begin():
            raised = len(hall.raise_alarms(session, NOW, CALENDAR))
        elapsed = (time.perf_counter() - began) * 1000
        if repetition:
            timings.append(elapsed)
    return timings, raised


def _plan(engine, backend: str, sql: str, parameters) -> str:
    with engine.connect() as connection:
        if backend == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters).fetchall()
            plan = "\n".join(str(row[-1]) for row in rows)
        else:
            rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", parameters).fetchall()
            plan = "\n".join(str(row[0]) for row in rows)
        connection.rollback()
    return plan
