"""Nameko's HTTP entrypoint, made to speak JSON and to carry a correlation id.

- `JsonWsgiApp` gives every request its id (`X-Request-Id`, or a new uuid4), answers unknown
  routes (404) and wrong methods (405) as JSON, echoes the id and logs one line per request.
- `ApiEntrypoint` reads the caller and the inputs against the route table before a worker is
  spawned, puts the correlation id into the worker's context data (so Nameko's RPC passes it
  on to every service), and turns results and exceptions into JSON responses.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import socket
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_plus

from eventlet import wsgi
from eventlet.event import Event
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from services.gateway import portal
from services.gateway.auth import admin_token_refusal
from services.gateway.errors import ERRORS, ErrorReply, envelope, error_reply, routing_error_reply
from services.gateway.inputs import read_inputs
from services.gateway.routes import ROUTES
from services.gateway.sessions import CSRF_HEADER, session_of
from services.gateway.tokens import TokenDirectory
from shared import clock, metrics, money
from shared.config import settings
from shared.entrypoints import CheckedSignature
from shared.logs import get_logger

REQUEST_ID = "X-Request-Id"
CORRELATION_KEY = "huiqi.correlation_id"
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# an application's three materials of up to 10 MiB each, in base64, fit; a bulk batch of 1,000
# profiles is well under this
MAX_BODY_BYTES = 48 * 1024 * 1024
_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


@functools.cache
def _log():
    return get_logger("huiqi.gateway", service="gateway")


@dataclass(frozen=True)
class Reply:
    """What a route returns when 200 with no extra headers is not enough."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class ApiRequest(Request):
    max_content_length = MAX_BODY_BYTES  # larger bodies get 413


def json_response(body: Any, status: int = 200, headers=()) -> Response:
    # amounts come from the services as Decimal: written as numbers with their exact digits
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=money.json_default)
    return Response(text, status=status, headers=list(headers), content_type="application/json; charset=utf-8")


def correlation_id_for(environ: dict) -> str:
    """The caller's X-Request-Id if it is a sane token, else a new uuid4."""
    given = environ.get("HTTP_X_REQUEST_ID", "").strip()
    return given if _ACCEPTABLE_ID.fullmatch(given) else str(uuid.uuid4())


class JsonWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        started = time.monotonic()
        correlation_id = environ[CORRELATION_KEY] = correlation_id_for(environ)
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            # eventlet de-chunks wsgi.input and ends it at the last chunk; unless told so, werkzeug
            # reads a body without Content-Length as empty (and would not apply MAX_BODY_BYTES)
            environ["wsgi.input_terminated"] = True
        request = ApiRequest(environ, shallow=True)
        route = "portal"    # the metrics' label: the route's name (routes.py), never the path
        try:
            if request.method in ("GET", "HEAD") and portal.is_file_path(request.path):
                response = portal.answer(request)
            else:
                route = "unrouted"
                provider, values = self.url_map.bind_to_environ(environ).match()
                route = provider.route.name
                request.path_values = values
                response = provider.handle_request(request)
        except NotFound as error:
            # a page of the portal opened by its address: the portal routes it in the browser
            response = (portal.answer(request, "/") if portal.is_page_request(request)
                        else _error_response(routing_error_reply(error)))
        except HTTPException as error:
            response = (_error_response(routing_error_reply(error)) if error.code and error.code >= 400
                        else error.get_response(environ))  # redirects (a missing trailing slash)
        except Exception as error:  # noqa: BLE001 - the last line of defence: still JSON, still logged
            _log().exception("request_failed", correlation_id=correlation_id, path=request.path)
            response = _error_response(error_reply(error, correlation_id))
        response.headers[REQUEST_ID] = correlation_id
        taken_s = time.monotonic() - started
        metrics.of(self.server.container).http_answered(
            route, request.method if request.method in _METHODS else "other", response.status_code, taken_s)
        _log().info("http_request", method=request.method, path=request.path, status=response.status_code,
                  duration_ms=round(taken_s * 1000, 1), correlation_id=correlation_id)
        return response(environ, start_response)


class JsonHttpProtocol(HttpOnlyProtocol):
    """eventlet answers a request line or header past its limits (8 KiB a line) itself, before any
    application sees it, with an empty body; these answer the same statuses as JSON errors."""

    def _read_request_line(self):
        line = super()._read_request_line()
        if len(line) >= self.server.url_length_limit:
            self._refuse(414, "uri_too_long", f"the URL is longer than {self.server.url_length_limit} bytes",
                         request_line_field(line))
            return ""  # eventlet closes the connection on an empty request line
        return line

    def parse_request(self):
        try:
            return super().parse_request()
        except (wsgi.HeaderLineTooLong, wsgi.HeadersTooLarge):
            self._refuse(431, "request_header_fields_too_large",
                         f"a header line is longer than {wsgi.MAX_HEADER_LINE} bytes, or the headers than "
                         f"{wsgi.MAX_TOTAL_HEADER_SIZE}", {"field": "(headers)", "in": "header"})
            return False

    def _refuse(self, status: int, code: str, message: str, details: dict) -> None:
        body = json.dumps(envelope(code, message, details), ensure_ascii=False).encode()
        self.wfile.write(f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nConnection: close\r\n"
                         f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
                         f"\r\n".encode("latin-1") + body)
        self.close_connection = 1


def request_line_field(line: bytes) -> dict[str, str]:
    """Which part of a request line cut off at the limit is too long: the query parameter being read
    when it ran out (its name is before the cut), else the path."""
    target = line.decode("latin-1").partition(" ")[2]
    path, _, query = target.partition("?")
    if not query:
        return {"field": "(path)", "in": "path"}
    name = unquote_plus(query.rsplit("&", 1)[-1].partition("=")[0])
    return {"field": name or "(query)", "in": "query"}


class UnsafeAdminToken(RuntimeError):
    """The gateway refuses to start: it would be reachable from other machines with a guessable
    administrator's token."""


class JsonWebServer(WebServer):
    def start(self):
        refusal = admin_token_refusal(self.bind_addr.address, settings().admin_token)
        if refusal is not None:
            raise UnsafeAdminToken(refusal)
        super().start()

    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=JsonHttpProtocol, debug=False):
        # Answers are written as headers then body; with Nagle's algorithm a small body waits for the
        # client's delayed ACK (40 ms on Linux). Accepted sockets inherit this from the listener.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # JsonWsgiApp logs each request as JSON; eventlet's own access line would repeat it.
        return wsgi.Server(sock, sock.getsockname(), wsgi_app, protocol=protocol, debug=debug,
                           log=logging.getLogger("nameko.web.server"), log_output=False)


class ApiEntrypoint(CheckedSignature, HttpRequestHandler):
    """`@endpoint("name")` serves the route `ROUTES["name"]` with the decorated method, which is
    called as `method(request, **path, caller=..., query=..., body=...)` (only those it takes)."""

    server = JsonWebServer()
    tokens = TokenDirectory()

    def __init__(self, route_name: str, **kwargs):
        self.route = ROUTES[route_name]
        kwargs.setdefault("expected_exceptions", tuple(exc_type for exc_type, kind in ERRORS if kind.status < 500))
        super().__init__(self.route.method, self.route.rule, **kwargs)

    def handle_request(self, request):
        request.shallow = False
        correlation_id = request.environ.get(CORRELATION_KEY) or correlation_id_for(request.environ)
        try:
            inputs = read_inputs(self.route, authorization=request.headers.get("Authorization"),
                                 path_values=request.path_values, query_args=request.args,
                                 body=request_body(request) if self.route.bodies else b"",
                                 find_account=partial(self.tokens.find, entrypoint=self,
                                                      correlation_id=correlation_id),
                                 session=session_of(request.headers.get("Cookie")),
                                 csrf=request.headers.get(CSRF_HEADER),
                                 find_session=partial(self.tokens.find_session, entrypoint=self,
                                                      correlation_id=correlation_id),
                                 now=clock.now())
            args, kwargs = (request,), inputs.arguments(self.route)
            self.check_signature(args, kwargs)
            done = Event()
            self.container.spawn_worker(self, args, kwargs, context_data={"correlation_id": correlation_id},
                                        handle_result=partial(self.handle_result, done))
            return self.response_from_result(done.wait())
        except Exception as error:  # noqa: BLE001 - every failure becomes a JSON answer
            return self.response_from_exception(error, correlation_id)

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        if isinstance(result, Reply):
            return json_response(result.body, result.status, result.headers.items())
        return json_response(result, self.route.status)

    def response_from_exception(self, exc, correlation_id=None):
        reply = error_reply(exc, correlation_id)
        if reply.unexpected:
            _log().error("request_failed", correlation_id=correlation_id, route=self.route.name,
                       error=f"{type(exc).__name__}: {exc}", remote=getattr(exc, "remote", None),
                       exc_info=exc)
        return _error_response(reply)


def request_body(request: Request) -> bytes:
    """The body; RequestEntityTooLarge (413) past MAX_BODY_BYTES, chunked bodies included."""
    body = request.get_data()
    if request.content_length is None and len(body) >= MAX_BODY_BYTES:
        # werkzeug stops reading a body without Content-Length at the limit and says nothing
        raise RequestEntityTooLarge()
    return body


def _error_response(reply: ErrorReply) -> Response:
    return json_response(reply.body, reply.status, reply.headers)


endpoint = ApiEntrypoint.decorator
