"""The application service's own dependency providers: where materials are kept, and which published
policies are proactive (免申即享)."""
from __future__ import annotations

import time
from collections.abc import Callable

from eventlet import tpool
from nameko.extensions import DependencyProvider

from services.application import application_store
from services.application.domain.materials import CheckedMaterial, MaterialError, check_materials
from services.application.material_store import MaterialStore
from shared import clock, metrics
from shared.config import settings
from shared.errors import Invalid


class Materials(DependencyProvider):
    """Where application materials are kept: content-addressed files under var/materials."""

    def setup(self):
        config = settings()
        self.store = MaterialStore((config.materials_dir or config.var_dir / "materials").resolve())

    def get_dependency(self, worker_ctx):
        return self

    def keep(self, materials: list[dict]) -> list[CheckedMaterial]:
        """The materials checked (Invalid when refused), and on disk before the row that names them is
        committed."""
        try:
            checked = check_materials(materials)
        except MaterialError as error:
            raise Invalid(str(error), error.details) from None
        for material in checked:
            # in an OS thread: its fsyncs would otherwise stop every green thread of the service
            tpool.execute(self.store.put, material.content)
        return checked


class ProactivePolicies(DependencyProvider):
    """The ids of published proactive policies, asked of the policy service and kept briefly
    (HUIQI_PROACTIVE_CACHE_S)."""

    def setup(self):
        self.trusted_for_s = settings().proactive_cache_s
        self.proactive: frozenset[int] = frozenset()
        self.published: frozenset[int] = frozenset()
        self.fetched_at = float("-inf")

    def get_dependency(self, worker_ctx):
        return self

    def ids(self, named: set[int], ask: Callable[[], dict[str, list[int]]]) -> frozenset[int]:
        """The proactive policies, known again from `ask` (the policy service's `published_policy_flags`)
        when a policy not seen yet (a newly published one) is `named`, or once trusted long enough."""
        if not named <= self.published or time.monotonic() - self.fetched_at > self.trusted_for_s:
            flags = ask()
            self.proactive, self.published = frozenset(flags["proactive"]), frozenset(flags["published"])
            self.fetched_at = time.monotonic()
        return self.proactive


class OverdueStagesGauge(DependencyProvider):
    """`huiqi_overdue_stages` on /metrics (`shared.probes`): open stages past their due time, counted
    when Prometheus scrapes."""

    def setup(self):
        metrics.of(self.container).read_at_scrape(
            "huiqi_overdue_stages", "Open application stages past their due time",
            lambda connection: application_store.overdue_stages(connection, clock.now()))
