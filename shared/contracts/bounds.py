"""Bounds the request and message models share, where a type alone admits nonsense: free-form JSON
(an eligibility rule, a corrected message) of any size, dates a calendar holds but no policy or
clock of the platform means (year 9999), and text that PostgreSQL cannot store (U+0000)."""
from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator

MAX_INT64 = 2**63 - 1  # SQLite's integers and PostgreSQL's bigint: a larger one cannot be bound to SQL
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def one_of(choices: Iterable[enum.StrEnum | str]) -> Any:
    """A `Literal` of the choices' values, for the models whose JSON schema is published (requests,
    events): the schema keeps a plain string `enum`, errors pydantic's words for a literal
    (`'a' or 'b'`), and a value read back is a plain string; the values are defined once."""
    return Literal[tuple(str(choice) for choice in choices)]


def json_at_most(max_chars: int) -> AfterValidator:
    """A validator refusing a value whose JSON text is longer than `max_chars` characters."""

    def check(value: Any) -> Any:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        if size > max_chars:
            raise ValueError(f"at most {max_chars:,} characters of JSON, got {size:,}")
        return value

    return AfterValidator(check)


def _within_window(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}; for no end, give {LATEST_DATE}")
    return value


def in_utc(value: datetime) -> datetime:
    """An aware datetime's instant must exist in UTC: 9999-12-31T23:59:59-12:00 does not, and every
    comparison, hash or conversion of it would raise OverflowError wherever it travels."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range: the instant falls outside years 1 to 9999 in UTC") from None
    return value


PlatformDate = Annotated[date, AfterValidator(_within_window)]
"""A date of a policy's validity: 1900-01-01 to 2099-12-31."""
