"""What a failed message handler's error says about the message: wait, retry, or dead letter.

A consumer must not dead-letter a message because something it depends on is away: the message
is fine, and would be fine a minute later. Only a failure that the message itself causes, every
time it is handled, makes it a dead letter. So errors fall into three kinds:

- `INFRASTRUCTURE`: the database, the broker or another service cannot be reached or is
  overloaded (a refused or dropped connection, a pool that cannot hand out a connection, an RPC
  that did not answer in time, PostgreSQL classes 08, 53, 57, 58; SQLite's busy, locked and
  I/O errors). Also a transaction that lost a race (deadlock, serialisation failure: class 40),
  which succeeds when run again. The consumer waits and retries, for as long as it takes.
- `CONFLICT`: a unique or foreign key violated (IntegrityError). Usually a race between two
  workers, gone on the next try; but a message can also break a constraint every time. Retried
  a few times (counted apart from the tries an outage cost), then treated as `MESSAGE`.
- `MESSAGE`: anything else (validation, a value the database refuses, a bug met by this
  message's data). Deterministic: the message becomes a dead letter, where staff can see it and
  replay it once the cause is fixed.
"""
from __future__ import annotations

import enum

import amqp.exceptions
import kombu.exceptions
from nameko.exceptions import UnknownService
from sqlalchemy import exc as sql

from shared.errors import Unavailable

# pauses before trying a failed batch again: (first, cap), doubled each attempt
INFRASTRUCTURE_PAUSE_S = (0.5, 15.0)
CONFLICT_PAUSE_S = (0.05, 1.0)


class Failure(enum.Enum):
    INFRASTRUCTURE = "infrastructure"
    CONFLICT = "conflict"
    MESSAGE = "message"


# PostgreSQL SQLSTATE classes that say nothing about the statement's data
_TRANSIENT_SQLSTATE_CLASSES = ("08", "40", "53", "57", "58")
# SQLite's OperationalError covers syntax errors too; only these are about the moment
_TRANSIENT_SQLITE_MESSAGES = ("database is locked", "database table is locked", "disk i/o error",
                              "unable to open database", "database is busy")

_REACHABILITY_ERRORS = (
    OSError,                               # sockets: refused, reset, timed out, broken pipe
    amqp.exceptions.AMQPError,             # the broker closed the connection or the channel
    kombu.exceptions.OperationalError,     # kombu could not connect
    Unavailable,                           # a service asked over RPC did not answer in time
    UnknownService,                        # ... or has no queue yet (not deployed, or starting)
    sql.InterfaceError,                    # the driver's connection is closed
    sql.DisconnectionError,
    sql.TimeoutError,                      # no connection free in the pool
)


def classify(error: BaseException) -> Failure:
    if isinstance(error, sql.DBAPIError) and error.connection_invalidated:
        return Failure.INFRASTRUCTURE
    if isinstance(error, sql.OperationalError):
        return Failure.INFRASTRUCTURE if _transient_database_error(error) else Failure.MESSAGE
    if isinstance(error, sql.IntegrityError):
        return Failure.CONFLICT
    if isinstance(error, _REACHABILITY_ERRORS):
        return Failure.INFRASTRUCTURE
    return Failure.MESSAGE


def _transient_database_error(error: sql.OperationalError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES
    if error.orig is not None and type(error.orig).__module__.startswith("sqlite3"):
        text = str(error.orig).lower()
        return any(message in text for message in _TRANSIENT_SQLITE_MESSAGES)
    # no SQLSTATE from PostgreSQL: the server never answered (refused, closed, timed out)
    return True


def pause_before_retry(kind: Failure, attempt: int, jitter: float) -> float:
    """Seconds to wait before attempt `attempt + 1`: doubling from the first pause up to the cap,
    then scaled into [50 %, 100 %] by `jitter` (0 to 1), so replicas that failed together do not
    come back together."""
    first, cap = CONFLICT_PAUSE_S if kind is Failure.CONFLICT else INFRASTRUCTURE_PAUSE_S
    return min(cap, first * 2 ** min(max(attempt - 1, 0), 32)) * (0.5 + 0.5 * jitter)
