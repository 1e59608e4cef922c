"""The facts the evaluation service keeps from the bus, and the journal of the events they came from.

Every `apply_*` function takes events already claimed in the inbox and merges them into the fact
tables so that their order does not matter: a time kept is the earliest or the latest seen, a policy
or an enterprise takes the fields of its newest version. Two lanes and several queues feed these
tables at once, and a replay of the journal (`huiqi evaluation-replay`) gives the same rows.
Fact times are the events' `occurred_at` (when it happened), never when the event was handled.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, update

from services.evaluation.domain.indicators import PROBLEM_ANSWER_HOURS
from services.evaluation.models import (
    applications,
    calendar_years,
    counselling_plans,
    counselling_problems,
    enterprise_interests,
    enterprises,
    matches,
    notices_delivered,
    notices_read,
    policies,
    policy_interests,
    questions,
    source_events,
    stage_results,
)
from shared import calendar_register, workdays
from shared.contracts.applications import STAFF_STAGES, Stage
from shared.contracts.events import (
    EVENTS,
    ApplicationChanged,
    CalendarLoaded,
    EnterpriseSnapshot,
    EnterprisesTagged,
    MatchesChanged,
    NotificationRead,
    NotificationsDelivered,
    PlanChanged,
    PlatformEvent,
    PolicyChanged,
    PolicyExpired,
    PolicyInForce,
    PolicyWithdrawn,
    ProblemEvent,
    ProblemResolved,
    QuestionAnswered,
    QuestionAsked,
)
from shared.database import (
    SessionOrConnection,
    database_time,
    dialect_of,
    driver_connection,
    execute_rows,
    fast_insert,
    insert_ignoring_duplicates,
)
from shared.errors import NotFound
from shared.store import utcnow
from shared.topology import event_type_of

INTEREST = "interest."
_CHUNK = 500   # keys per IN (...) list


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _earliest(dialect: str, column: str, table: str) -> str:
    least = "MIN" if dialect == "sqlite" else "LEAST"
    return f"{column} = {least}(COALESCE({table}.{column}, excluded.{column}), excluded.{column})"


def _latest(dialect: str, column: str, table: str) -> str:
    greatest = "MAX" if dialect == "sqlite" else "GREATEST"
    return f"{column} = {greatest}(COALESCE({table}.{column}, excluded.{column}), excluded.{column})"


# --- the journal ------------------------------------------------------------------------------------

def reduced(routing_key: str, event: PlatformEvent) -> PlatformEvent:
    """`event` without the fields this service never reads (an enterprise's profile, match titles and
    versions): what the journal keeps. Still a valid event of its type."""
    if isinstance(event, EnterprisesTagged):
        return event.model_copy(update={"enterprises": [
            snapshot.model_copy(update={"facts": {}, "tags": [tag for tag in snapshot.tags
                                                              if tag.startswith(INTEREST)]})
            for snapshot in event.enterprises]})
    if isinstance(event, MatchesChanged):
        return event.model_copy(update={"titles": {}, "policy_versions": {}, "profile_versions": {}})
    return event


def keep(session: SessionOrConnection, items: Sequence[tuple[str, PlatformEvent]]) -> None:
    """Journal `(routing_key, event)` pairs, reduced, in the transaction that applies them."""
    if not items:
        return
    now = utcnow()
    session.execute(insert_ignoring_duplicates(dialect_of(session), source_events), [
        {"event_id": event.event_id, "routing_key": routing_key,
         "body": reduced(routing_key, event).model_dump_json(), "kept_at": now}
        for routing_key, event in items])


def journal(session: SessionOrConnection, *, after_id: int = 0, limit: int = 1000) -> list:
    """Journal rows in the order they were kept, from `after_id` on."""
    return session.execute(select(source_events.c.id, source_events.c.routing_key, source_events.c.body)
                           .where(source_events.c.id > after_id).order_by(source_events.c.id)
                           .limit(limit)).all()


# --- policies --------------------------------------------------------------------------------------

def apply_policy_changes(session: SessionOrConnection, events: Sequence[PolicyChanged]) -> int:
    """Keep each policy's latest fields (a newer version wins), when it was first in force, when it ended."""
    changed = 0
    for event in events:
        current = session.execute(select(policies.c.version, policies.c.published_at, policies.c.ended_at)
                                  .where(policies.c.policy_id == event.policy_id)).first()
        if isinstance(event, PolicyInForce):
            fields = {"version": event.version, "title": event.title, "department": event.department,
                      "department_name": getattr(event, "department_name", None), "level": event.level,
                      "county": event.county, "redeemable": event.redeemable, "proactive": event.proactive,
                      "tags_used": sorted(event.tags_used)}
            interests = sorted({tag for tag in event.tags_used if tag.startswith(INTEREST)})
            if current is None:
                session.execute(policies.insert().values(policy_id=event.policy_id, published_at=event.occurred_at,
                                                         ended_at=None, **fields))
                _replace_interests(session, event.policy_id, interests)
            else:
                values = {}
                if event.version >= current.version:
                    values.update(fields)
                    _replace_interests(session, event.policy_id, interests)
                if current.published_at is None or event.occurred_at < current.published_at:
                    values["published_at"] = event.occurred_at
                if values:
                    session.execute(update(policies).where(policies.c.policy_id == event.policy_id).values(**values))
            changed += 1
        elif isinstance(event, PolicyWithdrawn | PolicyExpired):
            if current is None:
                continue   # never heard in force: nothing in any round
            if current.ended_at is None or event.occurred_at < current.ended_at:
                session.execute(update(policies).where(policies.c.policy_id == event.policy_id)
                                .values(ended_at=event.occurred_at))
                changed += 1
        # policy.started says nothing new here: the policy was in force since it was published
    return changed


def policy(session: SessionOrConnection, policy_id: int):
    """The policy as its events told it; NotFound when none was ever in force."""
    found = session.execute(select(policies).where(policies.c.policy_id == policy_id)).first()
    if found is None:
        raise NotFound(f"no policy {policy_id} in force is known to the evaluation service", {"policy_id": policy_id})
    return found


def _replace_interests(session: SessionOrConnection, policy_id: int, tags: list[str]) -> None:
    session.execute(delete(policy_interests).where(policy_interests.c.policy_id == policy_id))
    if tags:
        session.execute(policy_interests.insert(), [{"policy_id": policy_id, "tag": tag} for tag in tags])


# --- enterprises' interests ------------------------------------------------------------------------

def apply_tagged(session: SessionOrConnection, events: Sequence[EnterprisesTagged]) -> int:
    """Keep each enterprise's declared interests (`interest.*` tags) as of its newest version."""
    newest: dict[str, EnterpriseSnapshot] = {}
    for event in events:
        for snapshot in event.enterprises:
            if snapshot.uscc not in newest or snapshot.version > newest[snapshot.uscc].version:
                newest[snapshot.uscc] = snapshot
    if not newest:
        return 0
    known: dict[str, int] = {}
    for chunk in _chunks(list(newest)):
        known.update(session.execute(select(enterprises.c.uscc, enterprises.c.version)
                                     .where(enterprises.c.uscc.in_(chunk))).all())
    fresh = [snapshot for uscc, snapshot in newest.items() if uscc not in known or snapshot.version > known[uscc]]
    if not fresh:
        return 0
    added = [snapshot.uscc for snapshot in fresh if snapshot.uscc not in known]
    raised = [snapshot for snapshot in fresh if snapshot.uscc in known]
    if added:
        fast_insert(session, enterprises, ("uscc", "version"),
                    [(snapshot.uscc, snapshot.version) for snapshot in fresh if snapshot.uscc not in known])
    if raised:
        by_key = enterprises.c.uscc == bindparam("key")
        session.execute(update(enterprises).where(by_key).values(version=bindparam("v")),
                        [{"key": snapshot.uscc, "v": snapshot.version} for snapshot in raised],
                        execution_options={"synchronize_session": False})
        for chunk in _chunks([snapshot.uscc for snapshot in raised]):
            session.execute(delete(enterprise_interests).where(enterprise_interests.c.uscc.in_(chunk)))
    fast_insert(session, enterprise_interests, ("uscc", "tag"),
                [(snapshot.uscc, tag) for snapshot in fresh
                 for tag in sorted({tag for tag in snapshot.tags if tag.startswith(INTEREST)})])
    return len(fresh)


# --- matches ---------------------------------------------------------------------------------------

_ENTERPRISE = itemgetter(1)   # a row's uscc


def apply_matches(session: SessionOrConnection, events: Sequence[MatchesChanged]) -> tuple[int, int]:
    """Keep, for each (policy, enterprise), the earliest and latest match and the latest unmatch seen.
    How many matches and unmatches the events carried."""
    _connection, dialect, _mark = driver_connection(session)
    matched = unmatched = 0
    for event in events:
        at = database_time(dialect, event.occurred_at)
        # in the table's key order (enterprise first): each upsert lands beside the one before (an eighth
        # less CPU than in the event's order, policy by policy, on the 100k sync's events); each pair
        # once, as one PostgreSQL statement may update a row only once (`execute_rows`)
        rows = sorted({(policy_id, uscc, at, at) for policy_id, usccs in event.matched.items() for uscc in usccs},
                      key=_ENTERPRISE)
        execute_rows(session, "INSERT INTO matches (policy_id, uscc, first_matched_at, last_matched_at) {rows} "
                              "ON CONFLICT (policy_id, uscc) DO UPDATE SET "
                              f"{_earliest(dialect, 'first_matched_at', 'matches')}, "
                              f"{_latest(dialect, 'last_matched_at', 'matches')}",
                     matches, ("policy_id", "uscc", "first_matched_at", "last_matched_at"), rows)
        matched += len(rows)
        rows = sorted({(policy_id, uscc, at) for policy_id, usccs in event.unmatched.items() for uscc in usccs},
                      key=_ENTERPRISE)
        execute_rows(session, "INSERT INTO matches (policy_id, uscc, last_unmatched_at) {rows} "
                              "ON CONFLICT (policy_id, uscc) DO UPDATE SET "
                              f"{_latest(dialect, 'last_unmatched_at', 'matches')}",
                     matches, ("policy_id", "uscc", "last_unmatched_at"), rows)
        unmatched += len(rows)
    return matched, unmatched


def ever_matched(session: SessionOrConnection, policy_id: int, uscc: str) -> bool:
    """Whether the enterprise was ever matched to the policy (so it received the push)."""
    return session.execute(select(matches.c.first_matched_at).where(
        matches.c.policy_id == policy_id, matches.c.uscc == uscc, matches.c.first_matched_at.is_not(None))).first() \
        is not None


# --- notices ---------------------------------------------------------------------------------------

def apply_notices(session: SessionOrConnection, delivered: Sequence[NotificationsDelivered],
                  read: Sequence[NotificationRead]) -> tuple[int, int]:
    dialect = dialect_of(session)
    # a bulk sync's event counts pushes for about every published policy: tuples through the driver
    rows = []
    for event in delivered:
        at = database_time(dialect, event.occurred_at)
        rows.extend((event.event_id, policy_id, event.kind, count, at) for policy_id, count in event.counts.items())
    fast_insert(session, notices_delivered, ("event_id", "policy_id", "kind", "count", "delivered_at"), rows,
                ignore_duplicates=True)
    rows = [{"notification_id": event.notification_id, "uscc": event.uscc, "kind": event.kind,
             "policy_id": event.policy_id, "evaluation_id": event.evaluation_id, "read_at": event.read_at}
            for event in read]
    if rows:
        session.execute(insert_ignoring_duplicates(dialect, notices_read), rows)
    return sum(len(event.counts) for event in delivered), len(read)


# --- applications ----------------------------------------------------------------------------------

def apply_application_moves(session: SessionOrConnection, events: Sequence[ApplicationChanged]) -> int:
    """Keep each application's latest stage and when it was submitted, completed or rejected, and every
    stage left that had a due time."""
    dialect = dialect_of(session)
    for event in events:
        at = event.occurred_at
        current = session.execute(select(applications).where(
            applications.c.application_id == event.application_id)).first()
        staff_due = event.due_at if event.to_stage in STAFF_STAGES else None
        completed = at if event.to_stage == Stage.completed else None
        rejected = at if event.to_stage == Stage.rejected else None
        if current is None:
            session.execute(applications.insert().values(
                application_id=event.application_id, policy_id=event.policy_id, uscc=event.uscc,
                department=event.department, proactive=event.proactive, stage=event.to_stage, stage_due_at=staff_due,
                moved_at=at,
                submitted_at=at, completed_at=completed, rejected_at=rejected))
        else:
            values: dict = {}
            if at >= current.moved_at:
                values.update(stage=event.to_stage, stage_due_at=staff_due, moved_at=at)
            if at < current.submitted_at:
                values["submitted_at"] = at
            if event.department and not current.department:
                values["department"] = event.department
            if event.proactive and not current.proactive:
                values["proactive"] = True
            if completed and (current.completed_at is None or completed < current.completed_at):
                values["completed_at"] = completed
            if rejected and (current.rejected_at is None or rejected < current.rejected_at):
                values["rejected_at"] = rejected
            if values:
                session.execute(update(applications)
                                .where(applications.c.application_id == event.application_id).values(**values))
        if event.from_stage and event.left_stage_due_at is not None:
            session.execute(insert_ignoring_duplicates(dialect, stage_results), {
                "event_id": event.event_id, "application_id": event.application_id, "policy_id": event.policy_id,
                "stage": event.from_stage, "left_at": at, "due_at": event.left_stage_due_at})
    return len(events)


def application(session: SessionOrConnection, application_id: int):
    """The application as its moves told it, with its policy's fields where the policy is known."""
    return session.execute(select(applications).where(applications.c.application_id == application_id)).first()


# --- questions -------------------------------------------------------------------------------------

def apply_questions(session: SessionOrConnection, events: Sequence[QuestionAsked | QuestionAnswered]) -> int:
    for event in events:
        current = session.execute(select(questions).where(questions.c.question_id == event.question_id)).first()
        asked = isinstance(event, QuestionAsked)
        if current is None:
            session.execute(questions.insert().values(
                question_id=event.question_id, policy_id=event.policy_id, department=event.department,
                uscc=event.uscc, due_at=event.due_at, asked_at=event.occurred_at if asked else None,
                answered_at=None if asked else event.occurred_at))
            continue
        values: dict = {}
        if event.due_at is not None:
            values["due_at"] = event.due_at   # the answer says when it was due after any recount
        if asked and current.asked_at is None:
            values["asked_at"] = event.occurred_at
            if current.due_at is not None:
                values.pop("due_at")          # the answer's due time is the later word
        if not asked and (current.answered_at is None or event.occurred_at < current.answered_at):
            values["answered_at"] = event.occurred_at
        if values:
            session.execute(update(questions).where(questions.c.question_id == event.question_id).values(**values))
    return len(events)


# --- counsellors' problems -------------------------------------------------------------------------

def apply_problems(session: SessionOrConnection, events: Sequence[ProblemEvent]) -> int:
    """Keep each problem's enterprise, team, level, county, when it was raised (the event's `raised_at`: a problem
    from a paper ledger keeps its own time), its earliest first answer and when it was resolved (the earliest
    ProblemResolved's `occurred_at`), whatever order the events come in."""
    for event in events:
        resolved_at = event.occurred_at if isinstance(event, ProblemResolved) else None
        current = session.execute(select(counselling_problems.c.first_answered_at, counselling_problems.c.raised_at,
                                         counselling_problems.c.resolved_at)
                                  .where(counselling_problems.c.problem_id == event.problem_id)).first()
        if current is None:
            session.execute(counselling_problems.insert().values(
                problem_id=event.problem_id, team_id=event.team_id, level=event.level, county=event.county,
                uscc=event.uscc, raised_at=event.raised_at,
                due_at=event.raised_at + timedelta(hours=PROBLEM_ANSWER_HOURS),
                first_answered_at=event.first_answered_at, resolved_at=resolved_at))
            continue
        values: dict = {}
        if event.first_answered_at is not None and (current.first_answered_at is None
                                                    or event.first_answered_at < current.first_answered_at):
            values["first_answered_at"] = event.first_answered_at
        if event.raised_at < current.raised_at:
            values.update(raised_at=event.raised_at, due_at=event.raised_at + timedelta(hours=PROBLEM_ANSWER_HOURS))
        if resolved_at is not None and (current.resolved_at is None or resolved_at < current.resolved_at):
            values["resolved_at"] = resolved_at
        if values:
            session.execute(update(counselling_problems)
                            .where(counselling_problems.c.problem_id == event.problem_id).values(**values))
    return len(events)


def apply_plans(session: SessionOrConnection, events: Sequence[PlanChanged]) -> int:
    """Keep every version of each enterprise's financing plan (a version seen twice is kept once)."""
    session.execute(insert_ignoring_duplicates(dialect_of(session), counselling_plans), [
        {"uscc": event.uscc, "version": event.version, "team_id": event.team_id, "level": event.level,
         "county": event.county, "amount_coordinated": event.amount_coordinated, "changed_at": event.occurred_at}
        for event in events])
    return len(events)


# --- what a round's scope is made of ---------------------------------------------------------------

def matched_between(start: datetime, end: datetime):
    """The condition on `matches` that a pair was matched at some moment of [start, end)."""
    return and_(matches.c.first_matched_at.is_not(None), matches.c.first_matched_at < end,
                or_(matches.c.last_unmatched_at.is_(None), matches.c.last_unmatched_at <= matches.c.last_matched_at,
                    matches.c.last_unmatched_at >= start))


def applied_between(start: datetime, end: datetime):
    """The condition on `applications` that it was open at some moment of [start, end)."""
    return and_(applications.c.submitted_at < end,
                or_(applications.c.stage.not_in([Stage.completed, Stage.rejected]), applications.c.moved_at >= start))


def in_scope(session: SessionOrConnection, uscc: str, start: datetime, end: datetime) -> bool:
    """Whether the enterprise matched a policy or had an application open in [start, end)."""
    matched = session.execute(select(matches.c.policy_id).where(matches.c.uscc == uscc, matched_between(start, end))
                              .limit(1)).first()
    if matched is not None:
        return True
    return session.execute(select(applications.c.application_id).where(
        applications.c.uscc == uscc, applied_between(start, end)).limit(1)).first() is not None


def scope(session: SessionOrConnection, start: datetime, end: datetime) -> list[str]:
    """Every enterprise in scope of [start, end), in code order."""
    query = (select(matches.c.uscc).where(matched_between(start, end))
             .union(select(applications.c.uscc).where(applied_between(start, end))))
    return sorted(session.execute(query).scalars())


# --- every kind at once: what the handlers and a replay call ----------------------------------------

def event_of(routing_key: str, body: Any) -> PlatformEvent:
    """The event a message of `routing_key` carries (either lane), validated by its model."""
    return EVENTS[event_type_of(routing_key)].model_validate(body)


# The facts each kind of event is merged into, in this order: (its models, the summary's key or keys, how)
_FACT_KINDS = (
    (EnterprisesTagged, "enterprises", apply_tagged),
    (PolicyChanged, "policies", apply_policy_changes),
    (MatchesChanged, ("matched", "unmatched"), apply_matches),
    (ApplicationChanged, "moves", apply_application_moves),
    (QuestionAsked | QuestionAnswered, "questions", apply_questions),
    (ProblemEvent, "problems", apply_problems),
    (PlanChanged, "plans", apply_plans),
)


def apply(session: SessionOrConnection, items: Sequence[tuple[str, PlatformEvent]], now: datetime) -> dict[str, Any]:
    """Journal the events (claimed already) and merge them into the facts; what they changed. A calendar
    arrangement is kept in this service's copy; `calendar_years` names the years whose due times to recount."""
    keep(session, items)
    events = [event for _key, event in items]
    summary: dict[str, Any] = {}
    for kinds, keys, applied in _FACT_KINDS:
        selected = [event for event in events if isinstance(event, kinds)]
        if selected:
            result = applied(session, selected)
            summary.update(zip(keys, result, strict=True) if isinstance(keys, tuple) else {keys: result})
    delivered = [event for event in events if isinstance(event, NotificationsDelivered)]
    read = [event for event in events if isinstance(event, NotificationRead)]
    if delivered or read:
        summary["notices_delivered"], summary["notices_read"] = apply_notices(session, delivered, read)
    loaded = [event for event in events if isinstance(event, CalendarLoaded)]
    if loaded:
        summary["calendar_years"] = sorted({event.year for event in loaded if calendar_register.store(
            session, calendar_years, workdays.official(
                event.year, event.notice, [(holiday.first, holiday.last, holiday.name) for holiday in event.holidays],
                event.workdays),
            event.revision, now, "calendar.loaded")})
    return summary
