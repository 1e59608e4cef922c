"""The accounts database's schema history (alembic), run by `huiqi migrate`: see shared/migrations.py."""
from shared.migrations import run_env

run_env()
