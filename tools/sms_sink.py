"""A development SMS gateway: takes what the platform sends (POST JSON {"phone", "text"}, contract
section 11), appends each message to a file (var/sms.log) and tells whoever started it.

`huiqi run` starts one on 127.0.0.1 when HUIQI_SMS_URL is not set, so an enterprise can register
itself on a development machine and read its code in var/sms.log; the tests start one to read codes.
It is a real HTTP server, answering as a gateway would: 200 with `{"accepted": true, "id": ...}`, 400 for
a body that is not such a message, `failing_status` (503) while `failing` is set; `delay_s` holds each
answer after taking the message, as a slow gateway does. It speaks HTTP/1.1: a sender's connection stays
open for the messages after (`connections` counts those opened). A message sent again with
the same `Idempotency-Key` header is taken once (the same id answers). It also plays a WeChat group robot:
a body `{"msgtype": "text", "text": {"content": ...}}` is taken as a message to `wechat`, answered
`{"errcode": 0, "errmsg": "ok"}`.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from shared.clock import CHINA


class _Server(ThreadingHTTPServer):
    # a sender posts up to 20 messages at once (services/notification/sender.py): the default backlog of 5
    # would refuse connections a real gateway takes
    request_queue_size = 128


class SmsSink:
    def __init__(self, log_path: Path | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 say: Callable[[str], None] | None = None):
        self.log_path = log_path
        self.say = say
        self.messages: list[dict[str, str]] = []
        self.failing = False
        self.failing_status = HTTPStatus.SERVICE_UNAVAILABLE
        self.requests = 0          # every POST received, failed ones included
        self.connections = 0       # every connection a sender opened (one carries many POSTs, kept open)
        self.delay_s = 0.0         # how long to hold each answer after taking the message (a slow gateway)
        self._ids: dict[str, str] = {}   # idempotency key -> the id it was answered
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()   # the connections senders keep open
        self._server = _Server((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/sms"

    def start(self) -> SmsSink:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="sms-sink", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:   # a stopped gateway takes nothing more on a connection kept open either
            for connection in self._open:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SmsSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def sent_to(self, phone: str) -> list[str]:
        """The texts sent to `phone`, oldest first."""
        with self._lock:
            return [message["text"] for message in self.messages if message["phone"] == phone]

    def _took(self, phone: str, text: str, key: str | None = None) -> str:
        """The id of the message taken (of the one taken before under the same key: then nothing new)."""
        at = datetime.now(CHINA).isoformat(timespec="seconds")
        with self._lock:
            if key is not None and key in self._ids:
                return self._ids[key]
            message_id = f"sink-{len(self.messages) + 1}"
            if key is not None:
                self._ids[key] = message_id
            self.messages.append({"phone": phone, "text": text, "at": at, "id": message_id})
            if self.log_path is not None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                with self.log_path.open("a", encoding="utf-8") as log:
                    log.write(f"{at} {phone} {text}\n")
        if self.say is not None:
            self.say(f"SMS to {phone}: {text}")
        return message_id

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"   # keeps a sender's connection open between messages, as gateways do
            # the answer's headers and body go out in two writes: without this, on a kept-open connection the
            # second waits for the sender's delayed acknowledgement of the first (tens of milliseconds)
            disable_nagle_algorithm = True

            def setup(self):
                super().setup()
                with sink._lock:
                    sink._open.add(self.connection)
                    sink.connections += 1

            def finish(self):
                with sink._lock:
                    sink._open.discard(self.connection)
                super().finish()

            def do_POST(self):  # noqa: N802 - the name http.server calls
                # read whatever the answer: on a kept-open connection the next request starts after the body
                try:
                    data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                except ValueError:
                    self.close_connection = True   # where this body ends cannot be known
                    return self._answer(HTTPStatus.BAD_REQUEST, {"accepted": False, "reason": "Content-Length"})
                with sink._lock:
                    sink.requests += 1
                if sink.failing:
                    return self._answer(sink.failing_status, {"accepted": False, "reason": "failing"})
                key = self.headers.get("Idempotency-Key")
                try:
                    body = json.loads(data)
                    if isinstance(body, dict) and body.get("msgtype") == "text":
                        text = body["text"]["content"]
                        if not isinstance(text, str):
                            raise TypeError("text.content is a string")
                        sink._took("wechat", text, key)
                        return self._answer(HTTPStatus.OK, {"errcode": 0, "errmsg": "ok"})
                    phone, text = body["phone"], body["text"]
                    if not isinstance(phone, str) or not isinstance(text, str):
                        raise TypeError("phone and text are strings")
                except (ValueError, KeyError, TypeError) as error:
                    return self._answer(HTTPStatus.BAD_REQUEST, {"accepted": False, "reason": str(error)})
                message_id = sink._took(phone, text, key)
                if sink.delay_s:
                    time.sleep(sink.delay_s)
                return self._answer(HTTPStatus.OK, {"accepted": True, "id": message_id})

            def _answer(self, status: HTTPStatus, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):  # noqa: A002 - http.server's signature
                pass

        return Handler
