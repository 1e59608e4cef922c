"""An event is dated by the platform's clock, so under time travel (contract section 7) what happened
is dated as every service sees it: the evaluation service judges "on time" by these dates."""
from datetime import UTC, datetime, timedelta

import pytest

from shared import clock
from shared.contracts.events import MatchesChanged


@pytest.fixture
def travelled():
    clock.set_offset(timedelta(days=40))
    yield clock.offset()
    clock.set_offset(timedelta(0))


def test_an_event_is_dated_by_the_platform_clock(travelled):
    before = clock.now()
    occurred = MatchesChanged().occurred_at
    assert before <= occurred <= clock.now()
    assert occurred - datetime.now(UTC) > travelled - timedelta(minutes=1)   # not by the wall clock
