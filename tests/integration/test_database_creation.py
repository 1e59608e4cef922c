"""Replicas of a service starting at the same moment on a PostgreSQL server without its database:
each makes sure the database exists, and none fails because another created it first."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from shared.database import drop_database
from tests.conftest import POSTGRES
from tools.launcher import ROOT

pytestmark = pytest.mark.postgres
REPLICAS = 4
# each process waits for the same moment before it asks, so that they ask together
START = """
import sys, time
from shared.database import ensure_database
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
ensure_database(sys.argv[1])
"""


def test_replicas_creating_one_database_at_once_all_start():
    url = f"{POSTGRES}/huiqi_test_{uuid.uuid4().hex[:8]}_race"
    at = str(time.time() + 3.0)   # after every process has imported what it needs
    try:
        processes = [subprocess.Popen([sys.executable, "-c", START, url, at], cwd=ROOT, stderr=subprocess.PIPE,
                                      text=True) for _ in range(REPLICAS)]
        failed = [process.communicate(timeout=60)[1] for process in processes if process.wait(timeout=60) != 0]
        assert failed == []
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
        engine.dispose()
    finally:
        drop_database(url)
