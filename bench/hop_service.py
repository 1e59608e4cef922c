"""The bench's trivial Nameko service: one `event_handler` that counts, one RPC that tells.

It is the other end of `bus_hop_events_per_s`, a bare Nameko hop with nothing of Huiqi in it
(no database, no outbox, no inbox), so the platform's figures can be read against what the bus
and Nameko cost by themselves on this machine. Run by the bench as its own `nameko run` process.
"""
from __future__ import annotations

import time

from nameko.events import event_handler

from shared.rpc import rpc

SOURCE = "bench_source"
EVENT_TYPE = "hop"


class _Tally:
    received = 0
    first_at: float | None = None
    last_at: float | None = None


class HopService:
    name = "bench_hop"

    @event_handler(SOURCE, EVENT_TYPE)
    def on_hop(self, payload):
        now = time.time()
        if _Tally.first_at is None:
            _Tally.first_at = now
        _Tally.received += 1
        _Tally.last_at = now

    @rpc
    def tally(self) -> dict:
        return {"received": _Tally.received, "first_at": _Tally.first_at, "last_at": _Tally.last_at}

    @rpc
    def reset(self) -> None:
        _Tally.received, _Tally.first_at, _Tally.last_at = 0, None, None
