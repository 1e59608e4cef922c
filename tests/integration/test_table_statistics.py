"""The statistics keeper (`shared.table_statistics`) on PostgreSQL: a table filled from empty is
analyzed once its changes pass the threshold, a lookup of a few enterprises' rows by key is then
planned on the key's index instead of a scan of the whole table, and a table changed by less waits.
"""
from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Column, MetaData, String, Table, text

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
