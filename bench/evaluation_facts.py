"""Waiting until the evaluation service has kept every event the platform published so far.

The evaluation service consumes the same events as the others (the bulk lanes included) but no
count the bench waits for elsewhere is its own: a phase that ends when the notifications are in
leaves it still working through its queues. It has caught up when it keeps at least `enterprises`
enterprises (a read-only peek), no service holds an unpublished event in its outbox, and its
queues hold no message. The last is polled with passive declares (messages ready: cheap), and
confirmed once they say none with `rabbitmqctl list_queues` (ready or delivered and not yet
acknowledged: about half a second and an Erlang VM's start, too dear to poll while the service
works). `caught_up` polls for that.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from bench.platform import PLATFORM_SERVICES, BenchPlatform
from bench.progress import Progress, wait_until

SERVICE = "evaluation"


@dataclass(frozen=True)
class Backlog:
    kept: int          # enterprises the evaluation service keeps
    outboxes: int      # events not yet published, over every service
    ready: int | None  # messages waiting in the evaluation service's queues; None while not asked
    queued: int | None  # the same with those delivered and not yet acknowledged; None while not asked

    def clear(self, enterprises: int) -> bool:
        return self.kept >= enterprises and self.outboxes == 0 and self.queued == 0


def caught_up(platform: BenchPlatform, progress: Progress, phase: str, *, enterprises: int = 0,
              started: float | None = None, sample=lambda: None, stall_s: float = 120.0) -> float:
    """Poll until the evaluation service has caught up (module docstring); the `time.monotonic()` it was
    seen. `sample()` runs at every poll (a phase's RSS sampling)."""
    peek = platform.peek[SERVICE]

    def read() -> Backlog:
        sample()
        kept = peek.appended("enterprises")
        outboxes = sum(platform.peek[name].outbox() for name in PLATFORM_SERVICES)
        ready = platform.ready(SERVICE) if kept >= enterprises and outboxes == 0 else None
        queued = platform.queued(SERVICE) if ready == 0 else None
        return Backlog(kept, outboxes, ready, queued)

    def describe(backlog: Backlog) -> str:
        ready = "not asked" if backlog.ready is None else f"{backlog.ready:,}"
        return (f"evaluation service: {backlog.kept:,}/{enterprises:,} enterprises kept, {ready} messages "
                f"waiting for it; {backlog.outboxes:,} events in the services' outboxes")

    _, seen = wait_until(read, lambda backlog: backlog.clear(enterprises), progress=progress, phase=phase,
                         describe=describe, started=time.monotonic() if started is None else started,
                         check=platform.check, poll_s=0.2, stall_s=stall_s)
    return seen
