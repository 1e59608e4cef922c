"""The 24-hour answer (一困难一反馈) and the ladder of alarms above it.

Clock hours, not working days: a problem raised on Friday at 18:00 is due on Saturday at 18:00, weekends
and holidays included. A problem without a first response `ANSWER_HOURS` after it was raised is an alarm
to its team (stage 1, the team's own level); each further `ANSWER_HOURS` without one it climbs a level
(county -> city -> province): a county team's problem reaches the city at 48 hours and the province at
72; a province team's stays with the province. A first response stops the ladder.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.counselling.domain.teams import LEVELS, Level

ANSWER_HOURS = 24
STEP = timedelta(hours=ANSWER_HOURS)


@dataclass(frozen=True)
class Rung:
    stage: int          # 1: the team's own level, 2: one level above, ...
    level: str          # the level alarmed
    due_at: datetime    # when the rung was due (raised_at + stage x 24 h)


def ladder(level: str) -> list[str]:
    """The levels alarmed in turn for a problem of a team at `level`: its own, then each one above."""
    return [str(rung) for rung in LEVELS[LEVELS.index(Level(level)):]]


def rung_due(raised_at: datetime, stage: int) -> datetime:
    return raised_at + stage * STEP


def next_alarm_at(raised_at: datetime, level: str, stage: int) -> datetime | None:
    """When the rung after `stage` (rungs raised so far) is due; None at the top of the ladder."""
    return rung_due(raised_at, stage + 1) if stage < len(ladder(level)) else None


def due_rungs(raised_at: datetime, level: str, stage: int, now: datetime) -> list[Rung]:
    """The rungs due at `now` beyond the `stage` already raised, of a problem not yet answered."""
    levels = ladder(level)
    return [Rung(number, levels[number - 1], rung_due(raised_at, number))
            for number in range(stage + 1, len(levels) + 1) if rung_due(raised_at, number) <= now]


def answered_in_time(raised_at: datetime, first_answered_at: datetime | None) -> bool:
    return first_answered_at is not None and first_answered_at <= raised_at + STEP
