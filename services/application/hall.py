"""The application hall: opening applications and moving them through their stages.

Every function takes the session of one transaction; the caller emits the events of what they return.
Each reads through the stores (`application_store`, `budget_store`, `alarm_store`), decides by the pure
rules of `domain` (the lifecycle, due times, budgets, answers), and writes what those decided. Due times
count on the working-day calendar the service's register holds (`calendar`).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from services.application import alarm_store, application_store, budget_store
from services.application.domain import (
    alarms,
    answers,
    budget,
    deadlines,
    moves,
    opening,
    public_notice,
    visibility,
)
from services.application.domain.materials import CheckedMaterial, MaterialError, merge
from services.application.domain.moves import SYSTEM
from services.application.domain.proactive import WITHDRAWN_COMMENT
from services.application.domain.refusals import Refused
from shared.contracts.actors import Actor
from shared.contracts.applications import ApplicationAction, Stage
from shared.contracts.events import AlarmsRaised, ApplicationChanged, alarms_raised
from shared.database import SessionOrConnection
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.money import ZERO
from shared.workdays import WorkingCalendar

_ERRORS = {error.status: error for error in (Forbidden, Conflict, Invalid)}


@contextmanager
def _refusals_as_errors() -> Iterator[None]:
    """A rule's refusal raised as the service error of its status, which crosses RPC typed."""
    try:
        yield
    except Refused as refused:
        raise _ERRORS[refused.status](refused.reason, refused.details) from None
    except MaterialError as error:
        raise Invalid(str(error), error.details) from None


@dataclass(frozen=True)
class Moved:
    """What a move did (opening puts an application in its first stage, an action moves it on): the
    application's id and the events to emit; and, so the writer can answer without reading back what it
    wrote (see `answer`), the application's row as it now stands, with its stages and history when the
    move knows all of them (a new application)."""

    application_id: int
    events: list[ApplicationChanged]
    row: Any = None
    stage_rows: list | None = None
    history_rows: list | None = None


def open_application(session: SessionOrConnection, terms: dict, *, note: str | None,
                     checked_materials: list[CheckedMaterial], actor: Actor, now: datetime,
                     calendar: WorkingCalendar, proactive: bool = False) -> Moved:
    """A new application for `terms` (from the policy service): refused unless the policy is published,
    redeemable and matched, and unless the enterprise has no open application of the same exclusive group."""
    with _refusals_as_errors():
        opening.check_terms(terms)
        policy, uscc = terms["policy"], terms["uscc"]
        group, key = policy["exclusive_group"], opening.open_key(uscc, policy["id"])
        # what is committed already, read first to name it; a submission committing meanwhile is caught
        # by the inserts below, which wait for it
        existing = application_store.open_for_pair(session, key)
        if existing is not None:
            raise opening.already_open(uscc, policy["id"], existing)
        if group:
            holder = application_store.exclusive_holder(session, uscc, group)
            if holder is not None:
                raise opening.exclusive(policy, holder.policy_id, holder.application_id)
        values = opening.application(terms, proactive=proactive, note=note, created_by=actor, now=now,
                                     materials=[material.record() for material in checked_materials])
        application_id = application_store.insert_application(session, values)
        if application_id is None:   # the unique open_key: a submission for the pair committed meanwhile
            raise opening.already_open(uscc, policy["id"], application_store.open_for_pair(session, key))
        if group and not application_store.claim(session, uscc, group, application_id, policy["id"]):
            # an application of the group committed meanwhile
            holder = application_store.exclusive_holder(session, uscc, group)
            raise opening.exclusive(policy, holder and holder.policy_id, holder and holder.application_id)
    application_store.insert_materials(session, application_id, values["material_list"], now)
    step = moves.Step(opening.opening_action(proactive), None, Stage(values["stage"]), actor, note)
    entered = application_store.stage_row(application_id, step.to_stage, now,
                                          deadlines.due_of_entry(calendar, now, step.to_stage, values["stage_limits"]))
    application_store.insert_stages(session, entered)
    written = application_store.history_row(application_id, step, now)
    application_store.insert_history(session, written)
    budget_store.ensure(session, policy)
    row = SimpleNamespace(id=application_id, **values)
    return Moved(application_id, [moves.changed(vars(row), step, at=now, due_at=entered["due_at"])], row=row,
                 stage_rows=[SimpleNamespace(**entered)], history_rows=[SimpleNamespace(**written)])


def act(session: SessionOrConnection, application_id: int, action: str, actor: Actor, *, comment: str | None,
        amount: Decimal | None, now: datetime, calendar: WorkingCalendar,
        checked_materials: list[CheckedMaterial] | None = None) -> Moved:
    """Take `action` on the application; Conflict (409) or Forbidden (403) with the reason otherwise.

    `checked_materials` (already stored) come with a `resubmit` only: each replaces the material of the
    same name or is added, at most MAX_MATERIALS in all (Invalid otherwise).

    An action that ends in `routing` is followed at once by the hall's own `route` (`moves.steps`): both
    moves are written together, each with its stage row, history entry and event."""
    row = application_store.lock(session, application_id)
    if row is None:
        raise NotFound(f"no application {application_id}", {"application_id": application_id})
    stage = Stage(row.stage)
    with _refusals_as_errors():
        taken = moves.transition(row, action, actor)
        if taken.action == ApplicationAction.object:
            # read under the application's row lock (taken first), so one objector's two calls queue
            public_notice.check_objection(application_id, actor, comment,
                                          application_store.objectors(session, application_id))
        material_list = row.material_list
        if checked_materials:
            moves.check_materials_allowed(action)
            material_list = merge(row.material_list, checked_materials)
            application_store.replace_materials(session, application_id, checked_materials, material_list, now)
        new_amount = _settle_budget(session, row, budget.effect_of(stage, action), amount)
    resumed = None
    if taken.resumes_clock:
        # the clock stopped while it was returned: the working time left at the return counts on from now
        returned = application_store.last_entry(session, application_id, taken.next_stage)
        if returned.due_at is not None:
            resumed = deadlines.due_of_resumption(calendar, deadlines.Due(returned.due_at, returned.due_provisional),
                                                  returned.completed_at, now)
    left_due_at = application_store.complete_open_stage(session, application_id, now, actor)
    steps = moves.steps(taken, actor, comment, new_amount)
    entered = [application_store.stage_row(
        application_id, step.to_stage, now,
        resumed if number == 0 and resumed is not None
        else deadlines.due_of_entry(calendar, now, step.to_stage, row.stage_limits),
        completed_by=steps[number + 1].actor if number + 1 < len(steps) else None)
        for number, step in enumerate(steps)]
    application_store.insert_stages(session, entered)
    final = steps[-1].to_stage
    settled = moves.settled(stage, final, row.open_key)
    application_store.move(session, application_id, settled, new_amount, now)
    if row.exclusive_group and moves.releases_claim(final):
        application_store.release_claim(session, application_id)
    application_store.insert_history(session, [application_store.history_row(application_id, step, now)
                                               for step in steps])
    after = {**row._mapping, **settled, "amount": new_amount, "updated_at": now, "material_list": material_list}
    # each step left the stage the one before it entered (the first: the stage that was open)
    left = [left_due_at, *(stage["due_at"] for stage in entered[:-1])]
    return Moved(application_id, [moves.changed({**after, "stage": step.to_stage}, step, at=now,
                                                due_at=stage["due_at"], left_stage_due_at=left_at)
                                  for step, stage, left_at in zip(steps, entered, left, strict=True)],
                 row=SimpleNamespace(**after))


def _settle_budget(session: SessionOrConnection, row: Any, effect: budget.Effect | None,
                   asked: Decimal | None) -> Decimal | None:
    """Apply the move's `effect` to the policy's budget; the application's amount after it."""
    if effect is budget.Effect.commit:
        approved = budget.approved_amount(row.amount, asked)
        held = budget_store.lock(session, row.policy_id)
        budget.check_fits(row.policy_id, held.budget, held.committed, approved)
        budget_store.commit(session, row.policy_id, approved)
        return approved
    if effect is budget.Effect.release:
        budget_store.commit(session, row.policy_id, -(row.amount or ZERO))
    elif effect is budget.Effect.disburse:
        budget_store.disburse(session, row.policy_id, row.amount or ZERO)
    return row.amount


def public_record(written: Moved, *, comment: str, now: datetime) -> dict:
    """What an objector is answered: the notice's public record with the objection, never the form."""
    return public_notice.record(vars(written.row), comment=comment, at=now)


@dataclass(frozen=True)
class Batch:
    """What a batch of actions did: one outcome per application, in the order asked, and the events
    of those that moved."""

    outcomes: list[dict]
    events: list[ApplicationChanged]


def act_many(session: SessionOrConnection, application_ids: list[int], action: str, actor: Actor, *,
             comment: str | None, now: datetime, calendar: WorkingCalendar) -> Batch:
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


# --- proactive redemption (免申即享) ---------------------------------------------------------------------------

def open_offers(session: SessionOrConnection, offers: Iterable[Mapping[str, Any]], *, now: datetime,
                calendar: WorkingCalendar) -> list[Moved]:
    """An offer for each of `offers` (`proactive.offers`), each in a savepoint of its own; none where the
    enterprise applied itself, or has an application of the policy's exclusive group open."""
    opened = []
    for terms in offers:
        try:
            with session.begin_nested():
                opened.append(open_application(session, terms, note=None, checked_materials=[], actor=SYSTEM,
                                               now=now, calendar=calendar, proactive=True))
        except Conflict:
            continue
    return opened


def withdraw_offers(session: SessionOrConnection, application_ids: Iterable[int], *, now: datetime,
                    calendar: WorkingCalendar) -> list[Moved]:
    """Withdraw each of the offers (`proactive.lapsed`), each in a savepoint of its own."""
    withdrawn = []
    for application_id in application_ids:
        try:
            with session.begin_nested():
                withdrawn.append(act(session, application_id, ApplicationAction.withdraw, SYSTEM,
                                     comment=WITHDRAWN_COMMENT, amount=None, now=now, calendar=calendar))
        except (Conflict, Forbidden):
            continue   # confirmed meanwhile (the staff decide from here), or withdrawn already
    return withdrawn


# --- reading --------------------------------------------------------------------------------------------------

def get(session: SessionOrConnection, application_id: int, now: datetime) -> dict:
    row = application_store.read(session, application_id)
    if row is None:
        raise NotFound(f"no application {application_id}", {"application_id": application_id})
    return answers.application(row, application_store.timeline(session, application_id),
                               application_store.history_of(session, application_id), now)


def get_for(session: SessionOrConnection, application_id: int, actor: Actor, now: datetime) -> dict:
    """`get`, for an actor who may see the application (`visibility.may_see`); Forbidden (403) otherwise."""
    application = get(session, application_id, now)
    if not visibility.may_see(actor, application):
        raise Forbidden(f"application {application_id} is not yours to see",
                        {"role": actor.role.value, "application_id": application_id})
    return as_seen_by(application, actor)


def as_seen_by(application: dict, actor: Actor) -> dict:
    """The application with the actions `actor` may ask for on it now (`answers.offered`)."""
    return {**application, "actions": answers.offered(application, actor)}


def answer(session: SessionOrConnection, written: Moved, now: datetime) -> dict:
    """What `get` gives right after `written`, in its transaction, reading only what the write does
    not know itself (none of it for a new application; its stages and history after an action)."""
    row = written.row
    stage_rows = (written.stage_rows if written.stage_rows is not None
                  else application_store.timeline(session, row.id))
    history_rows = (written.history_rows if written.history_rows is not None
                    else application_store.history_of(session, row.id))
    return answers.application(row, stage_rows, history_rows, now)


def listing(session: SessionOrConnection, now: datetime, *, actor: Actor, status: str | None,
            overdue: bool | None, policy_id: int | None, limit: int, offset: int,
            uscc: str | None = None) -> dict:
    """What `actor` may see, overdue first (longest overdue first), then newest."""
    rows, total = application_store.listing(session, now, actor, status=status, overdue=overdue,
                                            policy_id=policy_id, limit=limit, offset=offset, uscc=uscc)
    return {"items": [answers.listed(row, now) for row in rows], "total": total}


def statistics(session: SessionOrConnection, actor: Actor) -> dict:
    """Of what `actor` may see: counts by stage, and the share of redemptions (completed applications) that
    were proactive."""
    return answers.statistics(*application_store.counts(session, actor))


# --- time: notices ending, alarms, a year's calendar loaded ---------------------------------------------------

def end_notices(session: SessionOrConnection, now: datetime, calendar: WorkingCalendar) -> list[Moved]:
    """The public notices that ran their course without objection end: on to disbursement."""
    return [act(session, application_id, ApplicationAction.end_notice, SYSTEM, comment=public_notice.ENDED_COMMENT,
                amount=None, now=now, calendar=calendar)
            for application_id in application_store.notices_ended(session, now)]


def raise_alarms(session: SessionOrConnection, now: datetime, calendar: WorkingCalendar,
                 limit: int = 1000) -> list[dict]:
    """One alarm per overdue stage to the staff responsible, and one escalation to the city
    administrator a working day later; returns the alarms raised."""
    raised, alarmed, escalated = [], [], []
    for stage in alarm_store.overdue(session, now, list(alarms.RESPONSIBLE),
                                     escalating_after=now - alarms.EARLIEST_ESCALATION, limit=limit):
        if stage.alarmed_at is None:
            raised.append(alarm_store.alarm_row(stage, "overdue", alarms.told(stage.stage, stage.level), now))
            alarmed.append(stage.id)
        if stage.escalated_at is None and alarms.escalates(calendar, stage.due_at, now):
            raised.append(alarm_store.alarm_row(stage, "escalation", alarms.ESCALATED_TO, now))
            escalated.append(stage.id)
    alarm_store.record(session, raised, alarmed, escalated, now)
    return raised


def alarms_announced(raised: list[dict]) -> list[AlarmsRaised]:
    """The events that tell the notification service of the alarms `raised` (none for none)."""
    return alarms_raised("application", [alarms.announced(alarm) for alarm in raised])


def alarm_listing(session: SessionOrConnection, actor: Actor, limit: int, offset: int) -> dict:
    fields = alarms.seen_by(actor)
    if fields is None:
        return {"items": [], "total": 0}
    return alarm_store.listing(session, fields, limit, offset)


def recount_year(session: SessionOrConnection, calendar: WorkingCalendar, year: int) -> int:
    """Count again, on `calendar`, the due times of every application with a stage counted across `year`
    (`application_store.timelines_across`). Whole timelines, as a resumed stage's due time follows from the
    earlier entry's. Returns how many stages' due times changed. An alarm already raised stays raised."""
    changed = []
    for limits, rows in application_store.timelines_across(session, year):
        dues = deadlines.recount(calendar, [deadlines.StageTiming(row.stage, row.entered_at, row.completed_at)
                                            for row in rows], limits)
        changed.extend((row.id, due) for row, due in zip(rows, dues, strict=True)
                       if due.at != row.due_at or due.provisional != row.due_provisional)
    application_store.set_due_times(session, changed)
    return len(changed)
