"""`evaluation_close_<n>k_s`: closing an evaluation round (三评) over the bench's world: at 100k,
100,000 enterprises, the 1,000 policies and every later phase's, their 2.6 million matches and as
many notifications, 100,000 ratings and 7,000 survey responses (10,000 and 700 at 10k).

Setup (not timed):
- the evaluation service has caught up with every event so far (`evaluation_facts`);
- through the gateway, as the city administrator: a round over the current half year (China
  time), equal dimension weights, sources 0.4 platform and 0.2 each for the others; its
  questionnaire (one question per dimension). The service tells every enterprise in scope
  (matched or applied in the period, `fact_store.scope`: the whole synced world) through
  SurveyOpened events of 1,000; the phase waits until the notification service has put each
  invitation in its inbox;
- the ratings: those `ratings` made through the gateway count (read back from the evaluation
  database), and the rest up to `ratings_total` are written here, with the stars and comments of
  `ratings.STARS`, on pushes drawn at random (`SEED`) among the world's that no one rated yet;
- `responses` survey answers by enterprises in scope drawn at random, one 1 to 5 per question;
- a self-assessment by every department of the round's policies and every county, and a
  third-party filing by each of `ASSESSORS` assessors for each of them.
These are written directly into the evaluation service's SQLite database while it runs (WAL; its
busy timeout makes the service wait for a batch's commit, as for any writer), by the service's own
functions, in transactions of `BATCH`: each rating by `rating_store.save` and, for 1 or 2 stars,
`rating_store.open_follow_up` due by `domain.follow_ups.due` over the service's calendar copy (what
`workflows.rate` does, without reading the answer back), after `domain.ratings.check_input` and one
query per batch that every push was a match the service kept (`check_push`'s fact); each response
and filing by `workflows.answer_survey`, `file_self_assessment` and `file_assessment` themselves,
with the respondent's or filer's actor. Why not through the gateway or RPC: 100,000 ratings at the
200 a second `ratings_per_s` targets take more than eight minutes; `workflows.rate` per rating
reads each one back (two more queries) at about 450 a second on this machine, the store's two
functions about 1,500.

Timed: `POST /api/v1/evaluations/{id}/close` through the gateway, from the request to its answer
(200, the round `closed`). The gateway gives up on an RPC after `settings().rpc_timeout_s` (10 s)
and answers 503 while the service goes on closing; then the figure is when the round is first seen
closed (`GET /api/v1/evaluations/{id}` every 0.1 s), recorded with `gateway_timed_out` in the
details, since the target is missed either way.

Checked afterwards (the phase fails otherwise): the results through the gateway list every policy
in force in the period (`period_store.round_policies` at the close's cut-off, and every policy of
the world among them), each with a score, a rank within its rank range and a platform source;
every department of those policies, with all four sources; every county filed for, with its self
and third-party sources (the synthetic policies are all city-level: no county has platform counts
or respondents); the platform counts kept with the results add up to the ratings in the period
(and their stars), and the questionnaire counts every response.
"""
from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import date

import requests
from sqlalchemy import func, select, tuple_
from sqlalchemy.engine import Connection, Engine

from bench import evaluation_facts
from bench.platform import BenchPlatform, CpuWindow
from bench.progress import Progress, wait_until
from bench.ratings import draw_comment, draw_stars
from bench.world import World
from services.evaluation import closing, fact_store, period_store, rating_store, round_store, workflows
from services.evaluation.domain import follow_ups as follow_up_rules
from services.evaluation.domain import ratings as rating_rules
from services.evaluation.domain import rounds
from services.evaluation.models import calendar_years, matches, policies, ratings, results, survey_responses
from shared import clock, workdays
from shared.calendar_register import arrangements
from shared.config import settings
from shared.contracts.actors import Actor, Role
from shared.contracts.evaluation import SURVEY_NOTICE_BATCH, Dimension, Source
from shared.contracts.gov import COUNTIES
from shared.database import engine_for

PHASE = "evaluation_close"
API = "/api/v1"
BATCH = 1_000
ASSESSORS = 2
SEED = 17
REQUEST_TIMEOUT_S = 600.0
POLL_S = 0.1
INVITING = "notification.on_survey_opened"   # the consumer that puts the questionnaire in inboxes
WEIGHTS = dict.fromkeys(Dimension, 0.2)
SOURCE_WEIGHTS = {Source.platform: 0.4, Source.self: 0.2, Source.survey: 0.2, Source.third_party: 0.2}
QUESTIONS = (
    ("本市发布的惠企政策是否覆盖贵企业的实际需求？", Dimension.supply_match),
    ("符合条件的政策是否及时推送到贵企业？", Dimension.push_coverage),
    ("贵企业是否顺利享受到了符合条件的政策？", Dimension.demand_enjoyment),
    ("政策兑现的金额和速度是否令您满意？", Dimension.redemption_satisfaction),
    ("部门对贵企业诉求和差评的回应是否及时？", Dimension.feedback_responsiveness),
)
# the sources every unit of a kind has a score from: a policy matching few enterprises may have no respondent,
# and the synthetic policies are all city-level, so a county has only its filings
SOURCES_EXPECTED = {"policy": (Source.platform,), "department": tuple(Source),
                    "county": (Source.self, Source.third_party)}
ANSWERS = {5: 0.35, 4: 0.35, 3: 0.18, 2: 0.08, 1: 0.04}


class CloseFailed(RuntimeError):
    """The setup or the close went wrong, or the results are not consistent."""


def run(platform: BenchPlatform, progress: Progress, world: World, *, label: str, ratings_total: int,
        responses: int) -> tuple[dict, dict]:
    rng = random.Random(SEED)
    evaluation_facts.caught_up(platform, progress, PHASE, enterprises=len(world))
    engine = engine_for(settings().database_url_for(evaluation_facts.SERVICE), pool_size=2)
    platform.start_extra("gateway")
    try:
        with requests.Session() as admin:
            admin.headers["Authorization"] = f"Bearer {platform.admin_token}"
            started_setup = time.monotonic()
            handled_before = platform.peek["notification"].handled(INVITING)
            evaluation_id, period = _open_round(platform, progress, admin)
            invited = _wait_for_invitations(platform, progress, engine, evaluation_id, period, handled_before)
            made = _load_ratings(progress, engine, world, ratings_total, rng)
            answered = _load_responses(progress, engine, world, evaluation_id, responses, rng)
            filed = _load_filings(progress, engine, evaluation_id, period, rng)
            progress.say(PHASE, f"setup in {time.monotonic() - started_setup:.1f} s")
            platform.wait_for_quiet(PHASE)
            seconds, timed_out, cpu = _close(platform, progress, admin, evaluation_id)
            details = _verify(platform, progress, admin, engine, world, evaluation_id, ratings_total, responses)
    finally:
        platform.stop_extra("gateway")
        engine.dispose()
    details.update(evaluation_id=evaluation_id, period=[day.isoformat() for day in period], invited=invited,
                   ratings=made, responses=answered, filings=filed, gateway_timed_out=timed_out, cpu_s=cpu.used,
                   cpu=cpu.describe())
    return {f"evaluation_close_{label}_s": round(seconds, 2)}, details


def _half_year(today: date) -> tuple[date, date, str]:
    first = today.month <= 6
    start, end = (date(today.year, 1, 1), date(today.year, 6, 30)) if first else \
        (date(today.year, 7, 1), date(today.year, 12, 31))
    return start, end, f"{today.year}年{'上' if first else '下'}半年惠企政策落实三评（基准测试）"


def _ok(response: requests.Response, status: int, what: str) -> dict:
    if response.status_code != status:
        raise CloseFailed(f"{what}: HTTP {response.status_code}: {response.text[:300]}")
    return response.json()


def _post_to_round(platform: BenchPlatform, progress: Progress, admin: requests.Session, evaluation_id: int,
                   action: str, body: dict | None, what: str, done) -> tuple[float, bool]:
    """POST `/evaluations/{id}/<action>`: the seconds until it answered 200, or, when the gateway gave up waiting
    for the service first (503 after its RPC timeout) while the service goes on, until the round read back is
    `done(round)`; and whether the gateway gave up."""
    url = f"{platform.gateway_url}{API}/evaluations/{evaluation_id}"
    began = time.perf_counter()
    response = admin.post(f"{url}/{action}", json=body, timeout=REQUEST_TIMEOUT_S)
    seconds = time.perf_counter() - began
    if response.status_code != 503:
        if not done(_ok(response, 200, what)):
            raise CloseFailed(f"{what}: answered {response.text[:300]}")
        return seconds, False
    progress.say(PHASE, f"{what}: the gateway answered 503 after {seconds:.1f} s (its RPC timeout is "
                        f"{settings().rpc_timeout_s:g} s); reading the round until it is done: {response.text[:200]}")
    while not done(_ok(admin.get(url, timeout=60), 200, "reading the round")):
        if time.perf_counter() - began > REQUEST_TIMEOUT_S:
            raise CloseFailed(f"{what}: not done after {REQUEST_TIMEOUT_S:.0f} s")
        platform.check()
        time.sleep(POLL_S)
    return time.perf_counter() - began, True


def _open_round(platform: BenchPlatform, progress: Progress, admin: requests.Session) -> tuple[int, tuple[date, date]]:
    start, end, name = _half_year(clock.today_in_china())
    opened = _ok(admin.post(f"{platform.gateway_url}{API}/evaluations", timeout=60, json={
        "name": name, "period_start": start.isoformat(), "period_end": end.isoformat(),
        "weights": {str(key): value for key, value in WEIGHTS.items()},
        "source_weights": {str(key): value for key, value in SOURCE_WEIGHTS.items()}}), 201, "opening the round")
    evaluation_id = opened["id"]
    seconds, _ = _post_to_round(
        platform, progress, admin, evaluation_id, "survey",
        {"questions": [{"text": question, "dimension": str(dimension)} for question, dimension in QUESTIONS]},
        "setting the questionnaire", lambda found: found.get("survey") is not None)
    progress.say(PHASE, f"round {evaluation_id} ({name}, {start} to {end}) opened and its questionnaire set "
                        f"through the gateway ({seconds:.1f} s)")
    return evaluation_id, (start, end)


def _wait_for_invitations(platform: BenchPlatform, progress: Progress, engine: Engine, evaluation_id: int,
                          period: tuple[date, date], handled_before: int) -> int:
    """Until the notification service has handled every SurveyOpened of the round (`handled_before` those it had
    handled before the questionnaire was set); the enterprises invited."""
    with engine.connect() as connection:
        scope = len(fact_store.scope(connection, *rounds.period_instants(*period)))
    events = -(-scope // SURVEY_NOTICE_BATCH)
    notification = platform.peek["notification"]
    started = time.monotonic()
    wait_until(lambda: notification.handled(INVITING) - handled_before, lambda done: done >= events,
               progress=progress, phase=PHASE, describe=lambda done: f"{done}/{events} SurveyOpened events handled",
               started=started, check=platform.check, poll_s=0.2, stall_s=120)
    invited = notification.scalar("SELECT count(*) FROM notifications WHERE kind = 'survey' AND subject_id = ?",
                                  evaluation_id)
    if invited != scope:
        raise CloseFailed(f"{invited:,} enterprises invited to the questionnaire, {scope:,} are in scope")
    progress.say(PHASE, f"{invited:,} enterprises in scope found the questionnaire in their inbox "
                        f"({events} events, {time.monotonic() - started:.1f} s)")
    return invited


def _load_ratings(progress: Progress, engine: Engine, world: World, total: int, rng: random.Random) -> dict:
    """The ratings beyond those made through the gateway, up to `total` (module docstring)."""
    started = time.monotonic()
    with engine.connect() as connection:
        rated = set(connection.execute(select(ratings.c.uscc, ratings.c.policy_id)).tuples())
        known = {row.policy_id: row._mapping for row in connection.execute(select(policies))}
        calendar = workdays.WorkingCalendar(arrangements(connection, calendar_years))
    wanted = total - len(rated)
    if wanted < 0:
        raise CloseFailed(f"{len(rated):,} ratings exist already, more than the {total:,} of the round")
    pushed = sorted(uscc for uscc, policy_ids in world.notified.items() if policy_ids)
    if sum(len(world.notified[uscc]) for uscc in pushed) < total:
        raise CloseFailed(f"the world has fewer than {total:,} pushes to rate")
    chosen: list[tuple[str, int]] = []
    taken = set(rated)
    while len(chosen) < wanted:
        uscc = rng.choice(pushed)
        pair = (uscc, rng.choice(sorted(world.notified[uscc])))
        if pair not in taken:
            taken.add(pair)
            chosen.append(pair)
    follow_ups = 0
    for first in range(0, wanted, BATCH):
        batch = chosen[first:first + BATCH]
        with engine.begin() as connection:
            matched = connection.execute(select(func.count()).select_from(matches).where(
                matches.c.first_matched_at.is_not(None), tuple_(matches.c.policy_id, matches.c.uscc).in_(
                    [(policy_id, uscc) for uscc, policy_id in batch]))
            ).scalar_one()
            if matched != len(batch):
                raise CloseFailed(f"{len(batch) - matched} of the pushes to rate are no match the evaluation "
                                  "service kept")
            for uscc, policy_id in batch:
                checked = rating_rules.check_input("push", policy_id=policy_id, stars=draw_stars(rng),
                                                   comment=draw_comment(rng))
                now = clock.now()
                rating_id = rating_store.save(connection, uscc=uscc, subject=checked.subject, policy=known[policy_id],
                                              application_id=None, stars=checked.stars, comment=checked.comment,
                                              now=now)
                if rating_rules.opens_follow_up(checked.stars, False):
                    rating_store.open_follow_up(connection, rating_id, follow_up_rules.due(calendar, now), now)
                    follow_ups += 1
        if first // BATCH % 20 == 19:
            progress.say(PHASE, f"{first + len(batch):,}/{wanted:,} ratings written "
                                f"({time.monotonic() - started:.1f} s)")
    seconds = time.monotonic() - started
    progress.say(PHASE, f"{len(rated):,} ratings made through the gateway, {wanted:,} written in {seconds:.1f} s "
                        f"({wanted / seconds if seconds else 0:,.0f} a second), {follow_ups:,} of them opening a "
                        "follow-up")
    return {"through_gateway": len(rated), "written": wanted, "follow_ups_written": follow_ups,
            "write_s": round(seconds, 1)}


def _load_responses(progress: Progress, engine: Engine, world: World, evaluation_id: int, count: int,
                    rng: random.Random) -> int:
    """`count` enterprises in scope answer the questionnaire, through `workflows.answer_survey`."""
    started = time.monotonic()
    respondents = rng.sample(sorted(uscc for uscc, policy_ids in world.notified.items() if policy_ids), count)
    for first in range(0, count, BATCH):
        with engine.begin() as connection:
            for uscc in respondents[first:first + BATCH]:
                answers = [rng.choices(list(ANSWERS), weights=list(ANSWERS.values()))[0] for _ in QUESTIONS]
                workflows.answer_survey(connection, Actor(role=Role.enterprise, id=f"bench-{uscc}", uscc=uscc),
                                        evaluation_id, answers, clock.now())
    progress.say(PHASE, f"{count:,} survey responses written in {time.monotonic() - started:.1f} s")
    return count


def _load_filings(progress: Progress, engine: Engine, evaluation_id: int, period: tuple[date, date],
                  rng: random.Random) -> dict:
    """A self-assessment by every department of the round's policies and every county; third-party filings."""
    start, end = rounds.period_instants(*period)
    with engine.begin() as connection:
        departments = sorted({policy.department for policy in period_store.round_policies(connection, start, end)})
        units = [("department", code) for code in departments] + [("county", code) for code in sorted(COUNTIES)]
        for kind, unit in units:
            staff = (Actor(role=Role.department_staff, id=f"bench-{unit}", department=unit) if kind == "department"
                     else Actor(role=Role.county_staff, id=f"bench-{unit}", county=unit))
            workflows.file_self_assessment(connection, staff, evaluation_id, unit=unit, scores_=_scores(rng),
                                           evidence="年度政策落实工作总结（基准测试）", now=clock.now())
            for number in range(ASSESSORS):
                workflows.file_assessment(connection, Actor(role=Role.assessor, id=f"bench-assessor-{number}"),
                                          evaluation_id, unit_kind=kind, unit=unit, scores_=_scores(rng),
                                          evidence="抽样回访与材料核查记录（基准测试）", now=clock.now())
    progress.say(PHASE, f"self-assessments and {ASSESSORS} third-party filings for {len(departments)} departments "
                        f"and {len(COUNTIES)} counties written")
    return {"departments": len(departments), "counties": len(COUNTIES), "assessors": ASSESSORS}


def _scores(rng: random.Random) -> dict[str, float]:
    return {str(dimension): round(rng.uniform(60, 95), 1) for dimension in Dimension}


def _close(platform: BenchPlatform, progress: Progress, admin: requests.Session,
           evaluation_id: int) -> tuple[float, bool, CpuWindow]:
    """The timed close: request to answer, or to the round seen closed when the gateway gave up first."""
    progress.say(PHASE, f"closing round {evaluation_id}: POST {API}/evaluations/{evaluation_id}/close")
    cpu = CpuWindow(platform).start()
    seconds, timed_out = _post_to_round(platform, progress, admin, evaluation_id, "close", None, "closing the round",
                                        lambda found: found.get("status") == "closed")
    cpu.stop()
    progress.say(PHASE, f"round {evaluation_id} closed in {seconds:.2f} s"
                        + (" (seen closed after the gateway's 503)" if timed_out else ""))
    progress.say(PHASE, cpu.describe())
    return seconds, timed_out, cpu


def _verify(platform: BenchPlatform, progress: Progress, admin: requests.Session, engine: Engine, world: World,
            evaluation_id: int, ratings_total: int, responses: int) -> dict:
    answer = _ok(admin.get(f"{platform.gateway_url}{API}/evaluations/{evaluation_id}/results", timeout=60), 200,
                 "reading the results")
    problems: list[str] = []
    with engine.connect() as connection:
        expected = _expected_units(connection, evaluation_id)
        kept = [row.outcomes for row in connection.execute(select(results.c.outcomes).where(
            results.c.evaluation_id == evaluation_id, results.c.unit_kind == "policy"))]
        in_period, stars = connection.execute(select(func.count(), func.coalesce(func.sum(ratings.c.stars), 0))).one()
        responded = connection.execute(select(func.count()).select_from(survey_responses)
                                       .where(survey_responses.c.evaluation_id == evaluation_id)).scalar_one()
    for kind, listed in (("policy", "policies"), ("department", "departments"), ("county", "counties")):
        entries = answer.get(listed) or []
        units = {entry["unit"] for entry in entries}
        if units != expected[kind]:
            problems.append(f"{listed}: {len(units - expected[kind])} listed beyond those expected, "
                            f"{len(expected[kind] - units)} missing of {len(expected[kind]):,}")
        for entry in entries:
            best, worst = entry.get("rank_range") or (None, None)
            if entry["score"] is None or entry["rank"] is None or best is None or not best <= entry["rank"] <= worst:
                problems.append(f"{listed} {entry['unit']}: score {entry['score']}, rank {entry['rank']}, "
                                f"range {entry.get('rank_range')}")
                break
            if any(entry["sources"].get(str(source)) is None for source in SOURCES_EXPECTED[kind]):
                problems.append(f"{listed} {entry['unit']}: a source without a score: {entry['sources']}")
                break
    missing_world = {str(policy_id) for policy_id in world.rules} - expected["policy"]
    if missing_world:
        problems.append(f"{len(missing_world)} of the world's policies are not in force in the period")
    counted = (sum(found.get("ratings", 0) for found in kept), sum(found.get("stars", 0) for found in kept))
    if in_period != ratings_total or counted != (in_period, stars):
        problems.append(f"the results count {counted[0]:,} ratings ({counted[1]:,} stars); the service holds "
                        f"{in_period:,} ({stars:,} stars), the round has {ratings_total:,}")
    if responded != responses:
        problems.append(f"{responded:,} survey responses held, {responses:,} written")
    sizes = {listed: len(answer.get(listed) or []) for listed in ("policies", "departments", "counties")}
    verdict = "MISMATCH: " + "; ".join(problems) if problems else "as expected"
    progress.say(PHASE, f"results: {sizes['policies']:,} policies, {sizes['departments']} departments, "
                        f"{sizes['counties']} counties; {counted[0]:,} ratings counted: {verdict}")
    if problems:
        raise CloseFailed(verdict)
    first = (answer.get("departments") or [{}])[0]
    return {"verdict": verdict, "entries": sizes, "ratings_counted": counted[0],
            "first_department": {key: first.get(key) for key in ("unit", "score", "rank", "rank_range")}}


def _expected_units(connection: Connection, evaluation_id: int) -> dict[str, set[str]]:
    """Every unit the round must list, from the service's own facts at the close's cut-off."""
    found = round_store.row(connection, evaluation_id)
    start, end = closing.cutoff(found, found.closed_at)
    listed = period_store.round_policies(connection, start, end)
    units: dict[str, set[str]] = defaultdict(set)
    units["policy"] = {str(policy.policy_id) for policy in listed}
    units["department"] = {policy.department for policy in listed}
    units["county"] = set(COUNTIES)
    return units
