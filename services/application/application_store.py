"""The hall's rows: applications with their stages, history, material records and exclusive claims.

Every function takes the session (or connection) of the caller's transaction and decides nothing: the
rules are `domain`, and `hall` puts the two together. Statements are built once: building and cache-keying
a statement costs more CPU than SQLite takes to run it, and every action runs several.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import Row

from services.application.domain import deadlines, visibility
from services.application.domain.materials import CheckedMaterial
from services.application.domain.moves import Step
from services.application.domain.opening import open_key
from services.application.models import applications, exclusive_claims, history, materials, stages
from shared.clock import CHINA
from shared.contracts.actors import Actor
from shared.contracts.applications import ApplicationAction, Stage
from shared.database import SessionOrConnection, dialect_of, insert_ignoring_duplicates
from shared.money import ZERO

Pair = tuple[int, str]   # (policy id, uscc)

_APPLICATION = select(applications).where(applications.c.id == bindparam("p_id"))
_APPLICATION_LOCKED = _APPLICATION.with_for_update()
_OPEN_FOR_PAIR = select(applications.c.id).where(applications.c.open_key == bindparam("p_open_key"))
# nothing inserted (no id returned) when the pair's open_key is taken: no IntegrityError, which would
# abort a PostgreSQL transaction, and the conflict is answered as one
_INSERT_APPLICATION_UNLESS_OPEN = {
    dialect: insert_ignoring_duplicates(dialect, applications).returning(applications.c.id)
    for dialect in ("sqlite", "postgresql")}
_CLAIM = {dialect: insert_ignoring_duplicates(dialect, exclusive_claims).returning(exclusive_claims.c.application_id)
          for dialect in ("sqlite", "postgresql")}
_CLAIM_HOLDER = select(exclusive_claims).where(exclusive_claims.c.uscc == bindparam("p_uscc"),
                                               exclusive_claims.c.exclusive_group == bindparam("p_group"))
_RELEASE_CLAIM = delete(exclusive_claims).where(exclusive_claims.c.application_id == bindparam("p_id"))
_INSERT_MATERIALS = insert(materials)
_DROP_MATERIALS_NAMED = delete(materials).where(materials.c.application_id == bindparam("p_id"),
                                                materials.c.name.in_(bindparam("p_names", expanding=True)))
_SET_MATERIAL_LIST = update(applications).where(applications.c.id == bindparam("p_id")).values(
    material_list=bindparam("p_material_list"))
_INSERT_STAGES = insert(stages)
_INSERT_HISTORY = insert(history)
_MOVE = update(applications).where(applications.c.id == bindparam("p_id")).values(
    stage=bindparam("p_stage"), amount=bindparam("p_amount"), updated_at=bindparam("p_now"),
    returned_from=bindparam("p_returned_from"), open_key=bindparam("p_open_key"))
# an application has exactly one open stage: completing it needs no lookup first
_COMPLETE_OPEN_STAGE = update(stages).where(stages.c.application_id == bindparam("p_id"),
                                            stages.c.completed_at.is_(None)).values(
    completed_at=bindparam("p_now"), actor=bindparam("p_actor")).returning(stages.c.due_at)
_LAST_ENTRY = (select(stages).where(stages.c.application_id == bindparam("p_id"),
                                    stages.c.stage == bindparam("p_stage"))
               .order_by(stages.c.id.desc()).limit(1))
_OFFERS_WAITING = (select(applications.c.id, applications.c.policy_id, applications.c.uscc)
                   .where(applications.c.open_key.in_(bindparam("p_keys", expanding=True)),
                          applications.c.stage == Stage.confirmation.value))
_POLICIES_WITH_OFFERS_WAITING = (select(applications.c.policy_id)
                                 .where(applications.c.stage == Stage.confirmation.value).distinct())
_TIMELINE = select(stages).where(stages.c.application_id == bindparam("p_id")).order_by(stages.c.id)
_HISTORY = select(history).where(history.c.application_id == bindparam("p_id")).order_by(history.c.id)
_OBJECTORS = select(history.c.actor).where(history.c.application_id == bindparam("p_id"),
                                           history.c.action == ApplicationAction.object)
_OFFER_KEYS_CHUNK = 500
_RECOUNT_CHUNK = 200


# --- opening ----------------------------------------------------------------------------------------------------

def open_for_pair(session: SessionOrConnection, key: str) -> int | None:
    """The id of the enterprise's open application for the policy (`opening.open_key`), if it has one."""
    found = session.execute(_OPEN_FOR_PAIR, {"p_open_key": key}).first()
    return found and found.id


def exclusive_holder(session: SessionOrConnection, uscc: str, group: str) -> Row | None:
    """The claim (policy_id, application_id) of the enterprise's open application of the exclusive group."""
    return session.execute(_CLAIM_HOLDER, {"p_uscc": uscc, "p_group": group}).first()


def insert_application(session: SessionOrConnection, values: Mapping[str, Any]) -> int | None:
    """The new application's id; None, inserting nothing, when the pair has an open application (one
    committed meanwhile: this waits for it)."""
    return session.execute(_INSERT_APPLICATION_UNLESS_OPEN[dialect_of(session)], values).scalar()


def claim(session: SessionOrConnection, uscc: str, group: str, application_id: int, policy_id: int) -> bool:
    """Claim the exclusive group for the application; False when another application holds it."""
    claimed = session.execute(_CLAIM[dialect_of(session)], {"uscc": uscc, "exclusive_group": group,
                                                            "application_id": application_id,
                                                            "policy_id": policy_id}).scalar()
    return claimed is not None


def insert_materials(session: SessionOrConnection, application_id: int, records: Sequence[Mapping[str, Any]],
                     now: datetime) -> None:
    if records:
        session.execute(_INSERT_MATERIALS, [{"application_id": application_id, **record, "added_at": now}
                                            for record in records])


def stage_row(application_id: int, stage: Stage, now: datetime, due: deadlines.Due,
              completed_by: Actor | None = None) -> dict[str, Any]:
    """A stage entered at `now`; `completed_by` for one passed through at once (routing by the hall)."""
    return {"application_id": application_id, "stage": str(stage), "entered_at": now,
            # counted in China's time; kept, and answered, in UTC as read back
            "due_at": due.at and due.at.astimezone(UTC), "due_provisional": due.provisional,
            "completed_at": now if completed_by is not None else None,
            "actor": completed_by and completed_by.model_dump(mode="json"),
            "alarmed_at": None, "escalated_at": None}


def history_row(application_id: int, step: Step, now: datetime) -> dict[str, Any]:
    return {"application_id": application_id, "action": step.action,
            "from_stage": step.from_stage and str(step.from_stage), "to_stage": str(step.to_stage),
            "actor": step.actor.model_dump(mode="json"), "comment": step.comment, "amount": step.amount, "at": now}


def insert_stages(session: SessionOrConnection, rows: dict[str, Any] | list[dict[str, Any]]) -> None:
    session.execute(_INSERT_STAGES, rows)


def insert_history(session: SessionOrConnection, rows: dict[str, Any] | list[dict[str, Any]]) -> None:
    session.execute(_INSERT_HISTORY, rows)


# --- moving -----------------------------------------------------------------------------------------------------

def lock(session: SessionOrConnection, application_id: int) -> Row | None:
    """The application's row, locked until the transaction ends: its moves take turns."""
    return session.execute(_APPLICATION_LOCKED, {"p_id": application_id}).first()


def objectors(session: SessionOrConnection, application_id: int) -> list[dict[str, Any]]:
    """The actors of the application's objections so far."""
    return list(session.execute(_OBJECTORS, {"p_id": application_id}).scalars())


def replace_materials(session: SessionOrConnection, application_id: int, added: Sequence[CheckedMaterial],
                      listed: list[dict[str, Any]], now: datetime) -> None:
    """`added` in place of the materials of their names, and `listed` as the application's list."""
    names = sorted({material.name for material in added})
    session.execute(_DROP_MATERIALS_NAMED, {"p_id": application_id, "p_names": names})
    insert_materials(session, application_id, [material.record() for material in added], now)
    session.execute(_SET_MATERIAL_LIST, {"p_id": application_id, "p_material_list": listed})


def last_entry(session: SessionOrConnection, application_id: int, stage: Stage) -> Row:
    """The application's latest stage row of `stage`."""
    return session.execute(_LAST_ENTRY, {"p_id": application_id, "p_stage": stage}).one()


def complete_open_stage(session: SessionOrConnection, application_id: int, now: datetime,
                        actor: Actor) -> datetime | None:
    """Complete the application's open stage; when it was due, as it stood (None: no limit)."""
    return session.execute(_COMPLETE_OPEN_STAGE, {"p_id": application_id, "p_now": now,
                                                  "p_actor": actor.model_dump(mode="json")}).scalar()


def move(session: SessionOrConnection, application_id: int, settled: Mapping[str, Any], amount: Decimal | None,
         now: datetime) -> None:
    """Write the application's stage, return stage and open key (`moves.settled`) and its amount."""
    session.execute(_MOVE, {"p_id": application_id, "p_stage": settled["stage"], "p_amount": amount, "p_now": now,
                            "p_returned_from": settled["returned_from"], "p_open_key": settled["open_key"]})


def release_claim(session: SessionOrConnection, application_id: int) -> None:
    session.execute(_RELEASE_CLAIM, {"p_id": application_id})


# --- reading ----------------------------------------------------------------------------------------------------

def read(session: SessionOrConnection, application_id: int) -> Row | None:
    return session.execute(_APPLICATION, {"p_id": application_id}).first()


def timeline(session: SessionOrConnection, application_id: int) -> Iterable[Row]:
    """The application's stage rows, in order."""
    return session.execute(_TIMELINE, {"p_id": application_id})


def history_of(session: SessionOrConnection, application_id: int) -> Iterable[Row]:
    """The application's history rows, in order."""
    return session.execute(_HISTORY, {"p_id": application_id})


# `visibility.was_routed` in SQL: the stage says, or for the stages that do not, the history
_WAS_ROUTED = exists().where(history.c.application_id == applications.c.id,
                             history.c.action == ApplicationAction.route)
ROUTED = or_(applications.c.stage.in_(visibility.ALWAYS_ROUTED),
             and_(applications.c.stage.in_(visibility.ROUTED_IF_HISTORY_SAYS), _WAS_ROUTED))


def scope_conditions(actor: Actor) -> list:
    """`visibility.may_see` as conditions on the applications table: what `actor` may list and count."""
    rule = visibility.visibility(actor)
    conditions = [applications.c[field] == value for field, value in rule.fields.items()]
    return [*conditions, ROUTED] if rule.routed_only else conditions


def listing(session: SessionOrConnection, now: datetime, actor: Actor, *, status: str | None, overdue: bool | None,
            policy_id: int | None, limit: int, offset: int, uscc: str | None = None) -> tuple[list[Row], int]:
    """One page of the applications `actor` may see (and the filters let through), each with the due time of
    its open stage (`due_at`, `due_provisional`), overdue first (longest overdue first), then newest; and how
    many in all."""
    open_stage = (select(stages.c.application_id, stages.c.due_at, stages.c.due_provisional)
                  .where(stages.c.completed_at.is_(None)).subquery())
    late = and_(open_stage.c.due_at.is_not(None), open_stage.c.due_at < now)
    query = select(applications, open_stage.c.due_at, open_stage.c.due_provisional).outerjoin(
        open_stage, open_stage.c.application_id == applications.c.id)
    conditions = scope_conditions(actor)
    if status is not None:
        conditions.append(applications.c.stage == status)
    if policy_id is not None:
        conditions.append(applications.c.policy_id == policy_id)
    if uscc is not None:
        conditions.append(applications.c.uscc == uscc)
    if overdue is not None:
        conditions.append(late if overdue else ~late)
    query = query.where(*conditions)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(late.desc(), open_stage.c.due_at, applications.c.id.desc())
                           .limit(limit).offset(offset)).all()
    return rows, total


def overdue_stages(session: SessionOrConnection, now: datetime) -> int:
    """Open stages past their due time, of every application (the alarms' scan, counted)."""
    return session.execute(select(func.count()).select_from(stages).where(
        stages.c.completed_at.is_(None), stages.c.due_at.is_not(None), stages.c.due_at < now)).scalar_one()


def counts(session: SessionOrConnection, actor: Actor) -> tuple[dict[str, int], int, Decimal]:
    """Of the applications `actor` may see: how many in each stage, how many completed were proactive, and the
    amount the completed ones disbursed."""
    conditions = scope_conditions(actor)
    by_stage = dict(session.execute(select(applications.c.stage, func.count()).where(*conditions)
                                    .group_by(applications.c.stage)).tuples().all())
    completed = [*conditions, applications.c.stage == Stage.completed]
    proactive = session.execute(select(func.count()).select_from(applications).where(
        *completed, applications.c.proactive)).scalar_one()
    disbursed = session.execute(select(func.coalesce(func.sum(applications.c.amount), ZERO))
                                .where(*completed)).scalar_one()
    return by_stage, proactive, disbursed


# --- proactive offers, notices, recounting ----------------------------------------------------------------------

def offers_waiting(session: SessionOrConnection, pairs: Iterable[Pair]) -> dict[Pair, int]:
    """(policy id, uscc) -> the id of its proactive application still waiting for confirmation, for those of
    `pairs` that have one. Only policies with an offer waiting are looked up: a re-tag unmatches hundreds of
    thousands of pairs."""
    pairs = list(pairs)
    if not pairs:
        return {}
    offering = set(session.execute(_POLICIES_WITH_OFFERS_WAITING).scalars())
    keys = sorted({open_key(uscc, policy_id) for policy_id, uscc in pairs if policy_id in offering})
    found: dict[Pair, int] = {}
    for first in range(0, len(keys), _OFFER_KEYS_CHUNK):
        for application_id, policy_id, uscc in session.execute(
                _OFFERS_WAITING, {"p_keys": keys[first:first + _OFFER_KEYS_CHUNK]}).tuples():
            found[(policy_id, uscc)] = application_id
    return found


def notices_ended(session: SessionOrConnection, now: datetime, limit: int = 500) -> list[int]:
    """Applications whose public notice has run its course (without objection: an objection ends it)."""
    return list(session.execute(select(stages.c.application_id).where(
        stages.c.stage == Stage.public_notice, stages.c.completed_at.is_(None), stages.c.due_at < now)
        .order_by(stages.c.due_at).limit(limit)).scalars())


def timelines_across(session: SessionOrConnection, year: int) -> Iterator[tuple[Mapping[str, int], list[Row]]]:
    """(stage limits, stage rows in order) of every application with a stage counted across `year` (China
    days): entered before it ended and due after it began. Whole timelines, read a chunk at a time."""
    begins = datetime(year, 1, 1, tzinfo=CHINA)
    ends = datetime(year + 1, 1, 1, tzinfo=CHINA)
    touched = (select(stages.c.application_id).where(stages.c.entered_at < ends, stages.c.due_at >= begins)
               .distinct().order_by(stages.c.application_id))
    application_ids = list(session.execute(touched).scalars())
    for first in range(0, len(application_ids), _RECOUNT_CHUNK):
        part = application_ids[first:first + _RECOUNT_CHUNK]
        limits = {row.id: row.stage_limits for row in session.execute(
            select(applications.c.id, applications.c.stage_limits).where(applications.c.id.in_(part)))}
        rows_of: dict[int, list[Row]] = {}
        for row in session.execute(select(stages).where(stages.c.application_id.in_(part)).order_by(stages.c.id)):
            rows_of.setdefault(row.application_id, []).append(row)
        for application_id, rows in rows_of.items():
            yield limits[application_id], rows


def set_due_times(session: SessionOrConnection, changed: Sequence[tuple[int, deadlines.Due]]) -> None:
    """Write each (stage id, due time) given."""
    if changed:
        session.execute(update(stages).where(stages.c.id == bindparam("key"))
                        .values(due_at=bindparam("p_due_at"), due_provisional=bindparam("p_provisional")),
                        [{"key": stage_id, "p_due_at": due.at and due.at.astimezone(UTC),
                          "p_provisional": due.provisional} for stage_id, due in changed],
                        execution_options={"synchronize_session": False})
