from datetime import date, datetime

import pytest

from services.evaluation.domain.rounds import MAX_NAME, check_open, check_round, period_instants
from shared.clock import CHINA
from shared.errors import Conflict, Invalid
from tests.unit.evaluation.domain.strategies import EVEN

WEIGHTS = {str(name): value for name, value in EVEN.dimensions.items()}
SOURCES = {str(name): value for name, value in EVEN.sources.items()}
ROUND = {"name": " 2026年下半年惠企政策落实三评 ", "period_start": date(2026, 7, 1), "period_end": date(2026, 12, 31),
         "weights": WEIGHTS, "source_weights": SOURCES}


def test_a_round_keeps_its_name_and_weights():
    assert check_round(**ROUND) == ("2026年下半年惠企政策落实三评", EVEN)
    check_round(**{**ROUND, "period_end": date(2026, 7, 1)})      # one day is a period


@pytest.mark.parametrize(("given", "field"), [
    ({"name": " "}, "name"), ({"name": None}, "name"), ({"name": "x" * (MAX_NAME + 1)}, "name"),
    ({"period_end": date(2026, 6, 30)}, "period_end"),
    ({"period_start": date(1899, 12, 31)}, "period_start"),
    ({"weights": {**WEIGHTS, "supply_match": 0.5}}, "weights"),
    ({"source_weights": {**SOURCES, "self": None}}, "source_weights.self"),
])
def test_a_broken_round_names_the_field(given, field):
    with pytest.raises(Invalid) as raised:
        check_round(**{**ROUND, **given})
    assert raised.value.details[0]["field"] == field


def test_the_period_is_whole_china_days():
    start, end = period_instants(date(2026, 7, 1), date(2026, 12, 31))
    assert start == datetime(2026, 7, 1, tzinfo=CHINA)
    assert end == datetime(2027, 1, 1, tzinfo=CHINA)


def test_only_an_open_round_takes_filings():
    check_open(3, "open", "take a self-assessment")
    with pytest.raises(Conflict, match="round 3 is closed: it cannot take a self-assessment") as raised:
        check_open(3, "closed", "take a self-assessment")
    assert raised.value.details == {"status": "closed", "action": "take a self-assessment"}
