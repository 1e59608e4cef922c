"""Money columns (`shared.database.Money`) keep yuan exactly, on SQLite and PostgreSQL: what is written
is read back, summed and added to in SQL to the fen."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, func, insert, select, update

from shared.database import Money, drop_database, engine_for
from shared.money import MAX_YUAN

D = Decimal


def ledger() -> tuple[MetaData, Table]:
    metadata = MetaData()
    return metadata, Table("ledger", metadata, Column("id", Integer, primary_key=True),
                           Column("amount", Money), Column("total", Money, nullable=False))


@pytest.fixture
def engine(database_url):
    url = database_url.format(service="money")
    engine = engine_for(url)
    yield engine
    engine.dispose()
    drop_database(url)


def test_amounts_are_read_back_summed_and_added_to_exactly(engine):
    metadata, table = ledger()
    metadata.create_all(engine)   # a table of this test's own, not a service's
    amounts = [D("0.10")] * 10 + [D("0.20")] * 20 + [D("12345.67"), MAX_YUAN - D("100000"), D("0.01")]
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": number, "amount": amount, "total": D(0)}
                                           for number, amount in enumerate(amounts)])
        connection.execute(insert(table), {"id": 99, "amount": None, "total": D(0)})
        add = update(table).where(table.c.id == 0).values(total=table.c.total + bindparam("p", type_=Money()))
        for _ in range(3):
            connection.execute(add, {"p": D("0.10")})
        connection.execute(add, {"p": D("-0.05")})
    with engine.connect() as connection:
        read = connection.execute(select(table.c.amount).order_by(table.c.id)).scalars().all()
        small = connection.execute(select(func.sum(table.c.amount)).where(table.c.id < 30)).scalar_one()
        total = connection.execute(select(table.c.total).where(table.c.id == 0)).scalar_one()
        empty = connection.execute(select(func.coalesce(func.sum(table.c.amount), D(0)))
                                   .where(table.c.id > 1000)).scalar_one()
    assert read == [*amounts, None] and all(isinstance(amount, Decimal) for amount in read[:-1])
    assert [amount.as_tuple().exponent for amount in read[:-1]] == [-2] * len(amounts)
    assert small == D("5.00") and isinstance(small, Decimal)      # ten 0.1 and twenty 0.2, not 5.000000000000001
    assert total == D("0.25") and empty == D("0.00")


def test_a_float_from_json_is_taken_by_its_digits_and_a_third_fen_rounds_half_up(engine):
    metadata, table = ledger()
    metadata.create_all(engine)   # a table of this test's own, not a service's
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": 1, "amount": 0.1 + 0.2, "total": 2.675},
                                           {"id": 2, "amount": 1.005, "total": D("0.125")}])
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.amount, table.c.total).order_by(table.c.id)).all()
    assert [tuple(row) for row in rows] == [(D("0.30"), D("2.68")), (D("1.01"), D("0.13"))]
