"""A lean JSON-over-HTTP client for load generation: one keep-alive connection (http.client).

The load generator shares this machine's cores with the platform it measures, so what it spends
is taken from the platform. `requests` costs about three times the CPU of a bare http.client
call for the same small JSON POST; real clients run on machines of their own."""
from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit


class JsonConnection:
    def __init__(self, base_url: str, timeout_s: float):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout_s = timeout_s
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict, token: str) -> tuple[int, str]:
        """POST `body` as JSON with the bearer token; the status and the answer's text. A broken
        connection raises OSError or http.client.HTTPException and is opened afresh next time."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            self._connection.request("POST", path, body=data, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = self._connection.getresponse()
            return response.status, response.read().decode("utf-8")
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
