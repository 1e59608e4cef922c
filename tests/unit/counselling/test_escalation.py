"""The 24-hour answer and its ladder of alarms: clock hours, weekends and holidays included."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.counselling.domain.escalation import (
    Rung,
    answered_in_time,
    due_rungs,
    ladder,
    next_alarm_at,
    rung_due,
)
from shared.clock import CHINA

FRIDAY_EVENING = datetime(2026, 12, 4, 18, 0, tzinfo=CHINA)   # a Friday, China time
HOUR = timedelta(hours=1)


def test_the_ladder_climbs_from_the_teams_level_to_the_province():
    assert ladder("county") == ["county", "city", "province"]
    assert ladder("city") == ["city", "province"]
    assert ladder("province") == ["province"]


def test_a_problem_raised_on_friday_evening_is_due_on_saturday_evening_not_monday():
    assert FRIDAY_EVENING.weekday() == 4
    assert rung_due(FRIDAY_EVENING, 1) == datetime(2026, 12, 5, 18, 0, tzinfo=CHINA)   # Saturday
    assert next_alarm_at(FRIDAY_EVENING, "county", 0) == datetime(2026, 12, 5, 18, 0, tzinfo=CHINA)


def test_nothing_is_due_within_the_24_hours():
    assert due_rungs(FRIDAY_EVENING, "county", 0, FRIDAY_EVENING + 24 * HOUR - timedelta(seconds=1)) == []


def test_across_the_weekend_the_team_is_alarmed_on_saturday_and_the_city_on_sunday():
    saturday = FRIDAY_EVENING + 25 * HOUR
    assert due_rungs(FRIDAY_EVENING, "county", 0, saturday) == [Rung(1, "county", FRIDAY_EVENING + 24 * HOUR)]
    sunday = FRIDAY_EVENING + 49 * HOUR
    assert sunday.weekday() == 6
    assert due_rungs(FRIDAY_EVENING, "county", 1, sunday) == [Rung(2, "city", FRIDAY_EVENING + 48 * HOUR)]
    assert next_alarm_at(FRIDAY_EVENING, "county", 2) == FRIDAY_EVENING + 72 * HOUR   # Monday: the province


def test_a_scan_that_comes_late_raises_every_rung_it_missed_once():
    late = FRIDAY_EVENING + 100 * HOUR
    assert [rung.level for rung in due_rungs(FRIDAY_EVENING, "county", 0, late)] == ["county", "city", "province"]
    assert due_rungs(FRIDAY_EVENING, "county", 3, late) == []
    assert next_alarm_at(FRIDAY_EVENING, "county", 3) is None


@pytest.mark.parametrize(("level", "rungs"), [("province", 1), ("city", 2), ("county", 3)])
def test_the_top_of_the_ladder_ends_the_alarms(level, rungs):
    assert next_alarm_at(FRIDAY_EVENING, level, rungs) is None
    assert next_alarm_at(FRIDAY_EVENING, level, rungs - 1) == FRIDAY_EVENING + rungs * 24 * HOUR


def test_answered_in_time_is_within_24_clock_hours_inclusive():
    assert answered_in_time(FRIDAY_EVENING, FRIDAY_EVENING + 24 * HOUR)
    assert not answered_in_time(FRIDAY_EVENING, FRIDAY_EVENING + 24 * HOUR + timedelta(seconds=1))
    assert not answered_in_time(FRIDAY_EVENING, None)
