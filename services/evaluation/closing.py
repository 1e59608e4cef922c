"""Closing a round: count what happened in its period (in SQL, `period_store`), put the counts through the
domain's formulas, combine the four sources, rank each kind of unit with its rank range, and keep the results.

A policy has the platform and survey sources; a department (the sum of its policies' counts, and its
rectifications) and a county (the sum of its county-level policies' counts, and its rectifications) have all
four. The units ranked are the policies in force in the period, the departments and counties they roll up to,
and any department or county that filed, was assessed or had a rectification due in the period; a county also
when a county team of counsellors had a problem or a plan counted in it (its feedback responsiveness counts them:
the 24-hour answers, the problems resolved and the enterprises whose financing was coordinated).
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime

from services.evaluation import period_store, result_store, round_store
from services.evaluation.domain import indicators as indicator_rules
from services.evaluation.domain import rounds
from services.evaluation.domain.indicators import Outcomes, policy_outcomes
from services.evaluation.domain.ranking import rank_units
from services.evaluation.domain.scores import mean_scores
from services.evaluation.domain.weights import check_weights
from shared.contracts.evaluation import Dimension, Source, UnitKind
from shared.contracts.gov import COUNTIES
from shared.contracts.policies import PolicyLevel
from shared.database import SessionOrConnection


def cutoff(found, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of what a round counts: its period, ended early at its close."""
    start, end = rounds.period_instants(found.period_start, found.period_end)
    return start, min(end, now)


def compute(session: SessionOrConnection, found, now: datetime) -> list[dict]:
    """The results of round `found` (a row of `evaluations`) closed at `now`: the rows `result_store` keeps."""
    weights = check_weights(found.weights, found.source_weights)
    start, end = cutoff(found, now)
    listed = period_store.round_policies(session, start, end)
    counts = period_store.policy_counts(session, start, end, listed)
    outcomes: dict[str, dict[str, Outcomes]] = {kind: {} for kind in UnitKind}
    names: dict[str, dict[str, str]] = {kind: {} for kind in UnitKind}
    members: dict[str, dict[str, list[Outcomes]]] = {UnitKind.department: defaultdict(list),
                                                     UnitKind.county: defaultdict(list)}
    for policy in listed:
        found_counts = counts.get(policy.policy_id, {})
        notified = found_counts.get("notified", 0)
        policy_result = policy_outcomes(
            matched=found_counts.get("matched", 0), uses_interest=bool(policy.interests),
            interested=found_counts.get("interested", 0), interested_matched=found_counts.get("interested_matched", 0),
            # reads in the period of notices delivered before it can outnumber the period's notices
            notified=notified, read=min(found_counts.get("read", 0), notified),
            redeemable=policy.redeemable, redeemed=found_counts.get("redeemed", 0), proactive=policy.proactive,
            proactive_redeemed=found_counts.get("proactive_redeemed", 0), ratings=found_counts.get("ratings", 0),
            stars=found_counts.get("stars", 0), stages_due=found_counts.get("stages_due", 0),
            stages_on_time=found_counts.get("stages_on_time", 0), questions_due=found_counts.get("questions_due", 0),
            questions_on_time=found_counts.get("questions_on_time", 0),
            follow_ups_due=found_counts.get("follow_ups_due", 0),
            follow_ups_on_time=found_counts.get("follow_ups_on_time", 0))
        unit = str(policy.policy_id)
        outcomes[UnitKind.policy][unit] = policy_result
        names[UnitKind.policy][unit] = policy.title
        members[UnitKind.department][policy.department].append(policy_result)
        names[UnitKind.department].setdefault(policy.department, policy.department_name or policy.department)
        if policy.level == PolicyLevel.county and policy.county:
            members[UnitKind.county][policy.county].append(policy_result)
    filed = period_store.filed_scores(session, found.id)
    rectified = period_store.rectification_counts(session, start, end)
    # counsellors' problems and plans: counties only, from their county-level teams
    answered = period_store.problem_counts(session, start, end)
    teams = indicator_rules.counselling_outcomes(*period_store.counselling_facts(session, start, end), start, end)
    for kind in (UnitKind.department, UnitKind.county):
        units = (set(members[kind]) | {unit for (_source, unit_kind, unit) in filed if unit_kind == kind}
                 | {unit for (unit_kind, unit) in rectified if unit_kind == kind}
                 | (set(answered) | set(teams) if kind == UnitKind.county else set()))
        for unit in sorted(units):
            due, on_time = rectified.get((str(kind), unit), (0, 0))
            problems_due, problems_on_time = answered.get(unit, (0, 0)) if kind == UnitKind.county else (0, 0)
            team_outcomes = teams.get(unit, Outcomes()) if kind == UnitKind.county else Outcomes()
            outcomes[kind][unit] = Outcomes.total(members[kind].get(unit, [])) + team_outcomes + Outcomes(
                rectifications_due=due, rectifications_on_time=on_time, problems_due=problems_due,
                problems_on_time=problems_on_time)
            names[kind].setdefault(unit, COUNTIES.get(unit, unit) if kind == UnitKind.county else unit)
    survey = _survey(listed, *period_store.survey_respondents(session, found.id, start, end))
    rows = []
    for kind in (UnitKind.department, UnitKind.county, UnitKind.policy):
        scores = {}
        for unit, unit_outcomes in outcomes[kind].items():
            by_source = {Source.platform: indicator_rules.indicators(unit_outcomes),
                         Source.survey: survey.get((kind, unit), {})}
            if kind != UnitKind.policy:
                for source in (Source.self, Source.third_party):
                    filings = filed.get((str(source), str(kind), unit))
                    if filings:
                        by_source[source] = mean_scores({Dimension(name): value for name, value in scores_.items()}
                                                        for scores_ in filings)
            scores[unit] = by_source
        for position, ranked in enumerate(rank_units(scores, weights)):
            entry = ranked.to_json()
            rows.append({"unit_kind": str(kind), "unit": ranked.unit, "position": position,
                         "name": names[kind][ranked.unit], "score": entry["score"], "rank": entry["rank"],
                         "rank_best": ranked.rank_range[0] if ranked.rank_range else None,
                         "rank_worst": ranked.rank_range[1] if ranked.rank_range else None,
                         "dimensions": entry["dimensions"], "sources": entry["sources"],
                         "outcomes": dataclasses.asdict(outcomes[kind][ranked.unit])})
    return rows


def _survey(listed: list[period_store.RoundPolicy], pairs: set[tuple[int, str]],
            scores: dict[str, dict[str, float]]) -> dict[tuple[UnitKind, str], dict[Dimension, float | None]]:
    """Each unit's survey source: per dimension, the mean over the responding enterprises in its scope (those
    that matched or applied to one of its policies in the period)."""
    by_id = {policy.policy_id: policy for policy in listed}
    scope: dict[tuple[UnitKind, str], set[str]] = defaultdict(set)
    for policy_id, uscc in pairs:
        policy = by_id.get(policy_id)
        if policy is None:
            continue
        scope[(UnitKind.policy, str(policy_id))].add(uscc)
        scope[(UnitKind.department, policy.department)].add(uscc)
        if policy.level == PolicyLevel.county and policy.county:
            scope[(UnitKind.county, policy.county)].add(uscc)
    answers = {uscc: {Dimension(name): value for name, value in found.items()} for uscc, found in scores.items()}
    return {unit: mean_scores(answers[uscc] for uscc in usccs) for unit, usccs in scope.items()}


def keep(session: SessionOrConnection, evaluation_id: int, rows: list[dict], closed_by: str, now: datetime) -> None:
    """Close the round at `now` with its results `rows` (`compute`'s, at the same `now`)."""
    round_store.close(session, evaluation_id, closed_by, now)
    result_store.replace(session, evaluation_id, rows)


def recompute(session: SessionOrConnection, evaluation_id: int) -> int:
    """A closed round's results computed again as at its close (after a replay)."""
    found = round_store.row(session, evaluation_id)
    rows = compute(session, found, found.closed_at)
    result_store.replace(session, evaluation_id, rows)
    return len(rows)


def answer(session: SessionOrConnection, evaluation_id: int) -> dict:
    """`results(actor, evaluation_id)`'s answer."""
    found = round_store.row(session, evaluation_id)
    return {"evaluation_id": found.id, "name": found.name, "period_start": found.period_start.isoformat(),
            "period_end": found.period_end.isoformat(), "weights": found.weights,
            "source_weights": found.source_weights, "closed_at": found.closed_at and found.closed_at.isoformat(),
            **result_store.entries(session, evaluation_id)}
