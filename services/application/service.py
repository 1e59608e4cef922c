"""Application service: entrypoints only. The hall's rules in `hall`, the lifecycle in `domain`,
materials in `materials`. Run with `nameko run ... services.application.service:ApplicationService`."""
from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from eventlet import tpool
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from services.application import calendar_loading, hall
from services.application.materials import MaterialError, MaterialStore, check_materials
from services.application.models import calendar_years, metadata
from shared import clock, workdays
from shared.calendar_register import CalendarProvider
from shared.config import settings
from shared.consumer import Delivery, handles
from shared.contracts.actors import Actor
from shared.contracts.applications import ApplicationAction
from shared.contracts.events import CalendarLoaded, MatchesChanged, PolicyRevised
from shared.dead_letters import DeadLetterRpc
from shared.errors import EXPECTED, Conflict, Forbidden, Invalid, NotFound
from shared.health import HealthRpc
from shared.logs import Logger
from shared.rpc import RpcProxy, rpc
from shared.store import Store
from shared.time_travel import ClockListener

TICK_S = 2.0               # how often notices that ran their course end and overdue stages raise alarms


class Materials(DependencyProvider):
    """Where application materials are kept: content-addressed files under var/materials."""

    def setup(self):
        config = settings()
        self.store = MaterialStore((config.materials_dir or config.var_dir / "materials").resolve())

    def get_dependency(self, worker_ctx):
        return self.store


class ProactivePolicies(DependencyProvider):
    """The ids of published proactive policies, asked of the policy service and kept briefly
    (HUIQI_PROACTIVE_CACHE_S)."""

    def setup(self):
        self.trusted_for_s = settings().proactive_cache_s
        self.ids: frozenset[int] = frozenset()
        self.published: frozenset[int] = frozenset()
        self.fetched_at = float("-inf")

    def get_dependency(self, worker_ctx):
        return self


class ApplicationService(ClockListener, HealthRpc, DeadLetterRpc):
    name = "application"

    store = Store(metadata)
    log = Logger()
    policy = RpcProxy("policy")
    materials = Materials()
    proactive = ProactivePolicies()
    calendar = CalendarProvider(calendar_years)

    # --- RPC ------------------------------------------------------------------------------------
    def _stored(self, materials: list[dict]) -> list:
        """The materials checked, and on disk before the row that names them is committed."""
        try:
            checked = check_materials(materials)
        except MaterialError as error:
            raise Invalid(str(error), error.details) from None
        for material in checked:
            # in an OS thread: its fsyncs would otherwise stop every green thread of the service
            tpool.execute(self.materials.put, material.content)
        return checked

    @rpc(expected_exceptions=EXPECTED)
    def submit(self, policy_id: int, uscc: str, materials: list[dict], note: str | None, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        checked = self._stored(materials)
        terms = self.policy.application_terms(policy_id, uscc)
        with self.store.transaction(core=True) as tx:
            opened = hall.open_application(tx.session, terms, note=note, checked_materials=checked, actor=actor,
                                           now=clock.now(), calendar=self.calendar.current(tx.session))
            tx.emit_all(opened.events)
            # what it does not know of what it wrote is read on the transaction's own connection
            answer = hall.answer(tx.session, opened, clock.now())
        self.log.info("application_submitted", application_id=opened.application_id, policy_id=policy_id,
                      uscc=uscc, materials=len(checked), actor=actor.id)
        return answer

    @rpc(expected_exceptions=EXPECTED)
    def act(self, application_id: int, action: str, actor: dict, comment: str | None = None,
            amount: Decimal | None = None, materials: list[dict] | None = None) -> dict:
        """The application as it now stands; to an objection, its public record only (an objector is
        usually another enterprise)."""
        actor = Actor.model_validate(actor)
        checked = self._stored(materials) if materials else None
        now = clock.now()
        with self.store.transaction(core=True) as tx:
            moved = hall.act(tx.session, application_id, action, actor, comment=comment, amount=amount,
                             now=now, calendar=self.calendar.current(tx.session), checked_materials=checked)
            tx.emit_all(moved.events)
            answer = (hall.public_record(moved, comment=comment, now=now) if action == ApplicationAction.object
                      else hall.answer(tx.session, moved, clock.now()))
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
             policy_id: int | None = None, limit: int = 50, offset: int = 0) -> dict:
        """What `actor` may see, with these filters."""
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return hall.listing(session, clock.now(), actor=actor, status=status, overdue=overdue,
                                policy_id=policy_id, limit=limit, offset=offset)

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
        proactive = self._proactive_ids({policy_id for event in events for policy_id in event.matched})
        # the policy service is asked before the transaction, so no RPC waits under the write lock;
        # events naming no proactive policy change nothing here and open no transaction at all
        terms = {event.event_id: [terms for policy_id, usccs in event.matched.items() if policy_id in proactive
                                  for terms in self.policy.application_terms_many(policy_id, usccs)]
                 for event in events}
        # an offer waiting for confirmation is withdrawn once its enterprise no longer matches
        unmatched = {event.event_id: [(policy_id, uscc) for policy_id, usccs in event.unmatched.items()
                                      for uscc in usccs] for event in events}
        lapsed_now = self._lapsed_offers([pair for pairs in unmatched.values() for pair in pairs])
        lapsed = {event_id: [lapsed_now[pair] for pair in pairs if pair in lapsed_now]
                  for event_id, pairs in unmatched.items()}
        if not any(terms.values()) and not any(lapsed.values()):
            return
        with self.store.transaction(core=True) as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            created = withdrawn = 0
            for event in fresh:   # in order: a pair unmatched then matched again ends with an offer
                withdrawn += self._withdraw_lapsed(tx, lapsed[event.event_id])
                created += self._open_proactive(tx, terms[event.event_id])
        self.log.info("matches_seen", events=len(events), duplicates=len(events) - len(fresh),
                      proactive_created=created, proactive_withdrawn=withdrawn)

    def _proactive_ids(self, named: set[int]) -> frozenset[int]:
        """Asked again when a policy not seen yet (a newly published one) matches, or after a while."""
        cache = self.proactive
        if not named <= cache.published or time.monotonic() - cache.fetched_at > cache.trusted_for_s:
            flags = self.policy.published_policy_flags()
            cache.ids, cache.published = frozenset(flags["proactive"]), frozenset(flags["published"])
            cache.fetched_at = time.monotonic()
        return cache.ids

    def _lapsed_offers(self, unmatched: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
        """(policy id, uscc) -> the id of its offer waiting for confirmation, for the pairs among `unmatched`
        that the policy service says do not match now: an event may come late, or after the pair matched
        again. The withdrawal checks the offer's stage again, under the write lock."""
        if not unmatched:
            return {}
        with self.store.reading_core() as connection:
            offering = hall.policies_with_offers_waiting(connection)
            candidates = [pair for pair in unmatched if pair[0] in offering]
            waiting = hall.offers_waiting(connection, candidates) if candidates else []
        offers = {(policy_id, uscc): application_id for application_id, policy_id, uscc in waiting}
        by_policy: dict[int, list[str]] = {}
        for policy_id, uscc in offers:
            by_policy.setdefault(policy_id, []).append(uscc)
        lapsed = {}
        for policy_id, usccs in by_policy.items():   # one call per policy, not per pair
            for terms in self.policy.application_terms_many(policy_id, usccs):
                if not terms["matched"]:
                    lapsed[(policy_id, terms["uscc"])] = offers[(policy_id, terms["uscc"])]
        return lapsed

    def _open_proactive(self, tx, offers: list[dict]) -> int:
        created = 0
        for terms in offers:
            if terms["estimated_amount"] is None or not terms["matched"]:
                continue   # its data does not suffice to fill in the amount: it applies as usual
            try:
                with tx.session.begin_nested():
                    opened = hall.open_application(tx.session, terms, note=None, checked_materials=[],
                                                   actor=hall.SYSTEM, now=clock.now(), proactive=True,
                                                   calendar=self.calendar.current(tx.session))
            except Conflict:
                continue   # it applied itself, or has an exclusive rival: nothing to create
            for event in opened.events:
                tx.emit(event)
            created += 1
        return created

    def _withdraw_lapsed(self, tx, application_ids: list[int]) -> int:
        withdrawn = 0
        for application_id in application_ids:
            try:
                with tx.session.begin_nested():
                    moved = hall.act(tx.session, application_id, ApplicationAction.withdraw, hall.SYSTEM,
                                     comment=hall.WITHDRAWN_COMMENT, amount=None, now=clock.now(),
                                     calendar=self.calendar.current(tx.session))
            except (Conflict, Forbidden):
                continue   # confirmed meanwhile (the staff decide from here), or withdrawn already
            tx.emit_all(moved.events)
            withdrawn += 1
        return withdrawn

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
                hall.set_budget(tx.session, policies[policy_id])
        self.log.info("policies_revised", events=len(events), duplicates=len(events) - len(fresh),
                      policy_ids=revised)

    # --- time -------------------------------------------------------------------------------------
    @timer(interval=TICK_S)
    def tick(self) -> None:
        """Public notices that ran their course move to disbursement; overdue stages raise alarms."""
        with self.store.transaction(core=True) as tx:
            calendar = self.calendar.current(tx.session)
            ended = hall.notices_ended(tx.session, clock.now())
            for application_id in ended:
                moved = hall.act(tx.session, application_id, ApplicationAction.end_notice, hall.SYSTEM,
                                 comment="公示期满无异议", amount=None, now=clock.now(), calendar=calendar)
                for event in moved.events:
                    tx.emit(event)
            raised = hall.raise_alarms(tx.session, clock.now(), calendar)
        if ended or raised:
            self.log.info("hall_ticked", notices_ended=len(ended), alarms=len(raised))
