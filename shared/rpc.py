"""Nameko RPC, with requests and replies sent as transient messages.

Nameko publishes every RPC request and reply persistently, so RabbitMQ writes each one to disk
before confirming it. An RPC outlives nothing that would need that: its caller waits on a reply
queue that a broker restart deletes, and gives up at its deadline either way. Events, the
messages that must survive a restart, go through the outbox (`shared.store`) and stay
persistent. Publisher confirms stay on for requests: they are how Nameko tells an unknown
service (UnknownService) from a slow one.

Every service uses `rpc` and `RpcProxy` from here, never Nameko's own: one container must not
hold both kinds of RPC consumer, or two would compete for the service's queue.
"""
from __future__ import annotations

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


class TransientPublisher(Publisher):
    delivery_mode = NON_PERSISTENT


class _Responder(nameko_rpc.Responder):
    publisher_cls = TransientPublisher


class _RpcConsumer(nameko_rpc.RpcConsumer):
    def handle_result(self, message, result, exc_info):
        config = self.container.config
        responder = _Responder(config[AMQP_URI_CONFIG_KEY], nameko_rpc.get_rpc_exchange(config),
                               config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
                               ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class _Rpc(nameko_rpc.Rpc):
    rpc_consumer = _RpcConsumer()


rpc = _Rpc.decorator


class RpcProxy(nameko_rpc.RpcProxy):
    """Nameko's RpcProxy, publishing its requests as transient messages."""

    def __init__(self, target_service, **options):
        super().__init__(target_service, **{"delivery_mode": NON_PERSISTENT, **options})
