"""The gateway's two outside resources: the services (RPC with a deadline) and `gov.events`.

Nothing here waits forever: every RPC gives up after `settings().rpc_timeout_s` and becomes
ServiceUnavailable (503 naming the service); publishing is bounded the same way.
"""
from __future__ import annotations

import time
from typing import Any

import eventlet
from eventlet.semaphore import Semaphore
from kombu.exceptions import OperationalError
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.containers import WorkerContext
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService
from nameko.extensions import DependencyProvider, Entrypoint, SharedExtension
from nameko.rpc import RpcReply

from services.gateway.errors import ServiceFailed, ServiceUnavailable
from shared import metrics
from shared.config import settings
from shared.logs import correlation_id_of
from shared.publisher import ConfirmingPublisher, Outgoing, PublishFailed
from shared.rpc import ReplyListener, RpcProxy, ServiceProxy, forget
from shared.topology import GOV_EVENTS

BROKER = "broker"


class TimedRpcProxy(RpcProxy):
    """Nameko's RpcProxy, with a deadline on every call.

    The request message also expires after the deadline, so a service that comes back later
    does not act on a call its caller has already been told failed."""

    def setup(self):
        super().setup()
        self.timeout_s = settings().rpc_timeout_s

    def get_dependency(self, worker_ctx):
        proxy = self.service_proxy(worker_ctx, expiration=self.timeout_s)
        return TimedService(self.target_service, proxy, self.rpc_reply_listener, self.timeout_s)


class EntrypointRpc(SharedExtension):
    """RPC to one service from an entrypoint, before any worker runs (who holds a request's token),
    with TimedRpcProxy's deadline and errors, and the worker's correlation id."""

    rpc_reply_listener = ReplyListener()

    def __init__(self, target_service: str):
        super().__init__()
        self.target_service = target_service

    @property
    def sharing_key(self):
        return type(self), self.target_service

    def setup(self):
        self.timeout_s = settings().rpc_timeout_s
        self.routable = False   # as RpcProxy's: confirms only until the broker has routed a request

    def service(self, entrypoint: Entrypoint, correlation_id: str) -> TimedService:
        asking = WorkerContext(self.container, None, entrypoint, data={"correlation_id": correlation_id})
        proxy = ServiceProxy(asking, self.target_service, self.rpc_reply_listener, routed=self._routed,
                             expiration=self.timeout_s, use_confirms=not self.routable)
        return TimedService(self.target_service, proxy, self.rpc_reply_listener, self.timeout_s)

    def _routed(self) -> None:
        self.routable = True


class TimedService:
    """`service.method(*args)` as with a plain proxy; `start` and `PendingCall.result` to wait
    for several services at once under one deadline."""

    def __init__(self, name: str, proxy: ServiceProxy, reply_listener, timeout_s: float):
        self.name = name
        self.timeout_s = timeout_s
        self._proxy = proxy
        self._reply_listener = reply_listener

    def __getattr__(self, method: str):
        if method.startswith("_"):
            raise AttributeError(method)

        def call(*args, **kwargs):
            deadline = time.monotonic() + self.timeout_s
            return self.start(method, *args, **kwargs).result(deadline)
        return call

    def start(self, method: str, *args, **kwargs) -> PendingCall:
        """Send the request now; the answer is waited for by `PendingCall.result`."""
        measured, started = metrics.of(self._proxy.worker_ctx.container), time.monotonic()
        try:
            with eventlet.Timeout(self.timeout_s, self._silent(method)):
                reply = getattr(self._proxy, method).call_async(*args, **kwargs)
        except (UnknownService, OperationalError, OSError, ServiceUnavailable) as error:
            measured.rpc_took(self.name, method, "unavailable", time.monotonic() - started)
            if isinstance(error, UnknownService):
                raise ServiceUnavailable(self.name, f"the {self.name} service is not running") from None
            if isinstance(error, ServiceUnavailable):
                raise
            raise ServiceUnavailable(self.name, f"cannot reach the message broker: {error}") from None
        return PendingCall(self, method, reply, measured, started)

    def _silent(self, method: str) -> ServiceUnavailable:
        return ServiceUnavailable(self.name, f"the {self.name} service did not answer {method} "
                                             f"within {self.timeout_s:g} s")

    def _forget(self, reply: RpcReply) -> None:
        forget(self._reply_listener, reply)


class PendingCall:
    def __init__(self, service: TimedService, method: str, reply: RpcReply, measured: metrics.Metrics,
                 started: float):
        self.service, self.method, self.reply = service, method, reply
        self._metrics, self.started = measured, started

    def result(self, deadline: float) -> Any:
        """The answer, or ServiceUnavailable at `deadline` (a time.monotonic() value)."""
        name = self.service.name
        timeout = eventlet.Timeout(max(deadline - time.monotonic(), 0), self.service._silent(self.method))
        outcome = "error"
        try:
            answer = self.reply.result()
            outcome = "ok"
            return answer
        except ServiceUnavailable:
            outcome = "unavailable"
            self.service._forget(self.reply)
            raise
        except MethodNotFound:
            outcome = "unavailable"
            raise ServiceUnavailable(name, f"the {name} service does not offer {self.method}") from None
        except RemoteError as error:
            raise ServiceFailed(name, error.exc_type, error.value) from None
        finally:
            timeout.cancel()
            self._metrics.rpc_took(name, self.method, outcome, time.monotonic() - self.started)

    def abandon(self) -> None:
        """Stop waiting for the answer (another call of the same request failed first)."""
        self.service._forget(self.reply)


class GovEventPublisher(DependencyProvider):
    """One confirming publisher per gateway process, to `gov.events`.

    ConfirmingPublisher is not safe for concurrent use, so workers take turns (a semaphore)."""

    def setup(self):
        self.timeout_s = settings().rpc_timeout_s
        amqp_uri = self.container.config.get(AMQP_URI_CONFIG_KEY) or settings().amqp_uri
        self.publisher = ConfirmingPublisher(amqp_uri, confirm_timeout_s=self.timeout_s)
        self.turn = Semaphore(1)

    def stop(self):
        self.publisher.close()

    def kill(self):
        self.publisher.close()

    def get_dependency(self, worker_ctx):
        return GovEvents(self, correlation_id_of(worker_ctx))


class GovEvents:
    def __init__(self, provider: GovEventPublisher, correlation_id: str):
        self._provider = provider
        self._correlation_id = correlation_id

    def publish(self, routing_key: str, body: str, event_id: str) -> None:
        """Publish `body` (JSON text) persistently, confirmed, with `message_id = event_id`.

        ServiceUnavailable when the broker does not confirm in time or no queue is bound for
        `routing_key` (the topology was not declared: the message would be lost)."""
        provider = self._provider
        message = Outgoing(GOV_EVENTS.name, routing_key, body, event_id, self._correlation_id)
        if not provider.turn.acquire(timeout=provider.timeout_s):
            raise ServiceUnavailable(BROKER, "too many events are being published; try again")
        try:
            with eventlet.Timeout(provider.timeout_s + 1):
                unroutable = provider.publisher.publish([message])
        except eventlet.Timeout:
            provider.publisher.close()  # the channel is mid-publish: start afresh next time
            raise ServiceUnavailable(BROKER, f"the broker did not confirm within {provider.timeout_s:g} s") from None
        except PublishFailed as error:
            raise ServiceUnavailable(BROKER, f"the broker did not take the event: {error}") from None
        finally:
            provider.turn.release()
        if unroutable:
            raise ServiceUnavailable(BROKER, f"no queue is bound to {GOV_EVENTS.name} for {routing_key!r}; "
                                             "the platform's topology is not declared (huiqi declare)")
