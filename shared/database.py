"""Engines for a service's own database: a SQLite file under var/ by default, PostgreSQL by URL."""
from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    Numeric,
    String,
    Table,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shared import money

# JSON columns keep amounts (a policy's snapshot, its budget included) as exact numbers
_JSON_SERIALIZER = functools.partial(json.dumps, default=money.json_default)


def engine_for(url: str, *, pool_size: int = 10) -> Engine:
    """An engine tuned for one service process; creates the SQLite file's folder if needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # LIFO: the connection used last is used next. SQLite empties a connection's page cache
        # whenever another connection wrote since its last transaction, so handing each
        # transaction the pool's oldest connection (the default) read every page it touched back
        # from the file again.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=pool_size, max_overflow=5, pool_use_lifo=True,
                               json_serializer=_JSON_SERIALIZER)
        event.listen(engine, "connect", _tune_sqlite)
        # pysqlite's own transaction handling is switched off in _tune_sqlite so that
        # SQLAlchemy's BEGIN and COMMIT are the only ones (the documented SQLAlchemy recipe).
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
        return engine
    ensure_database(url)
    _wait_cooperatively()
    engine = create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True,
                           json_serializer=_JSON_SERIALIZER)
    # An executemany INSERT as multi-row INSERT statements (SQLAlchemy's "insertmanyvalues", as its
    # psycopg2 dialect does by default): psycopg's own executemany sends a row per message and, with
    # the cooperative wait below, goes through the eventlet hub at every flush (`execute_rows`).
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def _wait_cooperatively() -> None:
    """Make psycopg wait for the server through `select`, which eventlet has made green.

    psycopg's default wait is C code calling poll() directly: under eventlet it blocks every
    green thread of the process, so a transaction waiting for a row lock held by another green
    thread of the same process would wait forever."""
    from eventlet import patcher

    if patcher.is_monkey_patched("select"):
        import psycopg.waiting

        psycopg.waiting.wait = psycopg.waiting.wait_select


SQLITE_CACHE_KIB = 64 * 1024   # per connection, at most


def _tune_sqlite(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" listener issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # SQLite's default page cache is 2 MiB: a bulk sync's inserts land all over indexes of
    # hundreds of MiB (the policy service's matches by policy), and each page missing from the
    # cache is read back from the file again (about a third of the inserts' CPU at 100k-scale
    # match tables, docs/benchmarks.md). The cache grows only with the pages a connection touches.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": parsed.database}).scalar()
            if not exists:
                # A database name cannot be a bound parameter; it comes from configuration, quoted here.
                quoted = admin.dialect.identifier_preparer.quote(parsed.database)
                try:
                    connection.execute(text(f"CREATE DATABASE {quoted}"))
                except DBAPIError:
                    # another replica of the service, starting at the same moment, created it first
                    if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                              {"name": parsed.database}).scalar():
                        raise
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    """Remove a service database (for `make reset` and tests)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            quoted = admin.dialect.identifier_preparer.quote(parsed.database)
            connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        admin.dispose()


def insert_ignoring_duplicates(dialect_name: str, table):
    """An INSERT that skips rows whose key already exists (SQLite and PostgreSQL)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def serial_id() -> Column:
    """The `id` primary key the database numbers itself: BIGINT on PostgreSQL, INTEGER on SQLite,
    which numbers a primary key itself only when it is declared INTEGER."""
    return Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes, read back in UTC on SQLite too (which would hand back naive
    ones) and on PostgreSQL whatever its session's time zone (so a value read equals, and prints
    as, the value written)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; Huiqi stores aware UTC times only")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator):
    """Yuan as `Decimal` with two places (`shared.money`): NUMERIC(18, 2) on PostgreSQL; integer fen on
    SQLite, whose NUMERIC is a binary double, so that what is read back, summed and compared in SQL
    is exactly what was written. Takes a Decimal, an int, or a float parsed from JSON (`money.yuan`)."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        amount = money.yuan(value)
        return int(amount.scaleb(2)) if dialect.name == "sqlite" else amount

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(value).scaleb(-2)   # a whole number of fen
        return money.yuan(value)


# Rows per statement on PostgreSQL for `execute_rows` (a bound on the arrays' size, not a limit of
# PostgreSQL's: a bulk sync's events hold up to some 26,000 pairs).
PG_ROWS_PER_STATEMENT = 10_000


def execute_rows(session: SessionOrConnection, statement: str, table: Table, columns: tuple[str, ...],
                 rows: Sequence[tuple]) -> int:
    """`statement` for every row, its `{rows}` standing for the rows, whose values are `columns` of
    `table` in that order; how many rows it affected. The hot bulk paths (millions of matches and
    notifications) go through the driver, without SQLAlchemy's per-row work; table and column
    names in `statement` come from our own metadata, every value is a bound parameter (ready for
    the database: see `database_time`).

    SQLite: `VALUES (?, ...)` through the driver's executemany (in-process, one prepared statement).
    PostgreSQL: `SELECT * FROM unnest(%s::<type>[], ...)`, one array per column, so one short
    statement carries up to PG_ROWS_PER_STATEMENT rows in one round trip. psycopg's executemany
    sends every row as a message of its own and, waiting cooperatively under eventlet, passes
    through the hub at every flush (most of a bulk sync's policy service CPU, py-spy); multi-row
    `VALUES` lists are statements too long for psycopg's query cache, parsed again each time (two
    thirds of it at 100k). So on PostgreSQL no key may appear twice in the `rows` of an
    `ON CONFLICT DO UPDATE` (one statement cannot update a row twice): callers give each key once."""
    if not rows:
        return 0
    connection, dialect, mark = driver_connection(session)
    if dialect != "postgresql":
        return connection.exec_driver_sql(statement.format(rows=f"VALUES ({', '.join([mark] * len(columns))})"),
                                          list(rows)).rowcount
    arrays = ", ".join(f"%s::{_array_element(table.c[name], connection)}[]" for name in columns)
    statement = statement.format(rows=f"SELECT * FROM unnest({arrays})")
    affected = 0
    for start in range(0, len(rows), PG_ROWS_PER_STATEMENT):
        affected += connection.exec_driver_sql(
            statement, tuple(list(column) for column in zip(*rows[start:start + PG_ROWS_PER_STATEMENT], strict=True))
        ).rowcount
    return affected


def _array_element(column: Column, connection: Connection) -> str:
    """The SQL type of `column` as an unnest array's element. Text unbounded: an explicit cast to
    VARCHAR(n) would cut a longer value without a word, where the insert itself refuses it."""
    if isinstance(column.type, JSON):
        # psycopg would need each document wrapped; no bulk path writes one
        raise TypeError(f"{column}: execute_rows takes no JSON column (write it through SQLAlchemy)")
    return "TEXT" if isinstance(column.type, String) else column.type.compile(dialect=connection.dialect)


def fast_insert(session, table, columns: tuple[str, ...], rows: list[tuple], *, ignore_duplicates: bool = False) -> int:
    """Insert many rows (`execute_rows`). Returns how many rows were inserted."""
    if not rows:
        return 0
    connection, dialect, _mark = driver_connection(session)
    quote = connection.dialect.identifier_preparer.quote
    verb = "INSERT OR IGNORE" if ignore_duplicates and dialect == "sqlite" else "INSERT"
    suffix = " ON CONFLICT DO NOTHING" if ignore_duplicates and dialect != "sqlite" else ""
    return execute_rows(connection, f"{verb} INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
                                    f"{{rows}}{suffix}", table, columns, rows)


def driver_connection(session: SessionOrConnection) -> tuple[Connection, str, str]:
    """The connection under `session` (in its transaction), its dialect's name and its parameter mark,
    for statements run through the driver on the hot bulk paths."""
    connection = session if isinstance(session, Connection) else session.connection()
    return connection, connection.dialect.name, "?" if connection.dialect.paramstyle == "qmark" else "%s"


def fast_delete(session, table, columns: tuple[str, ...], keys: list[tuple]) -> None:
    """Delete the rows whose `columns` equal each key: on SQLite by the driver's executemany of a
    statement per key (each an index lookup), on PostgreSQL `execute_rows`' arrays."""
    if not keys:
        return
    connection, dialect, mark = driver_connection(session)
    quote = connection.dialect.identifier_preparer.quote
    if dialect != "postgresql":
        condition = " AND ".join(f"{quote(name)} = {mark}" for name in columns)
        connection.exec_driver_sql(f"DELETE FROM {quote(table.name)} WHERE {condition}", [tuple(key) for key in keys])
        return
    execute_rows(connection, f"DELETE FROM {quote(table.name)} WHERE ({', '.join(quote(name) for name in columns)}) "
                             "IN ({rows})", table, columns, [tuple(key) for key in keys])


def database_time(dialect_name: str, value: datetime):
    """An aware datetime as `UtcDateTime` stores it, for `fast_insert`."""
    value = value.astimezone(UTC)
    if dialect_name == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


# what a store runs its statements on: the caller's session, or a connection, in the caller's transaction
SessionOrConnection = Session | Connection


def dialect_of(session: SessionOrConnection) -> str:
    """The name of the database dialect a session or connection talks to."""
    return (session if isinstance(session, Connection) else session.get_bind()).dialect.name
