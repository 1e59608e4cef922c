"""The counselling service's rules, as pure functions: no nameko, no database, no eventlet.

Modules: `teams` (a team's level and county, the enterprises it serves), `access` (who reads and does
what: a counsellor only for its own team's enterprises), `escalation` (the 24-hour answer and the ladder
of alarms above it, in clock hours), `problems` (a problem's statuses, what a response takes), `plans`
(a financing plan, a visit), `ledger` (the 24-hour rate).

API (the service builds on these names):
- teams: `Level`, `LEVELS`, `LEVEL_NAMES`, `check_team(*, name, level, county) -> dict`, `check_usccs(usccs)`
- access: `check_city_admin(actor, action)`, `check_counsellor(actor, uscc, team_id)`,
  `check_raiser(actor, uscc, team_id)`, `check_problem_reader(actor, uscc, team_id)`,
  `team_scope(actor, team_id) -> int | None`, `check_team_reader(actor, team_id)`
- escalation: `ANSWER_HOURS`, `ladder(level) -> list[str]`, `rung_due(raised_at, stage) -> datetime`,
  `next_alarm_at(raised_at, level, stage) -> datetime | None`, `due_rungs(raised_at, level, stage, now)
  -> list[Rung]`, `Rung(stage, level, due_at)`, `answered_in_time(raised_at, first_answered_at) -> bool`
- problems: `Status`, `check_text(text, field)`, `check_response(status_now, status)`
- plans: `check_plan(*, needs, measures, amount_coordinated)`, `check_visit(*, visited_on, notes,
  financing_need, today)`
- ledger: `rate(answered_in_time, due) -> float | None`, `age_hours(raised_at, now) -> float`
Errors are shared.errors (Invalid 422, Forbidden 403, Conflict 409) naming the field or the rule, in Chinese.
"""
