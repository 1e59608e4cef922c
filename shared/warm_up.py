"""A dependency whose state is built from the database at start, in a thread of its own.

Building it inside `start()` would kill the container when the database goes away during the
start (nameko kills a container whose extension fails to start); a service must instead wait for
its database like any consumer does. So the build runs in a managed thread that pauses and tries
again while a dependency is unavailable, and `shared.readiness` reports the service not ready
until it is done. A failure that is not an outage (a bug, a broken row) still stops the service.
"""
from __future__ import annotations

import random

import eventlet
from nameko.extensions import DependencyProvider

from shared.failures import Failure, classify, pause_before_retry
from shared.logs import get_logger
from shared.store import Store


class WarmedAtStart(DependencyProvider):
    what = "index"

    def start(self):
        self.warm = False
        self.container.spawn_managed_thread(self._warm_up, identifier=f"warm-{self.what}")

    def store(self) -> Store:
        return next(extension for extension in self.container.dependencies if isinstance(extension, Store))

    def _warm_up(self) -> None:
        store = self.store()
        log = get_logger(f"huiqi.{self.container.service_name}.warm_up", service=self.container.service_name)
        attempt = 0
        while True:
            try:
                self.build(store)
            except Exception as error:
                if classify(error) is not Failure.INFRASTRUCTURE:
                    raise
                attempt += 1
                pause = pause_before_retry(Failure.INFRASTRUCTURE, attempt, random.random())
                log.warning("warm_up_paused", index=self.what, error=repr(error), attempt=attempt,
                            retry_in_s=round(pause, 2))
                eventlet.sleep(pause)
                continue
            self.warm = True
            return

    def build(self, store: Store) -> None:
        """Read what the dependency needs; runs again from the start after an outage."""
        raise NotImplementedError

    def waiting_for(self) -> str | None:
        """For `shared.readiness`."""
        return None if getattr(self, "warm", False) else self.what
