"""Fixtures for tests against the real RabbitMQ and real databases.

Every test session gets its own RabbitMQ virtual host, so tests never see a running `make run`
platform's messages, and each database-backed test gets fresh databases (SQLite files, or
PostgreSQL databases when parametrised so).
"""
import os

import eventlet

# Nameko's workers are green threads; patch before anything opens a socket. Not in the browser tests'
# own process (HUIQI_TESTS_BROWSER=1, tests/browser/): Playwright runs an asyncio loop of its own there,
# and the platform it drives runs as separate processes.
if os.environ.get("HUIQI_TESTS_BROWSER") != "1":
    eventlet.monkey_patch()

import uuid  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from tests.broker import fresh_vhost  # noqa: E402

# Properties are about results, not speed (make bench measures that): no deadline per example, and data
# generated slowly while four test processes share two cores is no failure.
hypothesis_settings.register_profile("huiqi", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("huiqi")
# `make test-fast` (your own loop) tries each property on fewer examples; `make test` on the default 100
hypothesis_settings.register_profile("fast", parent=hypothesis_settings.get_profile("huiqi"), max_examples=20)

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture(scope="session")
def amqp_uri():
    """A virtual host of our own on the real broker, with the platform's topology declared."""
    from shared import topology

    with fresh_vhost("huiqi-test") as uri:
        topology.declare(uri)
        yield uri


def _postgres_available() -> bool:
    from sqlalchemy import create_engine, text
    try:
        engine = create_engine(f"{POSTGRES}/postgres")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, container_factory):
    # container_factory is asked for first so that it stops the containers before the databases go
    """A `{service}` database URL template: SQLite files in tmp_path, or fresh PostgreSQL databases."""
    from shared.database import drop_database

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/{{service}}.sqlite3"
        return
    if not _postgres_available():
        pytest.fail("PostgreSQL does not answer on 127.0.0.1:5432 (see README.md: the tests need it running)")
    template = f"{POSTGRES}/huiqi_test_{uuid.uuid4().hex[:8]}_{{service}}"
    yield template
    from tools.launcher import SERVICES

    for service in set(SERVICES) - {"gateway"}:   # every service's database (the gateway has none)
        drop_database(template.format(service=service))


@pytest.fixture(scope="session")
def schema_templates(tmp_path_factory):
    """`schema_templates(history, url)`: the database at `url` migrated to the head of `history`'s schema
    history, as `huiqi migrate` leaves it. A SQLite file is a copy of one migrated once per test process
    (alembic takes 50-300 ms a database, a copy about 1 ms); PostgreSQL is migrated each time."""
    import shutil
    import sqlite3

    from sqlalchemy.engine import make_url

    from shared import migrations

    folder = tmp_path_factory.mktemp("schema-templates")

    def migrated(history: str, url: str) -> None:
        target = make_url(url).database
        if make_url(url).get_backend_name() != "sqlite" or os.path.exists(target):
            migrations.migrate(history, url)
            return
        template = folder / f"{history}.sqlite3"
        if not template.exists():
            migrations.migrate(history, f"sqlite:///{template}")
            with sqlite3.connect(template) as connection:   # one self-contained file to copy (no -wal beside)
                connection.execute("PRAGMA journal_mode=DELETE")
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        shutil.copyfile(template, target)

    return migrated


@pytest.fixture
def container_factory(container_factory, schema_templates):
    """Nameko's `container_factory`, whose containers find their service's database migrated when they
    start, as `huiqi migrate` leaves it before any service starts (a Store refuses any other)."""
    from shared.config import settings
    from shared.store import Store

    def make(service_cls, config):
        container = container_factory(service_cls, config)
        start = container.start

        def migrate_then_start():
            if any(isinstance(extension, Store) for extension in container.extensions):
                name = container.service_name
                schema_templates(name, settings().database_url_for(name))
            start()

        container.start = migrate_then_start
        return container

    return make


@pytest.fixture
def service_engine(database_url, schema_templates):
    """`service_engine(service, history=service, pool_size=4)`: an engine on that service's fresh database
    (on each of `database_url`'s backends), migrated to the head of `history`'s schema history;
    disposed and dropped after the test."""
    from shared.database import drop_database, engine_for

    made = []

    def make(service: str, history: str | None = None, pool_size: int = 4):
        url = database_url.format(service=service)
        schema_templates(history or service, url)
        engine = engine_for(url, pool_size=pool_size)
        made.append((engine, url))
        return engine

    yield make
    for engine, url in made:
        engine.dispose()
        drop_database(url)


@pytest.fixture
def platform_env(monkeypatch, amqp_uri, database_url, tmp_path):
    """The environment of a platform under test: our vhost, our databases, our var dir."""
    from shared.config import settings

    env = {"HUIQI_AMQP_URI": amqp_uri, "HUIQI_DATABASE_URL": database_url, "HUIQI_VAR_DIR": str(tmp_path)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings.cache_clear()
    yield env
    settings.cache_clear()


@pytest.fixture
def nameko_config(amqp_uri):
    return {"AMQP_URI": amqp_uri, "max_workers": 10, "serializer": "json"}


@pytest.fixture
def purge_queues(amqp_uri):
    """Empty every platform queue before a test, so no earlier test's messages reach it."""
    import kombu

    from shared.topology import ROUTES

    with kombu.Connection(amqp_uri) as connection:
        channel = connection.channel()
        for name in ROUTES:
            channel.queue_purge(name)
    return True



def pytest_collection_modifyitems(items):
    """A test parametrized with `database_url="postgresql"` directly (not through the fixture's own
    params) loses the fixture's `postgres` mark; give it back, so `-m "not postgres"` leaves it out."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)
