"""Dependencies the tagging service owns: the tag catalogue, seeded on start and compiled per process."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.tagging.catalogue_store import CatalogueCache, seed
from shared import clock
from shared.store import Store
from shared.warm_up import WarmedAtStart


class CatalogueProvider(WarmedAtStart):
    """Adds the default tags the database has never held (once, at start) and compiles them, then
    serves each worker the catalogue of the current revision. Nameko starts the entrypoints beside
    this, so a worker may run before the catalogue is loaded: it waits for it (CatalogueCache)."""

    what = "tag catalogue"

    def setup(self):
        self.cache = CatalogueCache()

    def build(self, store: Store) -> None:
        for _attempt in range(3):
            try:
                with store.writing(), store.engine.begin() as connection:
                    seed(Session(bind=connection), clock.now())
                break
            except IntegrityError:
                continue   # another replica seeded at the same moment: look again
        with Session(store.engine) as session:
            self.cache.load(session)

    def get_dependency(self, worker_ctx):
        return self.cache
