"""The `health` RPC every service with a database answers (the gateway's /health asks each)."""
from __future__ import annotations

from shared import clock, dead_letters
from shared.probes import Probes
from shared.readiness import Readiness
from shared.rpc import rpc


class HealthRpc:
    """Mixed into a service class that has `store = Store(...)`."""

    readiness = Readiness()
    probes = Probes()   # GET /health/live, /health/ready and /metrics on its own port

    @rpc
    def health(self) -> dict:
        """`ready` once the database answers and nothing the service needs is still warming up
        (`waiting_for` names what is); `backlog`, bus messages it holds unsettled, and `outbox`,
        events it has still to publish: both 0 when this process has nothing to do."""
        with self.store.reading() as session:
            outbox = session.connection().exec_driver_sql("SELECT count(*) FROM outbox").scalar_one()
        waiting = self.readiness.waiting_for()
        return {"service": self.name, "ok": True, "ready": not waiting, "waiting_for": waiting,
                "backlog": self.readiness.backlog(), "outbox": outbox,
                "dead_letters": dead_letters.summary(self.store.engine),
                "now": clock.now().isoformat(), "clock_offset_s": clock.offset().total_seconds()}
