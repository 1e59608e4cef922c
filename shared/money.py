"""Money: yuan as `Decimal`, exact to the fen, from the request to the database and back.

- In Python an amount is a `Decimal` with two places (`yuan`); never a float.
- In a database it is a `shared.database.Money` column: NUMERIC(18, 2) on PostgreSQL, integer fen on
  SQLite (which has no exact decimal type), so sums and comparisons in SQL are exact on both.
- Over RPC it crosses as a `Decimal` (kombu's JSON encodes it tagged, as text).
- In JSON a person or another system reads (HTTP answers, event bodies, JSON columns) it is a number
  written with its exact digits (`json_number`). JSON read back in (a request body, a JSON column)
  gives a float; `yuan` takes such a float by its shortest representation, which is the text it was
  parsed from for any number of at most 15 significant digits: every amount up to `MAX_YUAN`.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, WithJsonSchema

FEN = Decimal("0.01")
# Half up (四舍五入) is how Chinese fiscal and accounting rules round to the fen, and what an applicant
# checking the sum by hand expects. Python's round() and Decimal's default are half even (banker's
# rounding), which would pay 0.12 yuan for 0.125.
ROUNDING = ROUND_HALF_UP
# 15 significant digits with the two places: the most a binary double carries exactly, so every amount
# the platform keeps is written as a JSON number with its exact digits, and read back as the same Decimal.
MAX_YUAN = Decimal("9999999999999.99")
ZERO = Decimal("0.00")


def exact(value: Any) -> Decimal:
    """The exact Decimal of a number as it was written: a float by its shortest representation (the
    digits it was parsed from), never by its binary value. ValueError for anything else."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    else:
        try:
            result = Decimal(repr(value) if isinstance(value, float) else value)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def yuan(value: Any) -> Decimal:
    """`exact(value)` rounded half up to the fen."""
    return exact(value).quantize(FEN, rounding=ROUNDING)


def json_number(value: Decimal) -> float | int | str:
    """What `json.dumps` writes for an amount: a float whose shortest representation is exactly its
    digits (true up to MAX_YUAN); a whole number beyond that as an int; anything else (a sum past
    ten trillion yuan with fen) as its text rather than a number that is not exactly it."""
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    if value == value.to_integral_value():
        return int(value)
    return str(value)


def json_default(value: Any) -> Any:
    """`default` for `json.dumps`: amounts as `json_number`; anything else is not JSON, as usual."""
    if isinstance(value, Decimal):
        return json_number(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# Yuan in a pydantic model: exact, two places at most, within MAX_YUAN; a JSON number when dumped.
Yuan = Annotated[Decimal, Field(ge=0, le=MAX_YUAN, decimal_places=2),
                 PlainSerializer(json_number, when_used="json"),
                 WithJsonSchema({"type": "number", "minimum": 0, "maximum": float(MAX_YUAN), "multipleOf": 0.01})]
# A rate of a ratio subsidy (a share of the fact), exact to a millionth.
Rate = Annotated[Decimal, Field(gt=0, le=1, decimal_places=6), PlainSerializer(json_number, when_used="json"),
                 WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 1})]
