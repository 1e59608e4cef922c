"""`huiqi revision SERVICE -m MESSAGE`: a new migration of a service's database, written by alembic's
autogenerate from the difference between the service's models and the head of its history.

The difference is taken against a scratch SQLite database migrated to head (not the developer's own,
which may be behind or hold data), so the command needs no server. What autogenerate writes is a draft:
read it, name constraints and indexes as the models do, and add the data steps it cannot guess (see
CONTRIBUTING.md); tests/integration/test_migrations.py then checks head equals the models on both backends.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from shared import migrations
from shared.database import engine_for


def write_revision(service: str, message: str) -> Path:
    """The path of the revision file written into `service`'s history."""
    numbered = sum(1 for _ in migrations.scripts(service).walk_revisions())
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/{service}.sqlite3"
        migrations.migrate(service, url)
        engine = engine_for(url, pool_size=1)
        try:
            with engine.begin() as connection:
                script = command.revision(migrations.alembic_config(service, connection), message=message,
                                          autogenerate=True, rev_id=f"{numbered + 1:04d}")
        finally:
            engine.dispose()
    migrations.scripts.cache_clear()
    return Path(script.path)
