"""Key matches by enterprise first, drop `matches_by_enterprise`, and on SQLite keep it WITHOUT ROWID.

The only question asked of matches is an enterprise's matches; keyed (uscc, policy_id) the primary key
answers it, and a bulk sync's pairs (a batch of new enterprises) land side by side in one tree, where keyed
(policy_id, uscc) with an index by enterprise they dirtied a page per policy in two trees at every commit
(docs/benchmarks.md). Every row is kept:

- SQLite cannot change a primary key or a table's rowid-ness in place: batch mode rebuilds the table (create
  the new one, copy every row, drop the old one with its index, rename) inside the upgrade's transaction.
- PostgreSQL: the index is dropped and the primary key made again in the new column order, in place (the
  rows are not copied; the new key's index is built once from them).

Revision ID: 0002_matches_keyed_by_enterprise
Revises: 0001_baseline
"""
from alembic import op

revision = '0002_matches_keyed_by_enterprise'
down_revision = '0001_baseline'
branch_labels = None
depends_on = None


def _key_matches(columns: list[str], with_rowid: bool) -> None:
    """Make matches' primary key `columns`, in that order; on SQLite with or without rowid."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("matches", recreate="always",
                                  table_kwargs={"sqlite_with_rowid": with_rowid}) as batch_op:
            batch_op.create_primary_key("matches_pkey", columns)
    else:
        op.drop_constraint("matches_pkey", "matches", type_="primary")
        op.create_primary_key("matches_pkey", "matches", columns)


def upgrade() -> None:
    op.drop_index("matches_by_enterprise", table_name="matches")
    _key_matches(["uscc", "policy_id"], with_rowid=False)


def downgrade() -> None:
    _key_matches(["policy_id", "uscc"], with_rowid=True)
    op.create_index("matches_by_enterprise", "matches", ["uscc"], unique=False)
