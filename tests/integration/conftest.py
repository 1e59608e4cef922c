"""Fixtures for the gateway's integration tests: the real GatewayService on a free port, on the
test session's own RabbitMQ virtual host (`amqp_uri` from tests/conftest.py), with a short RPC
timeout (2 s) so a missing service fails fast; the stand-ins of tests/integration/gateway_stand_ins.py
for the services it calls, and the real accounts service (on a SQLite file of the test's own) for
its tokens."""
from __future__ import annotations

import uuid
from functools import partialmethod

import pytest
import requests
from kombu import Connection, Queue
from kombu.mixins import ConsumerMixin
from nameko.messaging import QueueConsumer
from nameko.rpc import RPC_QUEUE_TEMPLATE, get_rpc_exchange
from nameko.standalone.rpc import ServiceRpcProxy

from services.accounts.service import AccountsService
from services.gateway.service import GatewayService
from shared.config import settings
from shared.topology import GOV_EVENTS
from tests.integration.gateway_stand_ins import (
    ADMIN_TOKEN,
    RPC_TIMEOUT_S,
    FakeApplication,
    FakeCounselling,
    FakeEvaluation,
    FakeNotification,
    FakePolicy,
    FakeTagging,
)
from tests.mail_server import running_mail_server
from tests.polling import until
from tests.tcp_proxy import free_port
from tools.sms_sink import SmsSink


@pytest.fixture(autouse=True)
def quick_consumers(monkeypatch):
    """Nameko's consumers check whether to stop once per kombu `safety_interval` (1 s), so stopping a
    container takes a second; poll ten times as often so every integration test tears down at once."""
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
                return until(lambda: bound.get(no_ack=True), timeout=timeout_s, interval=0.05,
                             what="a message on gov.events")

            def empty(self) -> bool:
                return bound.get(no_ack=True) is None

        try:
            yield Received()
        finally:
            bound.delete()
            channel.close()


@pytest.fixture
def accounts_service(quick_consumers, container_factory, gateway_settings, amqp_uri):
    """The real accounts service, which the gateway asks who holds each token."""
    container = container_factory(AccountsService, {"AMQP_URI": amqp_uri, "serializer": "json"})
    container.start()
    return container


@pytest.fixture
def sms(monkeypatch, tmp_path):
    """A real HTTP SMS gateway (tools/sms_sink.py) in HUIQI_SMS_URL; ask for it before the accounts
    service starts (`pytest.mark.usefixtures("sms")`), which reads the setting then."""
    with SmsSink(tmp_path / "sms.log") as sink:
        monkeypatch.setenv("HUIQI_SMS_URL", sink.url)
        settings.cache_clear()
        yield sink
    settings.cache_clear()


@pytest.fixture
def mail_server(tmp_path):
    """A real SMTP server (aiosmtpd, its own process) keeping what it receives in a maildir: yields
    (its smtp:// URL, the maildir)."""
    with running_mail_server(free_port(), tmp_path / "maildir") as server:
        yield server


@pytest.fixture
def accounts(container_factory, nameko_config, platform_env):
    """The real accounts service on the test's database (SQLite, then PostgreSQL)."""
    container = container_factory(AccountsService, nameko_config)
    container.start()
    return container


@pytest.fixture
def rpc(accounts, nameko_config):
    """RPC to `accounts`, as the gateway calls it."""
    with ServiceRpcProxy("accounts", nameko_config, timeout=20) as proxy:
        yield proxy


@pytest.fixture
def fake_services(quick_consumers, container_factory, amqp_uri, accounts_service):
    """The services the gateway calls, as stand-ins answering the agreed shapes (accounts: the real one)."""
    containers = [container_factory(cls, {"AMQP_URI": amqp_uri, "serializer": "json"})
                  for cls in (FakeTagging, FakePolicy, FakeNotification, FakeApplication, FakeEvaluation,
                              FakeCounselling)]
    for container in containers:
        container.start()
    return containers


@pytest.fixture
def time_travel():
    """`time_travel(timedelta)` moves this process's clock (the services', in-process) forward; put back after."""
    from shared import clock

    before = clock.offset()
    yield lambda delta: clock.set_offset(clock.offset() + delta)
    clock.set_offset(before)
