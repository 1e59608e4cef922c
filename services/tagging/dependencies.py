"""Dependencies the tagging service owns: the tag catalogue, seeded on start and compiled per process."""
from __future__ import annotations

from nameko.extensions import DependencyProvider
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.tagging.catalogue_store import CatalogueCache, seed
from shared import clock
from shared.store import Store


class CatalogueProvider(DependencyProvider):
    """Adds the default tags the database has never held (once, at start), then serves each worker
    the catalogue of the current revision."""

    def setup(self):
        self.cache = CatalogueCache()

    def start(self):
        store = next(extension for extension in self.container.dependencies if isinstance(extension, Store))
        for _attempt in range(3):
            try:
                with store.writing(), store.engine.begin() as connection:
                    seed(Session(bind=connection), clock.now())
                return
            except IntegrityError:
                continue   # another replica seeded at the same moment: look again

    def get_dependency(self, worker_ctx):
        return self.cache
