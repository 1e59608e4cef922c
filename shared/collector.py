"""Python's cyclic garbage collector, tuned for processes that build rows by the hundred thousand.

By default CPython collects its youngest generation after every 700 new container objects and
the whole heap after every hundredth such pass. A bulk message's rows (tuples, dicts, pydantic
models) set off full passes over everything the process holds, SQLAlchemy's and pydantic's own
structures included: about a tenth of the services' CPU in a bulk sync (perf, docs/benchmarks.md).
Reference counting frees the rows either way; only objects in reference cycles wait for the
collector, and a pass still runs whenever container objects created outnumber those freed by YOUNG.
The price is memory: cyclic garbage lives longer, and peak resident memory in a 100k bulk sync rose
(docs/benchmarks.md, `bulk_sync_<n>_peak_rss_mb_<service>`), well inside deploy/'s limits.
"""
from __future__ import annotations

import gc

YOUNG = 50_000          # new container objects between passes over the youngest generation
OLDER = (20, 20)        # passes of one generation between passes of the next


_tuned = False


def tune() -> None:
    """Once the service has started: what start-up built lives as long as the process, so no pass
    scans it again (`gc.freeze`), and passes run less often. Once per process: a process that starts
    services again and again (the tests) would otherwise freeze, for good, objects of services it
    has stopped since."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, *OLDER)
