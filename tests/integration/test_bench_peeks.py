"""The bench's read-only peeks (bench/probes.py) answer the same on SQLite files and PostgreSQL
databases: counts of appended tables, SQL written with `?`, nothing before the schema exists, and
no writes."""
from __future__ import annotations

import sqlite3
import uuid

import psycopg
import pytest
from sqlalchemy import text

from bench.probes import peek_for


def test_a_peek_counts_what_a_service_appended_and_can_never_write(database_url, service_engine):
    engine = service_engine("notification")
    url = database_url.format(service="notification")
    peek = peek_for(url)
    try:
        assert peek.appended("bench_probe_rows") == 0     # no such table yet: nothing, no error
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE bench_probe_rows (id integer PRIMARY KEY, name text)"))
            connection.execute(text("INSERT INTO bench_probe_rows (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'b')"))
        peek._counted.clear()   # on PostgreSQL a count younger than PG_COUNT_EVERY_S is answered again
        assert peek.appended("bench_probe_rows") == 3
        assert peek.scalar("SELECT count(*) FROM bench_probe_rows WHERE name = ?", "b") == 2
        assert peek.rows("SELECT id FROM bench_probe_rows WHERE id > ? ORDER BY id", 1) == [(2,), (3,)]
        assert peek.outbox() == 0 and peek.scalar("SELECT count(*) FROM dead_letters") == 0
        with pytest.raises((sqlite3.OperationalError, psycopg.errors.ReadOnlySqlTransaction)):
            peek.scalar("INSERT INTO bench_probe_rows (id, name) VALUES (4, 'c') RETURNING id")
    finally:
        peek.close()


@pytest.mark.postgres
def test_a_peek_at_a_database_not_created_yet_sees_nothing():
    from tests.conftest import POSTGRES

    peek = peek_for(f"{POSTGRES}/huiqi_test_{uuid.uuid4().hex[:8]}_notification")
    assert peek.outbox() == 0 and peek.rows("SELECT 1") == []
    peek.close()
