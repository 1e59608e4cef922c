"""Notification service: entrypoints only; the inbox rules live in `inbox.py`."""
from __future__ import annotations

from nameko.rpc import rpc

from services.notification import inbox
from services.notification.models import metadata
from shared.consumer import Delivery, handles
from shared.contracts.events import MatchesChanged
from shared.errors import EXPECTED
from shared.logs import Logger
from shared.operations import Operations
from shared.store import Store, utcnow


class NotificationService(Operations):
    name = "notification"

    store = Store(metadata)
    log = Logger()

    @handles("notification.matches_changed")
    def on_matches_changed(self, delivery: Delivery) -> None:
        event = MatchesChanged.model_validate(delivery.body)
        with self.store.transaction() as tx:
            if not tx.first_delivery(event.event_id):
                self.log.info("duplicate_ignored", event_id=event.event_id)
                return
            created = inbox.deliver_matches(tx.session, event, utcnow())
        self.log.info("notifications_delivered", event_id=event.event_id, matched=event.match_count(),
                      created=created)

    @rpc(expected_exceptions=EXPECTED)
    def inbox(self, uscc: str, limit: int = 50, offset: int = 0) -> dict:
        with self.store.reading() as session:
            return inbox.inbox(session, uscc, limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, uscc: str, notification_id: int) -> dict:
        with self.store.transaction() as tx:
            return inbox.mark_read(tx.session, uscc, notification_id, utcnow())

    @rpc
    def notification_count(self) -> int:
        with self.store.reading() as session:
            return inbox.count(session)
