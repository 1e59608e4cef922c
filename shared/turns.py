"""A lock that lets live work go first: one holder at a time, and bulk work waits while any live
work waits (live changes overtake bulk batches inside a process as well as on the bus).

Used for SQLite's one writer (shared.store) and the policy service's matcher. Under eventlet a
lock is handed over only when its holder yields: a bulk worker yields for `BULK_PAUSE_S` before
it asks, so the hub first reads what has arrived on the sockets meanwhile (a live message that
came during the last bulk transaction is then already waiting, and goes first).
"""
from __future__ import annotations

from contextlib import contextmanager

import eventlet
from eventlet.semaphore import Semaphore

BULK_PAUSE_S = 0.002


class LiveFirstLock:
    def __init__(self) -> None:
        self._lock = Semaphore(1)
        self._live_waiting = 0

    # `with lock:` is live work (the default: a request, a single change)
    def __enter__(self):
        self._live_waiting += 1
        try:
            self._lock.acquire()
        finally:
            self._live_waiting -= 1
        return self

    def __exit__(self, *exc_info) -> None:
        self._lock.release()

    @contextmanager
    def bulk(self):
        eventlet.sleep(BULK_PAUSE_S)
        while True:
            self._lock.acquire()
            if not self._live_waiting:
                break
            self._lock.release()   # a live worker waits: it takes the lock before this one asks again
            eventlet.sleep(0)
        try:
            yield self
        finally:
            self._lock.release()

    def turn(self, bulk: bool):
        """`with lock.turn(bulk):` the one or the other."""
        return self.bulk() if bulk else self
