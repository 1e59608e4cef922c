"""`GET /health` (and `/health/ready`): ask every service at once and wait for all of them under one
deadline. Ready means every dependency a request needs is ready: each service answers, and says it
is ready itself (its database, its bus consumers, what it loads at start; `shared.readiness`)."""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.gateway.dependencies import TimedService
from services.gateway.errors import ServiceFailed, ServiceUnavailable


@dataclass
class HealthReport:
    answers: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed

    def body(self) -> dict:
        if self.ok:
            return {"status": "ok", "services": self.answers}
        names = ", ".join(sorted(self.failed))
        # Also in the contract's error shape, so clients that only read `error` understand it.
        return {"status": "unavailable", "services": self.answers, "failed": self.failed,
                "error": {"code": "service_unavailable", "message": f"not ready: {names}",
                          "details": {"failed": self.failed}}}


def check_services(services: Mapping[str, TimedService]) -> HealthReport:
    report = HealthReport()
    pending = {}
    deadline = time.monotonic() + max(service.timeout_s for service in services.values())
    for name, service in services.items():
        try:
            pending[name] = service.start("health")
        except ServiceUnavailable as error:
            report.failed[name] = error.message
    for name, call in pending.items():
        try:
            report.answers[name] = answer = call.result(deadline)
            if answer.get("ready") is False:
                report.failed[name] = "not ready: waiting for " + ", ".join(answer.get("waiting_for") or ["start"])
        except (ServiceUnavailable, ServiceFailed) as error:
            report.failed[name] = error.message
        except Exception as error:  # noqa: BLE001 - a health check reports, it does not fail
            report.failed[name] = f"{type(error).__name__}: {error}"
    return report
