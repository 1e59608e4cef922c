"""A service starting on an empty database creates every table it declares, as declared, on SQLite and
PostgreSQL; starting again on that database changes nothing (`shared.store.create_schema`)."""
from __future__ import annotations

import importlib

import pytest
from sqlalchemy import BigInteger, Integer, Numeric, inspect

from shared import messaging_tables
from shared.database import Money
from shared.store import Store, create_schema
from tools.launcher import SERVICES


def _stores() -> dict[str, Store]:
    """The `Store` of every service the launcher starts that has a database of its own."""
    stores = {}
    for name, target in SERVICES.items():
        module, _, class_name = target.partition(":")
        service = getattr(importlib.import_module(module), class_name)
        stores.update((name, store) for store in vars(service).values() if isinstance(store, Store))
    return stores


STORES = _stores()


def _columns(engine) -> dict[str, dict[str, dict]]:
    inspector = inspect(engine)
    return {table: {column["name"]: column for column in inspector.get_columns(table)}
            for table in inspector.get_table_names()}


def _shape(columns: dict[str, dict[str, dict]]) -> dict:
    """What reflection says of each column, as values that compare (reflected types do not)."""
    return {table: {name: (str(column["type"]), column["nullable"], column["default"])
                    for name, column in table_columns.items()} for table, table_columns in columns.items()}


def test_every_service_with_a_database_is_seen():
    assert {"tagging", "policy", "notification", "application", "evaluation"} <= set(STORES)


@pytest.mark.parametrize("service", sorted(STORES))
def test_a_fresh_database_gets_every_table_and_column_as_declared(service, service_engine):
    metadata = STORES[service].metadata
    engine = service_engine(service, metadata)
    created = _columns(engine)
    for table in [*messaging_tables.metadata.sorted_tables, *metadata.sorted_tables]:
        assert table.name in created, table.name
        assert set(created[table.name]) == {column.name for column in table.columns}, table.name
        for column in table.columns:
            reflected = created[table.name][column.name]
            assert reflected["nullable"] == column.nullable, f"{table.name}.{column.name}"
            if isinstance(column.type, Money):   # integer fen on SQLite, NUMERIC(18, 2) on PostgreSQL
                if engine.dialect.name == "sqlite":
                    assert isinstance(reflected["type"], BigInteger | Integer), f"{table.name}.{column.name}"
                else:
                    assert isinstance(reflected["type"], Numeric) and (
                        reflected["type"].precision, reflected["type"].scale) == (18, 2), f"{table.name}.{column.name}"

    create_schema(engine, metadata)   # the service started again on the database it made
    assert _shape(_columns(engine)) == _shape(created)
