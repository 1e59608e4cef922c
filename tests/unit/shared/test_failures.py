"""Which failures pause a queue (a dependency away) and which make a dead letter (the message)."""
import sqlite3

import amqp.exceptions
import psycopg.errors
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nameko.exceptions import UnknownService
from pydantic import BaseModel, ValidationError
from sqlalchemy import exc as sql

from shared.errors import Invalid, Unavailable
from shared.failures import CONFLICT_PAUSE_S, INFRASTRUCTURE_PAUSE_S, Failure, classify, pause_before_retry


def wrapped(kind, original, **kwargs):
    return kind("INSERT ...", {}, original, **kwargs)


def a_validation_error() -> ValidationError:
    class Body(BaseModel):
        number: int
    try:
        Body.model_validate({"number": "seven"})
    except ValidationError as error:
        return error
    raise AssertionError("validated")


@pytest.mark.parametrize("error", [
    wrapped(sql.OperationalError, psycopg.errors.OperationalError("connection refused")),  # no SQLSTATE
    wrapped(sql.OperationalError, psycopg.errors.AdminShutdown("terminating connection")),     # 57P01
    wrapped(sql.OperationalError, psycopg.errors.SerializationFailure("could not serialize")),  # 40001
    wrapped(sql.OperationalError, psycopg.errors.DeadlockDetected("deadlock")),                 # 40P01
    wrapped(sql.OperationalError, psycopg.errors.TooManyConnections("too many clients")),       # 53300
    wrapped(sql.OperationalError, sqlite3.OperationalError("database is locked")),
    wrapped(sql.InterfaceError, psycopg.InterfaceError("the connection is closed")),
    wrapped(sql.DatabaseError, psycopg.DatabaseError("server closed the connection"), connection_invalidated=True),
    sql.TimeoutError("QueuePool limit reached"),
    ConnectionRefusedError(111, "Connection refused"),
    TimeoutError("timed out"),
    amqp.exceptions.RecoverableConnectionError("connection lost"),
    Unavailable("policy did not answer within 60 s"),
    UnknownService("policy"),
], ids=repr)
def test_a_dependency_away_is_infrastructure(error):
    assert classify(error) is Failure.INFRASTRUCTURE


@pytest.mark.parametrize("error", [
    wrapped(sql.IntegrityError, psycopg.errors.UniqueViolation("duplicate key")),
    wrapped(sql.IntegrityError, sqlite3.IntegrityError("UNIQUE constraint failed")),
], ids=repr)
def test_a_constraint_violated_is_a_conflict(error):
    assert classify(error) is Failure.CONFLICT


@pytest.mark.parametrize("error", [
    a_validation_error(),
    Invalid("rule refused"),
    ValueError("bad"),
    KeyError("matched"),
    wrapped(sql.DataError, psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")),
    wrapped(sql.OperationalError, psycopg.errors.lookup("54000")("value too long for an index row")),
    wrapped(sql.OperationalError, sqlite3.OperationalError("too many SQL variables")),
    wrapped(sql.ProgrammingError, psycopg.errors.UndefinedColumn("no such column")),
    sql.StatementError("encoding", "INSERT ...", {}, UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates")),
], ids=repr)
def test_what_the_message_causes_is_the_message(error):
    assert classify(error) is Failure.MESSAGE


@given(st.integers(min_value=1, max_value=10_000), st.floats(min_value=0, max_value=1))
def test_pauses_grow_up_to_their_cap_and_never_below_half_the_first(attempt, jitter):
    for kind, (first, cap) in ((Failure.INFRASTRUCTURE, INFRASTRUCTURE_PAUSE_S), (Failure.CONFLICT, CONFLICT_PAUSE_S)):
        pause = pause_before_retry(kind, attempt, jitter)
        assert first / 2 <= pause <= cap
        assert pause_before_retry(kind, attempt + 1, jitter) >= pause


def test_pauses_double_until_the_cap():
    first, cap = INFRASTRUCTURE_PAUSE_S
    assert [pause_before_retry(Failure.INFRASTRUCTURE, attempt, 1.0) for attempt in (1, 2, 3)] == \
        [first, first * 2, first * 4]
    assert pause_before_retry(Failure.INFRASTRUCTURE, 100, 1.0) == cap
    assert pause_before_retry(Failure.INFRASTRUCTURE, 100, 0.0) == cap / 2
