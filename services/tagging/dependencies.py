"""Dependencies the tagging service owns: the tag catalogue, seeded on start and compiled per process."""
from __future__ import annotations

from eventlet.event import Event
from nameko.extensions import DependencyProvider
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.tagging.catalogue_store import CatalogueCache, seed
from shared import clock
from shared.store import Store


class CatalogueProvider(DependencyProvider):
    """Adds the default tags the database has never held (once, at start), then serves each worker
    the catalogue of the current revision.

    Nameko starts every extension at once, so the queue consumer may hand over a message (one
    published before the platform ever ran) while the seeding is still under way: a worker waits
    for it, or it would find no catalogue and dead-letter a message that is fine."""

    def setup(self):
        self.cache = CatalogueCache()
        self._seeded = Event()

    def start(self):
        store = next(extension for extension in self.container.dependencies if isinstance(extension, Store))
        for _attempt in range(3):
            try:
                with store.writing(), store.engine.begin() as connection:
                    seed(Session(bind=connection), clock.now())
                break
            except IntegrityError:
                continue   # another replica seeded at the same moment: look again
        self._seeded.send(True)

    def get_dependency(self, worker_ctx):
        self._seeded.wait()
        return self.cache
