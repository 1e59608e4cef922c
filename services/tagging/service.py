"""Tagging service: entrypoints only. Validation in `intake`, files in `enterprise_files`, rules in `domain`."""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

import eventlet
from nameko.timer import timer

from services.tagging import catalogue_store, enterprise_files, intake, replay, retagging, tag_uses
from services.tagging.dependencies import CatalogueProvider
from shared import clock
from shared.consumer import Delivery, handles
from shared.contracts.actors import Actor
from shared.contracts.events import EVENTS, EnterprisesTagged
from shared.contracts.gov import QuarantineState
from shared.dead_letters import DeadLetterRpc
from shared.errors import EXPECTED
from shared.health import HealthRpc
from shared.logs import Logger
from shared.rpc import rpc
from shared.store import Store
from shared.time_travel import ClockListener
from shared.topology import in_bulk_lane

SNAPSHOTS_PER_EVENT = 1000
BULK_PART = 100      # enterprises of a bulk batch per transaction (and so per enterprise.tagged.bulk event)
SELF_SOURCE = "self"  # what the enterprise declares itself (its interests)
JOB_CHECK_S = 1.0    # how often to look for re-tag jobs (and a new day)


def _identity(delivery: Delivery) -> str:
    """A message without a usable event_id is still handled once: its body is its identity."""
    return delivery.event_id or "sha256:" + hashlib.sha256(delivery.raw.encode()).hexdigest()


class TaggingService(ClockListener, HealthRpc, DeadLetterRpc):
    name = "tagging"

    store = Store()
    log = Logger()
    catalogue = CatalogueProvider()

    # Two lanes, one handler. Live changes batch freely (they are small). A bulk batch is applied
    # one message at a time, in parts of BULK_PART enterprises, one transaction each: a live change
    # waits for one part at most (docs/lanes.md).
    @handles("tagging.gov_events")
    @handles("tagging.gov_events.bulk", max_batch=1)
    def on_gov_event(self, deliveries: list[Delivery]) -> None:
        received = [(intake.read(delivery.routing_key, delivery.body, delivery.raw, delivery.decode_error),
                     _identity(delivery)) for delivery in deliveries]
        if not in_bulk_lane(deliveries[0].queue):
            self._apply(received, bulk=False)
            return
        for message, identity in received:
            pieces = intake.parts(message, BULK_PART)
            for number, part in enumerate(pieces):
                # Each part is claimed on its own, the last under the message's identity: a redelivery
                # after a crash applies only the parts that had not committed.
                self._apply([(part, identity if number == len(pieces) - 1 else f"{identity}#{number}")], bulk=True)

    def _apply(self, received: list[tuple[intake.Intake, str]], *, bulk: bool) -> None:
        with self.store.transaction(bulk=bulk) as tx:
            fresh = tx.first_deliveries(received)
            catalogue = self.catalogue.current(tx.session)
            outcome = enterprise_files.apply(tx.session, intake.combine(fresh), catalogue,
                                             clock.today_in_china(), clock.now())
            self._emit_snapshots(tx, outcome.snapshots)
        self.log.info("enterprise_data_applied", messages=len(received), duplicates=len(received) - len(fresh),
                      event_ids=[message.event_id for message in fresh][:20], applied=outcome.applied,
                      stale=outcome.stale, quarantined=outcome.quarantined, retagged=len(outcome.snapshots))

    def _emit_snapshots(self, tx, snapshots) -> None:
        for start in range(0, len(snapshots), SNAPSHOTS_PER_EVENT):
            tx.emit(EnterprisesTagged(enterprises=snapshots[start:start + SNAPSHOTS_PER_EVENT]))

    @handles("tagging.policy_changed")
    def on_policy_changed(self, deliveries: list[Delivery]) -> None:
        """Published, revised, withdrawn or expired: which tags published policies use (retire_tag)."""
        events = [EVENTS[delivery.routing_key].model_validate(delivery.body) for delivery in deliveries]
        with self.store.transaction() as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            retired_in_use = tag_uses.hear(tx.session, fresh)
        self.log.info("policy_tag_uses_heard", policy_ids=[event.policy_id for event in fresh],
                      changes=[event.routing_key for event in fresh], duplicates=len(events) - len(fresh))
        if retired_in_use:
            self.log.warning("published_policy_uses_retired_tags", codes=sorted(set(retired_in_use)))

    @rpc(expected_exceptions=EXPECTED)
    def replay_quarantined(self, quarantine_id: int, body: Any = None, actor: dict | None = None) -> dict:
        """Apply a quarantined message (or its corrected `body`) as if it had just been consumed;
        Invalid if it still does not validate (then nothing changes and it keeps waiting)."""
        actor = None if actor is None else Actor.model_validate(actor)
        with self.store.transaction() as tx:
            row = enterprise_files.waiting_quarantined(tx.session, quarantine_id)
            message = replay.message_to_replay(
                routing_key=row.routing_key, stored_body=row.body, item_index=row.item_index,
                event_id=row.event_id, source=row.source, received_at=row.received_at, corrected=body)
            now = clock.now()
            outcome = enterprise_files.apply(tx.session, message, self.catalogue.current(tx.session),
                                             clock.today_in_china(), now)
            self._emit_snapshots(tx, outcome.snapshots)
            result = "stale" if outcome.stale else "applied"
            item = enterprise_files.resolve_quarantined(
                tx.session, quarantine_id, state=QuarantineState.replayed, now=now,
                resolution=replay.replayed_resolution(actor, body is not None, result),
                corrected_body=None if body is None else json.dumps(body, ensure_ascii=False, default=str))
        self.log.info("quarantine_replayed", quarantine_id=quarantine_id, event_id=row.event_id,
                      corrected=body is not None, outcome=result, actor=actor and actor.id)
        return item

    @rpc(expected_exceptions=EXPECTED)
    def discard_quarantined(self, quarantine_id: int, reason: str | None = None, actor: dict | None = None) -> dict:
        actor = None if actor is None else Actor.model_validate(actor)
        text = replay.discard_reason(reason)
        with self.store.transaction() as tx:
            enterprise_files.waiting_quarantined(tx.session, quarantine_id)
            item = enterprise_files.resolve_quarantined(
                tx.session, quarantine_id, state=QuarantineState.discarded, now=clock.now(),
                resolution=replay.discarded_resolution(actor, text))
        self.log.info("quarantine_discarded", quarantine_id=quarantine_id, reason=text,
                      actor=actor and actor.id)
        return item

    @rpc(expected_exceptions=EXPECTED)
    def enterprise(self, uscc: str) -> dict:
        with self.store.reading() as session:
            return enterprise_files.read_file(session, uscc, clock.today_in_china())

    @rpc(expected_exceptions=EXPECTED)
    def contact_phone(self, uscc: str) -> str | None:
        """The number a self-registration's code is sent to (the accounts service only); None when the
        enterprise is unknown or government data holds no phone for it."""
        with self.store.reading() as session:
            return enterprise_files.contact_phone(session, uscc)

    @rpc(expected_exceptions=EXPECTED)
    def history(self, uscc: str, limit: int = 50, offset: int = 0) -> dict:
        """Every profile version, newest first, with the changed fields and the tags gained and lost."""
        with self.store.reading() as session:
            return enterprise_files.history(session, uscc, limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def declare_interests(self, uscc: str, interests: list[str], actor: dict | None = None) -> dict:
        """The enterprise's own policy interests (source `self`), applied as any source's update is.
        NotFound unless the enterprise already has a file: interests alone do not register it."""
        actor = None if actor is None else Actor.model_validate(actor)
        with self.store.transaction() as tx:
            sequence = enterprise_files.next_sequence(tx.session, uscc, SELF_SOURCE)
            update = intake.ProfileUpdate(
                event_id=f"self-{uuid.uuid4()}", routing_key="enterprise.profile_changed", source=SELF_SOURCE,
                sequence=sequence, uscc=uscc, fields={"interests": sorted(set(interests))},
                occurred_at=clock.now())
            outcome = enterprise_files.apply(tx.session, intake.Intake(update.event_id, [update]),
                                             self.catalogue.current(tx.session),
                                             clock.today_in_china(), clock.now())
            self._emit_snapshots(tx, outcome.snapshots)
            file = enterprise_files.read_file(tx.session, uscc, clock.today_in_china())
        self.log.info("interests_declared", uscc=uscc, sequence=sequence, interests=update.fields["interests"],
                      retagged=len(outcome.snapshots), actor=actor and actor.id)
        return file

    @rpc
    def tags(self, include_retired: bool = False) -> dict:
        with self.store.reading() as session:
            return catalogue_store.listing(session, self.catalogue.current(session), include_retired)

    # --- the catalogue, menu-style (contract section 8) ------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def preview_tag(self, rule: Any, code: str | None = None, sample_size: int = 10) -> dict:
        with self.store.reading() as session:
            return {"code": code, **retagging.preview(session, rule, code, clock.today_in_china(), sample_size)}

    def _change_catalogue(self, kind: str, code: str, change, actor: Actor) -> dict:
        with self.store.transaction() as tx:
            revision = change(tx.session, self.catalogue.current(tx.session))
            job = retagging.enqueue(tx.session, kind, code, revision, actor, clock.now())
            catalogue = self.catalogue.current(tx.session)
            tag = catalogue.get(code).to_dict() if code in catalogue else None
        self.log.info("catalogue_changed", change=kind, code=code, revision=revision, job_id=job["id"],
                      actor=actor.id)
        return {"tag": tag, "revision": revision, "job_id": job["id"], "job": job}

    @rpc(expected_exceptions=EXPECTED)
    def create_tag(self, body: dict, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        return self._change_catalogue("create", body["code"], lambda session, catalogue: catalogue_store.create(
            session, catalogue, body, actor, clock.now()), actor)

    @rpc(expected_exceptions=EXPECTED)
    def change_tag(self, code: str, body: dict, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        return self._change_catalogue("change", code, lambda session, catalogue: catalogue_store.change(
            session, catalogue, code, body, actor, clock.now()), actor)

    @rpc(expected_exceptions=EXPECTED)
    def retire_tag(self, code: str, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        return self._change_catalogue("retire", code, lambda session, _catalogue: catalogue_store.retire(
            session, code, actor, clock.now()), actor)

    @rpc(expected_exceptions=EXPECTED)
    def job(self, job_id: int) -> dict:
        with self.store.reading() as session:
            return retagging.get(session, job_id)

    @rpc
    def jobs(self, limit: int = 50, offset: int = 0) -> dict:
        with self.store.reading() as session:
            return retagging.listing(session, limit, offset)

    @timer(interval=JOB_CHECK_S)
    def run_jobs(self) -> None:
        """Start a daily re-tag when the date moved (age tags), then run every unfinished job."""
        with self.store.reading() as session:
            if not retagging.work_waiting(session, clock.today_in_china(), clock.now()):
                return
        with self.store.transaction() as tx:
            if retagging.new_day(tx.session, clock.today_in_china()):
                job = retagging.enqueue(tx.session, "daily", None, catalogue_store.revision(tx.session), None,
                                        clock.now())
                self.log.info("daily_retag_queued", job_id=job["id"], today=clock.today_in_china().isoformat())
        while True:
            with self.store.transaction() as tx:
                job_id = retagging.claim(tx.session, clock.now())
            if job_id is None:
                return
            self._run_job(job_id)

    def _run_job(self, job_id: int) -> None:
        started, changed = time.monotonic(), 0
        try:
            while True:
                with self.store.transaction(bulk=True) as tx:   # every enterprise: bulk work
                    snapshots, finished = retagging.run_batch(
                        tx.session, job_id, self.catalogue.current(tx.session), clock.today_in_china(), clock.now())
                    self._emit_snapshots(tx, snapshots)
                changed += len(snapshots)
                if finished:
                    break
                eventlet.sleep(0)
        except Exception as error:
            with self.store.transaction() as tx:
                retagging.fail(tx.session, job_id, f"{type(error).__name__}: {error}", clock.now())
            self.log.exception("retag_failed", job_id=job_id)
            return
        self.log.info("retag_done", job_id=job_id, changed=changed, seconds=round(time.monotonic() - started, 2))

    @rpc
    def quarantine(self, limit: int = 50, offset: int = 0, state: str | None = QuarantineState.waiting) -> dict:
        with self.store.reading() as session:
            return enterprise_files.list_quarantine(session, state=state, limit=limit, offset=offset)

    @rpc
    def counts(self) -> dict:
        with self.store.reading() as session:
            return enterprise_files.counts(session)
