"""Keep the read model's tags and list-fact codes as WITHOUT ROWID tables on SQLite.

Every question asked of `enterprise_tags` and `enterprise_codes` is by enterprise, the first column of
their primary keys. As rowid tables each bulk sync insert wrote two trees, the rows and the key's
index; without rowid the rows are that one tree (docs/benchmarks.md). SQLite cannot change a table's
rowid-ness in place: batch mode rebuilds each (create, copy every row, drop, rename) inside the
upgrade's transaction, so a failure leaves them as they were. The copy holds SQLite's write lock
throughout, about 10 s per million rows on the development machine: past the 30 s a writer waits,
which a city's ten million tag rows are, stop the policy service before migrating its SQLite
database. The columns are the same, so a process of the previous release reads and writes them as
before. PostgreSQL has no rowid: nothing to do.

Revision ID: 0005_read_model_without_rowid
Revises: 0004_inbox_by_handled_at
"""
from alembic import op

revision = '0005_read_model_without_rowid'
down_revision = '0004_inbox_by_handled_at'
branch_labels = None
depends_on = None

TABLES = ("enterprise_tags", "enterprise_codes")


def _rebuild(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}):
            pass


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
