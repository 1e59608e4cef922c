"""RPC between services (shared.rpc) goes over the real broker as transient messages, both ways;
requests are confirmed until the broker has shown the service's queue exists; calls still answer,
raise remote errors and report a service that never ran; replies are consumed without acks; a call not
answered within its deadline is Unavailable and its request expires with it."""
from __future__ import annotations

import json
import subprocess
from decimal import Decimal

import eventlet
import kombu
import pytest
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import get_rpc_exchange
from nameko.testing.services import entrypoint_hook

from shared.config import settings
from shared.errors import Conflict, Unavailable
from shared.rpc import RpcProxy, rpc

TAP = "test.rpc_tap"
REFUSAL_DETAILS = {"policies": [{"id": 7, "department": None}], "redeemable": False, "amount": Decimal("1.50")}


class Answering:
    name = "rpc_answering"

    @rpc
    def double(self, number: int) -> int:
        return number * 2

    @rpc
    def fail(self) -> None:
        raise ValueError("asked to fail")

    @rpc(expected_exceptions=Conflict)
    def refuse(self) -> None:
        raise Conflict("refused", REFUSAL_DETAILS)

    @rpc
    def slow(self, seconds: float) -> str:
        eventlet.sleep(seconds)
        return "late"


class Asking:
    name = "rpc_asking"
    answering = RpcProxy("rpc_answering", expiration=30)
    missing = RpcProxy("rpc_nobody")
    patient = RpcProxy("rpc_answering")     # the deadline and expiration of settings

    @rpc
    def ask(self, number: int) -> int:
        return self.answering.double(number)

    @rpc
    def ask_to_fail(self) -> None:
        self.answering.fail()

    @rpc(expected_exceptions=Conflict)
    def ask_to_be_refused(self) -> None:
        self.answering.refuse()

    @rpc
    def ask_nobody(self) -> None:
        self.missing.anything()

    @rpc
    def ask_patiently(self, seconds: float) -> str:
        return self.patient.slow(seconds)


@pytest.fixture
def tap(amqp_uri, nameko_config):
    """A queue that receives a copy of every message on the RPC exchange: requests and replies."""
    exchange = get_rpc_exchange(nameko_config)
    with kombu.Connection(amqp_uri) as connection:
        channel = connection.channel()
        queue = kombu.Queue(TAP, exchange, routing_key="#", durable=False, auto_delete=False)(channel)
        queue.declare()
        queue.purge()

        def taken() -> list:
            messages = []
            while (message := queue.get(no_ack=True)) is not None:
                messages.append(message)
            return messages

        yield taken
        queue.delete()


def _started(container_factory, nameko_config):
    """Both services running; the asking one's container, whose entrypoints the test calls directly
    (so only its calls to the answering service cross the broker)."""
    containers = [container_factory(service, nameko_config) for service in (Answering, Asking)]
    for container in containers:
        container.start()
    return containers[-1]


def test_requests_and_replies_are_transient_and_answered(container_factory, nameko_config, tap):
    asking = _started(container_factory, nameko_config)
    with entrypoint_hook(asking, "ask") as ask:
        assert [ask(21), ask(4)] == [42, 8]    # the first request confirmed, the second not
    messages = tap()
    keys = {message.delivery_info["routing_key"] for message in messages}
    assert "rpc_answering.double" in keys
    replies = [message for message in messages if "." not in message.delivery_info["routing_key"]]
    assert replies, f"no reply seen among {sorted(keys)}"
    assert {message.properties["delivery_mode"] for message in messages} == {1}
    requests = [message for message in messages if message.delivery_info["routing_key"] == "rpc_answering.double"]
    assert len(requests) == 2 and len(replies) == 2
    for request in requests:   # both ways of sending carry what Nameko's consumer and the deadline need
        assert request.properties["expiration"] == "30000" and request.properties["reply_to"]
        assert "nameko.call_id_stack" in request.headers


def test_a_remote_error_and_an_unknown_service_still_reach_the_caller(container_factory, nameko_config):
    asking = _started(container_factory, nameko_config)
    with entrypoint_hook(asking, "ask_to_fail") as ask_to_fail, pytest.raises(RemoteError, match="asked to fail"):
        ask_to_fail()
    with entrypoint_hook(asking, "ask_nobody") as ask_nobody, pytest.raises(UnknownService):
        ask_nobody()


def test_a_services_own_error_arrives_typed_with_its_details_as_written(container_factory, nameko_config):
    asking = _started(container_factory, nameko_config)
    with entrypoint_hook(asking, "ask_to_be_refused") as ask, pytest.raises(Conflict) as refused:
        ask()
    assert (refused.value.message, refused.value.details) == ("refused", REFUSAL_DETAILS)


def test_requests_are_confirmed_until_the_service_is_known_to_exist(container_factory, nameko_config):
    asking = _started(container_factory, nameko_config)
    proxies = {provider.attr_name: provider for provider in asking.dependencies if isinstance(provider, RpcProxy)}
    assert not proxies["answering"].routable
    with entrypoint_hook(asking, "ask") as ask:
        assert ask(1) == 2
    assert proxies["answering"].routable
    with entrypoint_hook(asking, "ask") as ask:
        assert [ask(number) for number in range(5)] == [0, 2, 4, 6, 8]   # unconfirmed, still answered
    for _ in range(2):
        with entrypoint_hook(asking, "ask_nobody") as ask_nobody, pytest.raises(UnknownService):
            ask_nobody()
    assert not proxies["missing"].routable


def test_a_request_that_cannot_be_sent_fails_at_once_and_leaves_nothing_waiting(container_factory, nameko_config,
                                                                                 monkeypatch):
    from shared import rpc as shared_rpc

    asking = _started(container_factory, nameko_config)
    with entrypoint_hook(asking, "ask") as ask:
        assert ask(1) == 2            # the service is known: later requests go unconfirmed, on the wire
    monkeypatch.setitem(shared_rpc._wires, nameko_config["AMQP_URI"],
                        shared_rpc._Wire("amqp://guest:guest@127.0.0.1:1//"))   # nothing listens there
    listener = next(provider for provider in asking.dependencies if isinstance(provider, RpcProxy)
                    ).rpc_reply_listener
    waiting = len(listener._reply_events)
    with entrypoint_hook(asking, "ask") as ask, pytest.raises(ConnectionError, match="message broker"):
        ask(2)
    assert len(listener._reply_events) == waiting


def _consumers(amqp_uri: str) -> list[dict]:
    """The broker's consumers in our vhost, as `rabbitmqctl list_consumers` reports them."""
    vhost = amqp_uri.rsplit("/", 1)[-1]
    listed = subprocess.run(["rabbitmqctl", "-q", "list_consumers", "-p", vhost, "queue_name", "ack_required",
                             "channel_pid", "--formatter", "json"],
                            check=True, capture_output=True, text=True, timeout=60)
    return json.loads(listed.stdout)


def test_replies_are_consumed_without_acks_and_requests_with(container_factory, nameko_config, amqp_uri):
    asking = _started(container_factory, nameko_config)
    with entrypoint_hook(asking, "ask") as ask:
        assert [ask(number) for number in range(4)] == [0, 2, 4, 6]   # confirmed, then not
    with entrypoint_hook(asking, "ask_to_fail") as ask_to_fail, pytest.raises(RemoteError, match="asked to fail"):
        ask_to_fail()
    with entrypoint_hook(asking, "ask") as ask:
        assert ask(5) == 10    # the channel lives on: nothing acked a delivery the broker did not track
    reply_queue = next(provider for provider in asking.dependencies if isinstance(provider, RpcProxy)
                       ).rpc_reply_listener.queue.name
    consumers = {consumer["queue_name"]: consumer for consumer in _consumers(amqp_uri)}
    assert consumers[reply_queue]["ack_required"] is False
    assert consumers["rpc-rpc_answering"]["ack_required"] is True
    # the asking service's own requests come on the same channel as its replies, and are still acked
    assert consumers["rpc-rpc_asking"]["ack_required"] is True
    assert consumers["rpc-rpc_asking"]["channel_pid"] == consumers[reply_queue]["channel_pid"]


def test_a_call_not_answered_within_its_deadline_is_unavailable_and_its_request_expires(
        container_factory, nameko_config, tap, monkeypatch):
    monkeypatch.setenv("HUIQI_SERVICE_RPC_TIMEOUT_S", "2")
    settings.cache_clear()
    try:
        asking = _started(container_factory, nameko_config)
    finally:
        settings.cache_clear()
    listener = next(provider for provider in asking.dependencies if isinstance(provider, RpcProxy)
                    ).rpc_reply_listener
    with entrypoint_hook(asking, "ask_patiently") as ask_patiently:
        assert ask_patiently(0) == "late"         # in time
    # taken at once: a copy expires in the tap as it would in the service's queue
    requests = [message for message in tap() if message.delivery_info["routing_key"] == "rpc_answering.slow"]
    assert [message.properties["expiration"] for message in requests] == ["2000"]
    waiting = len(listener._reply_events)
    with entrypoint_hook(asking, "ask_patiently") as ask_patiently, \
            pytest.raises(Unavailable, match="rpc_answering service did not answer slow within 2 s") as raised:
        ask_patiently(4)
    assert raised.value.details == {"service": "rpc_answering", "method": "slow"}
    assert len(listener._reply_events) == waiting   # nothing is left waiting for the reply given up on
    with entrypoint_hook(asking, "ask") as ask:
        assert ask(3) == 6
