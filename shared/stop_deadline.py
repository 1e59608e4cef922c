"""A service asked to stop exits within a deadline, whatever it is waiting for.

Graceful stop waits for the workers in flight, and a worker can wait for as long as a dependency
keeps it: a database host that is gone without refusing anything (a network partition, a black
hole) answers neither a connection nor a query until TCP gives up, minutes later. SIGTERM must
stop a service within 10 s whatever is down, so the first entrypoint asked to stop arms a timer;
if the process is still stopping when it expires, it exits at once. Nothing is lost by that:
unacknowledged messages go back to their queues when the broker sees the connection close,
events not yet published stay in the outbox, and the inbox makes any message handled twice
harmless (the same as a crash, which the platform is built to survive).

Armed only when the Nameko config says `STOP_DEADLINE_S` (deploy/nameko.yaml does, for every
`nameko run`); containers in a test process have no deadline.
"""
from __future__ import annotations

import os

import eventlet

from shared.logs import get_logger

EXIT_CODE = 75   # EX_TEMPFAIL: stopped, not cleanly
_armed: set[int] = set()


def arm(container) -> None:
    deadline_s = container.config.get("STOP_DEADLINE_S")
    if not deadline_s or id(container) in _armed:
        return
    _armed.add(id(container))
    # not a managed thread: the container kills those at the end of its stop
    eventlet.spawn_n(_expire, container.service_name, float(deadline_s))


def _expire(service_name: str, deadline_s: float) -> None:
    eventlet.sleep(deadline_s)
    get_logger(f"huiqi.{service_name}.stop", service=service_name).error(
        "stop_deadline_passed", deadline_s=deadline_s,
        consequence="exiting now; unacknowledged messages return to their queues, the outbox keeps its events")
    os._exit(EXIT_CODE)
