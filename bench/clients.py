"""Running a measurement's load clients together: each warms up on its own, then all start at once.

A client is any object with `run(start: threading.Barrier)` (its warm-up, `start.wait()`, then its
measured requests; `start.abort()` when it fails) and `finished` (`time.monotonic()` when it was
done); `KeepAliveClient` is one on a single keep-alive connection. The clock and the CPU window
start when the last client reaches the barrier.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from bench.keepalive import JsonConnection
from bench.platform import BenchPlatform, CpuWindow
from bench.progress import Progress

START_TIMEOUT_S = 600.0
REPORT_EVERY_S = 5.0
REQUEST_TIMEOUT_S = 30.0


class KeepAliveClient:
    """A client on one keep-alive connection (`bench.keepalive`) to `self.url`: `work(connection, measured=False)`
    (its warm-up), the common start, `work(connection, measured=True)`. Subclasses (dataclasses) give `url`,
    `errors` (a list) and `finished`, and implement `work`; a crash is noted in `errors`, never lost in the
    thread."""

    url: str
    errors: list[str]
    finished: float
    what = "requests"    # what the measured part does, for the note when another client failed first

    def work(self, connection: JsonConnection, *, measured: bool) -> None:
        raise NotImplementedError

    def run(self, start: threading.Barrier) -> None:
        connection = JsonConnection(self.url, REQUEST_TIMEOUT_S)
        try:
            self.work(connection, measured=False)
            start.wait(timeout=START_TIMEOUT_S)
            self.work(connection, measured=True)
        except threading.BrokenBarrierError:
            self.errors.append(f"another client failed before the measured {self.what}")
        except Exception as error:  # noqa: BLE001 - reported as the run's failure, never lost in a thread
            self.errors.append(f"client crashed: {type(error).__name__}: {error}")
            start.abort()
        finally:
            connection.close()
        self.finished = time.monotonic()


def run_together(platform: BenchPlatform, progress: Progress, phase: str, clients: Sequence, *, name: str,
                 done: Callable[[], str] | None = None) -> tuple[float, CpuWindow]:
    """Run `clients` in threads of their own until all are finished, checking the platform and the gateway as
    they go (and saying `done()` every few seconds when given); the wall seconds from the common start to the
    last one finished (0 when they never started together), and the CPU window over it."""
    cpu = CpuWindow(platform)
    began: list[float] = []
    start = threading.Barrier(len(clients) + 1, action=lambda: (cpu.start(), began.append(time.monotonic())))
    threads = [threading.Thread(target=client.run, args=(start,), name=f"{name}-client-{number}", daemon=True)
               for number, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    try:
        start.wait(timeout=START_TIMEOUT_S)
        progress.say(phase, "warmed up; measuring")
    except threading.BrokenBarrierError:
        progress.say(phase, "a client failed while warming up")
    last_report = time.monotonic()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=2.0)
            platform.check()
            platform.check_extra("gateway")
            if done is not None and began and time.monotonic() - last_report >= REPORT_EVERY_S:
                progress.say(phase, f"{done()} ({time.monotonic() - began[0]:.1f} s)")
                last_report = time.monotonic()
    wall = max(client.finished for client in clients) - began[0] if began else 0.0
    cpu.stop()
    return wall, cpu
