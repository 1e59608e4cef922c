"""POSTing JSON to an outside provider's URL (the SMS gateway, the WeChat group robot: contract section 11).

`JsonPoster` keeps its connections to the provider open between messages (up to `connections`, one per message
sent at the same time) and honours the environment's proxy settings (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), read
once. It is urllib3's pool without requests' session on top, whose work per call (a session, the environment's
proxies, .netrc) cost the notification sender more CPU than the sending itself (docs/benchmarks.md,
`deliveries_per_s`). Nothing is retried here: a message that may have reached the provider is the sender's to try
again, under its idempotency key.
"""
from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError


class Unreachable(Exception):
    """No answer from the provider: it could not be reached, or did not answer in time. `reason` names what
    went wrong (the exception's type)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    status: int
    text: str

    @property
    def ok(self) -> bool:
        """Whether the provider took the message: a 2xx answer."""
        return 200 <= self.status < 300

    def json(self):
        """The answer's body read as JSON; ValueError if it is not."""
        return json.loads(self.text)


class JsonPoster:
    def __init__(self, url: str, timeout_s: float, connections: int = 1):
        self.url = url
        self.timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
        proxy = _proxy_for(url)
        self.pool = (urllib3.ProxyManager(proxy, maxsize=connections) if proxy else
                     urllib3.PoolManager(maxsize=connections))

    def post(self, body: dict, headers: dict[str, str] | None = None) -> Answer:
        """The provider's answer, whatever its status; Unreachable when none came."""
        try:
            answer = self.pool.request("POST", self.url, body=json.dumps(body).encode(),
                                       headers={"Content-Type": "application/json", **(headers or {})},
                                       timeout=self.timeout, retries=False)
        except (HTTPError, OSError) as error:
            raise Unreachable(type(error).__name__) from None
        return Answer(answer.status, answer.data.decode("utf-8", errors="replace"))

    def close(self) -> None:
        self.pool.clear()


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url` (None: straight to it), as requests would pick it."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    return proxy
