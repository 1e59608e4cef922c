"""Tagging service: entrypoints only. Validation in `intake`, files in `enterprise_files`, rules in `domain`."""
from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from nameko.rpc import rpc

from services.tagging import enterprise_files, intake, replay
from services.tagging.domain.catalogue import load_default
from services.tagging.models import metadata
from shared import clock
from shared.consumer import Delivery, handles
from shared.contracts.events import EnterprisesTagged
from shared.errors import EXPECTED
from shared.logs import Logger
from shared.operations import Operations
from shared.store import Store

SNAPSHOTS_PER_EVENT = 1000
SELF_SOURCE = "self"  # what the enterprise declares itself (its interests)


def _identity(delivery: Delivery) -> str:
    """A message without a usable event_id is still handled once: its body is its identity."""
    return delivery.event_id or "sha256:" + hashlib.sha256(delivery.raw.encode()).hexdigest()


class TaggingService(Operations):
    name = "tagging"

    store = Store(metadata)
    log = Logger()

    @handles("tagging.gov_events")
    def on_gov_event(self, deliveries: list[Delivery]) -> None:
        received = [(intake.read(delivery.routing_key, delivery.body, delivery.raw, delivery.decode_error),
                     _identity(delivery)) for delivery in deliveries]
        with self.store.transaction() as tx:
            fresh = [message for message, identity in received if tx.first_delivery(identity)]
            outcome = enterprise_files.apply(tx.session, intake.combine(fresh), load_default(),
                                             clock.today_in_china(), clock.now())
            self._emit_snapshots(tx, outcome.snapshots)
        self.log.info("enterprise_data_applied", messages=len(deliveries), duplicates=len(deliveries) - len(fresh),
                      event_ids=[message.event_id for message in fresh][:20], applied=outcome.applied,
                      stale=outcome.stale, quarantined=outcome.quarantined, retagged=len(outcome.snapshots))

    def _emit_snapshots(self, tx, snapshots) -> None:
        for start in range(0, len(snapshots), SNAPSHOTS_PER_EVENT):
            tx.emit(EnterprisesTagged(enterprises=snapshots[start:start + SNAPSHOTS_PER_EVENT]))

    @rpc(expected_exceptions=EXPECTED)
    def replay_quarantined(self, quarantine_id: int, body: Any = None, actor: dict | None = None) -> dict:
        """Apply a quarantined message (or its corrected `body`) as if it had just been consumed;
        Invalid if it still does not validate (then nothing changes and it keeps waiting)."""
        with self.store.transaction() as tx:
            row = enterprise_files.waiting_quarantined(tx.session, quarantine_id)
            message = replay.message_to_replay(
                routing_key=row.routing_key, stored_body=row.body, item_index=row.item_index,
                event_id=row.event_id, source=row.source, received_at=row.received_at, corrected=body)
            now = clock.now()
            outcome = enterprise_files.apply(tx.session, message, load_default(), clock.today_in_china(), now)
            self._emit_snapshots(tx, outcome.snapshots)
            result = "stale" if outcome.stale else "applied"
            item = enterprise_files.resolve_quarantined(
                tx.session, quarantine_id, state=replay.REPLAYED, now=now,
                resolution=replay.replayed_resolution(actor, body is not None, result),
                corrected_body=None if body is None else json.dumps(body, ensure_ascii=False, default=str))
        self.log.info("quarantine_replayed", quarantine_id=quarantine_id, event_id=row.event_id,
                      corrected=body is not None, outcome=result, actor=actor and actor.get("id"))
        return item

    @rpc(expected_exceptions=EXPECTED)
    def discard_quarantined(self, quarantine_id: int, reason: str | None = None, actor: dict | None = None) -> dict:
        text = replay.discard_reason(reason)
        with self.store.transaction() as tx:
            enterprise_files.waiting_quarantined(tx.session, quarantine_id)
            item = enterprise_files.resolve_quarantined(
                tx.session, quarantine_id, state=replay.DISCARDED, now=clock.now(),
                resolution=replay.discarded_resolution(actor, text))
        self.log.info("quarantine_discarded", quarantine_id=quarantine_id, reason=text,
                      actor=actor and actor.get("id"))
        return item

    @rpc(expected_exceptions=EXPECTED)
    def enterprise(self, uscc: str) -> dict:
        with self.store.reading() as session:
            return enterprise_files.read_file(session, uscc, clock.today_in_china())

    @rpc(expected_exceptions=EXPECTED)
    def history(self, uscc: str, limit: int = 50, offset: int = 0) -> dict:
        """Every profile version, newest first, with the changed fields and the tags gained and lost."""
        with self.store.reading() as session:
            return enterprise_files.history(session, uscc, limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def declare_interests(self, uscc: str, interests: list[str], actor: dict | None = None) -> dict:
        """The enterprise's own policy interests (source `self`), applied as any source's update is.
        NotFound unless the enterprise already has a file: interests alone do not register it."""
        with self.store.transaction() as tx:
            sequence = enterprise_files.next_sequence(tx.session, uscc, SELF_SOURCE)
            update = intake.ProfileUpdate(
                event_id=f"self-{uuid.uuid4()}", routing_key="enterprise.profile_changed", source=SELF_SOURCE,
                sequence=sequence, uscc=uscc, fields={"interests": sorted(set(interests))},
                occurred_at=clock.now())
            outcome = enterprise_files.apply(tx.session, intake.Intake(update.event_id, [update]), load_default(),
                                             clock.today_in_china(), clock.now())
            self._emit_snapshots(tx, outcome.snapshots)
            file = enterprise_files.read_file(tx.session, uscc, clock.today_in_china())
        self.log.info("interests_declared", uscc=uscc, sequence=sequence, interests=update.fields["interests"],
                      retagged=len(outcome.snapshots), actor=actor and actor.get("id"))
        return file

    @rpc
    def tags(self) -> dict:
        return load_default().to_dict()

    @rpc
    def quarantine(self, limit: int = 50, offset: int = 0, state: str | None = "waiting") -> dict:
        with self.store.reading() as session:
            return enterprise_files.list_quarantine(session, state=state, limit=limit, offset=offset)

    @rpc
    def counts(self) -> dict:
        with self.store.reading() as session:
            return enterprise_files.counts(session)
