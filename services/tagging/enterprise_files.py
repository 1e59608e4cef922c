"""One file per enterprise (一企一档): applying updates in batches, and reading a file back.

A bulk batch of 1,000 is one transaction: one SELECT for the files it touches, merges and tags
in memory, then bulk INSERT/UPDATE statements.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import eventlet
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from services.tagging.domain.catalogue import Catalogue
from services.tagging.domain.derived import derive
from services.tagging.domain.merge import Applied, ProfileState, merge
from services.tagging.intake import Intake
from services.tagging.models import enterprises, profile_versions, quarantine, stale_messages
from shared.contracts.events import EnterpriseSnapshot
from shared.contracts.gov import QuarantineState, Status
from shared.errors import Conflict, NotFound

YIELD_EVERY = 100


@dataclass
class _File:
    state: ProfileState | None
    tags: dict[str, dict]
    exists: bool
    created_at: datetime | None = None
    changed: bool = False          # version or tags moved: tell the policy service
    touched: bool = False          # sequences moved: write the row
    facts: dict[str, Any] | None = None   # derived from the profile as it is now, once changed


@dataclass
class Outcome:
    snapshots: list[EnterpriseSnapshot] = field(default_factory=list)
    applied: int = 0
    stale: int = 0
    quarantined: int = 0


def _state_of(row) -> ProfileState:
    return ProfileState(profile=dict(row.profile), sources=dict(row.sources),
                        sequences=dict(row.sequences), version=row.version)


def status_of(profile: dict) -> str:
    return (Status.deregistered if profile.get("status") == Status.deregistered else Status.active).value


def apply(session: Session, intake: Intake, catalogue: Catalogue, today: date, now: datetime) -> Outcome:
    outcome = Outcome()
    _quarantine(session, intake, now)
    outcome.quarantined = len(intake.rejected)
    if not intake.updates:
        return outcome

    usccs = sorted({update_.uscc for update_ in intake.updates})
    files = {uscc: _File(None, {}, False) for uscc in usccs}
    # FOR UPDATE: two batches touching one enterprise (say, tax and market regulation at once)
    # must take turns, or both would write the same next version (PostgreSQL; SQLite has one writer)
    for row in session.execute(select(enterprises).where(enterprises.c.uscc.in_(usccs))
                               .order_by(enterprises.c.uscc).with_for_update()):
        files[row.uscc] = _File(_state_of(row), dict(row.tags), True, row.created_at)

    versions, stale = [], []
    occurred = {update_.occurred_at: update_.occurred_at.isoformat() for update_ in intake.updates}
    for position, update_ in enumerate(intake.updates):
        if position % YIELD_EVERY == YIELD_EVERY - 1:
            eventlet.sleep(0)  # a batch of 1,000 is CPU work: let heartbeats and RPC replies through
        file = files[update_.uscc]
        # provenance keeps the time as ISO text: it is stored as JSON as it is
        result = merge(file.state, update_.source, update_.sequence, update_.fields, occurred[update_.occurred_at])
        if not isinstance(result, Applied):
            stale.append({"event_id": update_.event_id, "uscc": update_.uscc, "source": update_.source,
                          "sequence": update_.sequence, "last_applied": result.last_applied, "received_at": now})
            continue
        outcome.applied += 1
        before = file.state
        file.state, file.touched = result.state, True
        if before is not None and result.state.version == before.version:
            continue
        file.facts = derive(result.state.profile, today)
        tags = catalogue.assign(file.facts)
        old_profile = before.profile if before else {}
        versions.append({
            "uscc": update_.uscc, "version": result.state.version, "source": update_.source,
            "sequence": update_.sequence, "event_id": update_.event_id, "at": now,
            "changes": {name: {"from": old_profile.get(name), "to": result.state.profile.get(name)}
                        for name in result.changed},
            "tags_added": sorted(set(tags) - set(file.tags)), "tags_removed": sorted(set(file.tags) - set(tags)),
        })
        file.tags, file.changed = tags, True
    outcome.stale = len(stale)

    _write(session, files, now)
    if versions:
        session.execute(insert(profile_versions), versions)
    if stale:
        session.execute(insert(stale_messages), stale)
    outcome.snapshots = [snapshot(uscc, file.state, file.tags, file.facts) for uscc, file in files.items()
                         if file.changed]
    return outcome


def snapshot(uscc: str, state: ProfileState, tags: dict, facts: dict[str, Any]) -> EnterpriseSnapshot:
    """What the policy service is told of an enterprise; `facts` are `derive`d from `state.profile`
    (its tags were assigned from them)."""
    return EnterpriseSnapshot(uscc=uscc, version=state.version, status=status_of(state.profile),
                              facts=facts, tags=sorted(tags))


def _write(session: Session, files: dict[str, _File], now: datetime) -> None:
    new, changed = [], []
    for uscc, file in files.items():
        if not file.touched:
            continue
        row = {"profile": file.state.profile, "sources": file.state.sources,
               "sequences": file.state.sequences, "version": file.state.version,
               "status": status_of(file.state.profile), "tags": file.tags, "updated_at": now}
        if file.exists:
            changed.append({"key": uscc, **row})
        else:
            new.append({"uscc": uscc, "created_at": now, **row})
    if new:
        session.execute(insert(enterprises), new)
    if changed:
        session.execute(update(enterprises).where(enterprises.c.uscc == bindparam("key")), changed,
                        execution_options={"synchronize_session": False})


def _quarantine(session: Session, intake: Intake, now: datetime) -> None:
    if intake.rejected:
        session.execute(insert(quarantine), [
            {"event_id": item.event_id, "routing_key": item.routing_key, "source": item.source,
             "item_index": item.item_index, "body": item.body, "reason": item.reason, "errors": item.errors,
             "received_at": now, "state": QuarantineState.waiting, "resolution": None, "resolved_at": None,
             "corrected_body": None}
            for item in intake.rejected])


# reading ---------------------------------------------------------------------------------------
def read_file(session: Session, uscc: str, today: date) -> dict[str, Any]:
    row = session.execute(select(enterprises).where(enterprises.c.uscc == uscc)).first()
    if row is None:
        raise NotFound(f"no enterprise {uscc} is known to the platform", {"uscc": uscc})
    facts = derive(row.profile, today)
    return {
        "uscc": uscc, **row.profile, "status": row.status, "version": row.version,
        "tags": sorted(row.tags), "tag_evidence": row.tags, "sources": row.sources,
        "derived": {name: value for name, value in facts.items() if name not in row.profile},
        "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat(),
    }


def contact_phone(session: Session, uscc: str) -> str | None:
    """The enterprise's contact phone as government data holds it; None when it has none, or no file."""
    row = session.execute(select(enterprises.c.profile).where(enterprises.c.uscc == uscc)).first()
    return None if row is None else row.profile.get("contact_phone")


def next_sequence(session: Session, uscc: str, source: str) -> int:
    """The next sequence of `source` for this enterprise, its file locked; NotFound if it has no file."""
    row = session.execute(select(enterprises.c.sequences).where(enterprises.c.uscc == uscc)
                          .with_for_update()).first()
    if row is None:
        raise NotFound(f"no enterprise {uscc} is known to the platform", {"uscc": uscc})
    return int(row.sequences.get(source, 0)) + 1


def history(session: Session, uscc: str, *, limit: int, offset: int) -> dict[str, Any]:
    """Every profile version of the enterprise, newest first; NotFound if it has no file."""
    if session.execute(select(enterprises.c.uscc).where(enterprises.c.uscc == uscc)).first() is None:
        raise NotFound(f"no enterprise {uscc} is known to the platform", {"uscc": uscc})
    rows = session.execute(select(profile_versions).where(profile_versions.c.uscc == uscc)
                           .order_by(profile_versions.c.version.desc()).limit(limit).offset(offset))
    total = session.execute(select(func.count()).select_from(profile_versions)
                            .where(profile_versions.c.uscc == uscc)).scalar_one()
    return {"items": [{**row._mapping, "at": row.at.isoformat()} for row in rows], "total": total}


def list_quarantine(session: Session, *, state: str | None, limit: int, offset: int) -> dict[str, Any]:
    query = select(quarantine).order_by(quarantine.c.id.desc())
    counting = select(func.count()).select_from(quarantine)
    if state:
        query, counting = query.where(quarantine.c.state == state), counting.where(quarantine.c.state == state)
    items = [quarantine_item(row) for row in session.execute(query.limit(limit).offset(offset))]
    return {"items": items, "total": session.execute(counting).scalar_one()}


def quarantine_item(row) -> dict[str, Any]:
    return {**row._mapping, "received_at": row.received_at.isoformat(),
            "resolved_at": row.resolved_at and row.resolved_at.isoformat()}


def waiting_quarantined(session: Session, quarantine_id: int):
    """The quarantined message, locked; NotFound if there is none, Conflict unless it is still waiting."""
    row = session.execute(select(quarantine).where(quarantine.c.id == quarantine_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"no quarantined message {quarantine_id}", {"quarantine_id": quarantine_id})
    if row.state != QuarantineState.waiting:
        raise Conflict(f"quarantined message {quarantine_id} is already {row.state}: {row.resolution}",
                       {"quarantine_id": quarantine_id, "state": row.state})
    return row


def resolve_quarantined(session: Session, quarantine_id: int, *, state: str, resolution: str, now: datetime,
                        corrected_body: str | None = None) -> dict[str, Any]:
    session.execute(update(quarantine).where(quarantine.c.id == quarantine_id).values(
        state=state, resolution=resolution, resolved_at=now, corrected_body=corrected_body))
    return quarantine_item(session.execute(select(quarantine).where(quarantine.c.id == quarantine_id)).one())


def counts(session: Session) -> dict[str, int]:
    def count(table, *where):
        return session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    return {"enterprises": count(enterprises), "stale": count(stale_messages),
            "quarantined": count(quarantine, quarantine.c.state == QuarantineState.waiting),
            "versions": count(profile_versions)}
