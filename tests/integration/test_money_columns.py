"""Money columns (`shared.database.Money`) keep yuan exactly, on SQLite and PostgreSQL: what is written
is read back, summed and added to in SQL to the fen; and a database an earlier release made with float
columns is converted in place when the service starts (`create_schema`)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Table, bindparam, func, insert, inspect, select, update

from shared import workdays
from shared.contracts.actors import Actor, Role
from shared.database import Money, convert_money_columns, drop_database, engine_for
from shared.money import MAX_YUAN
from shared.store import create_schema

CALENDAR = workdays.seeded()

D = Decimal


def ledger(column_type) -> tuple[MetaData, Table]:
    metadata = MetaData()
    return metadata, Table("ledger", metadata, Column("id", Integer, primary_key=True),
                           Column("amount", column_type), Column("total", column_type, nullable=False))


@pytest.fixture
def engine(database_url):
    url = database_url.format(service="money")
    engine = engine_for(url)
    yield engine
    engine.dispose()
    drop_database(url)


def test_amounts_are_read_back_summed_and_added_to_exactly(engine):
    metadata, table = ledger(Money)
    create_schema(engine, metadata)
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
    metadata, table = ledger(Money)
    create_schema(engine, metadata)
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": 1, "amount": 0.1 + 0.2, "total": 2.675},
                                           {"id": 2, "amount": 1.005, "total": D("0.125")}])
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.amount, table.c.total).order_by(table.c.id)).all()
    assert [tuple(row) for row in rows] == [(D("0.30"), D("2.68")), (D("1.01"), D("0.13"))]


def test_a_database_with_float_money_columns_is_converted_once(engine):
    old_metadata, old = ledger(Float)
    old_metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(old), [{"id": 1, "amount": 12345.67, "total": 0.1 + 0.2},
                                         {"id": 2, "amount": None, "total": 40000.0},
                                         {"id": 3, "amount": 9999999999.99, "total": 0.0}])
    metadata, table = ledger(Money)
    assert convert_money_columns(engine, metadata) == ["ledger.amount", "ledger.total"]
    create_schema(engine, metadata)   # what a service does at start: nothing left to convert
    assert convert_money_columns(engine, metadata) == []
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.id, table.c.amount, table.c.total).order_by(table.c.id)).all()
        total = connection.execute(select(func.sum(table.c.total))).scalar_one()
    assert [tuple(row) for row in rows] == [(1, D("12345.67"), D("0.30")), (2, None, D("40000.00")),
                                            (3, D("9999999999.99"), D("0.00"))]
    assert total == D("40000.30")
    columns = {column["name"]: column for column in inspect(engine).get_columns("ledger")}
    assert not isinstance(columns["amount"]["type"], Float) and columns["total"]["nullable"] is False


def test_an_application_database_of_the_float_release_is_converted_and_keeps_its_sums(engine):
    from datetime import UTC, datetime

    from services.application import hall
    from services.application.models import applications, budgets
    from services.application.models import metadata as application_metadata

    earlier = MetaData()
    for table in application_metadata.tables.values():
        table.to_metadata(earlier)
    for table in earlier.tables.values():
        for column in table.columns:
            if isinstance(column.type, Money):
                column.type = Float()    # as the release before Money declared them
    earlier.create_all(engine)
    now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    row = {"policy_id": 7, "policy_title": "稳岗补贴", "department": "finance", "level": "city", "proactive": False,
           "form": {}, "stage_limits": {}, "created_by": {}, "created_at": now, "updated_at": now}
    with engine.begin() as connection:
        connection.execute(insert(earlier.tables["applications"]), [
            {**row, "uscc": f"91371600000000000{number}", "stage": stage, "amount": amount}
            for number, (stage, amount) in enumerate([("completed", 0.1), ("completed", 0.2), ("review", 40_000.0)])])
        connection.execute(insert(earlier.tables["budgets"]), {"policy_id": 7, "budget": 40_000.3,
                                                               "committed": 0.1 + 0.2, "disbursed": 0.3})
    create_schema(engine, application_metadata)
    reviewer = Actor(role=Role.department_staff, id="reviewer", department="finance")
    with engine.begin() as connection:
        review = connection.execute(select(applications.c.id).where(applications.c.stage == "review")).scalar_one()
        assert hall.statistics(connection, Actor(role=Role.city_admin, id="admin"))["disbursed_amount"] == D("0.30")
        approved = hall.act(connection, review, "approve", reviewer, comment=None, amount=None,
                            now=now, calendar=CALENDAR)
    assert approved.events[-1].amount == D("40000.00")
    with engine.connect() as connection:   # 0.30 + 40,000 fits 40,000.30 exactly: no fen lost to a float
        assert tuple(connection.execute(select(budgets.c.budget, budgets.c.committed)).one()) == (
            D("40000.30"), D("40000.30"))
