"""Application service: entrypoints only. The hall's use cases in `hall`, their rules in `domain`, the
rows in the `*_store` modules. Run with `nameko run ... services.application.service:ApplicationService`."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from nameko.timer import timer

from services.application import application_store, budget_store, calendar_loading, hall
from services.application.dependencies import Materials, OverdueStagesGauge, ProactivePolicies
from services.application.domain import proactive
from services.application.models import calendar_years
from shared import clock, workdays
from shared.calendar_register import CalendarProvider
from shared.consumer import Delivery, handles
from shared.contracts.actors import Actor
from shared.contracts.applications import ApplicationAction
from shared.contracts.events import CalendarLoaded, MatchesChanged, PolicyRevised
from shared.dead_letters import DeadLetterRpc
from shared.errors import EXPECTED, NotFound
from shared.health import HealthRpc
from shared.logs import Logger
from shared.rpc import RpcProxy, rpc
from shared.store import Store
from shared.time_travel import ClockListener

TICK_S = 2.0   # how often notices that ran their course end and overdue stages raise alarms


class ApplicationService(ClockListener, HealthRpc, DeadLetterRpc):
    name = "application"

    store = Store()
    log = Logger()
    policy = RpcProxy("policy")
    materials = Materials()
    proactive_policies = ProactivePolicies()
    overdue_stages = OverdueStagesGauge()
    calendar = CalendarProvider(calendar_years)

    # --- RPC ------------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def submit(self, policy_id: int, uscc: str, materials: list[dict], note: str | None, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        checked = self.materials.keep(materials)
        terms = self.policy.application_terms(policy_id, uscc)
        with self.store.transaction(core=True) as tx:
            opened = hall.open_application(tx.session, terms, note=note, checked_materials=checked, actor=actor,
                                           now=clock.now(), calendar=self.calendar.current(tx.session))
            tx.emit_all(opened.events)
            # what it does not know of what it wrote is read on the transaction's own connection
            answer = hall.as_seen_by(hall.answer(tx.session, opened, clock.now()), actor)
        self.log.info("application_submitted", application_id=opened.application_id, policy_id=policy_id,
                      uscc=uscc, materials=len(checked), actor=actor.id)
        return answer

    @rpc(expected_exceptions=EXPECTED)
    def act(self, application_id: int, action: str, actor: dict, comment: str | None = None,
            amount: Decimal | None = None, materials: list[dict] | None = None) -> dict:
        """The application as it now stands; to an objection, its public record only (an objector is
        usually another enterprise)."""
        actor = Actor.model_validate(actor)
        checked = self.materials.keep(materials) if materials else None
        now = clock.now()
        with self.store.transaction(core=True) as tx:
            moved = hall.act(tx.session, application_id, action, actor, comment=comment, amount=amount,
                             now=now, calendar=self.calendar.current(tx.session), checked_materials=checked)
            tx.emit_all(moved.events)
            answer = (hall.public_record(moved, comment=comment, now=now) if action == ApplicationAction.object
                      else hall.as_seen_by(hall.answer(tx.session, moved, clock.now()), actor))
        self.log.info("application_moved", application_id=application_id, action=action,
                      stage=moved.events[-1].to_stage, actor=actor.id)
        return answer

    @rpc(expected_exceptions=EXPECTED)
    def act_many(self, application_ids: list[int], action: str, actor: dict, comment: str | None = None) -> dict:
        """The same action on several applications in one transaction; an outcome for each."""
        actor = Actor.model_validate(actor)
        with self.store.transaction(core=True) as tx:
            batch = hall.act_many(tx.session, application_ids, action, actor, comment=comment, now=clock.now(),
                                  calendar=self.calendar.current(tx.session))
            tx.emit_all(batch.events)
        done = sum(outcome["ok"] for outcome in batch.outcomes)
        self.log.info("applications_moved", action=action, done=done, refused=len(batch.outcomes) - done,
                      actor=actor.id)
        return {"action": action, "done": done, "refused": len(batch.outcomes) - done, "results": batch.outcomes}

    @rpc(expected_exceptions=EXPECTED)
    def get(self, application_id: int, actor: dict) -> dict:
        """The application, if `actor` may see it: NotFound (404) when there is none, Forbidden (403)
        when it is not theirs to see."""
        actor = Actor.model_validate(actor)
        with self.store.reading_core() as connection:
            return hall.get_for(connection, application_id, actor, clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def list(self, actor: dict, status: str | None = None, overdue: bool | None = None,
             policy_id: int | None = None, limit: int = 50, offset: int = 0, uscc: str | None = None) -> dict:
        """What `actor` may see, with these filters."""
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return hall.listing(session, clock.now(), actor=actor, status=status, overdue=overdue,
                                policy_id=policy_id, limit=limit, offset=offset, uscc=uscc)

    @rpc(expected_exceptions=EXPECTED)
    def statistics(self, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return hall.statistics(session, actor)

    @rpc(expected_exceptions=EXPECTED)
    def alarms(self, actor: dict, limit: int = 50, offset: int = 0) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return hall.alarm_listing(session, actor, limit, offset)

    # --- the working-day calendar (contract section 13): this service keeps the register -------------
    @rpc(expected_exceptions=EXPECTED)
    def calendar_year(self, year: int) -> dict:
        with self.store.reading() as session:
            return calendar_loading.shown(self.calendar.current(session), year)

    @rpc(expected_exceptions=EXPECTED)
    def load_calendar(self, year: int, notice: str, holidays: list[list[str]], adjusted: list[str],
                      actor: dict) -> dict:
        """The year's official arrangement, kept as its next revision; every service counting working days
        (this one included, from its own queue) counts its due times in that year again."""
        actor = Actor.model_validate(actor)
        ranges = [(date.fromisoformat(first), date.fromisoformat(last), name) for first, last, name in holidays]
        with self.store.transaction() as tx:
            loaded = calendar_loading.load(tx.session, year, notice, ranges,
                                           [date.fromisoformat(day) for day in adjusted], actor, clock.now())
            tx.emit(loaded)
            shown = calendar_loading.shown(self.calendar.current(tx.session), year)
        self.log.info("calendar_loaded", year=year, revision=loaded.revision, notice=loaded.notice,
                      actor=actor.id)
        return {**shown, "revision": loaded.revision}

    @handles("application.calendar_loaded")
    def on_calendar_loaded(self, deliveries: list[Delivery]) -> None:
        events = [CalendarLoaded.model_validate(delivery.body) for delivery in deliveries]
        with self.store.transaction(core=True) as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            calendar = self.calendar.current(tx.session)
            changed = sum(hall.recount_year(tx.session, calendar, year)
                          for year in sorted({event.year for event in fresh}))
        self.log.info("due_times_recounted", years=sorted({event.year for event in fresh}), stages=changed)

    @rpc
    def health(self) -> dict:
        answer = super().health()
        with self.store.reading() as session:
            calendar = self.calendar.current(session)
        warning = workdays.renewal_warning(calendar, clock.today_in_china())
        return {**answer, "calendar": {"official_years": list(calendar.official_years()),
                                       **({"warning": warning} if warning else {})}}

    # --- the bus: proactive redemption (免申即享) --------------------------------------------------
    @handles("application.matches_changed")
    @handles("application.matches_changed.bulk", max_batch=1)
    def on_matches_changed(self, deliveries: list[Delivery]) -> None:
        events = [MatchesChanged.model_validate(delivery.body) for delivery in deliveries]
        # the policy service is asked before the transaction, so no RPC waits under the write lock;
        # events naming no proactive policy change nothing here and open no transaction at all
        proactive_ids = self.proactive_policies.ids(proactive.named_policies(events),
                                                    ask=self.policy.published_policy_flags)
        offers = {event.event_id: proactive.offers(
            terms for policy_id, usccs in proactive.proactive_matches(event, proactive_ids)
            for terms in self.policy.application_terms_many(policy_id, usccs)) for event in events}
        # an offer waiting for confirmation is withdrawn once its enterprise no longer matches; the
        # withdrawal checks the offer's stage again, under the write lock
        unmatched = [pair for event in events for pair in proactive.unmatched(event)]
        waiting = {}
        if unmatched:
            with self.store.reading_core() as connection:
                waiting = application_store.offers_waiting(connection, unmatched)
        lapsed = proactive.lapsed(waiting, [terms for policy_id, usccs in proactive.by_policy(waiting).items()
                                            for terms in self.policy.application_terms_many(policy_id, usccs)])
        withdrawals = proactive.withdrawals(events, lapsed)
        if not any(offers.values()) and not any(withdrawals.values()):
            return
        with self.store.transaction(core=True) as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            calendar = self.calendar.current(tx.session)
            created = withdrawn = 0
            for event in fresh:   # in order: a pair unmatched then matched again ends with an offer
                taken_back = hall.withdraw_offers(tx.session, withdrawals[event.event_id], now=clock.now(),
                                                  calendar=calendar)
                opened = hall.open_offers(tx.session, offers[event.event_id], now=clock.now(), calendar=calendar)
                tx.emit_all([change for moved in taken_back + opened for change in moved.events])
                withdrawn, created = withdrawn + len(taken_back), created + len(opened)
        self.log.info("matches_seen", events=len(events), duplicates=len(events) - len(fresh),
                      proactive_created=created, proactive_withdrawn=withdrawn)

    # --- the bus: revised policies -------------------------------------------------------------------
    @handles("application.policy_revised")
    def on_policy_revised(self, deliveries: list[Delivery]) -> None:
        """A revised budget holds for the next approval: a lowered one refuses what no longer fits."""
        events = [PolicyRevised.model_validate(delivery.body) for delivery in deliveries]
        # the policy as it is now, asked before the transaction so no RPC waits under the write lock;
        # its version decides, so revisions arriving out of order never put an older budget back
        policies = {}
        for policy_id in sorted({event.policy_id for event in events}):
            try:
                policies[policy_id] = self.policy.get(policy_id)
            except NotFound:
                continue   # a database made anew under a running service: nothing to apply
        with self.store.transaction(core=True) as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            revised = sorted({event.policy_id for event in fresh} & policies.keys())
            for policy_id in revised:
                budget_store.revise(tx.session, policies[policy_id])
        self.log.info("policies_revised", events=len(events), duplicates=len(events) - len(fresh),
                      policy_ids=revised)

    # --- time -------------------------------------------------------------------------------------
    @timer(interval=TICK_S)
    def tick(self) -> None:
        """Public notices that ran their course move to disbursement; overdue stages raise alarms, which go to
        the notification service with them (the staff responsible are sent each, once)."""
        with self.store.transaction(core=True) as tx:
            calendar = self.calendar.current(tx.session)
            ended = hall.end_notices(tx.session, clock.now(), calendar)
            tx.emit_all([change for moved in ended for change in moved.events])
            raised = hall.raise_alarms(tx.session, clock.now(), calendar)
            tx.emit_all(hall.alarms_announced(raised))
        if ended or raised:
            self.log.info("hall_ticked", notices_ended=len(ended), alarms=len(raised))
