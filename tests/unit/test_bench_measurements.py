"""`python -m bench --only KEY` picks the measurement that writes KEY: the PostgreSQL syncs' keys
begin like the SQLite sync's, and must not start it."""
from __future__ import annotations

import pytest

from bench.__main__ import chosen_measurements


@pytest.mark.parametrize(("key", "measurement"), [
    ("bulk_sync_10k_pg_s", "bulk_sync_pg"), ("bulk_sync_100k_pg_2x_s", "bulk_sync_pg"),
    ("bulk_sync_10k_pg_2x_speedup_x", "bulk_sync_pg"), ("bulk_sync_pg", "bulk_sync_pg"),
    ("bulk_sync_100k_s", "bulk_sync"), ("bulk_sync_10k_peak_rss_mb_policy", "bulk_sync"),
    ("raise_alarms_100k_ms", "overdue_scan"),
])
def test_a_key_chooses_the_measurement_that_writes_it(key, measurement):
    assert chosen_measurements([key]) == [measurement]


def test_an_unknown_key_is_refused_naming_the_measurements():
    with pytest.raises(SystemExit, match="bulk_sync_pg"):
        chosen_measurements(["bulk_sink_10k_s"])
