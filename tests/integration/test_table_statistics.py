"""The statistics keeper (`shared.table_statistics`) on PostgreSQL: a table filled from empty is
analyzed once its changes pass the threshold, a lookup of a few enterprises' rows by key is then
planned on the key's index instead of a scan of the whole table, and a table changed by less waits.
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import BigInteger, Column, MetaData, String, Table, create_engine, text

from shared.database import drop_database, engine_for, fast_insert
from shared.logs import get_logger
from shared.table_statistics import MIN_CHANGES, StatisticsKeeper
from tests.polling import until

metadata = MetaData()
pairs = Table("pairs", metadata,
              Column("uscc", String(18), primary_key=True),
              Column("policy_id", BigInteger, primary_key=True, autoincrement=False))
few = Table("few", metadata, Column("uscc", String(18), primary_key=True))

ENTERPRISES, POLICIES = 4000, 26


@pytest.fixture
def engine(database_url):
    url = database_url.format(service="table_statistics")
    engine = engine_for(url)
    metadata.create_all(engine)   # tables of this test's own, not a service's
    with engine.begin() as connection:
        for table in (pairs, few):   # where autovacuum runs, it must not analyze them before the keeper does
            connection.execute(text(f"ALTER TABLE {table.name} SET (autovacuum_enabled = false)"))
    yield engine
    engine.dispose()
    drop_database(url)


def uscc(number: int) -> str:
    return f"91310000{number:010d}"


def plan_of_lookup(engine) -> str:
    keys = ", ".join(f"'{uscc(number)}'" for number in range(0, ENTERPRISES, 40))   # our own literals
    with engine.connect() as connection:
        return "\n".join(connection.execute(text(f"EXPLAIN SELECT uscc, policy_id FROM pairs WHERE uscc IN ({keys})"))
                         .scalars())


def analyzed(engine, table: str) -> bool:
    with engine.connect() as connection:
        return connection.execute(text("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = :t"),
                                  {"t": table}).scalar_one()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_table_filled_from_empty_is_analyzed_and_its_lookups_by_key_use_the_index(engine):
    with engine.begin() as connection:
        fast_insert(connection, pairs, ("uscc", "policy_id"),
                    [(uscc(number), policy) for number in range(ENTERPRISES) for policy in range(POLICIES)])
        fast_insert(connection, few, ("uscc",), [(uscc(number),) for number in range(MIN_CHANGES // 2)])
    keeper = StatisticsKeeper(engine, get_logger("huiqi.test.statistics"))
    assert "Seq Scan" in plan_of_lookup(engine), "without statistics the planner guesses a third of the rows"

    # the server publishes each transaction's counts of changed rows within a second or so
    assert until(keeper.run_pass, what="the filled table is found and analyzed") == ["pairs"]

    assert analyzed(engine, "pairs")
    assert not analyzed(engine, "few"), "fewer changes than MIN_CHANGES: left for later"
    plan = plan_of_lookup(engine)
    assert "Index" in plan and "Seq Scan" not in plan, plan
    assert keeper.run_pass() == [], "nothing changed since: nothing to analyze"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_table_its_user_may_not_analyze_is_left_to_autovacuum(engine):
    """PostgreSQL skips ANALYZE of a table the user does not own with only a warning, so its changes would
    never reset and every pass would claim it again."""
    role = f"huiqi_statistics_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        fast_insert(connection, pairs, ("uscc", "policy_id"),
                    [(uscc(number), policy) for number in range(ENTERPRISES) for policy in range(POLICIES)])
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))   # our own name: not a bound parameter's place
        connection.execute(text(f"GRANT SELECT ON pairs TO {role}"))
    stranger = create_engine(engine.url.set(username=role))
    try:
        owner = StatisticsKeeper(engine, get_logger("huiqi.test.statistics"))

        def changes_seen_by_stranger() -> int:   # a transaction of its own each time: statistics are cached in one
            with stranger.connect() as connection:
                return connection.execute(text(
                    "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'pairs'")).scalar() or 0

        until(changes_seen_by_stranger, what="the server counts the inserted rows, for every user")

        assert StatisticsKeeper(stranger, get_logger("huiqi.test.statistics")).run_pass() == []
        assert not analyzed(engine, "pairs")
        assert owner.run_pass() == ["pairs"], "the owner's keeper still takes it"
    finally:
        stranger.dispose()
        with engine.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
