"""Entrypoints every service with a database offers to ops and the gateway."""
from __future__ import annotations

from datetime import timedelta

from nameko.events import BROADCAST, EventHandler

from shared import clock, dead_letters, stop_deadline
from shared.config import settings
from shared.contracts.events import ClockChanged
from shared.logs import get_logger
from shared.queue_consumer import StoppableQueueConsumer
from shared.readiness import Readiness
from shared.rpc import rpc

CLOCK_SOURCE, CLOCK_CHANGED = "gateway", "clock_changed"


class _BroadcastHandler(EventHandler):
    queue_consumer = StoppableQueueConsumer()   # shared with RPC's: one that can stop with the broker away

    def stop(self):
        stop_deadline.arm(self.container)   # every service has this entrypoint, the gateway too
        super().stop()


class ClockListener:
    """Mixed into every service class, the gateway's too: each process follows time travel."""

    # Time travel (contract section 7, for demos and tests): every process of every service hears it.
    # A service started later keeps the real time until the clock is set again.
    @_BroadcastHandler.decorator(CLOCK_SOURCE, CLOCK_CHANGED, handler_type=BROADCAST, reliable_delivery=False)
    def on_clock_changed(self, payload: dict) -> None:
        log = get_logger(f"huiqi.{self.name}.clock", service=self.name)
        if not settings().time_travel:
            log.warning("clock_change_ignored", reason="HUIQI_TIME_TRAVEL is off", asked=payload)
            return
        change = ClockChanged.model_validate(payload)
        clock.set_offset(timedelta(seconds=change.offset_s))
        log.info("clock_changed", offset_s=change.offset_s, now=clock.now().isoformat())


class Operations(ClockListener):
    """Mixed into a service class that has `store = Store(...)`."""

    readiness = Readiness()

    @rpc
    def health(self) -> dict:
        """`ready` once the database answers and nothing the service needs is still warming up
        (`waiting_for` names what is); `backlog`, bus messages it holds unsettled, and `outbox`,
        events it has still to publish: both 0 when this process has nothing to do."""
        with self.store.reading() as session:
            outbox = session.connection().exec_driver_sql("SELECT count(*) FROM outbox").scalar_one()
        waiting = self.readiness.waiting_for()
        return {"service": self.name, "ok": True, "ready": not waiting, "waiting_for": waiting,
                "backlog": self.readiness.backlog(), "outbox": outbox,
                "dead_letters": dead_letters.summary(self.store.engine),
                "now": clock.now().isoformat(), "clock_offset_s": clock.offset().total_seconds()}

    @rpc
    def dead_letters(self, include_replayed: bool = False, limit: int = 100) -> list[dict]:
        rows = dead_letters.listing(self.store.engine, include_replayed=include_replayed, limit=limit)
        return [{**row, "failed_at": row["failed_at"].isoformat(),
                 "replayed_at": row["replayed_at"] and row["replayed_at"].isoformat()} for row in rows]
