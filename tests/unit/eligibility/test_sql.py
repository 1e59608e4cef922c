"""`to_sql` against real databases: whatever the rule, the database picks the enterprises
`evaluate` picks. SQLite runs in memory; PostgreSQL runs when it answers, in temporary tables,
with text columns in an ICU collation to show that ordering does not depend on it."""
import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.eligibility import evaluate, parse, to_sql
from shared.facts import FACTS, Kind
from tests.properties import examples

from .strategies import TAGS, facts, rules, tags

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCALAR_FACTS = tuple(name for name, fact in FACTS.items() if fact.kind is not Kind.codes)
LIST_FACTS = tuple(name for name, fact in FACTS.items() if fact.kind is Kind.codes)


class EnterpriseTables:
    """One row per enterprise with a column per scalar fact; tags and list facts in side tables.

    A list fact's own column holds the list as JSON, or NULL when the fact is missing: the codes
    table alone cannot tell a missing list from an empty one.
    """

    def __init__(self, text_collation: str | None, temporary: bool) -> None:
        metadata = sa.MetaData()
        prefixes = ["TEMPORARY"] if temporary else []

        def column_for(name):
            kind = FACTS[name].kind
            if name == "employees":
                return sa.Column(name, sa.BigInteger)
            if kind is Kind.number:
                return sa.Column(name, sa.Float)
            return sa.Column(name, sa.String(collation=text_collation))

        self.enterprise = sa.Table(
            "eligibility_enterprise", metadata, sa.Column("id", sa.Integer, primary_key=True),
            *(column_for(name) for name in SCALAR_FACTS), *(sa.Column(name, sa.Text) for name in LIST_FACTS),
            prefixes=prefixes)
        self.tag = sa.Table(
            "eligibility_enterprise_tag", metadata, sa.Column("enterprise_id", sa.Integer),
            sa.Column("tag", sa.String), prefixes=prefixes)
        self.code = sa.Table(
            "eligibility_enterprise_code", metadata, sa.Column("enterprise_id", sa.Integer),
            sa.Column("field", sa.String), sa.Column("code", sa.String), prefixes=prefixes)
        self.metadata = metadata

    def has_tag(self, code):
        return sa.exists().where(self.tag.c.enterprise_id == self.enterprise.c.id, self.tag.c.tag == code)

    def has_code(self, field, codes):
        return sa.exists().where(self.code.c.enterprise_id == self.enterprise.c.id, self.code.c.field == field,
                                 self.code.c.code.in_(codes))

    def insert(self, connection, enterprises):
        rows, tag_rows, code_rows = [], [], []
        for number, (enterprise_facts, enterprise_tags) in enumerate(enterprises):
            row = {"id": number, **{name: enterprise_facts.get(name) for name in SCALAR_FACTS}}
            for name in LIST_FACTS:
                codes = enterprise_facts.get(name)
                row[name] = None if codes is None else json.dumps(codes)
                code_rows += [{"enterprise_id": number, "field": name, "code": code} for code in codes or ()]
            rows.append(row)
            tag_rows += [{"enterprise_id": number, "tag": tag} for tag in enterprise_tags]
        connection.execute(self.enterprise.insert(), rows)
        if tag_rows:
            connection.execute(self.tag.insert(), tag_rows)
        if code_rows:
            connection.execute(self.code.insert(), code_rows)

    def matching_ids(self, connection, rule, explicit_has_fact: bool):
        extra = {"has_fact": lambda field: self.enterprise.c[field].is_not(None)} if explicit_has_fact else {}
        where = to_sql(rule, column=lambda field: self.enterprise.c[field], has_tag=self.has_tag,
                       has_code=self.has_code, **extra)
        return set(connection.execute(sa.select(self.enterprise.c.id).where(where)).scalars())


def _postgres_connection():
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        return engine, engine.connect()
    except Exception:  # noqa: BLE001
        return None, None


@pytest.fixture(scope="module")
def sqlite():
    engine = sa.create_engine("sqlite://")
    tables = EnterpriseTables(text_collation=None, temporary=False)
    with engine.connect() as connection:
        tables.metadata.create_all(connection)
        connection.commit()
        yield tables, connection
    engine.dispose()


@pytest.fixture(scope="module")
def postgresql():
    engine, connection = _postgres_connection()
    if connection is None:
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_URL}")
    tables = EnterpriseTables(text_collation="und-x-icu", temporary=True)
    with connection:
        tables.metadata.create_all(connection)
        connection.commit()
        yield tables, connection
    engine.dispose()


enterprises = st.lists(st.tuples(facts(odd=False), tags()), min_size=1, max_size=6)


def _agrees(database, rule_json, generated, explicit_has_fact=False):
    tables, connection = database
    rule = parse(rule_json, TAGS)
    transaction = connection.begin()
    try:
        tables.insert(connection, generated)
        expected = {number for number, (enterprise_facts, enterprise_tags) in enumerate(generated)
                    if evaluate(rule, enterprise_facts, enterprise_tags)}
        assert tables.matching_ids(connection, rule, explicit_has_fact) == expected
    finally:
        transaction.rollback()


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules(), enterprises)
def test_sqlite_agrees_with_evaluate(sqlite, rule_json, generated):
    _agrees(sqlite, rule_json, generated)


@pytest.mark.postgres
@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules(), enterprises, st.booleans())
def test_postgresql_agrees_with_evaluate(postgresql, rule_json, generated, explicit_has_fact):
    _agrees(postgresql, rule_json, generated, explicit_has_fact)


EDGES = [
    {"not": {"field": "employees", "op": ">=", "value": 10}},
    {"not": {"field": "employees", "op": "!=", "value": 10}},
    {"field": "employees", "op": ">=", "value": 10.5},
    {"field": "annual_revenue", "op": ">", "value": 2**40},
    {"field": "name", "op": "<", "value": "a"},
    {"field": "name", "op": ">=", "value": "Z"},
    {"field": "registered_on", "op": "<", "value": "2020-01-01"},
    {"field": "qualifications", "op": "!=", "value": "tech_sme"},
    {"not": {"field": "qualifications", "op": "!=", "value": "tech_sme"}},
    {"field": "interests", "op": "in", "value": ["financing", "gazelle"]},
    {"any": []},
    {"not": {"any": []}},
    {},
    {"not": {"all": [{"tag": "scale.small"}, {"not": {"field": "county", "op": "in", "value": ["371602"]}}]}},
]
EDGE_ENTERPRISES = [
    ({}, frozenset()),
    ({"employees": 10, "name": "a", "registered_on": "2019-12-31", "qualifications": []}, frozenset({"scale.small"})),
    ({"employees": 11, "annual_revenue": 2**40 + 0.5, "name": "B", "county": "371602",
      "qualifications": ["tech_sme"], "interests": ["financing"]}, frozenset({"scale.small"})),
    ({"employees": 0, "name": "é", "registered_on": "2020-01-01", "qualifications": ["gazelle"]}, frozenset()),
]


@pytest.mark.parametrize("rule_json", EDGES)
def test_sqlite_edges(sqlite, rule_json):
    _agrees(sqlite, rule_json, EDGE_ENTERPRISES)


@pytest.mark.postgres
@pytest.mark.parametrize("rule_json", EDGES)
def test_postgresql_edges(postgresql, rule_json):
    _agrees(postgresql, rule_json, EDGE_ENTERPRISES)


def test_postgresql_orders_text_by_code_point():
    from sqlalchemy.dialects import postgresql as postgresql_dialect

    column = sa.table("enterprise", sa.column("name", sa.String)).c.name
    clause = to_sql(parse({"field": "name", "op": "<", "value": "a"}, TAGS), column=lambda field: column,
                    has_tag=None, has_code=None)
    assert 'enterprise.name COLLATE "C" <' in str(clause.compile(dialect=postgresql_dialect.psycopg.dialect()))
    assert "COLLATE" not in str(clause.compile(dialect=sa.create_engine("sqlite://").dialect))
