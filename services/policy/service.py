"""Policy service: entrypoints only. The rules are in `domain`; the tables in the stores
(`policy_store`, `match_store`, `read_model`, `question_store`, `gift_pack_store`,
`department_store`); each process's in-memory matcher and search index in `matcher` and `search`."""
from __future__ import annotations

from nameko.timer import timer

from services.policy import gift_pack_store, match_store, policy_store, question_store, read_model
from services.policy.dependencies import (
    DepartmentRegisterProvider,
    KnownTagsProvider,
    MatcherProvider,
    SearchProvider,
)
from services.policy.domain import application_terms, explanations, lifecycle, near_misses, questions
from services.policy.models import calendar_years
from shared import calendar_register, clock, eligibility, workdays
from shared.calendar_register import CalendarProvider
from shared.consumer import Delivery, handles
from shared.contracts.actors import Actor
from shared.contracts.events import (
    EVENTS,
    CalendarLoaded,
    EnterprisesTagged,
    PolicyExpired,
    PolicyPublished,
    PolicyRevised,
    PolicyStarted,
    PolicyWithdrawn,
    alarms_raised,
)
from shared.contracts.policies import PolicyDraft, PolicyStatus
from shared.dead_letters import DeadLetterRpc
from shared.errors import EXPECTED, Invalid
from shared.health import HealthRpc
from shared.logs import Logger
from shared.rpc import RpcProxy, rpc
from shared.store import Store
from shared.time_travel import ClockListener
from shared.topology import in_bulk_lane

EXPIRY_CHECK_S = 10  # how often published policies past valid_to, or reaching valid_from, are looked for
ALARM_CHECK_S = 2.0  # how often questions past their due time raise their alarms


class PolicyService(ClockListener, HealthRpc, DeadLetterRpc):
    name = "policy"

    store = Store()
    log = Logger()
    matcher = MatcherProvider()
    known_tags = KnownTagsProvider()
    policy_search = SearchProvider()
    departments = DepartmentRegisterProvider()
    tagging = RpcProxy("tagging")
    calendar = CalendarProvider(calendar_years)

    # --- the bus --------------------------------------------------------------------------------
    @handles("policy.enterprise_tagged")
    @handles("policy.enterprise_tagged.bulk", max_batch=1)   # one event (up to 1,000 enterprises) at a time
    def on_enterprise_tagged(self, deliveries: list[Delivery]) -> None:
        events = [EnterprisesTagged.model_validate(delivery.body) for delivery in deliveries]
        bulk = in_bulk_lane(deliveries[0].queue)
        with self.matcher.lock.turn(bulk), self.store.transaction(bulk=bulk) as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            changes = self.matcher.match_enterprises(
                tx.session, [snapshot for event in fresh for snapshot in event.enterprises],
                clock.today_in_china(), clock.now())
            for changed in changes:
                tx.emit(changed)
        self.log.info("enterprises_matched", events=len(events), duplicates=len(events) - len(fresh),
                      enterprises=sum(len(event.enterprises) for event in fresh),
                      matched=sum(changed.match_count() for changed in changes))

    @handles("policy.policy_changed")
    def on_policy_changed(self, deliveries: list[Delivery]) -> None:
        """Published, revised, withdrawn or expired: re-decide the policy against every enterprise."""
        events = [EVENTS[delivery.routing_key].model_validate(delivery.body) for delivery in deliveries]
        # a policy's fan-out to every enterprise is bulk work: its matches go in the bulk lane
        with self.matcher.lock.bulk(), self.store.transaction(bulk=True) as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            changes = [changed for event in fresh
                       for changed in self.matcher.match_policy(tx.session, event.policy_id,
                                                                clock.today_in_china(), clock.now())]
            for changed in changes:
                tx.emit(changed)
        self.log.info("policies_matched_against_all", policy_ids=[event.policy_id for event in fresh],
                      changes=[event.routing_key for event in fresh],
                      matched=sum(changed.match_count() for changed in changes),
                      unmatched=sum(len(codes) for changed in changes for codes in changed.unmatched.values()))

    @handles("policy.calendar_loaded")
    def on_calendar_loaded(self, deliveries: list[Delivery]) -> None:
        """A year's official arrangement: kept in this service's copy, then the questions due in it recounted."""
        events = [CalendarLoaded.model_validate(delivery.body) for delivery in deliveries]
        with self.store.transaction() as tx:
            fresh = [event for event in events if tx.first_delivery(event.event_id)]
            kept = [event for event in fresh if calendar_register.store(
                tx.session, calendar_years, workdays.official(
                    event.year, event.notice, [(holiday.first, holiday.last, holiday.name)
                                               for holiday in event.holidays], event.workdays),
                event.revision, clock.now(), "calendar.loaded")]
            calendar = self.calendar.current(tx.session)
            changed = sum(question_store.recount_year(tx.session, calendar, year)
                          for year in sorted({event.year for event in kept}))
        self.log.info("calendar_copied", years=sorted({event.year for event in kept}), questions_recounted=changed)

    @timer(interval=EXPIRY_CHECK_S, eager=True)
    def expire_policies(self) -> None:
        with self.store.transaction() as tx:
            expired = policy_store.expire_due(tx.session, clock.today_in_china(), clock.now())
            for policy in expired:
                tx.emit(PolicyExpired(policy_id=policy["id"], version=policy["version"]))
        if expired:
            self.policy_search.changed()
            self.log.info("policies_expired", policy_ids=[policy["id"] for policy in expired])

    @timer(interval=EXPIRY_CHECK_S, eager=True)
    def start_policies(self) -> None:
        """A policy published before its valid_from day is pushed on that day (China time), once."""
        with self.store.transaction() as tx:
            started = policy_store.start_due(tx.session, clock.today_in_china(), clock.now())
            for policy in started:
                tx.emit(PolicyStarted(policy_id=policy["id"], version=policy["version"]))
        if started:
            self.log.info("policies_started", policy_ids=[policy["id"] for policy in started])

    @timer(interval=ALARM_CHECK_S)
    def raise_question_alarms(self) -> None:
        """Questions unanswered past their due time raise an alarm, once; the notification service is told, and
        sends it to the staff who answer them."""
        with self.store.transaction() as tx:
            raised = question_store.raise_due(tx.session, clock.now())
            tx.emit_all(alarms_raised("policy", [questions.alarm(question) for question in raised]))
        if raised:
            self.log.info("alarms_raised", alarms=len(raised), question_ids=[question["id"] for question in raised])

    # --- RPC: the lifecycle ---------------------------------------------------------------------
    def _register(self) -> dict[str, str]:
        """The register of departments: code -> name."""
        with self.store.reading() as session:
            return {department["code"]: department["name"] for department in self.departments.listing(session)}

    def _checked(self, draft: dict, known_tags=None, register=None) -> tuple[PolicyDraft, eligibility.Rule]:
        checked = lifecycle.checked_draft(draft, register if register is not None else self._register())
        return checked, self._checked_rule(checked.eligibility, known_tags)

    def _checked_rule(self, rule_json: dict, known_tags=None) -> eligibility.Rule:
        known = known_tags if known_tags is not None else self.known_tags.codes(self.tagging)
        try:
            return lifecycle.checked_rule(rule_json, known)
        except Invalid:
            if known_tags is not None:
                raise
            # perhaps a tag staff created a moment ago: ask the catalogue again before refusing
            return lifecycle.checked_rule(rule_json, self.known_tags.codes(self.tagging, fresh=True))

    # --- RPC: the register of departments -------------------------------------------------------
    @rpc
    def departments_listed(self) -> dict:
        with self.store.reading() as session:
            items = self.departments.listing(session)
        return {"items": items, "total": len(items)}

    @rpc(expected_exceptions=EXPECTED)
    def department(self, code: str) -> dict:
        """The department, or Invalid (422, naming `department`) when the register does not hold it."""
        with self.store.reading() as session:
            return self.departments.get(session, code)

    @rpc(expected_exceptions=EXPECTED)
    def put_department(self, code: str, name: str, actor: dict) -> dict:
        """Add a department to the register, or rename it: `{"department", "added"}`."""
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            department, added = self.departments.put(tx.session, code, name, actor, clock.now())
        self.log.info("department_added" if added else "department_renamed", code=code, actor=actor.id)
        return {"department": department, "added": added}

    @rpc(expected_exceptions=EXPECTED)
    def create_draft(self, draft: dict, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        checked, rule = self._checked(draft)
        with self.store.transaction() as tx:
            policy = policy_store.create_draft(tx.session, checked, rule, actor, clock.now())
        self.policy_search.changed()
        self.log.info("policy_drafted", policy_id=policy["id"], actor=actor.id)
        return policy

    @rpc(expected_exceptions=EXPECTED)
    def revise(self, policy_id: int, draft: dict, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        checked, rule = self._checked(draft)
        with self.store.transaction() as tx:
            policy = policy_store.revise(tx.session, policy_id, checked, rule, actor, clock.now(),
                                         clock.today_in_china())
            if policy["status"] == PolicyStatus.published:
                tx.emit(lifecycle.in_force(PolicyRevised, policy,
                                           self.departments.name(tx.session, policy["department"])))
        self.policy_search.changed()
        self.log.info("policy_revised", policy_id=policy_id, version=policy["version"], actor=actor.id)
        return policy

    @rpc(expected_exceptions=EXPECTED)
    def publish(self, policy_id: int, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            draft = policy_store.get(session, policy_id)
        if draft["tags_used"]:   # retired since the rule was written? ask the catalogue as it is now
            lifecycle.check_tags_active(draft, self.known_tags.codes(self.tagging, fresh=True))
        with self.store.transaction() as tx:
            policy = policy_store.publish(tx.session, policy_id, clock.today_in_china(), clock.now())
            tx.emit(lifecycle.in_force(PolicyPublished, policy,
                                       self.departments.name(tx.session, policy["department"])))
        self.policy_search.changed()
        self.log.info("policy_published", policy_id=policy_id, actor=actor.id)
        return policy

    @rpc(expected_exceptions=EXPECTED)
    def withdraw(self, policy_id: int, reason: str, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            policy = policy_store.withdraw(tx.session, policy_id, reason, actor, clock.now())
            tx.emit(PolicyWithdrawn(policy_id=policy_id, version=policy["version"]))
        self.policy_search.changed()
        self.log.info("policy_withdrawn", policy_id=policy_id, actor=actor.id)
        return policy

    # --- RPC: reading ---------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def get(self, policy_id: int) -> dict:
        with self.store.reading() as session:
            return policy_store.get(session, policy_id)

    @rpc(expected_exceptions=EXPECTED)
    def versions(self, policy_id: int) -> list[dict]:
        with self.store.reading() as session:
            return policy_store.versions(session, policy_id)

    @rpc(expected_exceptions=EXPECTED)
    def search(self, filters: dict, hide_drafts: bool = False, limit: int = 20, offset: int = 0) -> dict:
        """`filters`: q, department, level, county, tag, status, redeemable, valid_on (all optional)."""
        with self.store.reading() as session:
            return self.policy_search.search(session, **filters, hide_drafts=hide_drafts, limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def enterprise_policies(self, uscc: str) -> list[dict]:
        with self.store.reading() as session:
            facts, tags, _version = read_model.known(session, uscc)
            matched = match_store.with_policies(session, uscc)
        return explanations.matched_policies(matched, facts, tags)

    @rpc(expected_exceptions=EXPECTED)
    def explain(self, policy_id: int, uscc: str) -> dict:
        """Each condition of the policy's rule with the enterprise's value and whether it held."""
        with self.store.reading() as session:
            policy = policy_store.get(session, policy_id)
            facts, tags, version = read_model.known(session, uscc)
            match = match_store.one(session, uscc, policy_id)
        return explanations.explanation(policy, uscc, facts, tags, version, match)

    @rpc(expected_exceptions=EXPECTED)
    def preview(self, eligibility_json: dict, sample: int = 10) -> dict:
        """How many active enterprises a rule matches now, with a sample: Invalid (422) naming the
        node for a rule that could not be saved."""
        rule = self._checked_rule(eligibility_json)
        with self.store.reading() as session:
            return read_model.matching(session, rule, sample)

    @rpc(expected_exceptions=EXPECTED)
    def near_misses(self, policy_id: int, offset: int = 0, limit: int | None = 50, condition: str | None = None,
                    uscc: str | None = None) -> dict:
        """A page of the enterprises failing exactly one condition (see `read_model.near_misses`)."""
        with self.store.reading() as session:
            policy = policy_store.get(session, policy_id)
            if uscc is not None:
                read_model.known(session, uscc)
            rule = lifecycle.stored_rule(policy["eligibility"])
            found = read_model.near_misses(session, rule, offset=offset, limit=limit, condition=condition, uscc=uscc)
        return {"policy_id": policy_id, "policy_version": policy["version"], **found}

    @rpc(expected_exceptions=EXPECTED)
    def enterprise_near_misses(self, uscc: str, offset: int = 0, limit: int = 50) -> dict:
        """The policies in force this enterprise fails by exactly one condition (还差一项), newest first,
        each with that condition judged against it; a page of them and their `total`."""
        with self.store.reading() as session:
            facts, tags, _version = read_model.known(session, uscc)
            live = policy_store.live_policies(session, clock.today_in_china()) if read_model.is_active(
                session, uscc) else []
        found = near_misses.of_enterprise(live, facts, tags)
        return {"items": found[offset:offset + limit], "total": len(found), "offset": offset, "limit": limit}

    # --- RPC: imports ---------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def import_drafts(self, rows: list[list], actor: dict) -> dict:
        """Drafts from a spreadsheet, `[[row number, draft body], ...]`, already valid as PolicyDraft.
        Rows whose rule names an unknown tag are reported; the others are created together."""
        actor = Actor.model_validate(actor)
        known = self.known_tags.codes(self.tagging)
        register = self._register()
        checked, errors = [], []
        for row_number, body in rows:
            try:
                checked.append((row_number, *self._checked(body, known, register)))
            except Invalid as error:
                errors.append({"row": row_number, "reason": error.message})
        with self.store.transaction() as tx:
            created = [policy_store.create_draft(tx.session, draft, rule, actor, clock.now())
                       for _row, draft, rule in checked]
        self.policy_search.changed()
        self.log.info("policies_imported", imported=len(created), refused=len(errors), actor=actor.id)
        return {"imported": len(created), "ids": [policy["id"] for policy in created], "errors": errors}

    # --- RPC: questions (政策咨询) -----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def ask_question(self, policy_id: int, uscc: str, text: str, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            policy = policy_store.get(tx.session, policy_id)
            question = question_store.ask(tx.session, policy, uscc, text, actor, clock.now(),
                                          self.calendar.current(tx.session))
            tx.emit(questions.asked(question))
        self.log.info("question_asked", question_id=question["id"], policy_id=policy_id, uscc=uscc)
        return question

    @rpc(expected_exceptions=EXPECTED)
    def answer_question(self, question_id: int, text: str, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            question = question_store.answer(tx.session, question_id, text, actor, clock.now())
            tx.emit(questions.answered(question))
        self.log.info("question_answered", question_id=question_id, actor=actor.id)
        return question

    @rpc(expected_exceptions=EXPECTED)
    def question(self, question_id: int) -> dict:
        with self.store.reading() as session:
            return question_store.get(session, question_id, clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def questions(self, policy_id: int | None = None, uscc: str | None = None, department: str | None = None,
                  county: str | None = None, overdue: bool | None = None, answered: bool | None = None,
                  limit: int = 50, offset: int = 0) -> dict:
        with self.store.reading() as session:
            if policy_id is not None:
                policy_store.get(session, policy_id)
            return question_store.listed(session, clock.now(), policy_id=policy_id, uscc=uscc,
                                         department=department, county=county, overdue=overdue, answered=answered,
                                         limit=limit, offset=offset)

    # --- RPC: gift packs (大礼包) -----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_pack(self, title: str, description: str | None, policy_ids: list[int], actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            pack = gift_pack_store.create(tx.session, title, description, policy_ids, actor, clock.now())
        self.log.info("pack_created", pack_id=pack["id"], code=pack["code"], policies=len(pack["policy_ids"]))
        return pack

    @rpc(expected_exceptions=EXPECTED)
    def pack(self, pack_id: int) -> dict:
        with self.store.reading() as session:
            return gift_pack_store.get(session, pack_id)

    @rpc(expected_exceptions=EXPECTED)
    def packs(self, limit: int = 50, offset: int = 0) -> dict:
        with self.store.reading() as session:
            return gift_pack_store.listed(session, limit, offset)

    @rpc(expected_exceptions=EXPECTED)
    def visit_pack(self, code: str) -> dict:
        with self.store.transaction() as tx:
            return gift_pack_store.visit(tx.session, code, clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def application_terms(self, policy_id: int, uscc: str) -> dict:
        """What the application hall needs to open an application: the policy's terms, whether the
        enterprise matches it now, the estimated amount and the enterprise's profile for the form."""
        return self.application_terms_many(policy_id, [uscc])[0]

    @rpc(expected_exceptions=EXPECTED)
    def application_terms_many(self, policy_id: int, usccs: list[str]) -> list[dict]:
        with self.store.reading_core() as connection:  # every statement it runs is Core
            policy = policy_store.get(connection, policy_id)
            matched = match_store.matched_among(connection, policy_id, usccs)
            enterprises = read_model.known_many(connection, usccs)
        return application_terms.answers(policy, usccs, matched, enterprises)

    @rpc
    def published_policy_flags(self) -> dict[str, list[int]]:
        """Published policies (`published`) and which are proactive (免申即享: their new matches become
        applications by themselves)."""
        with self.store.reading() as session:
            return policy_store.published_flags(session)

    @rpc
    def match_count(self) -> int:
        with self.store.reading() as session:
            return match_store.count(session)
