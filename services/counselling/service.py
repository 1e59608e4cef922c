"""Counselling service: entrypoints only. Financial counsellors (金融辅导员, contract section 10): teams and the
enterprises each serves, visits, one financing plan per enterprise, problems with every version of their
measures, the 24-hour answer and its alarms, the ledger (工作台账) and team statistics. What each call does is
in `workflows`, the rules in `domain`, the rows in the `*_store` modules, the facts it keeps from the bus in
`fact_store`. Run with `nameko run ... services.counselling.service:CounsellingService`."""
from __future__ import annotations

from datetime import datetime

from nameko.timer import timer

from services.counselling import fact_store, problem_store, workflows
from shared import clock
from shared.consumer import Delivery, handles
from shared.contracts.actors import Actor
from shared.dead_letters import DeadLetterRpc
from shared.errors import EXPECTED
from shared.health import HealthRpc
from shared.logs import Logger
from shared.rpc import rpc
from shared.store import Store
from shared.time_travel import ClockListener
from shared.topology import in_bulk_lane

TICK_S = 2.0   # how often problems past their 24 hours raise their alarms


class CounsellingService(ClockListener, HealthRpc, DeadLetterRpc):
    name = "counselling"

    store = Store()
    log = Logger()

    # --- the bus: the facts it keeps (every one idempotent, in any order) ----------------------------
    def _take_in(self, deliveries: list[Delivery]) -> None:
        events = [fact_store.event_of(delivery.routing_key, delivery.body) for delivery in deliveries]
        with self.store.transaction(bulk=in_bulk_lane(deliveries[0].queue)) as tx:
            fresh = tx.first_deliveries([(event, event.event_id) for event in events])
            summary = fact_store.apply(tx.session, fresh)
        self.log.info("facts_kept", queue=deliveries[0].queue, events=len(events),
                      duplicates=len(events) - len(fresh), **summary)

    @handles("counselling.enterprise_tagged")
    @handles("counselling.enterprise_tagged.bulk", max_batch=1)
    def on_enterprise_tagged(self, deliveries: list[Delivery]) -> None:
        self._take_in(deliveries)

    @handles("counselling.matches_changed")
    @handles("counselling.matches_changed.bulk", max_batch=1)
    def on_matches_changed(self, deliveries: list[Delivery]) -> None:
        self._take_in(deliveries)

    @handles("counselling.policy_changed")
    def on_policy_changed(self, deliveries: list[Delivery]) -> None:
        self._take_in(deliveries)

    # --- time: the 24-hour answer ----------------------------------------------------------------------
    @timer(interval=TICK_S)
    def tick(self) -> None:
        """Problems without a first response 24 clock hours on raise an alarm to their team, and each further
        24 hours one to the level above."""
        with self.store.transaction() as tx:
            raised = problem_store.raise_due(tx.session, clock.now())
            tx.emit_all(problem_store.announced(tx.session, raised))
        if raised:
            self.log.info("alarms_raised", alarms=len(raised), stages=sorted({alarm["stage"] for alarm in raised}))

    # --- RPC: teams --------------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_team(self, actor: dict, name: str, level: str, county: str | None = None) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            team = workflows.create_team(tx.session, actor, name=name, level=level, county=county, now=clock.now())
        self.log.info("team_created", team_id=team["id"], level=team["level"], actor=actor.id)
        return team

    @rpc(expected_exceptions=EXPECTED)
    def teams(self, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.team_list(session, actor)

    @rpc(expected_exceptions=EXPECTED)
    def team(self, actor: dict, team_id: int) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.team_answer(session, actor, team_id)

    @rpc(expected_exceptions=EXPECTED)
    def assign_enterprises(self, actor: dict, team_id: int, usccs: list) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            team = workflows.assign(tx.session, actor, team_id, usccs, clock.now())
        self.log.info("enterprises_assigned", team_id=team_id, enterprises=len(team["enterprises"]), actor=actor.id)
        return team

    @rpc(expected_exceptions=EXPECTED)
    def check_team(self, team_id: int) -> dict:
        """The team a counsellor's new account names; Invalid (422) naming `team_id` if there is none."""
        with self.store.reading() as session:
            return workflows.check_team_exists(session, team_id)

    # --- RPC: visits and the financing plan -----------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def add_visit(self, actor: dict, uscc: str, visited_on: str, notes: str, financing_need=None) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            visit = workflows.add_visit(tx.session, actor, uscc, visited_on=visited_on, notes=notes,
                                        financing_need=financing_need, now=clock.now(), today=clock.today_in_china())
        self.log.info("visit_logged", visit_id=visit["id"], uscc=uscc, actor=actor.id)
        return visit

    @rpc(expected_exceptions=EXPECTED)
    def visits(self, actor: dict, uscc: str, limit: int = 50, offset: int = 0) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.visit_list(session, actor, uscc, limit, offset)

    @rpc(expected_exceptions=EXPECTED)
    def put_plan(self, actor: dict, uscc: str, needs: str, measures: str, amount_coordinated) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            plan, events = workflows.put_plan(tx.session, actor, uscc, needs=needs, measures=measures,
                                              amount_coordinated=amount_coordinated, now=clock.now())
            tx.emit_all(events)
        self.log.info("plan_put", uscc=uscc, version=plan["version"], changed=bool(events), actor=actor.id)
        return plan

    @rpc(expected_exceptions=EXPECTED)
    def plan(self, actor: dict, uscc: str) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.plan_answer(session, actor, uscc)

    # --- RPC: problems (一问题一落实) ---------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def raise_problem(self, actor: dict, uscc: str, text: str) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            problem, events = workflows.raise_problem(tx.session, actor, uscc, text, clock.now())
            tx.emit_all(events)
        self.log.info("problem_raised", problem_id=problem["id"], uscc=uscc, team_id=problem["team_id"],
                      actor=actor.id)
        return problem

    @rpc(expected_exceptions=EXPECTED)
    def record_problem(self, actor: dict, uscc: str, text: str, raised_at: str) -> dict:
        """A problem from a paper ledger with the time it was raised (ISO 8601 with its offset); no HTTP route."""
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            problem, events = workflows.record_problem(tx.session, actor, uscc, text, datetime.fromisoformat(raised_at),
                                                       clock.now())
            tx.emit_all(events)
        self.log.info("problem_recorded", problem_id=problem["id"], uscc=uscc, raised_at=raised_at, actor=actor.id)
        return problem

    @rpc(expected_exceptions=EXPECTED)
    def problem(self, actor: dict, problem_id: int) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.problem_answer(session, actor, problem_id, clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def respond(self, actor: dict, problem_id: int, text: str, status: str) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            problem, events = workflows.respond(tx.session, actor, problem_id, text, status, clock.now())
            tx.emit_all(events)
        self.log.info("problem_answered", problem_id=problem_id, status=problem["status"],
                      version=len(problem["responses"]), actor=actor.id)
        return problem

    # --- RPC: the ledger (工作台账), alarms, statistics ------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def ledger(self, actor: dict, team_id: int | None = None, status: str | None = None, limit: int | None = 50,
               offset: int = 0) -> dict:
        """`limit` None: every problem (the XLSX export)."""
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.ledger_answer(session, actor, team_id=team_id, status=status, limit=limit, offset=offset,
                                           now=clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def alarms(self, actor: dict, limit: int = 50, offset: int = 0) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.alarm_list(session, actor, limit, offset)

    @rpc(expected_exceptions=EXPECTED)
    def statistics(self, actor: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.statistics(session, actor, clock.now())
