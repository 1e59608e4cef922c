"""The bulk row paths (`shared.database.execute_rows`, `fast_insert`, `fast_delete`), on SQLite and
PostgreSQL: every row written, counted, skipped when a duplicate, deleted or upserted by its key,
across the statements PostgreSQL splits them into (PG_ROWS_PER_STATEMENT rows each), with
values of every column type the bulk paths send (text, bigint, boolean, a time, NULL)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import BigInteger, Boolean, Column, MetaData, String, Table, insert, select

from shared.database import (
    PG_ROWS_PER_STATEMENT,
    UtcDateTime,
    database_time,
    dialect_of,
    drop_database,
    engine_for,
    execute_rows,
    fast_delete,
    fast_insert,
)

# more than two statements' worth on PostgreSQL, not a multiple of it
ROWS = 2 * PG_ROWS_PER_STATEMENT + 317
T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)

metadata = MetaData()
pairs = Table("pairs", metadata,
              Column("policy_id", BigInteger, primary_key=True, autoincrement=False),
              Column("uscc", String(18), primary_key=True),
              Column("matched", Boolean, nullable=False),
              Column("title", String(300)),
              Column("decided_at", UtcDateTime(), nullable=False))
COLUMNS = ("policy_id", "uscc", "matched", "title", "decided_at")


@pytest.fixture
def engine(database_url):
    url = database_url.format(service="bulk_rows")
    engine = engine_for(url)
    metadata.create_all(engine)   # a table of this test's own, not a service's
    yield engine
    engine.dispose()
    drop_database(url)


def uscc(number: int) -> str:
    return f"91310000{number:010d}"


def rows_at(engine, at: datetime, numbers, *, matched=True, title: str | None = "政策") -> list[tuple]:
    stamp = database_time(engine.dialect.name, at)
    # policy ids past 2**31 too: a bigint column takes them from a multi-row statement as well
    return [(number % 7 + (2**40 if number % 2 else 0), uscc(number), matched,
             None if title is None else f"{title}{number}", stamp) for number in numbers]


def stored(engine) -> dict[tuple[int, str], tuple]:
    with engine.connect() as connection:
        return {(row.policy_id, row.uscc): (row.matched, row.title, row.decided_at)
                for row in connection.execute(select(pairs))}


def test_insert_counts_every_row_and_skips_duplicates_when_asked(engine):
    rows = rows_at(engine, T0, range(ROWS))
    with engine.begin() as connection:
        assert fast_insert(connection, pairs, COLUMNS, rows) == ROWS
    kept = stored(engine)
    assert len(kept) == ROWS and kept[(2**40 + 1, uscc(1))] == (True, "政策1", T0)
    # half already there, half new, one of the new ones a Chinese title with a quote in it
    again = rows_at(engine, T0, range(ROWS // 2, ROWS + ROWS // 2), title="「惠企」'政策")
    with engine.begin() as connection:
        assert fast_insert(connection, pairs, COLUMNS, again, ignore_duplicates=True) == ROWS // 2
    kept = stored(engine)
    assert len(kept) == ROWS + ROWS // 2
    assert kept[(ROWS % 7 + (2**40 if ROWS % 2 else 0), uscc(ROWS))][1] == f"「惠企」'政策{ROWS}"
    assert kept[(0, uscc(0))] == (True, "政策0", T0)


def test_delete_removes_exactly_the_keys_given(engine):
    with engine.begin() as connection:
        fast_insert(connection, pairs, COLUMNS, rows_at(engine, T0, range(ROWS)))
    doomed = [(number % 7 + (2**40 if number % 2 else 0), uscc(number)) for number in range(0, ROWS, 2)]
    # a key that matches nothing is no error
    with engine.begin() as connection:
        fast_delete(connection, pairs, ("policy_id", "uscc"), [*doomed, (999, uscc(1))])
    left = stored(engine)
    assert set(left) == {(number % 7 + 2**40, uscc(number)) for number in range(1, ROWS, 2)}


def test_an_upsert_keeps_the_newest_decision_per_key(engine):
    statement = (f"INSERT INTO pairs ({', '.join(COLUMNS)}) {{rows}} ON CONFLICT (policy_id, uscc) "
                 "DO UPDATE SET matched = excluded.matched, title = excluded.title, decided_at = excluded.decided_at "
                 "WHERE excluded.decided_at >= pairs.decided_at")
    later, earlier = T0 + timedelta(hours=1), T0 - timedelta(hours=1)
    with engine.begin() as connection:
        assert execute_rows(connection, statement, pairs, COLUMNS, rows_at(engine, T0, range(ROWS))) == ROWS
        execute_rows(connection, statement, pairs, COLUMNS,
                     rows_at(engine, later, range(0, ROWS, 3), matched=False, title=None))
        execute_rows(connection, statement, pairs, COLUMNS,
                     rows_at(engine, earlier, range(ROWS), matched=False, title="前"))
    kept = stored(engine)
    assert len(kept) == ROWS
    for number in (0, 1, 2, 3, ROWS - 1):
        newest = (False, None, later) if number % 3 == 0 else (True, f"政策{number}", T0)
        assert kept[(number % 7 + (2**40 if number % 2 else 0), uscc(number))] == newest


def test_sqlalchemy_executemany_inserts_every_row(engine):
    """A Core executemany (multi-row statements on PostgreSQL through `engine_for`)."""
    with engine.begin() as connection:
        connection.execute(insert(pairs), [dict(zip(COLUMNS, (*row[:-1], T0), strict=True))
                                           for row in rows_at(engine, T0, range(ROWS))])
        assert dialect_of(connection) == engine.dialect.name
    kept = stored(engine)
    assert len(kept) == ROWS and kept[(2**40 + 1, uscc(1))] == (True, "政策1", T0)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_value_too_long_for_its_column_is_refused_not_cut(engine):
    from sqlalchemy.exc import DataError

    too_long = [(1, uscc(1) + "X", True, "政策", database_time("postgresql", T0))]
    with pytest.raises(DataError, match="too long"), engine.begin() as connection:
        fast_insert(connection, pairs, COLUMNS, too_long)
    assert stored(engine) == {}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_json_column_is_refused_with_its_name(engine):
    """PostgreSQL sends arrays, which would need each document wrapped; SQLite binds each value itself."""
    from sqlalchemy import JSON

    documents = Table("documents", MetaData(), Column("id", BigInteger, primary_key=True), Column("body", JSON))
    documents.metadata.create_all(engine)
    with pytest.raises(TypeError, match="documents.body"), engine.begin() as connection:
        fast_insert(connection, documents, ("id", "body"), [(1, {"a": 1})])
