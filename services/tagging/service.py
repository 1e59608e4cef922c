"""Tagging service: entrypoints only. Validation in `intake`, files in `enterprise_files`, rules in `domain`."""
from __future__ import annotations

import hashlib

from nameko.rpc import rpc

from services.tagging import enterprise_files, intake
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
            for start in range(0, len(outcome.snapshots), SNAPSHOTS_PER_EVENT):
                tx.emit(EnterprisesTagged(enterprises=outcome.snapshots[start:start + SNAPSHOTS_PER_EVENT]))
        self.log.info("enterprise_data_applied", messages=len(deliveries), duplicates=len(deliveries) - len(fresh),
                      event_ids=[message.event_id for message in fresh][:20], applied=outcome.applied,
                      stale=outcome.stale, quarantined=outcome.quarantined, retagged=len(outcome.snapshots))

    @rpc(expected_exceptions=EXPECTED)
    def enterprise(self, uscc: str) -> dict:
        with self.store.reading() as session:
            return enterprise_files.read_file(session, uscc, clock.today_in_china())

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
