"""Keep matches as a WITHOUT ROWID table on SQLite (the bulk sync's inserts, docs/benchmarks.md).

SQLite cannot change a table's rowid-ness in place: batch mode rebuilds it (create the new table, copy
every row, drop the old one, rename the new one and create `matches_by_policy` again) inside the upgrade's
transaction, so a failure leaves the old table as it was. Each of a bulk sync's inserts then maintains two
trees (rows by enterprise, the index by policy) instead of three. PostgreSQL has no rowid: nothing to do.

Revision ID: 0002_matches_without_rowid
Revises: 0001_baseline
"""
from alembic import op

revision = '0002_matches_without_rowid'
down_revision = '0001_baseline'
branch_labels = None
depends_on = None


def _rebuild_matches(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("matches", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}):
        pass


def upgrade() -> None:
    _rebuild_matches(with_rowid=False)


def downgrade() -> None:
    _rebuild_matches(with_rowid=True)
