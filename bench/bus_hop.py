"""`bus_hop_events_per_s`: the baseline, a bare Nameko hop on the same broker in the same run.

A standalone `nameko.standalone.events.event_dispatcher` publishes small events one at a time
(each waits for its publisher confirm, as Nameko's dispatcher does) to the bench's own trivial
service (`bench.hop_service`, its own `nameko run` process), whose `event_handler` counts them.
The rate of a round is events / (time the handler saw the last one - time the first was
published). The hop is bound by the publish-confirm round trip, so it is sensitive to whatever
else the machine is doing: it runs `ROUNDS` rounds and reports the median (every round is in
meta.json).
"""
from __future__ import annotations

import statistics
import time

from nameko.standalone.events import event_dispatcher

from bench.hop_service import EVENT_TYPE, SOURCE
from bench.platform import HOP_SERVICE, BenchPlatform, CpuWindow
from bench.progress import Progress, wait_until

PHASE = "bus_hop"
ROUNDS = 3


def run(platform: BenchPlatform, progress: Progress, *, events: int) -> tuple[dict, dict]:
    platform.start_extra(HOP_SERVICE)
    try:
        hop = getattr(platform.rpc, HOP_SERVICE)
        dispatch = event_dispatcher(platform.nameko_config())
        # The handler's queue is declared when the service starts: one event seen proves the binding.
        warmup = time.monotonic()
        dispatch(SOURCE, EVENT_TYPE, {"n": -1})
        wait_until(lambda: hop.tally()["received"], lambda received: received >= 1, progress=progress,
                   phase=PHASE, describe=lambda received: f"warm-up event not seen yet ({received})",
                   started=warmup, poll_s=0.05, stall_s=30)
        rounds = [_round(platform, hop, dispatch, progress, events, number) for number in range(1, ROUNDS + 1)]
    finally:
        platform.stop_extra(HOP_SERVICE)
    rate = statistics.median(entry["events_per_s"] for entry in rounds)
    shown = ", ".join(f"{entry['events_per_s']:,.0f}" for entry in rounds)
    progress.say(PHASE, f"median of {ROUNDS} rounds: {rate:,.0f} events/s (rounds: {shown})")
    return {"bus_hop_events_per_s": round(rate, 1)}, {"events_per_round": events, "rounds": rounds}


def _round(platform: BenchPlatform, hop, dispatch, progress: Progress, events: int, number: int) -> dict:
    hop.reset()
    cpu = CpuWindow(platform).start()
    started_at = time.time()
    for sequence in range(events):
        dispatch(SOURCE, EVENT_TYPE, {"n": sequence})
    published_at = time.time()
    tally, _ = wait_until(hop.tally, lambda tally: tally["received"] >= events, progress=progress,
                          phase=PHASE, describe=lambda tally: f"{tally['received']:,}/{events:,} handled",
                          started=time.monotonic(), poll_s=0.05, stall_s=30)
    cpu.stop()
    elapsed = tally["last_at"] - started_at
    rate = events / elapsed
    progress.say(PHASE, f"round {number}: {events:,} events published one at a time and handled in "
                        f"{elapsed:.2f} s: {rate:,.0f} events/s; {cpu.describe()}")
    return {"events_per_s": round(rate, 1), "elapsed_s": round(elapsed, 3),
            "publish_s": round(published_at - started_at, 3), "cpu_s": cpu.used}
