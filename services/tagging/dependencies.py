"""Dependencies the tagging service owns: the tag catalogue, seeded on start and compiled per process."""
from __future__ import annotations

from nameko.extensions import DependencyProvider
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.tagging.catalogue_store import CatalogueCache, seed
from shared import clock
from shared.store import Store


class CatalogueProvider(DependencyProvider):
    """Adds the default tags the database has never held (once, at start) and compiles them, then
    serves each worker the catalogue of the current revision. Nameko starts the entrypoints beside
    this, so a worker may run before the catalogue is loaded: it waits for it (CatalogueCache)."""

    def setup(self):
        self.cache = CatalogueCache()

    def start(self):
        store = next(extension for extension in self.container.dependencies if isinstance(extension, Store))
        for _attempt in range(3):
            try:
                with store.writing(), store.engine.begin() as connection:
                    seed(Session(bind=connection), clock.now())
                break
            except IntegrityError:
                continue   # another replica seeded at the same moment: look again
        with Session(store.engine) as session:
            self.cache.load(session)

    def waiting_for(self) -> str | None:
        """For `shared.readiness`: the catalogue every request and message of this service needs."""
        return None if self.cache.loaded else "tag catalogue"

    def get_dependency(self, worker_ctx):
        return self.cache
