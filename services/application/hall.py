"""The application hall: opening applications and moving them through their stages.

Every function takes the session of one transaction; the caller emits what they return. The
lifecycle itself (who may do what, in which stage) is `domain.stages`; due times are
`domain.deadlines`, by the working-day calendar the service's register holds (`calendar`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.application.domain import deadlines, public_notice, visibility
from services.application.domain.stages import TERMINAL, Refused, decide, limits_for, who_acts
from services.application.materials import MaterialError, merge
from services.application.models import (
    alarms,
    applications,
    budgets,
    exclusive_claims,
    history,
    materials,
    stages,
)
from shared.clock import CHINA
from shared.contracts.actors import Actor, Role
from shared.contracts.applications import ApplicationAction, Opening, Stage
from shared.contracts.events import ApplicationChanged
from shared.contracts.policies import PolicyLevel, PolicyStatus
from shared.database import Money, insert_ignoring_duplicates
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.money import ZERO, yuan
from shared.workdays import WorkingCalendar

SYSTEM = Actor(role=Role.system, id="system")   # the hall itself: routing, ending notices, withdrawing offers


@dataclass(frozen=True)
class Opened:
    """What a write did: the application's id and the events to emit; and, so the writer can
    answer without reading back what it wrote (see `answer`), the application's row as it now
    stands, with its stages and history when the write knows all of them (a new application)."""

    application_id: int
    events: list[ApplicationChanged]
    row: Any = None
    stage_rows: list | None = None
    history_rows: list | None = None


def _open_key(uscc: str, policy_id: int) -> str:
    return f"{uscc}:{policy_id}"


# The hall's statements are built once: building and cache-keying a statement costs more CPU than
# SQLite takes to run it, and every action runs several.
_APPLICATION = select(applications).where(applications.c.id == bindparam("p_id"))
_APPLICATION_LOCKED = _APPLICATION.with_for_update()
_RIVAL = select(applications.c.id, applications.c.policy_id).where(
    applications.c.uscc == bindparam("p_uscc"), applications.c.exclusive_group == bindparam("p_group"),
    applications.c.policy_id != bindparam("p_policy"), applications.c.stage != Stage.rejected.value).limit(1)
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
    completed_at=bindparam("p_now"), actor=bindparam("p_actor"))
_LAST_STAGE = (select(stages).where(stages.c.application_id == bindparam("p_id"),
                                    stages.c.stage == bindparam("p_stage"))
               .order_by(stages.c.id.desc()).limit(1))
_BUDGET_LOCKED = select(budgets).where(budgets.c.policy_id == bindparam("p_policy")).with_for_update()
# A policy's budget row is made by its first application, or its first revision. A submission leaves
# an existing row as it is (and unlocked: an upsert would lock it, queueing every submission to the
# policy behind the others' commits); a revision sets the budget unless the row has a newer version's.
# The committed and disbursed sums are never touched here.
_ENSURE_BUDGET = {dialect: insert_ignoring_duplicates(dialect, budgets) for dialect in ("sqlite", "postgresql")}


def _budget_upsert(dialect_name: str):
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(budgets)
    newer = or_(budgets.c.policy_version.is_(None), statement.excluded.policy_version > budgets.c.policy_version)
    return statement.on_conflict_do_update(
        index_elements=[budgets.c.policy_id], where=newer,
        set_={"budget": statement.excluded.budget, "policy_version": statement.excluded.policy_version})


_SET_BUDGET = {dialect: _budget_upsert(dialect) for dialect in ("sqlite", "postgresql")}
_COMMIT_BUDGET = update(budgets).where(budgets.c.policy_id == bindparam("p_policy")).values(
    committed=budgets.c.committed + bindparam("p_amount", type_=Money()))
_DISBURSE_BUDGET = update(budgets).where(budgets.c.policy_id == bindparam("p_policy")).values(
    disbursed=budgets.c.disbursed + bindparam("p_amount", type_=Money()))
_OFFERS_WAITING = (select(applications.c.id, applications.c.policy_id, applications.c.uscc)
                   .where(applications.c.open_key.in_(bindparam("p_keys", expanding=True)),
                          applications.c.stage == Stage.confirmation.value))
_POLICIES_WITH_OFFERS_WAITING = (select(applications.c.policy_id)
                                 .where(applications.c.stage == Stage.confirmation.value).distinct())
_TIMELINE = select(stages).where(stages.c.application_id == bindparam("p_id")).order_by(stages.c.id)
_MATERIALS = select(materials).where(materials.c.application_id == bindparam("p_id")).order_by(materials.c.id)
_HISTORY = select(history).where(history.c.application_id == bindparam("p_id")).order_by(history.c.id)
_OBJECTORS = select(history.c.actor).where(history.c.application_id == bindparam("p_id"),
                                           history.c.action == ApplicationAction.object)


def open_application(session: Session, terms: dict, *, note: str | None, checked_materials: list, actor: Actor,
                     now: datetime, calendar: WorkingCalendar, proactive: bool = False) -> Opened:
    """A new application for `terms` (from the policy service): refused unless the policy is published,
    redeemable and matched, and unless the enterprise has no open application of the same exclusive group."""
    policy, uscc = terms["policy"], terms["uscc"]
    if policy["status"] != PolicyStatus.published:
        raise Conflict(f"policy {policy['id']} is {policy['status']}; applications are for published policies",
                       {"status": policy["status"]})
    if not policy["redeemable"]:
        raise Conflict(f"policy {policy['id']} is not redeemable: there is nothing to apply for", {"redeemable": False})
    if not terms["matched"]:
        raise Conflict(f"enterprise {uscc} does not match policy {policy['id']}: " + "；".join(terms["missing"]),
                       {"missing": terms["missing"]})
    group = policy["exclusive_group"]
    open_key = _open_key(uscc, policy["id"])
    # what is committed already, read first to name it (and the rows from before exclusive_claims);
    # a submission committing meanwhile is caught by the inserts below, which wait for it
    existing = session.execute(_OPEN_FOR_PAIR, {"p_open_key": open_key}).first()
    if existing is not None:
        raise _already_open(uscc, policy["id"], existing.id)
    if group:
        rival = session.execute(_RIVAL, {"p_uscc": uscc, "p_group": group, "p_policy": policy["id"]}).first()
        if rival is not None:
            raise _exclusive(policy, rival.policy_id, rival.id)
    first = Stage.confirmation if proactive else Stage.acceptance
    limits = limits_for(policy["stage_limits"] or {})
    listed = [{"name": material.name, "filename": material.filename, "media_type": material.media_type,
               "size": material.size, "sha256": material.sha256} for material in checked_materials]
    estimated = terms["estimated_amount"]
    values = {
        "policy_id": policy["id"], "policy_title": policy["title"], "department": policy["department"],
        "level": policy["level"], "county": policy["county"], "exclusive_group": policy["exclusive_group"],
        "uscc": uscc, "enterprise_name": terms["profile"].get("name"), "proactive": proactive,
        "stage": first.value, "returned_from": None, "amount": None if estimated is None else yuan(estimated),
        "form": terms["profile"], "material_list": listed, "note": note, "stage_limits": limits,
        "created_by": actor.model_dump(mode="json"), "created_at": now, "updated_at": now, "open_key": open_key}
    dialect = _dialect_of(session)
    application_id = session.execute(_INSERT_APPLICATION_UNLESS_OPEN[dialect], values).scalar()
    if application_id is None:   # the unique open_key: a submission for the pair committed meanwhile
        existing = session.execute(_OPEN_FOR_PAIR, {"p_open_key": open_key}).first()
        raise _already_open(uscc, policy["id"], existing and existing.id)
    if group:
        claimed = session.execute(_CLAIM[dialect], {"uscc": uscc, "exclusive_group": group,
                                                    "application_id": application_id,
                                                    "policy_id": policy["id"]}).scalar()
        if claimed is None:   # an application of the group committed meanwhile
            holder = session.execute(_CLAIM_HOLDER, {"p_uscc": uscc, "p_group": group}).first()
            raise _exclusive(policy, holder and holder.policy_id, holder and holder.application_id)
    if listed:
        session.execute(_INSERT_MATERIALS, [{"application_id": application_id, **material, "added_at": now}
                                            for material in listed])
    entered = _stage_row(calendar, application_id, first, limits, now)
    session.execute(_INSERT_STAGES, entered)
    action = Opening.create if proactive else Opening.submit
    written = _history_row(application_id, action, None, first, actor, note, None, now)
    session.execute(_INSERT_HISTORY, written)
    session.execute(_ENSURE_BUDGET[dialect], _budget_row(policy))
    row = SimpleNamespace(id=application_id, **values)
    return Opened(application_id, [_event(vars(row), action, None, actor)], row=row,
                  stage_rows=[SimpleNamespace(**entered)], history_rows=[SimpleNamespace(**written)])


def set_budget(session: Session | Connection, policy: dict) -> None:
    """The budget of a revised policy, unless the row has a newer version's already."""
    session.execute(_SET_BUDGET[_dialect_of(session)], _budget_row(policy))


def _budget_row(policy: dict) -> dict:
    return {"policy_id": policy["id"], "budget": policy["budget"], "committed": ZERO, "disbursed": ZERO,
            "policy_version": policy.get("version")}


def _already_open(uscc: str, policy_id: int, application_id: int | None) -> Conflict:
    return Conflict(f"enterprise {uscc} already has application {application_id} for policy {policy_id}",
                    {"application_id": application_id})


def _exclusive(policy: dict, rival_policy_id: int | None, rival_id: int | None) -> Conflict:
    group = policy["exclusive_group"]
    return Conflict(f"policy {policy['id']} cannot be combined with policy {rival_policy_id} (exclusive group "
                    f"{group}); application {rival_id} is already open for it",
                    {"exclusive_group": group, "application_id": rival_id})


def _dialect_of(session: Session | Connection) -> str:
    return (session if isinstance(session, Connection) else session.get_bind()).dialect.name


def _stage_row(calendar: WorkingCalendar, application_id: int, stage: Stage, limits: dict, now: datetime,
               due: deadlines.Due | None = None, completed_by: Actor | None = None) -> dict:
    """A stage entered at `now`; `completed_by` for one passed through at once (routing by the hall)."""
    if due is None:
        due = deadlines.due_of_entry(calendar, now, stage, limits)
    return {"application_id": application_id, "stage": str(stage), "entered_at": now,
            # counted in China's time; kept, and answered, in UTC as read back
            "due_at": due.at and due.at.astimezone(UTC), "due_provisional": due.provisional, "due_note": None,
            "completed_at": now if completed_by is not None else None,
            "actor": completed_by and completed_by.model_dump(mode="json"),
            "alarmed_at": None, "escalated_at": None}


def _history_row(application_id, action, from_stage, to_stage, actor: Actor, comment, amount, now) -> dict:
    return {"application_id": application_id, "action": action, "from_stage": from_stage and str(from_stage),
            "to_stage": str(to_stage), "actor": actor.model_dump(mode="json"), "comment": comment, "amount": amount,
            "at": now}


def _event(application: dict, action: str, from_stage: str | None, actor: Actor) -> ApplicationChanged:
    return ApplicationChanged(application_id=application["id"], policy_id=application["policy_id"],
                              policy_title=application["policy_title"], uscc=application["uscc"], action=action,
                              from_stage=from_stage, to_stage=application["stage"], amount=application["amount"],
                              proactive=application["proactive"], actor_role=actor.role)


ROUTING_COMMENT = "自动分派至政策主管部门"


def act(session: Session, application_id: int, action: str, actor: Actor, *, comment: str | None,
        amount: Decimal | None, now: datetime, calendar: WorkingCalendar,
        checked_materials: list | None = None) -> Opened:
    """Take `action` on the application; Conflict (409) or Forbidden (403) with the reason otherwise.

    `checked_materials` (already stored) come with a `resubmit` only: each replaces the material of the
    same name or is added, at most MAX_MATERIALS in all (Invalid otherwise).

    An action that ends in `routing` is followed at once by the hall's own `route` (the policy names its
    department): both moves are written together, each with its stage row, history entry and event."""
    row = session.execute(_APPLICATION_LOCKED, {"p_id": application_id}).first()
    if row is None:
        raise NotFound(f"no application {application_id}", {"application_id": application_id})
    stage = Stage(row.stage)
    try:
        owns_policy = actor.owns_policy(department=row.department, level=row.level, county=row.county)
        transition = decide(stage, action, role=actor.role, owns_policy=owns_policy,
                            is_applicant=actor.uscc == row.uscc,
                            returned_from=Stage(row.returned_from) if row.returned_from else None)
    except Refused as refused:
        error = Forbidden if refused.status == 403 else Conflict
        raise error(refused.reason, {"stage": stage.value, "action": action}) from None
    if transition.action == ApplicationAction.object:
        _check_objection(session, application_id, actor, comment)
    target = Stage(transition.next_stage)
    material_list = row.material_list
    if checked_materials:
        if action != ApplicationAction.resubmit:
            raise Invalid(f"materials come with a resubmission, not with {action}",
                          [{"field": "materials", "message": "only with action resubmit"}])
        material_list = _resubmit_materials(session, row, checked_materials, now)
    new_amount = row.amount
    if action == ApplicationAction.approve and stage == Stage.review:
        new_amount = _commit_budget(session, row, amount)
    elif action == ApplicationAction.reject and stage == Stage.objection:
        session.execute(_COMMIT_BUDGET, {"p_policy": row.policy_id, "p_amount": -(row.amount or ZERO)})
    elif action == ApplicationAction.disburse:
        session.execute(_DISBURSE_BUDGET, {"p_policy": row.policy_id, "p_amount": row.amount or ZERO})
    due = None
    if action == ApplicationAction.resubmit:
        # the clock stopped while it was returned: the working time left at the return counts on from now
        returned = session.execute(_LAST_STAGE, {"p_id": application_id, "p_stage": target}).one()
        if returned.due_at is not None:
            due = deadlines.due_of_resumption(calendar, deadlines.Due(returned.due_at, bool(returned.due_provisional)),
                                              returned.completed_at, now)
    session.execute(_COMPLETE_OPEN_STAGE, {"p_id": application_id, "p_now": now,
                                           "p_actor": actor.model_dump(mode="json")})
    limits = row.stage_limits
    moves = [(action, stage, target, actor, comment, new_amount if action == ApplicationAction.approve else None)]
    if target == Stage.routing:
        routed = decide(target, ApplicationAction.route, role=SYSTEM.role)
        moves.append((ApplicationAction.route, target, Stage(routed.next_stage), SYSTEM, ROUTING_COMMENT, None))
    entered = [_stage_row(calendar, application_id, to_stage, limits, now, due=due if number == 0 else None,
                          completed_by=moves[number + 1][3] if number + 1 < len(moves) else None)
               for number, (_, _, to_stage, *_) in enumerate(moves)]
    session.execute(_INSERT_STAGES, entered)
    final = moves[-1][2]
    moved = {"stage": final.value, "amount": new_amount, "updated_at": now,
             "returned_from": stage.value if final == Stage.returned else None,
             # a rejected application frees the pair: the enterprise may apply again
             "open_key": None if final == Stage.rejected else row.open_key, "material_list": material_list}
    session.execute(_MOVE, {"p_id": application_id, "p_stage": moved["stage"], "p_amount": new_amount, "p_now": now,
                            "p_returned_from": moved["returned_from"], "p_open_key": moved["open_key"]})
    if final == Stage.rejected and row.exclusive_group:
        session.execute(_RELEASE_CLAIM, {"p_id": application_id})
    session.execute(_INSERT_HISTORY, [_history_row(application_id, step, from_stage, to_stage, by, note, granted, now)
                                      for step, from_stage, to_stage, by, note, granted in moves])
    summary = {"id": application_id, "policy_id": row.policy_id, "policy_title": row.policy_title, "uscc": row.uscc,
               "amount": new_amount, "proactive": row.proactive}
    return Opened(application_id, [_event({**summary, "stage": to_stage}, step, from_stage, by)
                                   for step, from_stage, to_stage, by, *_ in moves],
                  row=SimpleNamespace(**{**row._mapping, **moved}))


def _check_objection(session: Session, application_id: int, actor: Actor, comment: str | None) -> None:
    """An objection says what it objects to, and each objector objects once (public_notice)."""
    if comment is None or not comment.strip():
        raise Invalid("an objection says what is objected to: `comment`",
                      [{"field": "comment", "message": "required for object"}])
    # read under the application's row lock (act takes it first), so one objector's two calls queue
    earlier = session.execute(_OBJECTORS, {"p_id": application_id}).scalars()
    if public_notice.objected_before(actor.model_dump(mode="json"), earlier):
        raise Conflict(f"you have objected to application {application_id} before; each enterprise (or member "
                       "of staff) objects once", {"application_id": application_id})


def public_record(written: Opened, *, comment: str, now: datetime) -> dict:
    """What an objector is answered: the notice's public record with the objection, never the form."""
    return public_notice.record(vars(written.row), comment=comment, at=now)


def _resubmit_materials(session: Session, row, added: list, now: datetime) -> list[dict]:
    """The application's materials with `added` in (see `materials.merge`), written to both places
    it keeps them; the list as it now stands."""
    try:
        merged = merge(_materials_of(session, row), added)
    except MaterialError as error:
        raise Invalid(str(error), error.details) from None
    names = sorted({material.name for material in added})
    session.execute(_DROP_MATERIALS_NAMED, {"p_id": row.id, "p_names": names})
    session.execute(_INSERT_MATERIALS, [{"application_id": row.id, **material.record(), "added_at": now}
                                        for material in added])
    session.execute(_SET_MATERIAL_LIST, {"p_id": row.id, "p_material_list": merged})
    return merged


@dataclass(frozen=True)
class Batch:
    """What a batch of actions did: one outcome per application, in the order asked, and the events
    of those that moved."""

    outcomes: list[dict]
    events: list[ApplicationChanged]


def act_many(session: Session, application_ids: list[int], action: str, actor: Actor, *, comment: str | None,
             now: datetime, calendar: WorkingCalendar) -> Batch:
    """`act` on each application in turn, each in a savepoint of its own: one that is refused (with
    the reason it would have had alone) leaves the others' moves standing."""
    outcomes, events = [], []
    for application_id in application_ids:
        try:
            with session.begin_nested():
                moved = act(session, application_id, action, actor, comment=comment, amount=None, now=now,
                            calendar=calendar)
        except (Conflict, Forbidden, Invalid, NotFound) as refused:
            outcomes.append({"id": application_id, "ok": False,
                             "error": {"code": refused.code, "message": refused.message, "details": refused.details}})
            continue
        last = moved.events[-1]
        outcomes.append({"id": application_id, "ok": True, "status": last.to_stage, "amount": last.amount})
        events.extend(moved.events)
    return Batch(outcomes, events)


def _commit_budget(session: Session, row, amount: Decimal | None) -> Decimal:
    """Reserve the approved amount against the policy's remaining budget; Conflict when it does not fit."""
    approved = row.amount if amount is None else yuan(amount)
    if approved is None:
        raise Invalid("approve needs an `amount`: the policy's formula gave none for this enterprise",
                      [{"field": "amount", "message": "required"}])
    if row.amount is not None and approved > row.amount:
        raise Invalid(f"amount {approved:.2f} is more than the formula gives ({row.amount:.2f})",
                      [{"field": "amount", "message": f"at most {row.amount:.2f}"}])
    budget = session.execute(_BUDGET_LOCKED, {"p_policy": row.policy_id}).one()
    if budget.budget is not None and budget.committed + approved > budget.budget:
        remaining = budget.budget - budget.committed
        raise Conflict(f"approving {approved:.2f} yuan would exceed policy {row.policy_id}'s remaining budget "
                       f"({remaining:.2f} of {budget.budget:.2f} yuan)",
                       {"remaining": remaining, "budget": budget.budget, "amount": approved})
    session.execute(_COMMIT_BUDGET, {"p_policy": row.policy_id, "p_amount": approved})
    return approved


# --- reading --------------------------------------------------------------------------------------

def get(session: Session | Connection, application_id: int, now: datetime) -> dict:
    row = session.execute(_APPLICATION, {"p_id": application_id}).first()
    if row is None:
        raise NotFound(f"no application {application_id}", {"application_id": application_id})
    return _answer(row, session.execute(_TIMELINE, {"p_id": application_id}), _materials_of(session, row),
                   session.execute(_HISTORY, {"p_id": application_id}), now)


def get_for(session: Session | Connection, application_id: int, actor: Actor, now: datetime) -> dict:
    """`get`, for an actor who may see the application (`visibility.may_see`); Forbidden (403) otherwise."""
    application = get(session, application_id, now)
    if not visibility.may_see(actor, application):
        raise Forbidden(f"application {application_id} is not yours to see",
                        {"role": actor.role.value, "application_id": application_id})
    return application


def answer(session: Session | Connection, written: Opened, now: datetime) -> dict:
    """What `get` gives right after `written`, in its transaction, reading only what the write does
    not know itself (none of it for a new application; its stages and history after an action)."""
    row = written.row
    stage_rows = (written.stage_rows if written.stage_rows is not None
                  else session.execute(_TIMELINE, {"p_id": row.id}))
    history_rows = (written.history_rows if written.history_rows is not None
                    else session.execute(_HISTORY, {"p_id": row.id}))
    return _answer(row, stage_rows, _materials_of(session, row), history_rows, now)


def _materials_of(session: Session | Connection, row) -> list[dict]:
    if row.material_list is not None:
        return row.material_list
    # a row from before `material_list` was kept
    return [{"name": material.name, "filename": material.filename, "media_type": material.media_type,
             "size": material.size, "sha256": material.sha256}
            for material in session.execute(_MATERIALS, {"p_id": row.id})]


def _answer(row, stage_rows, materials: list[dict], history_rows, now: datetime) -> dict:
    """The application as its readers see it, from its row, its stages and its history in order."""
    application = _summary(row)
    timeline = [{"stage": stage.stage, "entered_at": stage.entered_at.isoformat(),
                 "due_at": stage.due_at and stage.due_at.isoformat(),
                 "completed_at": stage.completed_at and stage.completed_at.isoformat(), "actor": stage.actor,
                 "provisional": bool(stage.due_provisional),
                 "overdue": deadlines.is_overdue(stage.due_at, stage.completed_at, now)}
                for stage in stage_rows]
    application.update(
        status=row.stage, timeline=timeline, overdue=bool(timeline and timeline[-1]["overdue"]),
        due_at=timeline[-1]["due_at"] if timeline and not timeline[-1]["completed_at"] else None,
        next=None if row.stage in TERMINAL else who_acts(Stage(row.stage)),
        form=row.form, note=row.note, materials=materials,
        history=[{"action": entry.action, "from": entry.from_stage, "to": entry.to_stage, "actor": entry.actor,
                  "comment": entry.comment, "amount": entry.amount, "at": entry.at.isoformat()}
                 for entry in history_rows])
    return application


def _summary(row) -> dict:
    return {"id": row.id, "policy_id": row.policy_id, "policy_title": row.policy_title, "department": row.department,
            "level": row.level, "county": row.county, "uscc": row.uscc, "enterprise_name": row.enterprise_name,
            "proactive": row.proactive, "stage": row.stage, "amount": row.amount,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}


def listing(session: Session, now: datetime, *, actor: Actor, status: str | None, overdue: bool | None,
            policy_id: int | None, limit: int, offset: int) -> dict:
    """What the caller may see, overdue first (longest overdue first), then newest."""
    open_stage = (select(stages.c.application_id, stages.c.due_at).where(stages.c.completed_at.is_(None))
                  .subquery())
    late = and_(open_stage.c.due_at.is_not(None), open_stage.c.due_at < now)
    query = select(applications, open_stage.c.due_at).outerjoin(
        open_stage, open_stage.c.application_id == applications.c.id)
    conditions = [*scope_conditions(actor)]
    if status is not None:
        conditions.append(applications.c.stage == status)
    if policy_id is not None:
        conditions.append(applications.c.policy_id == policy_id)
    if overdue is not None:
        conditions.append(late if overdue else ~late)
    query = query.where(*conditions)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(late.desc(), open_stage.c.due_at, applications.c.id.desc())
                           .limit(limit).offset(offset))
    items = []
    for row in rows:
        item = _summary(row)
        item.update(due_at=row.due_at and row.due_at.isoformat(),
                    overdue=deadlines.is_overdue(row.due_at, None, now))
        items.append(item)
    return {"items": items, "total": total}


def statistics(session: Session, actor: Actor) -> dict:
    """Counts by stage, and the share of redemptions (completed applications) that were proactive."""
    conditions = scope_conditions(actor)
    by_stage = dict(session.execute(select(applications.c.stage, func.count()).where(*conditions)
                                    .group_by(applications.c.stage)).tuples().all())
    completed = by_stage.get(Stage.completed.value, 0)
    proactive = session.execute(select(func.count()).select_from(applications).where(
        *conditions, applications.c.stage == Stage.completed, applications.c.proactive)).scalar_one()
    disbursed = session.execute(select(func.coalesce(func.sum(applications.c.amount), ZERO)).where(
        *conditions, applications.c.stage == Stage.completed)).scalar_one()
    return {"total": sum(by_stage.values()), "by_stage": by_stage, "completed": completed,
            "proactive_completed": proactive, "proactive_share": round(proactive / completed, 4) if completed else None,
            "disbursed_amount": disbursed}


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


# --- proactive offers the enterprise no longer matches -----------------------------------------------

WITHDRAWN_COMMENT = "企业已不再匹配该政策（条件变化或政策停止），免申即享要约撤回"
_OFFER_KEYS_CHUNK = 500


def policies_with_offers_waiting(session: Session | Connection) -> set[int]:
    """The policies with a proactive application waiting for confirmation: the only ones whose
    unmatched enterprises need looking up (a re-tag unmatches hundreds of thousands of pairs)."""
    return set(session.execute(_POLICIES_WITH_OFFERS_WAITING).scalars())


def offers_waiting(session: Session | Connection, pairs: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """(application id, policy id, uscc) of the proactive applications still waiting for confirmation
    among these (policy id, uscc) pairs, in the order of their ids."""
    keys = sorted({_open_key(uscc, policy_id) for policy_id, uscc in pairs})
    found: list[tuple[int, int, str]] = []
    for first in range(0, len(keys), _OFFER_KEYS_CHUNK):
        found.extend(session.execute(_OFFERS_WAITING, {"p_keys": keys[first:first + _OFFER_KEYS_CHUNK]}).tuples())
    return sorted(found)


# --- time: notices ending, alarms -------------------------------------------------------------------

def notices_ended(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Applications whose public notice has run its course without objection."""
    return list(session.execute(select(stages.c.application_id).where(
        stages.c.stage == Stage.public_notice, stages.c.completed_at.is_(None), stages.c.due_at < now)
        .order_by(stages.c.due_at).limit(limit)).scalars())


RESPONSIBLE = {Stage.acceptance: Role.window_clerk, Stage.routing: Role.window_clerk,
               Stage.review: Role.department_staff, Stage.objection: Role.department_staff,
               Stage.disbursement: Role.department_staff}


def raise_alarms(session: Session, now: datetime, calendar: WorkingCalendar, limit: int = 1000) -> list[dict]:
    """One alarm per overdue stage to the staff responsible, and one escalation to the city
    administrator a working day later; returns the alarms raised."""
    raised = []
    columns = (stages.c.id, stages.c.application_id, stages.c.stage, stages.c.due_at, stages.c.alarmed_at,
               stages.c.escalated_at, applications.c.department, applications.c.level, applications.c.county)
    open_late = [stages.c.completed_at.is_(None), stages.c.stage.in_(list(RESPONSIBLE))]
    # first alarms and escalations are looked for separately, so a crowd of stages waiting to be
    # escalated never holds back the first alarm of a stage that has just gone overdue
    first = session.execute(select(*columns).join(applications, applications.c.id == stages.c.application_id)
                            .where(*open_late, stages.c.due_at < now, stages.c.alarmed_at.is_(None))
                            .order_by(stages.c.due_at).limit(limit)).all()
    # an escalation comes a working day after the due day ends, so never less than a day after it
    later = session.execute(select(*columns).join(applications, applications.c.id == stages.c.application_id)
                            .where(*open_late, stages.c.due_at < now - timedelta(days=1),
                                   stages.c.alarmed_at.is_not(None), stages.c.escalated_at.is_(None))
                            .order_by(stages.c.due_at).limit(limit)).all()
    overdue = first + later
    alarmed, escalated = [], []
    for row in overdue:
        role = RESPONSIBLE[Stage(row.stage)]
        if role == Role.department_staff and row.level == PolicyLevel.county:
            role = Role.county_staff
        if row.alarmed_at is None:
            raised.append(_alarm(row, "overdue", role, now))
            alarmed.append({"key": row.id})
        if row.escalated_at is None and now > deadlines.escalation_at(calendar, row.due_at):
            raised.append(_alarm(row, "escalation", Role.city_admin, now))
            escalated.append({"key": row.id})
    if raised:
        session.execute(insert(alarms), raised)
    by_key = stages.c.id == bindparam("key")
    options = {"synchronize_session": False}
    if alarmed:
        session.execute(update(stages).where(by_key).values(alarmed_at=now), alarmed, execution_options=options)
    if escalated:
        session.execute(update(stages).where(by_key).values(escalated_at=now), escalated, execution_options=options)
    return raised


def _alarm(row, kind: str, role: Role, now: datetime) -> dict:
    return {"application_id": row.application_id, "stage_id": row.id, "stage": row.stage, "kind": kind,
            "role": role, "department": row.department, "county": row.county, "due_at": row.due_at,
            "raised_at": now}


def alarm_listing(session: Session, actor: Actor, limit: int, offset: int) -> dict:
    role = actor.role
    conditions = []
    if role == Role.department_staff:
        conditions = [alarms.c.role == Role.department_staff, alarms.c.department == actor.department]
    elif role == Role.county_staff:
        conditions = [alarms.c.role == Role.county_staff, alarms.c.county == actor.county]
    elif role == Role.window_clerk:
        conditions = [alarms.c.role == Role.window_clerk]
    elif role != Role.city_admin:
        return {"items": [], "total": 0}
    query = select(alarms).where(*conditions)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(alarms.c.id.desc()).limit(limit).offset(offset))
    return {"items": [{**row._mapping, "due_at": row.due_at.isoformat(), "raised_at": row.raised_at.isoformat()}
                      for row in rows], "total": total}


# --- the working-day calendar: a year's official arrangement loaded ------------------------------------

_RECOUNT_CHUNK = 200


def recount_year(session: Session, calendar: WorkingCalendar, year: int) -> int:
    """Count again, on `calendar`, the due times of every application with a stage counted across `year`
    (China days): entered before it ended and due after it began, or left without a due time by a release
    that had no provisional years. Whole timelines, as a resumed stage's due time follows from the earlier
    entry's. Returns how many stages' due times changed. An alarm already raised stays raised."""
    begins = datetime(year, 1, 1, tzinfo=CHINA)
    ends = datetime(year + 1, 1, 1, tzinfo=CHINA)
    touched = (select(stages.c.application_id).where(
        or_(and_(stages.c.entered_at < ends, stages.c.due_at >= begins),
            and_(stages.c.due_at.is_(None), stages.c.due_note.is_not(None))))
        .distinct().order_by(stages.c.application_id))
    application_ids = list(session.execute(touched).scalars())
    changed = []
    for first in range(0, len(application_ids), _RECOUNT_CHUNK):
        part = application_ids[first:first + _RECOUNT_CHUNK]
        limits = {row.id: row.stage_limits for row in session.execute(
            select(applications.c.id, applications.c.stage_limits).where(applications.c.id.in_(part)))}
        timelines: dict[int, list] = {}
        for row in session.execute(select(stages).where(stages.c.application_id.in_(part)).order_by(stages.c.id)):
            timelines.setdefault(row.application_id, []).append(row)
        for application_id, rows in timelines.items():
            dues = deadlines.recount(calendar, [deadlines.StageTiming(row.stage, row.entered_at, row.completed_at)
                                                for row in rows], limits[application_id])
            for row, due in zip(rows, dues, strict=True):
                at = due.at and due.at.astimezone(UTC)
                if at != row.due_at or due.provisional != bool(row.due_provisional) or row.due_note is not None:
                    changed.append({"key": row.id, "p_due_at": at, "p_provisional": due.provisional})
    if changed:
        session.execute(update(stages).where(stages.c.id == bindparam("key"))
                        .values(due_at=bindparam("p_due_at"), due_provisional=bindparam("p_provisional"),
                                due_note=None),
                        changed, execution_options={"synchronize_session": False})
    return len(changed)
