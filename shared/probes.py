"""Every service process answers `GET /health/live`, `/health/ready` and `/metrics` over HTTP on a
port of its own (contract section 14), for Kubernetes probes and Prometheus.

- live: this process's event loop answers (nothing else is asked);
- ready: nothing in `shared.readiness` is still waited for (bus consumers connected, RPC replies
  consumed, warm-ups done) and the service's database answers `SELECT 1`. The gateway has no
  database: it is ready once it can serve (its RPC connection up), whatever the services behind it;
  its `GET /health` still asks them all.
- metrics: `shared.metrics` of this container, in Prometheus' text format.

The port is the container config's `PROBE_PORT` if given, else `settings().probe_port_for(service)`
(`HUIQI_<SERVICE>_PROBE_PORT`, else `HUIQI_PROBE_PORT`); 0 (the default) serves nothing. The server
is eventlet's WSGI server with werkzeug requests, as Nameko's HTTP entrypoint, on a socket of its
own: the gateway's routes, authentication and logs stay out of it, and a probe costs a few
microseconds of the event loop (ready: one `SELECT 1`, given up after DATABASE_TIMEOUT_S).
"""
from __future__ import annotations

import json
import time

import eventlet
from eventlet import wsgi
from nameko.extensions import DependencyProvider
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import NullPool, create_engine, text
from werkzeug.wrappers import Request, Response

from shared import metrics
from shared.config import settings
from shared.logs import get_logger
from shared.readiness import waiting_for
from shared.topology import consumers

# A database that takes no call and refuses none (a partition, a host gone) would hold a readiness
# probe as long as TCP does, each probe's green thread piling up behind the last: give up first,
# under the probes' timeoutSeconds in deploy/k8s (2 s), and say the database did not answer.
DATABASE_TIMEOUT_S = 1.5
# A check still unanswered after this long is abandoned and the next probe asks afresh: its query
# may be lost for good (a connection cut without a word), and readiness must come back with the database.
ABANDON_CHECK_S = 10.0


class Probes(DependencyProvider):
    """Workers get this provider: `readiness()` gives the body and status of `/health/ready`."""

    def setup(self):
        self.port = int(self.container.config.get("PROBE_PORT", settings().probe_port_for(self.container.service_name)))
        self._socket = None
        self._server = None
        self._database_check = None
        self._check_started = 0.0

    def start(self):
        from shared.store import Store  # the service's own database, if it has one
        stores = [dep for dep in self.container.dependencies if isinstance(dep, Store)]
        self._engine = stores[0].engine if stores else None
        if self._engine is not None:
            metrics.of(self.container).watch_database(self._engine)
            # its own connection each time, outside the service's pool: a check abandoned mid-query
            # leaves nothing half-used behind for the service's work
            self._check_engine = (create_engine(self._engine.url, poolclass=NullPool)
                                  if self._engine.dialect.name == "postgresql" else self._engine)
        if self.container.service_name in consumers():
            metrics.of(self.container).watch_parking(self.container.config["AMQP_URI"])
        if not self.port:
            return
        self._socket = eventlet.listen((settings().probe_host, self.port))
        self.port = self._socket.getsockname()[1]
        self._server = self.container.spawn_managed_thread(self._serve, identifier="probes")
        get_logger(f"huiqi.{self.container.service_name}.probes").info("probes_listening", port=self.port)

    def stop(self):
        if self._database_check is not None:
            self._database_check.kill()
        if self._server is not None:
            self._server.kill()
            self._server = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    kill = stop

    def get_dependency(self, worker_ctx):
        return self

    def _serve(self) -> None:
        wsgi.server(self._socket, self._answer, log_output=False, debug=False)

    def readiness(self) -> tuple[dict, int]:
        waiting = waiting_for(self.container)
        if self._engine is not None:
            problem = self._database_problem()
            if problem is not None:
                waiting.append(f"database ({problem})")
        body = {"service": self.container.service_name, "ready": not waiting, "waiting_for": waiting}
        return body, 200 if not waiting else 503

    def _database_problem(self) -> str | None:
        """None if the database answered `SELECT 1`, else what went wrong. The query runs in a green
        thread of its own, which the probe stops waiting for after DATABASE_TIMEOUT_S; while it
        still waits for a silent database, later probes wait on the same query rather than start
        another, until ABANDON_CHECK_S."""
        check = self._database_check
        if check is not None and not check.dead and time.monotonic() - self._check_started > ABANDON_CHECK_S:
            check.kill()
        if check is None or check.dead:
            self._database_check, self._check_started = eventlet.spawn(self._select_one), time.monotonic()
        try:
            with eventlet.Timeout(DATABASE_TIMEOUT_S):
                return self._database_check.wait()
        except eventlet.Timeout:
            return f"no answer in {DATABASE_TIMEOUT_S:g} s"

    def _select_one(self) -> str | None:
        try:
            with self._check_engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - a probe reports, it does not fail
            return type(error).__name__
        return None

    def _answer(self, environ, start_response):
        request = Request(environ, shallow=True)
        if request.method not in ("GET", "HEAD"):
            response = Response("only GET\n", status=405, content_type="text/plain")
        elif request.path == "/health/live":
            response = _json({"service": self.container.service_name, "live": True}, 200)
        elif request.path == "/health/ready":
            response = _json(*self.readiness())
        elif request.path == "/metrics":
            response = Response(generate_latest(metrics.of(self.container).registry), content_type=CONTENT_TYPE_LATEST)
        else:
            response = Response("/health/live, /health/ready, /metrics\n", status=404, content_type="text/plain")
        return response(environ, start_response)


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8")
