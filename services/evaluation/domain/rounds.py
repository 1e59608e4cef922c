"""An evaluation round (三评, contract section 9): what opening one takes, its period as instants, and the actions
only an open round takes (self-assessments, third-party scores, the survey and its answers, closing)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from services.evaluation.domain.weights import Weights, check_weights
from shared.clock import CHINA
from shared.contracts.bounds import EARLIEST_DATE, LATEST_DATE
from shared.contracts.evaluation import RoundStatus
from shared.errors import Conflict, Invalid

MAX_NAME = 200


def check_round(*, name: Any, period_start: date, period_end: date, weights: Any,
                source_weights: Any) -> tuple[str, Weights]:
    """The round's name (stripped) and checked weights, or Invalid (422) naming the field: a name of 1 to
    MAX_NAME characters, a period that ends no earlier than it starts, weights as `weights.check_weights`."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or "\x00" in name:
        raise Invalid(f"name: must be non-empty text of at most {MAX_NAME} characters",
                      [{"field": "name", "message": f"non-empty text of at most {MAX_NAME} characters"}])
    for field, day in (("period_start", period_start), ("period_end", period_end)):
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise Invalid(f"{field}: must be between {EARLIEST_DATE} and {LATEST_DATE}",
                          [{"field": field, "message": "out of range"}])
    if period_end < period_start:
        raise Invalid(f"period_end: {period_end} is before period_start {period_start}",
                      [{"field": "period_end", "message": "must not be before period_start"}])
    return name.strip(), check_weights(weights, source_weights)


def period_instants(period_start: date, period_end: date) -> tuple[datetime, datetime]:
    """The period as instants `[start, end)`: from the first day's midnight to the midnight after the last day,
    China time (both days are included). Something happened in the period iff start <= occurred_at < end."""
    return (datetime.combine(period_start, time(), tzinfo=CHINA),
            datetime.combine(period_end + timedelta(days=1), time(), tzinfo=CHINA))


def check_open(evaluation_id: Any, status: str, action: str) -> None:
    """Conflict (409) naming the state and the action unless the round is open."""
    if status != RoundStatus.open:
        raise Conflict(f"round {evaluation_id} is {status}: it cannot {action}",
                       {"status": str(status), "action": action})
