"""Re-tagging every enterprise after the catalogue changed, as a job with progress.

A job walks the enterprises in code order, `BATCH` at a time, each batch one transaction that
locks its rows, tags them with the catalogue of that moment, writes only those whose tags
changed (a new profile version with source `catalogue`, so the history says why), advances the
job's cursor and emits their snapshots. A runner holds a job by a lease it renews every batch,
so a job whose process died is taken up again by any process, from its cursor.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import eventlet
from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from services.tagging.domain.catalogue import NO_TAGS, Catalogue
from services.tagging.domain.derived import derive
from services.tagging.domain.merge import ProfileState
from services.tagging.enterprise_files import snapshot
from services.tagging.models import catalogue_revision, enterprises, jobs, profile_versions
from shared import eligibility
from shared.contracts.actors import Actor
from shared.contracts.events import EnterpriseSnapshot
from shared.contracts.gov import Status
from shared.contracts.tags import JobState
from shared.errors import Invalid, NotFound

BATCH = 500
LEASE = timedelta(seconds=60)
YIELD_EVERY = 100
CATALOGUE_SOURCE = "catalogue"
PREVIEW_CHUNK = 2000


def enqueue(session: Session, kind: str, tag_code: str | None, revision: int, actor: Actor | None,
            now: datetime) -> dict[str, Any]:
    total = session.execute(select(func.count()).select_from(enterprises)).scalar_one()
    job_id = session.execute(insert(jobs).values(
        kind=kind, tag_code=tag_code, revision=revision, state=JobState.queued, total=total, done=0, changed=0,
        cursor="", actor=actor and actor.model_dump(mode="json"), created_at=now)).inserted_primary_key[0]
    return get(session, job_id)


def public(row) -> dict[str, Any]:
    job = dict(row._mapping)
    job.pop("lease_until")
    job["total"] = max(job["total"], job["done"])   # enterprises registered while it ran
    for name in ("created_at", "started_at", "finished_at"):
        job[name] = job[name] and job[name].isoformat()
    return job


def get(session: Session, job_id: int) -> dict[str, Any]:
    row = session.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"no job {job_id}", {"job_id": job_id})
    return public(row)


def listing(session: Session, limit: int, offset: int) -> dict[str, Any]:
    total = session.execute(select(func.count()).select_from(jobs)).scalar_one()
    rows = session.execute(select(jobs).order_by(jobs.c.id.desc()).limit(limit).offset(offset))
    return {"items": [public(row) for row in rows], "total": total}


def _claimable(now: datetime):
    return (jobs.c.state.in_((JobState.queued, JobState.running)),
            or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now))


def work_waiting(session: Session, today: date, now: datetime) -> bool:
    """Whether a new day or a job waits: read without locks, so the timer that asks every second
    takes the write lock only when there is something to write."""
    retagged_on = session.execute(select(catalogue_revision.c.retagged_on)
                                  .where(catalogue_revision.c.id == 1)).scalar()
    if retagged_on != today.isoformat():
        return True
    return session.execute(select(jobs.c.id).where(*_claimable(now)).limit(1)).first() is not None


def claim(session: Session, now: datetime) -> int | None:
    """The oldest unfinished job no live runner holds, now held by the caller; None if there is none."""
    row = session.execute(select(jobs.c.id).where(*_claimable(now))
                          .order_by(jobs.c.id).limit(1).with_for_update()).first()
    if row is None:
        return None
    session.execute(update(jobs).where(jobs.c.id == row.id).values(
        state=JobState.running, lease_until=now + LEASE, started_at=func.coalesce(jobs.c.started_at, now)))
    return row.id


def run_batch(session: Session, job_id: int, catalogue: Catalogue, today: date, now: datetime
              ) -> tuple[list[EnterpriseSnapshot], bool]:
    """One batch of the job: the snapshots of enterprises whose tags changed, and whether it is done."""
    job = session.execute(select(jobs).where(jobs.c.id == job_id).with_for_update()).one()
    # only what tags need: decoding the sources and sequences JSON of every row was a third of the job
    rows = session.execute(select(enterprises.c.uscc, enterprises.c.profile, enterprises.c.tags,
                                  enterprises.c.version)
                           .where(enterprises.c.uscc > job.cursor)
                           .order_by(enterprises.c.uscc).limit(BATCH).with_for_update()).all()
    changed_rows, evidence_only, versions, snapshots = [], [], [], []
    for position, row in enumerate(rows):
        if position % YIELD_EVERY == YIELD_EVERY - 1:
            eventlet.sleep(0)
        facts = derive(row.profile, today)
        tags = catalogue.assign(facts)
        if set(tags) == set(row.tags):
            if tags != row.tags:   # the same tags, by a rule that reads other values now
                evidence_only.append({"key": row.uscc, "tags": tags})
            continue
        version = row.version + 1
        changed_rows.append({"key": row.uscc, "tags": tags, "version": version, "updated_at": now})
        versions.append({"uscc": row.uscc, "version": version, "source": CATALOGUE_SOURCE, "sequence": job_id,
                         "event_id": f"job-{job_id}", "changes": {}, "at": now,
                         "tags_added": sorted(set(tags) - set(row.tags)),
                         "tags_removed": sorted(set(row.tags) - set(tags))})
        state = ProfileState(profile=row.profile, sources={}, sequences={}, version=version)  # a snapshot reads no more
        snapshots.append(snapshot(row.uscc, state, tags, facts))
    statement = update(enterprises).where(enterprises.c.uscc == bindparam("key"))
    options = {"synchronize_session": False}
    if changed_rows:
        session.execute(statement, changed_rows, execution_options=options)
        session.execute(insert(profile_versions), versions)
    if evidence_only:
        session.execute(statement, evidence_only, execution_options=options)
    finished = len(rows) < BATCH
    values: dict[str, Any] = {"done": job.done + len(rows), "changed": job.changed + len(changed_rows),
                              "lease_until": now + LEASE}
    if rows:
        values["cursor"] = rows[-1].uscc
    if finished:
        values.update(state=JobState.done, finished_at=now, lease_until=None)
    session.execute(update(jobs).where(jobs.c.id == job_id).values(**values))
    return snapshots, finished


def fail(session: Session, job_id: int, error: str, now: datetime) -> None:
    session.execute(update(jobs).where(jobs.c.id == job_id)
                    .values(state=JobState.failed, error=error, finished_at=now, lease_until=None))


def new_day(session: Session, today: date) -> bool:
    """Whether the date moved since the last daily re-tag (age tags depend on it); records today.
    The first day the platform runs needs none: every tag was given today."""
    iso = today.isoformat()
    row = session.execute(select(catalogue_revision).where(catalogue_revision.c.id == 1).with_for_update()).first()
    if row is None or row.retagged_on == iso:
        return False
    session.execute(update(catalogue_revision).where(catalogue_revision.c.id == 1).values(retagged_on=iso))
    return row.retagged_on is not None


def preview(session: Session, rule: Any, code: str | None, today: date, sample_size: int = 10) -> dict[str, Any]:
    """How many active enterprises a rule would tag; for an existing tag also who would gain and lose it."""
    try:
        check = eligibility.compile_rule(eligibility.parse(rule, NO_TAGS))
    except eligibility.RuleError as error:
        raise Invalid(f"rule {error.path}: {error.message}",
                      [{"field": f"rule{error.path[1:]}", "message": error.message}]) from None
    counts = {"would_have": 0, "gain": 0, "lose": 0, "active": 0}
    samples: dict[str, list[dict[str, str]]] = {"would_have": [], "gain": [], "lose": []}
    cursor = ""
    while True:
        rows = session.execute(select(enterprises.c.uscc, enterprises.c.profile, enterprises.c.tags)
                               .where(enterprises.c.uscc > cursor, enterprises.c.status == Status.active)
                               .order_by(enterprises.c.uscc).limit(PREVIEW_CHUNK)).all()
        for row in rows:
            counts["active"] += 1
            has = check(derive(row.profile, today), NO_TAGS)
            had = code is not None and code in row.tags
            for key, holds in (("would_have", has), ("gain", has and not had), ("lose", had and not has)):
                if holds:
                    counts[key] += 1
                    if len(samples[key]) < sample_size:
                        samples[key].append({"uscc": row.uscc, "name": row.profile.get("name")})
        if len(rows) < PREVIEW_CHUNK:
            break
        cursor = rows[-1].uscc
        eventlet.sleep(0)
    return {**counts, "samples": samples}
