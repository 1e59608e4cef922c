"""Fixtures for the gateway's integration tests: the real GatewayService on a free port, on the
test session's own RabbitMQ virtual host (`amqp_uri` from tests/conftest.py), with a short RPC
timeout so a missing service fails fast; small stand-ins for the services it calls, and the real
accounts service (on a SQLite file of the test's own) for its tokens.

Imported by the test modules (tests/conftest.py belongs to the whole suite).
"""
from __future__ import annotations

import socket
import time
import uuid
from functools import partialmethod

import pytest
import requests
from kombu import Connection, Queue
from kombu.mixins import ConsumerMixin
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from nameko.rpc import RPC_QUEUE_TEMPLATE, get_rpc_exchange

from services.accounts.service import AccountsService
from services.gateway.service import GatewayService
from shared.config import settings
from shared.errors import EXPECTED, Conflict, Invalid, NotFound
from shared.logs import correlation_id_of
from shared.rpc import rpc
from shared.topology import GOV_EVENTS

# The fixtures; a test module takes them with `from tests.integration.conftest_gateway import *`.
__all__ = ["quick_consumers", "gateway_settings", "nameko_gateway_config", "gateway_container", "gateway", "api",
           "anonymous", "rpc_queues", "gov_events_queue", "accounts_service", "fake_services"]

ADMIN_TOKEN = "gateway-test-admin-token"
RPC_TIMEOUT_S = 0.5
USCC = "913716024JURQ28300"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout_s: float = 5.0, interval_s: float = 0.05):
    """Poll `predicate` until it returns something truthy; fail at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout_s} s")
        time.sleep(interval_s)


@pytest.fixture
def quick_consumers(monkeypatch):
    """Nameko's consumers check whether to stop once per kombu `safety_interval` (1 s), so killing a
    container takes a second; poll ten times as often so tests tear down at once."""
    monkeypatch.setattr(QueueConsumer, "consume", partialmethod(ConsumerMixin.consume, safety_interval=0.1))


@pytest.fixture
def gateway_settings(monkeypatch, amqp_uri, tmp_path):
    """Settings are read when the container starts; `settings` is cached, so clear it around."""
    monkeypatch.setenv("HUIQI_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("HUIQI_ACCOUNTS_DATABASE_URL", f"sqlite:///{tmp_path}/accounts.sqlite3")
    monkeypatch.setenv("HUIQI_RPC_TIMEOUT_S", str(RPC_TIMEOUT_S))
    monkeypatch.setenv("HUIQI_AMQP_URI", amqp_uri)
    settings.cache_clear()
    yield settings()
    settings.cache_clear()


@pytest.fixture
def nameko_gateway_config(amqp_uri):
    return {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}", "serializer": "json"}


@pytest.fixture
def gateway_container(quick_consumers, container_factory, gateway_settings, nameko_gateway_config):
    container = container_factory(GatewayService, nameko_gateway_config)
    container.start()
    return container  # container_factory kills it afterwards: far quicker than a graceful stop


@pytest.fixture
def gateway(gateway_container, nameko_gateway_config):
    """The base URL of the running gateway."""
    return f"http://{nameko_gateway_config['WEB_SERVER_ADDRESS']}"


class _Client(requests.Session):
    def __init__(self, base_url: str, token: str | None):
        super().__init__()
        self.base_url = base_url
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 10)
        return super().request(method, self.base_url + url, *args, **kwargs)


@pytest.fixture
def api(gateway):
    """A session that sends the administrator's token: `api.get("/api/v1/tags")`."""
    with _Client(gateway, ADMIN_TOKEN) as session:
        yield session


@pytest.fixture
def anonymous(gateway):
    with _Client(gateway, None) as session:
        yield session


# RPC queues: a service that never ran has none; a stopped one has its queue but no consumer ------

def _rpc_queue(service: str, config: dict) -> Queue:
    return Queue(RPC_QUEUE_TEMPLATE.format(service), exchange=get_rpc_exchange(config),
                 routing_key=f"{service}.*", durable=True)


@pytest.fixture
def rpc_queues(amqp_uri, nameko_gateway_config):
    """`rpc_queues.stopped("policy")` / `.never_started("policy")` / `.depth("policy")`."""

    class RpcQueues:
        def stopped(self, service: str) -> None:
            with Connection(amqp_uri) as connection:
                _rpc_queue(service, nameko_gateway_config)(connection.channel()).declare()

        def never_started(self, service: str) -> None:
            with Connection(amqp_uri) as connection:
                connection.channel().queue_delete(RPC_QUEUE_TEMPLATE.format(service))

        def depth(self, service: str) -> int:
            with Connection(amqp_uri) as connection:
                return _rpc_queue(service, nameko_gateway_config)(connection.channel()).queue_declare(
                    passive=True).message_count

    return RpcQueues()


@pytest.fixture
def gov_events_queue(amqp_uri):
    """A queue of this test's own, bound to gov.events for every enterprise key; deleted afterwards.
    `gov_events_queue.get()` waits for the next message."""
    name = f"test.gateway.{uuid.uuid4().hex}"
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        GOV_EVENTS(channel).declare()
        bound = Queue(name, exchange=GOV_EVENTS, routing_key="enterprise.#", durable=False)(channel)
        bound.declare()

        class Received:
            def get(self, timeout_s: float = 5.0):
                message = wait_until(lambda: bound.get(no_ack=True), timeout_s)
                return message

            def empty(self) -> bool:
                return bound.get(no_ack=True) is None

        try:
            yield Received()
        finally:
            bound.delete()
            channel.close()


# Stand-ins for the services the gateway calls ---------------------------------------------------

class CorrelationId(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return correlation_id_of(worker_ctx)


class FakeTagging:
    name = "tagging"
    correlation_id = CorrelationId()

    @rpc
    def health(self):
        return {"service": "tagging", "ok": True}

    @rpc(expected_exceptions=EXPECTED)
    def enterprise(self, uscc):
        if uscc != USCC:
            raise NotFound(f"no enterprise {uscc} is known to the platform", {"uscc": uscc})
        return {"uscc": uscc, "name": "滨州测试有限公司", "employees": 120, "status": "active", "version": 3,
                "tags": ["scale.small"], "sources": {"name": {"source": "market-regulation", "sequence": 17,
                                                               "at": "2026-11-27T01:30:00+00:00"}},
                "updated_at": "2026-11-27T01:30:00+00:00", "correlation_id": self.correlation_id}

    @rpc
    def tags(self, include_retired=False):
        return {"categories": [{"code": "scale", "name": "规模"}], "tags": [], "asked": [include_retired]}

    @rpc
    def quarantine(self, limit=50, offset=0, state="waiting"):
        return {"items": [], "total": 0, "asked": [limit, offset, state]}

    @rpc
    def dead_letters(self, include_replayed=False, limit=100):
        return [{"id": 1, "queue": "tagging.gov_events", "asked": [include_replayed, limit]}]


class FakePolicy:
    name = "policy"

    @rpc
    def health(self):
        return {"service": "policy", "ok": True}

    @rpc(expected_exceptions=EXPECTED)
    def department(self, code):
        """Every code is in this register but `unknown_department` (the real register:
        tests/integration/test_departments.py)."""
        if code == "unknown_department":
            raise Invalid(f"department {code!r} is not in the register of departments", {"department": code})
        return {"code": code, "name": f"测试部门 {code}"}

    @rpc(expected_exceptions=EXPECTED)
    def create_draft(self, draft, actor):
        return {"id": 7, **draft, "status": "draft", "version": 1, "created_by": actor}

    @rpc(expected_exceptions=EXPECTED)
    def publish(self, policy_id, actor):
        raise Conflict(f"policy {policy_id} is already published", {"status": "published"})

    @rpc
    def search(self, filters, hide_drafts, limit, offset):
        return {"items": [], "total": 0, "asked": [filters, hide_drafts, limit, offset]}

    @rpc(expected_exceptions=EXPECTED)
    def get(self, policy_id):
        if policy_id == 13:
            return {}["unlucky"]  # a bug in the service: KeyError
        if policy_id == 5:
            return {"id": 5, "title": "稳岗补贴", "department": "finance", "level": "city", "county": None,
                    "status": "published", "version": 1}
        raise NotFound(f"no policy {policy_id}")

    @rpc
    def enterprise_policies(self, uscc):
        return [{"policy_id": 7, "title": "稳岗补贴", "matched_at": "2026-11-27T01:30:00+00:00",
                 "explanation": {"tag": "scale.small", "held": True}}]


class FakeApplication:
    name = "application"

    @rpc
    def health(self):
        return {"service": "application", "ok": True}


class FakeNotification:
    name = "notification"

    @rpc
    def health(self):
        return {"service": "notification", "ok": True}

    @rpc
    def inbox(self, uscc, limit=50, offset=0):
        items = [{"id": 12 - n, "policy_id": 7, "kind": "policy_matched", "title": "稳岗补贴",
                  "created_at": "2026-11-27T01:30:00+00:00", "read_at": None} for n in range(offset, offset + limit)]
        return {"items": items[:2], "total": 12, "unread": 3}

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, uscc, notification_id):
        return {"id": notification_id, "policy_id": 7, "kind": "policy_matched", "title": "稳岗补贴",
                "created_at": "2026-11-27T01:30:00+00:00", "read_at": "2026-11-27T02:00:00+00:00"}


@pytest.fixture
def accounts_service(quick_consumers, container_factory, gateway_settings, amqp_uri):
    """The real accounts service, which the gateway asks who holds each token."""
    container = container_factory(AccountsService, {"AMQP_URI": amqp_uri, "serializer": "json"})
    container.start()
    return container


@pytest.fixture
def fake_services(quick_consumers, container_factory, amqp_uri, accounts_service):
    """The services the gateway calls, as stand-ins answering the agreed shapes (accounts: the real one)."""
    containers = [container_factory(cls, {"AMQP_URI": amqp_uri, "serializer": "json"})
                  for cls in (FakeTagging, FakePolicy, FakeNotification, FakeApplication)]
    for container in containers:
        container.start()
    return containers
