"""Each service database's schema history: alembic revisions in `services/<service>/migrations/versions/`.

`huiqi migrate` (tools/cli.py) brings databases to the head of their history before any service starts
(the compose one-shot, the Kubernetes Job, `huiqi run`, the test fixtures); a service only checks at start
that its database is at head (`Store.setup`) and refuses to start otherwise. So a schema changes by a
revision a reader reviews, run once by one command, never by whichever replica starts first.

Every history begins with the same revision id, BASELINE: the schema the release before migrations made
with `create_all` (its messaging tables and the service's models). A database of that release holds those
tables but no `alembic_version`: it is stamped at the baseline, then upgraded; never created again.
"""
from __future__ import annotations

import functools
import importlib
import logging
from pathlib import Path

# alembic logs each plugin it sets up when imported, and its dialect at every check a service makes at
# start: noise in every service's log (`huiqi migrate` says what it did itself). Set before importing it.
logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.autogenerate.api import AutogenContext  # noqa: E402
from alembic.config import Config  # noqa: E402
from alembic.runtime.migration import MigrationContext  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from alembic.util.exc import CommandError  # noqa: E402
from sqlalchemy import MetaData, inspect, text  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402

from shared import messaging_tables  # noqa: E402
from shared.database import Money, UtcDateTime, engine_for  # noqa: E402

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"
BASELINE = "0001_baseline"
# present in every database the release before migrations made (each service kept an outbox)
_RELEASE_BEFORE_MIGRATIONS = "outbox"
# one `huiqi migrate` at a time per PostgreSQL database (a Job retried while the first still runs)
_ADVISORY_LOCK = 0x6875697169   # "huiqi"


class SchemaNotCurrent(RuntimeError):
    """The database is not at the head of its service's history: run `huiqi migrate SERVICE`."""

    def __init__(self, service: str, found: str | None, head: str):
        self.service, self.found, self.head = service, found, head
        super().__init__(f"the {service} database is at schema revision {found or 'none'}, this release "
                         f"needs {head}: run `huiqi migrate {service}` before starting {service}")


class UnknownRevision(RuntimeError):
    """The database is at a revision this release does not know (a newer release migrated it)."""


def histories() -> tuple[str, ...]:
    """The services that keep a database, hence a history: each `services/<name>/migrations/`."""
    return tuple(sorted(path.parent.parent.name for path in SERVICES_DIR.glob("*/migrations/env.py")))


def history_dir(service: str) -> Path:
    return SERVICES_DIR / service / "migrations"


def alembic_config(service: str, connection: Connection | None = None) -> Config:
    """The alembic configuration of `service`'s history; `connection` is what env.py migrates."""
    if not (history_dir(service) / "env.py").exists():
        raise ValueError(f"no schema history for {service!r}; services with one: {', '.join(histories())}")
    config = Config()
    config.set_main_option("script_location", str(history_dir(service)))
    config.attributes.update(service=service, connection=connection)
    return config


@functools.cache
def scripts(service: str) -> ScriptDirectory:
    """The parsed revision files (read once a process: every start of a service checks its head)."""
    return ScriptDirectory.from_config(alembic_config(service))


def head(service: str) -> str:
    return scripts(service).get_current_head()


def current(connection: Connection) -> str | None:
    """The revision the database is at; None where it has no `alembic_version` (new, or older)."""
    return MigrationContext.configure(connection).get_current_revision()


def target_metadata(service: str) -> list[MetaData]:
    """What the head of `service`'s history must equal: the messaging tables and the service's models."""
    return [messaging_tables.metadata, importlib.import_module(f"services.{service}.models").metadata]


def check_current(service: str, connection: Connection) -> None:
    """SchemaNotCurrent unless the database is at the head of `service`'s history."""
    found, wanted = current(connection), head(service)
    if found != wanted:
        raise SchemaNotCurrent(service, found, wanted)


def migrate(service: str, url: str) -> str:
    """Bring `service`'s database at `url` to the head of its history; what was done, in a line.
    On PostgreSQL the whole upgrade is one transaction (its DDL is transactional)."""
    engine = engine_for(url, pool_size=1)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
            return _migrate(service, connection)
    finally:
        engine.dispose()


def _migrate(service: str, connection: Connection) -> str:
    config, wanted, found = alembic_config(service, connection), head(service), current(connection)
    if found is None:
        tables = set(inspect(connection).get_table_names())
        if _RELEASE_BEFORE_MIGRATIONS in tables:
            command.stamp(config, BASELINE)
            command.upgrade(config, "head")
            return f"{service}: a database of the release before migrations: stamped {BASELINE}, upgraded to {wanted}"
        if tables:
            raise UnknownRevision(f"the {service} database holds tables ({', '.join(sorted(tables)[:5])}, ...) but "
                                  "no schema history and no outbox: it is not a Huiqi database; migrate an empty one")
        command.upgrade(config, "head")
        return f"{service}: created at {wanted}"
    try:
        scripts(service).get_revision(found)
    except CommandError:
        raise UnknownRevision(f"the {service} database is at schema revision {found}, which this release does "
                              f"not know (its head is {wanted}): a newer release migrated it") from None
    if found == wanted:
        return f"{service}: at {wanted} already"
    command.upgrade(config, "head")
    return f"{service}: upgraded {found} -> {wanted}"


# env.py of every history ------------------------------------------------------------------------

def run_env() -> None:
    """What each history's env.py runs: the revisions alembic picked, on the connection `migrate` gave
    (or, for `huiqi revision`, the scratch database the new revision is compared with)."""
    from alembic import context

    service = context.config.attributes["service"]
    context.configure(connection=context.config.attributes["connection"], target_metadata=target_metadata(service),
                      render_as_batch=True,   # SQLite alters a table by copying it: batch mode does that
                      compare_type=True, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


def _render_item(kind: str, value, context: AutogenContext):
    """Our own column types as their names, imported from shared.database (not alembic's guess)."""
    if kind == "type" and type(value) in (UtcDateTime, Money):
        context.imports.add(f"from shared.database import {type(value).__name__}")
        return f"{type(value).__name__}()"
    return False
