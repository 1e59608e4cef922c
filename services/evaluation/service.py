"""Evaluation service: entrypoints only. What each call does is in `workflows`, the rules in `domain`, the rows
in the `*_store` modules; the facts it keeps from the bus in `fact_store`. Run with
`nameko run ... services.evaluation.service:EvaluationService`."""
from __future__ import annotations

from nameko.timer import timer

from services.evaluation import alarm_store, fact_store, rating_store, workflows
from services.evaluation.domain import follow_ups as follow_up_rules
from services.evaluation.models import calendar_years
from shared import clock
from shared.calendar_register import CalendarProvider
from shared.consumer import Delivery, handles
from shared.contracts.actors import Actor
from shared.contracts.evaluation import RectificationAction
from shared.dead_letters import DeadLetterRpc
from shared.errors import EXPECTED
from shared.health import HealthRpc
from shared.logs import Logger
from shared.rpc import rpc
from shared.store import Store
from shared.time_travel import ClockListener
from shared.topology import in_bulk_lane

TICK_S = 2.0   # how often overdue follow-ups and rectifications raise their alarms


class EvaluationService(ClockListener, HealthRpc, DeadLetterRpc):
    name = "evaluation"

    store = Store()
    log = Logger()
    calendar = CalendarProvider(calendar_years)

    # --- the bus: the facts it keeps (every one idempotent, in any order) ----------------------------
    def _take_in(self, deliveries: list[Delivery]) -> None:
        items = [(delivery.routing_key, fact_store.event_of(delivery.routing_key, delivery.body))
                 for delivery in deliveries]
        with self.store.transaction(bulk=in_bulk_lane(deliveries[0].queue)) as tx:
            fresh = tx.first_deliveries([(item, item[1].event_id) for item in items])
            summary = fact_store.apply(tx.session, fresh, clock.now())
            years = summary.get("calendar_years", [])
            if years:
                calendar = self.calendar.current(tx.session)
                summary["follow_ups_recounted"] = sum(
                    rating_store.recount_year(tx.session, calendar, year, follow_up_rules.due) for year in years)
        self.log.info("facts_kept", queue=deliveries[0].queue, events=len(items),
                      duplicates=len(items) - len(fresh), **summary)

    @handles("evaluation.enterprise_tagged")
    @handles("evaluation.enterprise_tagged.bulk", max_batch=1)
    def on_enterprise_tagged(self, deliveries: list[Delivery]) -> None:
        self._take_in(deliveries)

    @handles("evaluation.matches_changed")
    @handles("evaluation.matches_changed.bulk", max_batch=1)
    def on_matches_changed(self, deliveries: list[Delivery]) -> None:
        self._take_in(deliveries)

    @handles("evaluation.policy_changed")
    def on_policy_changed(self, deliveries: list[Delivery]) -> None:
        self._take_in(deliveries)

    @handles("evaluation.application_changed")
    def on_application_changed(self, deliveries: list[Delivery]) -> None:
        self._take_in(deliveries)

    @handles("evaluation.question_changed")
    def on_question_changed(self, deliveries: list[Delivery]) -> None:
        self._take_in(deliveries)

    @handles("evaluation.notification_changed")
    def on_notification_changed(self, deliveries: list[Delivery]) -> None:
        self._take_in(deliveries)

    @handles("evaluation.counselling_changed")
    def on_counselling_changed(self, deliveries: list[Delivery]) -> None:
        """Counsellors' problems, answers and plans: journalled, for feedback responsiveness."""
        self._take_in(deliveries)

    @handles("evaluation.calendar_loaded")
    def on_calendar_loaded(self, deliveries: list[Delivery]) -> None:
        """A year's official arrangement: kept in this service's copy, the follow-ups due in it recounted."""
        self._take_in(deliveries)

    # --- time ------------------------------------------------------------------------------------------
    @timer(interval=TICK_S)
    def tick(self) -> None:
        """Open follow-ups past due and rectifications not verified past their due day raise an alarm, once;
        the notification service is told, and sends it to the responsible staff."""
        with self.store.transaction() as tx:
            raised = alarm_store.raise_due(tx.session, clock.now())
            tx.emit_all(alarm_store.announced(raised))
        if raised:
            self.log.info("alarms_raised", alarms=len(raised), kinds=sorted({alarm["kind"] for alarm in raised}))

    # --- RPC: ratings (好差评) and follow-ups ------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def rate(self, actor: dict, subject: str, stars: int, policy_id: int | None = None,
             application_id: int | None = None, comment: str | None = None) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            rating = workflows.rate(tx.session, actor, subject=subject, policy_id=policy_id,
                                    application_id=application_id, stars=stars, comment=comment, now=clock.now(),
                                    calendar=self.calendar.current(tx.session))
        self.log.info("rated", rating_id=rating["id"], subject=subject, stars=stars,
                      follow_up=rating["follow_up"] and rating["follow_up"]["id"], actor=actor.id)
        return rating

    @rpc(expected_exceptions=EXPECTED)
    def ratings(self, actor: dict, department: str | None = None, policy_id: int | None = None,
                stars: int | None = None, limit: int = 50, offset: int = 0) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.rating_list(session, actor, department=department, policy_id=policy_id, stars=stars,
                                         limit=limit, offset=offset, now=clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def follow_ups(self, actor: dict, status: str | None = None, limit: int = 50, offset: int = 0) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.follow_up_list(session, actor, status=status, limit=limit, offset=offset,
                                            now=clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def close_follow_up(self, actor: dict, follow_up_id: int, outcome: str) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            closed = workflows.close_follow_up(tx.session, actor, follow_up_id, outcome, clock.now())
        self.log.info("follow_up_closed", follow_up_id=follow_up_id, actor=actor.id)
        return closed

    # --- RPC: rounds (三评) ------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def open_round(self, actor: dict, name: str, period_start: str, period_end: str, weights: dict,
                   source_weights: dict) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            opened = workflows.open_round(tx.session, actor, name=name, period_start=period_start,
                                          period_end=period_end, weights=weights, source_weights=source_weights,
                                          now=clock.now())
        self.log.info("round_opened", evaluation_id=opened["id"], actor=actor.id)
        return opened

    @rpc(expected_exceptions=EXPECTED)
    def rounds(self, actor: dict, limit: int = 50, offset: int = 0) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.round_list(session, actor, limit=limit, offset=offset)

    @rpc(expected_exceptions=EXPECTED)
    def round(self, actor: dict, evaluation_id: int) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.round_answer(session, actor, evaluation_id)

    @rpc(expected_exceptions=EXPECTED)
    def file_self_assessment(self, actor: dict, evaluation_id: int, unit: str, scores: dict, evidence: str) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            filing = workflows.file_self_assessment(tx.session, actor, evaluation_id, unit=unit, scores_=scores,
                                                    evidence=evidence, now=clock.now())
        self.log.info("self_assessment_filed", evaluation_id=evaluation_id, unit=unit, actor=actor.id)
        return filing

    @rpc(expected_exceptions=EXPECTED)
    def file_assessment(self, actor: dict, evaluation_id: int, unit_kind: str, unit: str, scores: dict,
                        evidence: str) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            filing = workflows.file_assessment(tx.session, actor, evaluation_id, unit_kind=unit_kind, unit=unit,
                                               scores_=scores, evidence=evidence, now=clock.now())
        self.log.info("assessment_filed", evaluation_id=evaluation_id, unit_kind=unit_kind, unit=unit,
                      actor=actor.id)
        return filing

    @rpc(expected_exceptions=EXPECTED)
    def set_survey(self, actor: dict, evaluation_id: int, questions: list) -> dict:
        """The round with its questionnaire; every enterprise in scope finds it in its inbox."""
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            answer, events = workflows.set_survey(tx.session, actor, evaluation_id, questions, clock.now())
            tx.emit_all(events)
        self.log.info("survey_set", evaluation_id=evaluation_id, questions=len(answer["survey"]["questions"]),
                      enterprises=sum(len(event.usccs) for event in events), actor=actor.id)
        return answer

    @rpc(expected_exceptions=EXPECTED)
    def survey(self, actor: dict, evaluation_id: int) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.survey_answer(session, actor, evaluation_id)

    @rpc(expected_exceptions=EXPECTED)
    def answer_survey(self, actor: dict, evaluation_id: int, answers: list) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            response = workflows.answer_survey(tx.session, actor, evaluation_id, answers, clock.now())
        self.log.info("survey_answered", evaluation_id=evaluation_id, uscc=response["uscc"])
        return response

    @rpc(expected_exceptions=EXPECTED)
    def close_round(self, actor: dict, evaluation_id: int) -> dict:
        """Close the round: its results are computed and kept."""
        actor = Actor.model_validate(actor)
        now = clock.now()
        with self.store.reading() as session:   # counted outside the write lock: seconds over a large population
            results = workflows.round_results(session, actor, evaluation_id, now)
        with self.store.transaction() as tx:
            closed = workflows.close_round(tx.session, actor, evaluation_id, results, now)
        self.log.info("round_closed", evaluation_id=evaluation_id, units=len(results), actor=actor.id)
        return closed

    @rpc(expected_exceptions=EXPECTED)
    def results(self, actor: dict, evaluation_id: int) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.results(session, actor, evaluation_id)

    # --- RPC: rectifications (整改) and alarms -------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def issue_rectification(self, actor: dict, evaluation_id: int, unit_kind: str, unit: str, problem: str,
                            due_on: str) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            issued = workflows.issue_rectification(tx.session, actor, evaluation_id=evaluation_id,
                                                   unit_kind=unit_kind, unit=unit, problem=problem, due_on=due_on,
                                                   today=clock.today_in_china(), now=clock.now())
        self.log.info("rectification_issued", rectification_id=issued["id"], unit=unit, actor=actor.id)
        return issued

    def _step(self, actor: dict, rectification_id: int, action: RectificationAction, text: str | None) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.transaction() as tx:
            moved = workflows.take_rectification_step(tx.session, actor, rectification_id, action, text,
                                                      clock.now())
        self.log.info("rectification_moved", rectification_id=rectification_id, action=str(action),
                      status=moved["status"], actor=actor.id)
        return moved

    @rpc(expected_exceptions=EXPECTED)
    def report_rectification(self, actor: dict, rectification_id: int, text: str) -> dict:
        return self._step(actor, rectification_id, RectificationAction.progress, text)

    @rpc(expected_exceptions=EXPECTED)
    def complete_rectification(self, actor: dict, rectification_id: int, evidence: str) -> dict:
        return self._step(actor, rectification_id, RectificationAction.complete, evidence)

    @rpc(expected_exceptions=EXPECTED)
    def verify_rectification(self, actor: dict, rectification_id: int) -> dict:
        return self._step(actor, rectification_id, RectificationAction.verify, None)

    @rpc(expected_exceptions=EXPECTED)
    def reopen_rectification(self, actor: dict, rectification_id: int, reason: str) -> dict:
        return self._step(actor, rectification_id, RectificationAction.reopen, reason)

    @rpc(expected_exceptions=EXPECTED)
    def rectifications(self, actor: dict, evaluation_id: int | None = None, unit: str | None = None,
                       status: str | None = None, limit: int = 50, offset: int = 0) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.rectification_list(session, actor, evaluation_id=evaluation_id, unit=unit,
                                                status=status, limit=limit, offset=offset, now=clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def rectification(self, actor: dict, rectification_id: int) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.rectification_answer(session, actor, rectification_id, clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def alarms(self, actor: dict, limit: int = 50, offset: int = 0) -> dict:
        actor = Actor.model_validate(actor)
        with self.store.reading() as session:
            return workflows.alarm_list(session, actor, limit=limit, offset=offset)
