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
microseconds of the event loop (ready: one `SELECT 1`).
"""
from __future__ import annotations

import json

import eventlet
from eventlet import wsgi
from nameko.extensions import DependencyProvider
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from werkzeug.wrappers import Request, Response

from shared import metrics
from shared.config import settings
from shared.logs import get_logger
from shared.readiness import waiting_for
from shared.topology import consumers


class Probes(DependencyProvider):
    """Workers get this provider: `readiness()` gives the body and status of `/health/ready`."""

    def setup(self):
        self.port = int(self.container.config.get("PROBE_PORT", settings().probe_port_for(self.container.service_name)))
        self._socket = None
        self._server = None

    def start(self):
        from shared.store import Store  # the service's own database, if it has one
        stores = [dep for dep in self.container.dependencies if isinstance(dep, Store)]
        self._engine = stores[0].engine if stores else None
        if self._engine is not None:
            metrics.of(self.container).watch_database(self._engine)
        if self.container.service_name in consumers():
            metrics.of(self.container).watch_parking(self.container.config["AMQP_URI"])
        if not self.port:
            return
        self._socket = eventlet.listen((settings().probe_host, self.port))
        self.port = self._socket.getsockname()[1]
        self._server = self.container.spawn_managed_thread(self._serve, identifier="probes")
        get_logger(f"huiqi.{self.container.service_name}.probes").info("probes_listening", port=self.port)

    def stop(self):
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
            try:
                with self._engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except Exception as error:  # noqa: BLE001 - a probe reports, it does not fail
                waiting.append(f"database ({type(error).__name__})")
        body = {"service": self.container.service_name, "ready": not waiting, "waiting_for": waiting}
        return body, 200 if not waiting else 503

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
