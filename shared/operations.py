"""RPC entrypoints every service with a database offers to ops and the gateway."""
from __future__ import annotations

from nameko.rpc import rpc

from shared import dead_letters


class Operations:
    """Mixed into a service class that has `store = Store(...)`."""

    @rpc
    def health(self) -> dict:
        with self.store.reading() as session:
            session.connection().exec_driver_sql("SELECT 1")
        return {"service": self.name, "ok": True, "dead_letters": dead_letters.summary(self.store.engine)}

    @rpc
    def dead_letters(self, include_replayed: bool = False, limit: int = 100) -> list[dict]:
        rows = dead_letters.listing(self.store.engine, include_replayed=include_replayed, limit=limit)
        return [{**row, "failed_at": row["failed_at"].isoformat(),
                 "replayed_at": row["replayed_at"] and row["replayed_at"].isoformat()} for row in rows]
