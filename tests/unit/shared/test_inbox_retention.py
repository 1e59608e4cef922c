"""The inbox's retention: a setting that refuses what would let a re-sent message be handled twice."""
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from shared import clock
from shared.config import MIN_INBOX_RETENTION_DAYS, Settings
from shared.inbox_pruning import cutoff


def test_thirty_days_unless_set(monkeypatch):
    monkeypatch.delenv("HUIQI_INBOX_RETENTION_DAYS", raising=False)
    assert Settings().inbox_retention_days == 30
    monkeypatch.setenv("HUIQI_INBOX_RETENTION_DAYS", str(MIN_INBOX_RETENTION_DAYS))
    assert Settings().inbox_retention_days == MIN_INBOX_RETENTION_DAYS


@pytest.mark.parametrize("days", ["6", "0", "-30"])
def test_a_retention_below_the_minimum_is_refused_naming_the_setting(monkeypatch, days):
    monkeypatch.setenv("HUIQI_INBOX_RETENTION_DAYS", days)
    refused = f"HUIQI_INBOX_RETENTION_DAYS must be at least {MIN_INBOX_RETENTION_DAYS}"
    with pytest.raises(ValidationError, match=refused):
        Settings()


def test_a_retention_that_is_no_number_of_days_is_refused(monkeypatch):
    monkeypatch.setenv("HUIQI_INBOX_RETENTION_DAYS", "a month")
    with pytest.raises(ValidationError, match="inbox_retention_days"):
        Settings()


@pytest.mark.parametrize("travel", [timedelta(days=90), timedelta(days=-90)])
def test_time_travel_never_brings_the_cutoff_forward(travel):
    before = datetime.now(UTC) - timedelta(days=30)
    clock.set_offset(travel)
    try:
        found = cutoff(timedelta(days=30))
    finally:
        clock.set_offset(timedelta(0))
    assert found <= datetime.now(UTC) - timedelta(days=30)
    assert found >= min(before, before + travel)
