"""Index the inbox by `handled_at`, so that its pruner (shared/inbox_pruning.py) reads the rows past
their retention from the index's low end instead of scanning the table.

On PostgreSQL `CREATE INDEX` holds the inbox's SHARE lock while it builds: handlers of the previous
release still running meanwhile wait to claim their event ids (they read on). The inboxes hold one row
per message, not per enterprise (a whole-city sync is about 10,000 rows a consumer, docs/scaling.md),
so the build is short (0.5 s for 1.09 million rows, measured on the shared development machine);
`CONCURRENTLY` cannot run inside the one transaction `huiqi migrate` keeps."""
from alembic import op


def upgrade() -> None:
    op.create_index("inbox_by_handled_at", "inbox", ["handled_at"])


def downgrade() -> None:
    op.drop_index("inbox_by_handled_at", table_name="inbox")
