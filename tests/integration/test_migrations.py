"""Each service database's schema history (shared/migrations.py), on SQLite and PostgreSQL: its head is
exactly the service's models (a model changed without a migration fails here); `huiqi migrate` makes a
fresh database, recognises one of the release before migrations and upgrades it with its rows kept, and
refuses one a newer release migrated; a service refuses to start on a database not at head."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from nameko.containers import ServiceContainer
from nameko.rpc import rpc
from sqlalchemy import BigInteger, Column, Integer, MetaData, Numeric, String, Table, insert, inspect, select, text

from shared import messaging_tables, migrations
from shared.database import Money, engine_for
from shared.store import Store
from tools import cli, launcher

PREVIOUS_RELEASE = Path(__file__).resolve().parent / "previous_release"
HISTORIES = migrations.histories()


def model_differences(engine, service: str, extra: MetaData | None = None) -> list:
    """What alembic's autogenerate would write to bring the database to the models: [] when equal."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, [*migrations.target_metadata(service), *([extra] if extra else [])])


def revision_of(engine) -> str | None:
    with engine.connect() as connection:
        return migrations.current(connection)


@pytest.fixture
def engines(database_url):
    """`engines(service)`: an engine on the test's own database of `service` (created, not migrated)."""
    made = []

    def make(service: str):
        engine = engine_for(database_url.format(service=service), pool_size=1)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


def test_every_service_with_a_database_has_a_history():
    assert set(HISTORIES) == set(launcher.SERVICES) - {"gateway"} == set(cli.SERVICES)


@pytest.mark.parametrize("service", HISTORIES)
def test_the_head_of_each_history_is_exactly_the_services_models(service, database_url, engines):
    assert migrations.migrate(service, database_url.format(service=service)) == \
        f"{service}: created at {migrations.head(service)}"
    engine = engines(service)
    assert revision_of(engine) == migrations.head(service)
    assert model_differences(engine, service) == []
    # amounts are integer fen on SQLite, NUMERIC(18, 2) on PostgreSQL, as the baseline's Money() renders them
    inspector = inspect(engine)
    for metadata in migrations.target_metadata(service):
        for table in metadata.sorted_tables:
            for column in (column for column in table.columns if isinstance(column.type, Money)):
                reflected = {found["name"]: found["type"] for found in inspector.get_columns(table.name)}[column.name]
                if engine.dialect.name == "sqlite":
                    assert isinstance(reflected, BigInteger | Integer), f"{table.name}.{column.name}"
                else:
                    assert isinstance(reflected, Numeric) and (reflected.precision, reflected.scale) == (18, 2)


def test_a_model_changed_without_a_migration_is_a_difference(database_url, engines):
    migrations.migrate("policy", database_url.format(service="policy"))
    engine = engines("policy")
    added = MetaData()
    Table("policy_notes", added, Column("id", Integer, primary_key=True), Column("note", String(100)))
    found = model_differences(engine, "policy", added)
    assert [(change[0], change[1].name) for change in found] == [("add_table", "policy_notes")]


def load_previous_release(engine, service: str) -> None:
    """The database as the release before migrations left it: its `create_all`, from the committed SQL."""
    statements = (PREVIOUS_RELEASE / engine.dialect.name / f"{service}.sql").read_text(encoding="utf-8")
    with engine.begin() as connection:
        for statement in statements.split(";\n"):
            if statement.strip():
                connection.exec_driver_sql(statement)


def test_huiqi_migrate_upgrades_databases_of_the_previous_release_with_their_rows_kept(
        platform_env, engines, capsys):
    at = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    for service in HISTORIES:
        engine = engines(service)
        load_previous_release(engine, service)
        with engine.begin() as connection:
            connection.execute(insert(messaging_tables.outbox), {
                "event_id": f"kept-{service}", "exchange": "huiqi.events", "routing_key": "policy.published",
                "body": "{}", "correlation_id": None, "created_at": at})
        # not compared with the models: they have moved on past the baseline; at head they must equal them
        assert revision_of(engine) is None

    assert cli.main(["migrate"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said == [f"{service}: a database of the release before migrations: stamped {migrations.BASELINE}, "
                    f"upgraded to {migrations.head(service)}" for service in cli.SERVICES]
    for service in HISTORIES:
        engine = engines(service)
        assert revision_of(engine) == migrations.head(service)
        assert model_differences(engine, service) == []
        with engine.connect() as connection:
            kept = connection.execute(select(messaging_tables.outbox.c.event_id, messaging_tables.outbox.c.created_at))
            assert [tuple(row) for row in kept] == [(f"kept-{service}", at)]

    assert cli.main(["migrate", "policy"]) == 0   # again: nothing to do
    assert capsys.readouterr().out == f"policy: at {migrations.head('policy')} already\n"


MATCHES_KEPT = {
    "policy": ("INSERT INTO matches (uscc, policy_id, policy_version, profile_version, matched_at) "
               "VALUES ('91370000MA3C5X1234', 7, 1, 2, '2026-12-01 08:30:00')",
               "SELECT uscc, policy_id, policy_version, profile_version FROM matches",
               [("91370000MA3C5X1234", 7, 1, 2)]),
    "counselling": ("INSERT INTO matches (policy_id, uscc, matched, decided_at, title) "
                    "VALUES (7, '91370000MA3C5X1234', true, '2026-12-01 08:30:00', '稳岗补贴')",
                    "SELECT policy_id, uscc, matched, title FROM matches",
                    [(7, "91370000MA3C5X1234", True, "稳岗补贴")]),
    "evaluation": ("INSERT INTO matches (policy_id, uscc, first_matched_at, last_matched_at) "
                   "VALUES (7, '91370000MA3C5X1234', '2026-12-01 08:30:00', '2026-12-02 08:30:00')",
                   "SELECT policy_id, uscc, first_matched_at IS NOT NULL, last_unmatched_at FROM matches",
                   [(7, "91370000MA3C5X1234", True, None)]),
}
KEYED_BY_ENTERPRISE = ("counselling", "evaluation")   # the others keep their key; no index by enterprise


@pytest.mark.parametrize("service", sorted(MATCHES_KEPT))
def test_matches_of_the_previous_release_take_the_bulk_sync_layout_with_their_rows_kept(
        service, platform_env, engines):
    engine = engines(service)
    load_previous_release(engine, service)
    insert_row, read_rows, rows = MATCHES_KEPT[service]
    with engine.begin() as connection:
        connection.exec_driver_sql(insert_row)
    assert cli.main(["migrate", service]) == 0
    assert revision_of(engine) == migrations.head(service)
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(text(read_rows))] == rows
        if engine.dialect.name == "sqlite":
            created = connection.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                              "AND name = 'matches'")).scalar_one()
            assert "WITHOUT ROWID" in created
    if service in KEYED_BY_ENTERPRISE:
        inspector = inspect(engine)
        assert inspector.get_pk_constraint("matches")["constrained_columns"] == ["uscc", "policy_id"]
        assert [index["name"] for index in inspector.get_indexes("matches")] == []


def test_a_database_a_newer_release_migrated_is_refused(platform_env, engines, capsys):
    assert cli.main(["migrate", "tagging"]) == 0
    engine = engines("tagging")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_a_newer_release'"))
    capsys.readouterr()
    assert cli.main(["migrate", "tagging"]) == 1
    assert "0099_from_a_newer_release, which this release does not know" in capsys.readouterr().err
    assert revision_of(engine) == "0099_from_a_newer_release"


def test_a_database_holding_foreign_tables_is_refused_not_stamped(platform_env, engines, capsys):
    engine = engines("accounts")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))
    assert cli.main(["migrate", "accounts"]) == 1
    assert "no schema history and no outbox" in capsys.readouterr().err
    assert revision_of(engine) is None


class Policy:
    name = "policy"
    store = Store()

    @rpc
    def ping(self) -> str:
        return "pong"


def test_a_service_refuses_to_start_on_a_database_not_at_head(platform_env, nameko_config):
    # nameko's own container, not the fixture's: that one migrates first, as deployment does
    container = ServiceContainer(Policy, nameko_config)
    try:
        with pytest.raises(migrations.SchemaNotCurrent, match=r"at schema revision none, this release needs "
                                                                r"\S+: run `huiqi migrate policy`"):
            container.start()
    finally:
        container.kill()


NEXT_REVISION = '''"""A revision after the baseline, as a release would add one."""
import sqlalchemy as sa
from alembic import op

revision = "9999_read_at"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch_op:
        batch_op.add_column(sa.Column("read_at", sa.String(30), nullable=True))
    op.execute("UPDATE questions SET read_at = 'before the upgrade'")


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch_op:
        batch_op.drop_column("read_at")
'''


@pytest.fixture
def next_release(tmp_path, monkeypatch):
    """The policy history of a release after this one: a copy of it with one more revision."""
    import shutil

    services = tmp_path / "services"
    shutil.copytree(migrations.history_dir("policy"), services / "policy" / "migrations")
    (services / "policy" / "migrations" / "versions" / "9999_read_at.py").write_text(
        NEXT_REVISION.replace("{head}", migrations.head("policy")), encoding="utf-8")
    monkeypatch.setattr(migrations, "SERVICES_DIR", services)
    migrations.scripts.cache_clear()
    yield
    migrations.scripts.cache_clear()


def test_a_database_at_the_baseline_is_upgraded_through_the_next_revisions_with_its_rows_kept(
        platform_env, engines, nameko_config, capsys, request):
    assert cli.main(["migrate", "policy"]) == 0
    engine = engines("policy")
    current = migrations.head("policy")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO questions (id, policy_id, uscc, text, asked_by, asked_at) VALUES "
                                "(7, 1, '91370000MA3C5X1234', '材料要盖章吗？', '{}', '2026-12-01 08:00:00')"))
    capsys.readouterr()
    request.getfixturevalue("next_release")
    container = ServiceContainer(Policy, nameko_config)   # the next release's policy service, not migrated yet
    try:
        with pytest.raises(migrations.SchemaNotCurrent, match=f"at schema revision {current}, this release "
                                                              "needs 9999_read_at"):
            container.start()
    finally:
        container.kill()

    assert cli.main(["migrate", "policy"]) == 0
    assert capsys.readouterr().out == f"policy: upgraded {current} -> 9999_read_at\n"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, text, read_at FROM questions")).all() == [
            (7, "材料要盖章吗？", "before the upgrade")]
    assert revision_of(engine) == "9999_read_at"
