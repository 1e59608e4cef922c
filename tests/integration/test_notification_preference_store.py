"""Notification preferences' rows on SQLite and PostgreSQL: none saved reads as the defaults, a first save
inserts and a second replaces the row, and one enterprise's never touches another's."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from services.notification import preference_store
from services.notification.domain import preferences as rules

USCC, OTHER = "913716000000000025", "913716000000000033"
START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(service_engine):
    return service_engine("notification")


def save(engine, uscc: str, change: dict, minutes: int) -> rules.Preferences:
    with Session(engine) as session, session.begin():
        current, _ = preference_store.read(session, uscc, for_update=True)
        saved = rules.changed(current, change)
        preference_store.save(session, uscc, saved, START + timedelta(minutes=minutes))
        return saved


def read(engine, uscc: str):
    with Session(engine) as session:
        return preference_store.read(session, uscc)


def test_saved_preferences_replace_the_defaults_then_each_other(engine):
    assert read(engine, USCC) == (rules.DEFAULTS, None)
    first = save(engine, USCC, {"kinds": {"policy_matched": ["sms"]}, "digest": "daily"}, 0)
    assert read(engine, USCC) == (first, START)
    second = save(engine, USCC, {"quiet_hours": ["23:00", "06:00"]}, 5)
    assert second.kinds["policy_matched"] == ("in_app", "sms") and second.quiet_hours == ("23:00", "06:00")
    assert read(engine, USCC) == (second, START + timedelta(minutes=5))
    assert read(engine, OTHER) == (rules.DEFAULTS, None)
