"""Notification service: entrypoints only; the inbox rules live in `inbox.py`, the preferences' rules in
`domain/preferences.py` and `domain/contacts.py`, their rows in `preference_store.py`."""
from __future__ import annotations

from nameko.timer import timer

from services.notification import delivery_store, inbox, preference_store, staff_store
from services.notification.domain import contacts as contact_rules
from services.notification.domain import preferences as preference_rules
from services.notification.sender import SEND_INTERVAL_S, Outbound
from shared import clock
from shared.config import settings
from shared.consumer import Delivery, handles
from shared.contracts.events import AlarmsRaised, ApplicationChanged, MatchesChanged, StaffAccountChanged, SurveyOpened
from shared.dead_letters import DeadLetterRpc
from shared.errors import EXPECTED
from shared.health import HealthRpc
from shared.logs import Logger
from shared.rpc import rpc
from shared.store import Store, utcnow
from shared.time_travel import ClockListener


class NotificationService(ClockListener, HealthRpc, DeadLetterRpc):
    name = "notification"

    store = Store()
    outbound = Outbound()
    log = Logger()

    @handles("notification.matches_changed")
    @handles("notification.matches_changed.bulk", max_batch=1)
    def on_matches_changed(self, deliveries: list[Delivery]) -> None:
        """Push each first match; the notices created, per policy, go to the evaluation service in one event."""
        events = [MatchesChanged.model_validate(delivery.body) for delivery in deliveries]
        with self.store.transaction() as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            now = utcnow()
            after = delivery_store.last_notice_id(tx.session)
            created = inbox.deliver_matches(tx.session, fresh, now)
            if created:
                tx.emit(inbox.delivered(created, now))
                self._decide_deliveries(tx.session, after, now)
        self.log.info("notifications_delivered", events=len(events), duplicates=len(events) - len(fresh),
                      matched=sum(event.match_count() for event in fresh), created=created.total())

    @handles("notification.application_changed")
    def on_application_changed(self, deliveries: list[Delivery]) -> None:
        events = [ApplicationChanged.model_validate(delivery.body) for delivery in deliveries]
        # most moves tell the enterprise nothing (it sees them on the application): no transaction for them
        events = [event for event in events if inbox.tells_the_enterprise(event)]
        if not events:
            return
        with self.store.transaction() as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            now, after = utcnow(), delivery_store.last_notice_id(tx.session)
            created = inbox.deliver_application_changes(tx.session, fresh, now)
            self._decide_deliveries(tx.session, after, now)
        self.log.info("application_notices_delivered", events=len(events), created=created)

    @handles("notification.survey_opened")
    def on_survey_opened(self, deliveries: list[Delivery]) -> None:
        """A round's questionnaire: an invitation in the inbox of each enterprise in its scope, once."""
        events = [SurveyOpened.model_validate(delivery.body) for delivery in deliveries]
        with self.store.transaction() as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            now, after = utcnow(), delivery_store.last_notice_id(tx.session)
            created = sum(inbox.deliver_survey(tx.session, event, now) for event in fresh)
            self._decide_deliveries(tx.session, after, now)
        self.log.info("survey_invitations_delivered", events=len(events), duplicates=len(events) - len(fresh),
                      evaluation_ids=sorted({event.evaluation_id for event in fresh}), created=created)

    @handles("notification.staff_changed")
    def on_staff_changed(self, deliveries: list[Delivery]) -> None:
        """Keep each staff account's role, scope and contacts: who the staff alarms reach."""
        events = [StaffAccountChanged.model_validate(delivery.body) for delivery in deliveries]
        with self.store.transaction() as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            for event in fresh:
                staff_store.keep(tx.session, event)
        self.log.info("staff_contacts_kept", events=len(events), account_ids=[event.account_id for event in fresh])

    @handles("notification.alarm_raised")
    def on_alarm_raised(self, deliveries: list[Delivery]) -> None:
        """Each staff alarm to the staff it is for, by SMS and e-mail where they gave them, once."""
        events = [AlarmsRaised.model_validate(delivery.body) for delivery in deliveries]
        with self.store.transaction() as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            written = staff_store.decide(tx.session, fresh, available=self.outbound.available(),
                                         public_url=self.outbound.public_url, now=utcnow())
        self.log.info("staff_alarms_delivered", events=len(events), duplicates=len(events) - len(fresh),
                      alarms=sum(len(event.alarms) for event in fresh), deliveries=written)

    def _decide_deliveries(self, session, after_id: int, now) -> None:
        """The messages beyond the inbox of the notices just written, in their transaction (sent after commit)."""
        delivery_store.decide(session, after_id=after_id, available=self.outbound.available(),
                              public_url=self.outbound.public_url, now=now)

    @timer(interval=SEND_INTERVAL_S)
    def send_deliveries(self) -> None:
        """Send what is due; at 09:00 China time, write the day's digests first."""
        now = clock.now()
        if self.outbound.digest_due(now):
            with self.store.transaction() as tx:
                written = delivery_store.write_digests(tx.session, available=self.outbound.available(),
                                                       public_url=self.outbound.public_url, now=now)
            self.outbound.digested(now)
            self.log.info("digests_written", deliveries=written)
        outcome = self.outbound.send_due(self.store, now)
        if outcome:
            self.log.info("deliveries_attempted", **outcome)

    @rpc(expected_exceptions=EXPECTED)
    def deliveries(self, uscc: str, limit: int = 50, offset: int = 0) -> dict:
        with self.store.reading() as session:
            return delivery_store.page(session, uscc=uscc, limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def staff_deliveries(self, account_id: str, limit: int = 50, offset: int = 0) -> dict:
        """The messages sent to a staff account (its alarms by SMS and e-mail), newest first."""
        with self.store.reading() as session:
            return delivery_store.page(session, account_id=account_id, limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def inbox(self, uscc: str, limit: int = 50, offset: int = 0) -> dict:
        with self.store.reading() as session:
            return inbox.inbox(session, uscc, limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, uscc: str, notification_id: int) -> dict:
        """The notice, read; its first reading goes to the evaluation service."""
        with self.store.transaction() as tx:
            notice, first_read = inbox.mark_read(tx.session, uscc, notification_id, utcnow())
            if first_read is not None:
                tx.emit(first_read)
        return notice

    @rpc(expected_exceptions=EXPECTED)
    def preferences(self, uscc: str) -> dict:
        """The enterprise's notification preferences (the defaults if it saved none), with the channels
        available now."""
        with self.store.reading() as session:
            saved, updated_at = preference_store.read(session, uscc)
        return preference_rules.answer(uscc, saved, _channels_available(), updated_at and updated_at.isoformat())

    @rpc(expected_exceptions=EXPECTED)
    def set_preferences(self, uscc: str, change: dict) -> dict:
        """Apply `change` (kinds, quiet_hours, digest; what it leaves out is kept); Invalid naming the field."""
        now = utcnow()
        with self.store.transaction() as tx:
            current, _ = preference_store.read(tx.session, uscc, for_update=True)
            saved = preference_rules.changed(current, change)
            preference_store.save(tx.session, uscc, saved, now)
        self.log.info("notification_preferences_saved", uscc=uscc, fields=sorted(change))
        return preference_rules.answer(uscc, saved, _channels_available(), now.isoformat())

    @rpc(expected_exceptions=EXPECTED)
    def contacts(self, uscc: str) -> dict:
        """The enterprise's phone and e-mail, in full (the gateway masks them for staff)."""
        with self.store.reading() as session:
            saved, updated_at = preference_store.read_contacts(session, uscc)
        return contact_rules.answer(uscc, saved, updated_at and updated_at.isoformat())

    @rpc(expected_exceptions=EXPECTED)
    def set_contacts(self, uscc: str, change: dict) -> dict:
        """Apply `change` (phone, email; null clears one, what it leaves out is kept); Invalid naming the field."""
        now = utcnow()
        with self.store.transaction() as tx:
            current, _ = preference_store.read_contacts(tx.session, uscc, for_update=True)
            saved = contact_rules.changed(current, change)
            preference_store.save_contacts(tx.session, uscc, saved, now)
        self.log.info("notification_contacts_saved", uscc=uscc, fields=sorted(change))
        return contact_rules.answer(uscc, saved, now.isoformat())

    @rpc
    def notification_count(self) -> int:
        with self.store.reading() as session:
            return inbox.count(session)


def _channels_available() -> dict[str, bool]:
    config = settings()
    return preference_rules.channels_available(sms_url=config.sms_url, smtp_url=config.smtp_url,
                                               wechat_webhook_url=config.wechat_webhook_url)
