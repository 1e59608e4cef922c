"""Key matches by enterprise first and drop `matches_by_enterprise`; on SQLite still WITHOUT ROWID.

Keyed (policy_id, uscc) with an index by enterprise, each MatchesChanged of a bulk sync (1,000 enterprises x
26 of 1,000 policies) dirtied pages of every policy in the table and a page per enterprise in the index, and
committing them was most of the service's intake; keyed (uscc, policy_id) a pair lands beside the enterprise's
others in one tree, and that key answers the enterprise's questions the index answered (docs/benchmarks.md).
The rows are kept. On SQLite, which cannot change a primary key in place, batch mode copies them into a new
table (still WITHOUT ROWID) and drops the old one with its index, in the upgrade's transaction; on
PostgreSQL the key is made again in place, its index built once from the rows. Counselling's 0002 made
the same change to its own matches; a revision stays self-contained, so that no later edit of a shared
helper can change what a released one does.

Revision ID: 0002_matches_keyed_by_enterprise
Revises: 0001_baseline
"""
from alembic import op

revision = '0002_matches_keyed_by_enterprise'
down_revision = '0001_baseline'
branch_labels = None
depends_on = None


def _key_matches(columns: list[str]) -> None:
    """Make matches' primary key `columns`, in that order (on SQLite the table stays without rowid)."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("matches", recreate="always",
                                  table_kwargs={"sqlite_with_rowid": False}) as batch_op:
            batch_op.create_primary_key("matches_pkey", columns)
    else:
        op.drop_constraint("matches_pkey", "matches", type_="primary")
        op.create_primary_key("matches_pkey", "matches", columns)


def upgrade() -> None:
    op.drop_index("matches_by_enterprise", table_name="matches")
    _key_matches(["uscc", "policy_id"])


def downgrade() -> None:
    _key_matches(["policy_id", "uscc"])
    op.create_index("matches_by_enterprise", "matches", ["uscc"], unique=False)
