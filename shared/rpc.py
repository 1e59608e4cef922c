"""Nameko RPC, made cheaper for the broker and for both ends, and no less safe.

Nameko publishes every RPC request and reply persistently and waits for the broker's confirm of
each. Both cost a good share of a call (RabbitMQ writes each message to disk before confirming
it) and buy an RPC nothing:

- **Transient messages.** A caller waits on a reply queue that a broker restart deletes, and gives
  up at its deadline either way. Events, the messages that must survive a restart, go through the
  outbox (`shared.store`) and stay persistent and confirmed.
- **Replies are not confirmed.** A lost reply is a caller's timeout, confirmed or not: the reply
  queue may be gone by then anyway.
- **Replies are not acked.** The reply listener consumes with `no_ack`: an ack costs the caller a
  socket write and the broker some work on every call, and would only get a reply redelivered if
  the caller's connection broke while the reply was in flight to it: such a reply is now lost, as
  above.
- **A call has a deadline** (`service_rpc_timeout_s`, 60 s): a reply lost for good would
  otherwise keep the calling worker waiting forever. The call then raises `Unavailable` (503 at
  the gateway), and the request expires with it, so a service back late does not act on it. The
  gateway's own calls keep their shorter deadline (`TimedRpcProxy`).
- **Requests are confirmed until the service is known to exist.** The confirm, with `mandatory`,
  is how Nameko tells a service that never ran (no queue: UnknownService, answered at once) from a
  slow one. Once the broker has routed one request to the service's queue, that durable queue
  outlives restarts of the service, so each proxy stops asking for confirms of that service. (A
  queue deleted by hand afterwards is noticed only by the caller's deadline.)

Messages sent without a confirm skip Nameko's per-message publisher (a kombu producer from a
pool, its retry wrapper and declarations): they are written on one connection per process and
broker (`_Wire`), which costs about a third of the CPU.

Every service uses `rpc` and `RpcProxy` from here, never Nameko's own: one container must not
hold both kinds of RPC consumer, or two would compete for the service's queue.
"""
from __future__ import annotations

import logging
import sys
import time
import uuid

import amqp
import eventlet
import kombu
from eventlet.semaphore import Semaphore
from kombu.utils.json import dumps
from nameko import rpc as nameko_rpc
from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    NON_PERSISTENT,
    SERIALIZER_CONFIG_KEY,
)

from shared import metrics
from shared.config import settings
from shared.entrypoints import CheckedSignature
from shared.errors import HuiqiError, Unavailable
from shared.queue_consumer import StoppableQueueConsumer

_log = logging.getLogger(__name__)


class _RequestPublisher(Publisher):
    delivery_mode = NON_PERSISTENT

    def publish(self, payload, **kwargs):
        if not kwargs.get("use_confirms", self.use_confirms):
            # a returned (unroutable) message can only be seen while waiting for a confirm
            kwargs["mandatory"] = False
        super().publish(payload, **kwargs)


class _Wire:
    """One AMQP connection per process and broker for messages that need no confirm; green threads
    take turns on it (a message's frames must not interleave). A broken connection is opened
    afresh once; a second failure reaches the caller."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self._turn = Semaphore(1)
        self._connection: kombu.Connection | None = None
        self._channel = None

    def publish(self, body: str, *, exchange: str, routing_key: str, **properties) -> None:
        message = amqp.Message(body, content_type="application/json", content_encoding="utf-8",
                               delivery_mode=NON_PERSISTENT, **properties)
        with self._turn:
            for attempt in (1, 2):
                try:
                    self._open().basic_publish(message, exchange=exchange, routing_key=routing_key)
                    return
                except (OSError, amqp.exceptions.AMQPError) as error:
                    self._close()
                    if attempt == 2:
                        raise ConnectionError(f"cannot publish to the message broker: {error}") from error

    def _open(self):
        if self._channel is None:
            self._connection = kombu.Connection(self.amqp_uri, connect_timeout=5)
            self._connection.connect()
            self._channel = self._connection.default_channel
        return self._channel

    def _close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001 - it is broken already; a new one is opened next time
                pass


_wires: dict[str, _Wire] = {}


def _wire(amqp_uri: str) -> _Wire:
    if amqp_uri not in _wires:
        _wires[amqp_uri] = _Wire(amqp_uri)
    return _wires[amqp_uri]


def _serialized(error: BaseException) -> dict:
    """Nameko's form of a raised exception. Nameko turns every value of its arguments into text (an
    id 7 arrives as "7", None as "None"); a service's own errors keep their details as the JSON the
    service wrote, which is what the gateway answers with."""
    serialized = nameko_rpc.serialize(error)
    if isinstance(error, HuiqiError):
        try:
            dumps(error.details)
        except Exception:  # noqa: BLE001 - not JSON: Nameko's text is the best that can travel
            return serialized
        serialized["exc_args"] = [error.message, error.details]
    return serialized


class _Responder(nameko_rpc.Responder):
    def send_response(self, result, exc_info):
        error = None
        if exc_info is not None:
            error = _serialized(exc_info[1])
        try:
            body = dumps({"result": result, "error": error})
        except Exception:  # noqa: BLE001 - as Nameko does: the caller is told, the service lives on
            exc_info = sys.exc_info()
            body = dumps({"result": None, "error": nameko_rpc.serialize(nameko_rpc.UnserializableValueError(result))})
            result = None
        _wire(self.amqp_uri).publish(body, exchange=self.exchange.name,
                                     routing_key=self.message.properties["reply_to"],
                                     correlation_id=self.message.properties.get("correlation_id"))
        return result, exc_info


class _RpcConsumer(nameko_rpc.RpcConsumer):
    queue_consumer = StoppableQueueConsumer()

    def handle_result(self, message, result, exc_info):
        config = self.container.config
        responder = _Responder(config[AMQP_URI_CONFIG_KEY], nameko_rpc.get_rpc_exchange(config),
                               config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
                               ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class _Rpc(CheckedSignature, nameko_rpc.Rpc):
    rpc_consumer = _RpcConsumer()


rpc = _Rpc.decorator


class ReplyListener(nameko_rpc.ReplyListener):
    """Nameko's ReplyListener, consuming its reply queue without acks.

    The QueueConsumer (and its channel) is shared with the service's request consumer, which must
    keep acking, so no_ack is set on this listener's queue only: kombu consumes each queue with the
    queue's own no_ack, also when it consumes again after a reconnection."""

    queue_consumer = StoppableQueueConsumer()

    def setup(self):
        super().setup()
        # in time: the QueueConsumer makes its consumers when it starts, after every setup
        self.queue.no_ack = True

    def waiting_for(self) -> str | None:
        """For `shared.readiness`: a caller whose reply queue is not consumed gets no answers."""
        return None if self.queue_consumer.connected else "rpc replies"

    def handle_message(self, body, message):
        # as Nameko's, without the ack: the broker took none
        correlation_id = message.properties.get("correlation_id")
        reply_event = self._reply_events.pop(correlation_id, None)
        if reply_event is not None:
            reply_event.send(body)
        else:
            _log.debug("Unknown correlation id: %s", correlation_id)


class _MethodProxy(nameko_rpc.MethodProxy):
    publisher_cls = _RequestPublisher

    def __init__(self, worker_ctx, service_name, method_name, reply_listener, *, routed, deadline_s=None,
                 **options):
        self._confirming = options.get("use_confirms", True)
        self._routed = routed
        self._deadline_s = deadline_s
        super().__init__(worker_ctx, service_name, method_name, reply_listener, **options)

    def __call__(self, *args, **kwargs):
        started, outcome = time.monotonic(), "error"
        try:
            answer = self._answer(*args, **kwargs)
            outcome = "ok"
            return answer
        except Unavailable:
            outcome = "unavailable"
            raise
        finally:
            metrics.of(self.worker_ctx.container).rpc_took(self.service_name, self.method_name, outcome,
                                                           time.monotonic() - started)

    def _answer(self, *args, **kwargs):
        reply = self._call(*args, **kwargs)
        if self._deadline_s is None:
            return reply.result()
        deadline = eventlet.Timeout(self._deadline_s)
        try:
            return reply.result()
        except eventlet.Timeout as expired:
            if expired is not deadline:
                raise
            forget(self.reply_listener, reply)
            raise Unavailable(f"the {self.service_name} service did not answer {self.method_name} within "
                              f"{self._deadline_s:g} s", {"service": self.service_name,
                                                          "method": self.method_name}) from None
        finally:
            deadline.cancel()

    def _call(self, *args, **kwargs):
        if self._confirming:
            reply = super()._call(*args, **kwargs)   # UnknownService: no queue for the service (yet)
            self._routed()
            return reply
        correlation_id = str(uuid.uuid4())
        reply_event = self.reply_listener.get_reply_event(correlation_id)
        properties = {"reply_to": self.reply_listener.routing_key, "correlation_id": correlation_id,
                      "application_headers": self.get_message_headers(self.worker_ctx)}
        if self.publisher.expiration is not None:
            properties["expiration"] = str(int(self.publisher.expiration * 1000))
        try:
            _wire(self.amqp_uri).publish(dumps({"args": args, "kwargs": kwargs}),
                                         exchange=nameko_rpc.get_rpc_exchange(self.container.config).name,
                                         routing_key=f"{self.service_name}.{self.method_name}", **properties)
        except ConnectionError:
            # no reply will come for a request that never left: Nameko would keep waiting for it
            getattr(self.reply_listener, "_reply_events", {}).pop(correlation_id, None)
            raise
        return nameko_rpc.RpcReply(reply_event)


class ServiceProxy(nameko_rpc.ServiceProxy):
    def __init__(self, worker_ctx, service_name, reply_listener, *, routed, deadline_s=None, **options):
        super().__init__(worker_ctx, service_name, reply_listener, **options)
        self._routed = routed
        self._deadline_s = deadline_s

    def __getattr__(self, name):
        return _MethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener, routed=self._routed,
                            deadline_s=self._deadline_s, **self.options)


def forget(reply_listener, reply: nameko_rpc.RpcReply) -> None:
    """Drop the event Nameko keeps for a call until its reply comes, once the caller has given up:
    an expired call never gets one, and a caller facing a stopped service would fill up with them."""
    events = getattr(reply_listener, "_reply_events", None)
    if events:
        for correlation_id, event in list(events.items()):
            if event is reply.reply_event:
                events.pop(correlation_id, None)


class RpcProxy(nameko_rpc.RpcProxy):
    """Nameko's RpcProxy, with the request publishing, unacked replies and deadline described in the
    module docstring."""

    rpc_reply_listener = ReplyListener()

    def setup(self):
        super().setup()
        self.routable = False   # the broker has routed a request of ours to the service's queue
        self.deadline_s = settings().service_rpc_timeout_s

    def get_dependency(self, worker_ctx):
        # the request expires with the caller's patience: a service back late does not act on it
        expiration = {} if "expiration" in self.options else {"expiration": self.deadline_s}
        return self.service_proxy(worker_ctx, deadline_s=self.deadline_s, **expiration)

    def service_proxy(self, worker_ctx, **options) -> ServiceProxy:
        return ServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener, routed=self._routed,
                            **{**self.options, **options, "use_confirms": not self.routable})

    def _routed(self) -> None:
        self.routable = True
