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


class TaggingService(Operations):
    name = "tagging"

    store = Store(metadata)
    log = Logger()

    @handles("tagging.gov_events")
    def on_gov_event(self, delivery: Delivery) -> None:
        received = intake.read(delivery.routing_key, delivery.body, delivery.raw, delivery.decode_error)
        # A message without a usable event_id is still handled once: its body is its identity.
        claim = received.event_id or "sha256:" + hashlib.sha256(delivery.raw.encode()).hexdigest()
        with self.store.transaction() as tx:
            if not tx.first_delivery(claim):
                self.log.info("duplicate_ignored", event_id=claim)
                return
            outcome = enterprise_files.apply(tx.session, received, load_default(), clock.today_in_china(),
                                             clock.now())
            if outcome.snapshots:
                tx.emit(EnterprisesTagged(enterprises=outcome.snapshots))
        self.log.info("enterprise_data_applied", event_id=claim, routing_key=delivery.routing_key,
                      applied=outcome.applied, stale=outcome.stale, quarantined=outcome.quarantined,
                      retagged=len(outcome.snapshots))

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
