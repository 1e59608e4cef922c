"""Dependencies the policy service owns: the matcher, the tag codes rules may name, the register
of departments seeded on start."""
from __future__ import annotations

import time

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session

from services.policy import department_store
from services.policy.matcher import Matcher
from services.policy.search import PolicySearch
from shared import clock
from shared.config import settings
from shared.errors import Unavailable
from shared.store import Store
from shared.warm_up import WarmedAtStart

TAG_CODES_TTL_S = 30.0


class MatcherProvider(WarmedAtStart):
    """One matcher (index and lock) per process, shared by every worker."""

    what = "policy index"

    def setup(self):
        self.matcher = Matcher()

    def build(self, store: Store) -> None:
        with self.matcher.lock, Session(store.engine) as session:
            self.matcher.refresh(session, clock.today_in_china())

    def get_dependency(self, worker_ctx):
        return self.matcher


class SearchProvider(WarmedAtStart):
    """One search index per process, shared by every worker."""

    what = "search index"

    def setup(self):
        self.search = PolicySearch()

    def build(self, store: Store) -> None:
        with Session(store.engine) as session:
            self.search.refresh(session)

    def get_dependency(self, worker_ctx):
        return self.search


class KnownTags:
    """The tagging service's tag codes, asked over RPC and kept for a short while."""

    def __init__(self):
        self._codes: frozenset[str] = frozenset()
        self._fetched_at = float("-inf")

    def codes(self, tagging_rpc, fresh: bool = False) -> frozenset[str]:
        """`fresh`: ask again unless asked within the last second (a rule names a tag not seen yet)."""
        age = time.monotonic() - self._fetched_at
        if age > TAG_CODES_TTL_S or (fresh and age > 1.0):
            try:
                with eventlet.Timeout(settings().rpc_timeout_s):
                    catalogue = tagging_rpc.tags()
            except (eventlet.Timeout, Exception) as error:  # noqa: BLE001 - any failure means "cannot check"
                if self._codes:
                    return self._codes  # a slightly old catalogue beats refusing every rule
                # transient: a gateway caller gets a 503, a bus handler retries
                raise Unavailable(f"the tag catalogue could not be read: {error!r}") from None
            self._codes = frozenset(tag["code"] for tag in catalogue["tags"])
            self._fetched_at = time.monotonic()
        return self._codes


class KnownTagsProvider(DependencyProvider):
    def setup(self):
        self.known = KnownTags()

    def get_dependency(self, worker_ctx):
        return self.known


class DepartmentRegisterProvider(DependencyProvider):
    """Adds the city's departments the register does not hold, once, at start; workers get the
    register's store (`department_store`)."""

    def start(self):
        store = next(extension for extension in self.container.dependencies if isinstance(extension, Store))
        with store.writing(), store.engine.begin() as connection:
            department_store.seed(Session(bind=connection), clock.now())

    def get_dependency(self, worker_ctx):
        return department_store
