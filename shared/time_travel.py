"""Time travel (contract section 7, for demos and tests): every process of every service follows the
clock offset the gateway broadcasts. A service started later keeps the real time until the clock is
set again."""
from __future__ import annotations

from datetime import timedelta

from nameko.events import BROADCAST, EventHandler

from shared import clock, stop_deadline
from shared.config import settings
from shared.contracts.events import ClockChanged
from shared.logs import get_logger
from shared.queue_consumer import StoppableQueueConsumer

CLOCK_SOURCE, CLOCK_CHANGED = "gateway", "clock_changed"


class _BroadcastHandler(EventHandler):
    queue_consumer = StoppableQueueConsumer()   # shared with RPC's: one that can stop with the broker away

    def stop(self):
        stop_deadline.arm(self.container)   # every service has this entrypoint, the gateway too
        super().stop()


class ClockListener:
    """Mixed into every service class, the gateway's too: each process follows time travel."""

    @_BroadcastHandler.decorator(CLOCK_SOURCE, CLOCK_CHANGED, handler_type=BROADCAST, reliable_delivery=False)
    def on_clock_changed(self, payload: dict) -> None:
        log = get_logger(f"huiqi.{self.name}.clock", service=self.name)
        if not settings().time_travel:
            log.warning("clock_change_ignored", reason="HUIQI_TIME_TRAVEL is off", asked=payload)
            return
        change = ClockChanged.model_validate(payload)
        clock.set_offset(timedelta(seconds=change.offset_s))
        log.info("clock_changed", offset_s=change.offset_s, now=clock.now().isoformat())
