"""The evaluation service's rules, as pure functions: no nameko, no database, no eventlet.

Modules: `rounds` (opening a round, its period, what only an open round takes), `weights` (a round's two sets
of weights), `scores` (filed scores by dimension, their mean), `indicators` (the platform source: `Outcomes`
counts and the formulas), `survey` (questionnaire, answers, their scores), `combination` (a unit's score from its
sources), `ranking` (competition ranks, rank ranges over the ±20% weight box), `follow_ups` (a low rating's
follow-up: due time, lateness), `rectifications` (the 整改 state machine), `ratings` (what an enterprise may rate,
when a follow-up opens), `access` (who reads and does what).
docs/evaluation.md gives every formula and its source events.

API (stable; the service and the gateway build on these names):
- rounds: `check_round(*, name, period_start, period_end, weights, source_weights) -> (name, Weights)`,
  `period_instants(period_start, period_end) -> (start, end)` (China midnights, end exclusive),
  `check_open(evaluation_id, status, action)`
- weights: `Weights(dimensions, sources)` (.to_json), `check_weights(weights, source_weights) -> Weights`,
  `renormalised(weights, present) -> dict`, `SUM_TOLERANCE`
- scores: `check_scores(scores, field="scores") -> dict[Dimension, float]`, `check_evidence(evidence) -> str`,
  `mean_scores(many) -> dict[Dimension, float | None]`
- indicators: `Outcomes` (counts; `+`, `Outcomes.total(many)`), `policy_outcomes(*, matched, ...) -> Outcomes`,
  `counselling_outcomes(problems, plans, start, end) -> {county: Outcomes}` (`ProblemSpan`, `PlanVersion`),
  `sub_indicators(outcomes) -> {"S1".."F3": float | None}`, `indicators(outcomes) -> dict[Dimension, float | None]`
- survey: `check_questions(questions) -> list[dict]`, `check_answers(questions, answers) -> list[int]`,
  `answer_score(answer) -> float`, `response_scores(questions, answers) -> dict[Dimension, float]`
- combination: `UnitScores` (Source -> Dimension -> float | None), `Combined(score, dimensions, sources)`,
  `combine(scores, weights) -> Combined`, `weighted_mean(values, weights)`
- ranking: `competition_ranks(scores) -> list[int | None]`, `corners(weights) -> list[Weights]` (512),
  `rank_ranges(units, weights) -> list[(best, worst) | None]`,
  `Ranked(unit, score, rank, rank_range, dimensions, sources)` (.to_json),
  `rank_units({unit: UnitScores}, weights) -> list[Ranked]` (in rank order), `TIE`
- follow_ups: `due(calendar, rated_at) -> shared.workdays.Due`, `responsible(*, department, level, county)`,
  `is_overdue(status, due_at, now)`, `on_time(due_at, closed_at)`, `check_closable(id, status)`,
  `check_outcome(outcome) -> str`
- rectifications: `TRANSITIONS`, `TEXT_FIELD`, `check_issue(actor, *, unit_kind, unit, problem, due_on, today)
  -> dict`, `may_take(actor, action, unit_kind, unit)`, `take(actor, *, rectification_id, status, unit_kind,
  unit, action, text=None) -> (next status, text)`, `due_end(due_on)`, `is_overdue(status, due_on, now)`,
  `on_time(completed_at, verified, due_on)`
- ratings: `RatingInput`, `check_input(subject, *, policy_id, application_id, stars, comment) -> RatingInput`,
  `check_rater(actor) -> uscc`, `check_push(policy_id, received)`, `check_application(uscc, application_id, *,
  applicant, stage)`, `opens_follow_up(stars, follow_up_open) -> bool`
- access: `own_unit(actor)`, `owns_unit(actor, unit_kind, unit)`, `check_city_admin(actor, action)`,
  `rating_scope(actor)`, `check_may_close_follow_up(actor, *, department, level, county)`,
  `check_self_assessor(actor, unit) -> UnitKind`, `check_assessor(actor)`, `check_round_reader(actor, in_scope)`,
  `check_respondent(actor, in_scope) -> uscc`, `rectification_scope(actor)`, `alarm_scope(actor)`
Errors are shared.errors (Invalid 422, Forbidden 403, Conflict 409) with messages naming the field or the state
and action.
"""
