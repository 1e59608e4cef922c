"""Writes the schema the release before migrations (commit 123ea7c) made with `create_all`, as SQL, one
file a service and backend: `<backend>/<service>.sql`. Those files are the fixture of
tests/integration/test_migrations.py, which loads them and runs `huiqi migrate` on the result.

They were written at that commit, whose models are the previous release's, so as to stay its schema
whatever the models become; to write them again (for the release after this one, say):

    git worktree add /tmp/previous 123ea7c
    cd /tmp/previous && python -m tests.integration.previous_release.generate \\
        /path/to/checkout/tests/integration/previous_release

(`python -m` from the old checkout: its models; this file may be copied there first.)
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from sqlalchemy import create_mock_engine

SERVICES = ("accounts", "application", "counselling", "evaluation", "notification", "policy", "tagging")
BACKENDS = {"sqlite": "sqlite://", "postgresql": "postgresql+psycopg://"}


def ddl(service: str, url: str) -> str:
    """The statements `create_all` runs on an empty database of `url`'s backend, in its order."""
    from shared import messaging_tables

    statements: list[str] = []
    engine = create_mock_engine(url, lambda sql, *_, **__: statements.append(
        str(sql.compile(dialect=engine.dialect)).strip() + ";"))
    for metadata in (messaging_tables.metadata, importlib.import_module(f"services.{service}.models").metadata):
        metadata.create_all(engine, checkfirst=False)
    return "\n\n".join(statements) + "\n"


def main(folder: str) -> None:
    for backend, url in BACKENDS.items():
        (Path(folder) / backend).mkdir(parents=True, exist_ok=True)
        for service in SERVICES:
            (Path(folder) / backend / f"{service}.sql").write_text(ddl(service, url), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
