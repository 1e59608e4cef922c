"""What happened in a round's period, counted in SQL: one GROUP BY per kind of fact, never a loop over
enterprises (a round over 100,000 enterprises and 2.6 million matches closes in seconds).

Every count is over [start, end): the period's first instant and the earlier of its end and the round's
close, so facts that come after the close never change a closed round's figures (a replay computes
them again and gets the same). docs/evaluation.md gives each formula and its source events.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, or_, select

from services.evaluation.domain.indicators import PlanVersion, ProblemSpan
from services.evaluation.fact_store import applied_between, matched_between
from services.evaluation.models import (
    applications,
    counselling_plans,
    counselling_problems,
    enterprise_interests,
    filings,
    follow_ups,
    matches,
    notices_delivered,
    notices_read,
    policies,
    policy_interests,
    questions,
    rating_history,
    rectifications,
    stage_results,
    survey_scores,
)
from shared.contracts.applications import STAFF_STAGES
from shared.database import SessionOrConnection

PUSH = "policy_matched"   # the notice kind that is a policy's push


@dataclass(frozen=True)
class RoundPolicy:
    policy_id: int
    title: str
    department: str
    department_name: str | None
    level: str
    county: str | None
    redeemable: bool
    proactive: bool
    interests: tuple[str, ...]


def _between(column, start: datetime, end: datetime):
    return and_(column >= start, column < end)


def _on_time(condition):
    return func.sum(case((condition, 1), else_=0))


def round_policies(session: SessionOrConnection, start: datetime, end: datetime) -> list[RoundPolicy]:
    """The policies in force at some time in [start, end), in id order, with their interest tags."""
    interests: dict[int, list[str]] = defaultdict(list)
    for policy_id, tag in session.execute(select(policy_interests.c.policy_id, policy_interests.c.tag)
                                          .order_by(policy_interests.c.policy_id, policy_interests.c.tag)):
        interests[policy_id].append(tag)
    rows = session.execute(select(policies).where(
        policies.c.published_at.is_not(None), policies.c.published_at < end,
        or_(policies.c.ended_at.is_(None), policies.c.ended_at >= start)).order_by(policies.c.policy_id))
    return [RoundPolicy(row.policy_id, row.title, row.department, row.department_name, row.level, row.county,
                        row.redeemable, row.proactive, tuple(interests.get(row.policy_id, ())))
            for row in rows]


def policy_counts(session: SessionOrConnection, start: datetime, end: datetime,
                  policy_list: list[RoundPolicy]) -> dict[int, dict[str, int]]:
    """Per policy id, the counts of its facts in [start, end) that `indicators.policy_outcomes` takes."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def put(rows, *names: str) -> None:
        for policy_id, *values in rows:
            for name, value in zip(names, values, strict=True):
                counts[policy_id][name] += int(value or 0)

    in_period = matched_between(start, end)
    put(session.execute(select(matches.c.policy_id, func.count()).where(in_period).group_by(matches.c.policy_id)),
        "matched")
    # matched in the period and interested: the enterprise has an interest tag the policy's rule uses (a join,
    # which PostgreSQL hashes; a correlated EXISTS took three times as long there)
    put(session.execute(select(matches.c.policy_id, func.count(distinct(matches.c.uscc)))
                        .select_from(policy_interests)
                        .join(matches, matches.c.policy_id == policy_interests.c.policy_id)
                        .join(enterprise_interests, and_(enterprise_interests.c.uscc == matches.c.uscc,
                                                         enterprise_interests.c.tag == policy_interests.c.tag))
                        .where(in_period).group_by(matches.c.policy_id)), "interested_matched")
    # interested: counted once per distinct set of interest tags (policies share the few there are)
    sets: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for policy in policy_list:
        if policy.interests:
            sets[policy.interests].append(policy.policy_id)
    for tags, policy_ids in sets.items():
        interested = session.execute(select(func.count(distinct(enterprise_interests.c.uscc)))
                                     .where(enterprise_interests.c.tag.in_(tags))).scalar_one()
        for policy_id in policy_ids:
            counts[policy_id]["interested"] = interested
    put(session.execute(select(notices_delivered.c.policy_id, func.sum(notices_delivered.c.count))
                        .where(notices_delivered.c.kind == PUSH, _between(notices_delivered.c.delivered_at, start, end))
                        .group_by(notices_delivered.c.policy_id)), "notified")
    put(session.execute(select(notices_read.c.policy_id, func.count())
                        .where(notices_read.c.kind == PUSH, notices_read.c.policy_id.is_not(None),
                               _between(notices_read.c.read_at, start, end))
                        .group_by(notices_read.c.policy_id)), "read")
    completed = _between(applications.c.completed_at, start, end)
    put(session.execute(select(applications.c.policy_id, func.count(distinct(applications.c.uscc)),
                               func.count(distinct(case((applications.c.proactive, applications.c.uscc)))))
                        .where(completed).group_by(applications.c.policy_id)), "redeemed", "proactive_redeemed")
    # each rating's version that stood at the end of the period, if it was made in the period
    standing = (select(func.max(rating_history.c.id)).where(rating_history.c.rated_at < end)
                .group_by(rating_history.c.rating_id))
    put(session.execute(select(rating_history.c.policy_id, func.count(), func.sum(rating_history.c.stars))
                        .where(rating_history.c.id.in_(standing), rating_history.c.rated_at >= start)
                        .group_by(rating_history.c.policy_id)), "ratings", "stars")
    put(session.execute(select(stage_results.c.policy_id, func.count(),
                               _on_time(stage_results.c.left_at <= stage_results.c.due_at))
                        .where(_between(stage_results.c.left_at, start, end))
                        .group_by(stage_results.c.policy_id)), "stages_due", "stages_on_time")
    # a stage still open past its due time is late too, or a unit that never moves a stuck application escapes
    still_open = and_(applications.c.stage.in_(STAFF_STAGES), _between(applications.c.stage_due_at, start, end))
    put(session.execute(select(applications.c.policy_id, func.count()).where(still_open)
                        .group_by(applications.c.policy_id)), "stages_due")
    answered_in_time = and_(questions.c.answered_at.is_not(None), questions.c.answered_at < end,
                            questions.c.answered_at <= questions.c.due_at)
    put(session.execute(select(questions.c.policy_id, func.count(), _on_time(answered_in_time))
                        .where(questions.c.due_at.is_not(None),
                               or_(_between(questions.c.answered_at, start, end),
                                   _between(questions.c.due_at, start, end)))
                        .group_by(questions.c.policy_id)), "questions_due", "questions_on_time")
    closed_in_time = and_(follow_ups.c.closed_at.is_not(None), follow_ups.c.closed_at <= follow_ups.c.due_at)
    put(session.execute(select(follow_ups.c.policy_id, func.count(), _on_time(closed_in_time))
                        .where(_between(follow_ups.c.due_at, start, end))
                        .group_by(follow_ups.c.policy_id)), "follow_ups_due", "follow_ups_on_time")
    return {policy_id: dict(found) for policy_id, found in counts.items()}


def rectification_counts(session: SessionOrConnection, start: datetime,
                         end: datetime) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (unit kind, unit), rectifications due in [start, end) and those completed by the end of their due
    day and verified by the end of the period."""
    in_time = and_(rectifications.c.verified_at.is_not(None), rectifications.c.verified_at < end,
                   rectifications.c.completed_at.is_not(None), rectifications.c.completed_at <= rectifications.c.due_at)
    rows = session.execute(select(rectifications.c.unit_kind, rectifications.c.unit, func.count(), _on_time(in_time))
                           .where(_between(rectifications.c.due_at, start, end))
                           .group_by(rectifications.c.unit_kind, rectifications.c.unit))
    return {(unit_kind, unit): (int(due), int(on_time or 0)) for unit_kind, unit, due, on_time in rows}


def problem_counts(session: SessionOrConnection, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    """Per county, its county teams' problems answered in [start, end) or unanswered then and due in it (late),
    and those first answered within 24 clock hours. City and province teams' problems belong to no county."""
    problem = counselling_problems.c
    in_time = and_(problem.first_answered_at.is_not(None), problem.first_answered_at < end,
                   problem.first_answered_at <= problem.due_at)
    rows = session.execute(select(problem.county, func.count(), _on_time(in_time))
                           .where(problem.level == "county", problem.county.is_not(None),
                                  or_(_between(problem.first_answered_at, start, end),
                                      and_(_between(problem.due_at, start, end),
                                           or_(problem.first_answered_at.is_(None),
                                               problem.first_answered_at >= end))))
                           .group_by(problem.county))
    return {county: (int(due), int(on_time or 0)) for county, due, on_time in rows}


def counselling_facts(session: SessionOrConnection, start: datetime,
                      end: datetime) -> tuple[list[ProblemSpan], list[PlanVersion]]:
    """What `indicators.counselling_outcomes` counts a county's counsellor teams' statistics from: the county
    teams' problems raised before `end` (it leaves out those resolved before `start`), and the plan versions made
    before `end` of every enterprise whose plan a county team changed in [start, end) (its earlier versions give
    the amount it rose from). City and province teams' belong to no county."""
    problem = counselling_problems.c
    rows = session.execute(select(problem.uscc, problem.county, problem.raised_at, problem.resolved_at)
                           .where(problem.level == "county", problem.county.is_not(None), problem.raised_at < end))
    spans = [ProblemSpan(uscc, county, raised_at, resolved_at) for uscc, county, raised_at, resolved_at in rows]
    plan = counselling_plans.c
    changed = select(plan.uscc).where(plan.level == "county", plan.county.is_not(None),
                                      _between(plan.changed_at, start, end))
    versions = [PlanVersion(uscc, version, county if level == "county" else None, amount, changed_at)
                for uscc, version, level, county, amount, changed_at in session.execute(
                    select(plan.uscc, plan.version, plan.level, plan.county, plan.amount_coordinated, plan.changed_at)
                    .where(plan.uscc.in_(changed), plan.changed_at < end))]
    return spans, versions


def survey_respondents(session: SessionOrConnection, evaluation_id: int, start: datetime,
                       end: datetime) -> tuple[set[tuple[int, str]], dict[str, dict[str, float]]]:
    """The responding enterprises' (policy id, uscc) pairs of scope (matched the policy, or had an application of
    it open, in [start, end)), and each respondent's score per dimension. Only respondents are looked up (by
    their code), so this reads a few hundred thousand pairs at most, whatever the population."""
    responding = select(survey_scores.c.uscc).where(survey_scores.c.evaluation_id == evaluation_id)
    pairs = set(session.execute(select(matches.c.policy_id, matches.c.uscc)
                                .where(matches.c.uscc.in_(responding), matched_between(start, end))).tuples())
    pairs.update(session.execute(select(applications.c.policy_id, applications.c.uscc)
                                 .where(applications.c.uscc.in_(responding), applied_between(start, end))).tuples())
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    for uscc, dimension, score in session.execute(select(survey_scores.c.uscc, survey_scores.c.dimension,
                                                         survey_scores.c.score)
                                                  .where(survey_scores.c.evaluation_id == evaluation_id)):
        scores[uscc][dimension] = score
    return pairs, dict(scores)


def filed_scores(session: SessionOrConnection, evaluation_id: int) -> dict[tuple[str, str, str], list[Mapping]]:
    """Per (source, unit kind, unit), the scores of each filing for it."""
    found: dict[tuple[str, str, str], list[Mapping]] = defaultdict(list)
    for source, unit_kind, unit, scores in session.execute(
            select(filings.c.source, filings.c.unit_kind, filings.c.unit, filings.c.scores)
            .where(filings.c.evaluation_id == evaluation_id).order_by(filings.c.id)):
        found[(source, unit_kind, unit)].append(scores)
    return dict(found)

