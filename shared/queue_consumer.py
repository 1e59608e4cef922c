"""Nameko's queue consumer, able to stop while the broker is away.

Nameko stops a consumer by asking its connection thread to cancel it, and waits. While the broker
is unreachable that thread is inside kombu's reconnect loop (retrying for ever) and never gets
to it, so a service asked to stop (SIGTERM) waits for the broker to come back. Here:

- a consumer unregistered while there is no connection is simply forgotten: there is no channel
  to cancel it on, and a new connection consumes only for the providers still registered;
- the reconnect loop asks every second whether the service is stopping, and then gives up;
- it tries again at most `RECONNECT_MAX_PAUSE_S` apart. kombu's default pause grows to 30 s, so
  after an outage of a minute the queues stayed unconsumed for up to 30 s after the broker was
  back, with messages piling up and `/health` saying all was well (RPC has its own connection);
- it consumes only on the connection its consumers were set up on. A worker's ack that meets a
  dead socket marks the connection closed; kombu's consume loop then reads through
  `Connection.connection`, which silently opens a *new* connection when the old one is closed and
  the broker is back, with no channel and no consumer on it: the loop went on draining an empty
  connection for good, the broker listed no consumer, and the service's queues filled (the
  broker-restart drill stalled so about one run in five). Each turn of the loop now checks the
  connection is still the one set up, and otherwise ends it as a lost connection, so the consumers
  are set up again.

Every entrypoint and proxy that consumes uses this class (or a subclass): `@handles` (through
`shared.consumer`), RPC (`shared.rpc`) and the clock broadcast (`shared.time_travel`); one
Nameko `QueueConsumer` left in a container would keep the old wait.
"""
from __future__ import annotations

from contextlib import contextmanager

from nameko.extensions import ProviderCollector
from nameko.messaging import QueueConsumer

from shared.logs import get_logger

RECONNECT_FIRST_PAUSE_S = 1.0
RECONNECT_MAX_PAUSE_S = 3.0     # one attempt every 3 s per process does not burden a broker starting up


class StoppingWhileBrokerAway(ConnectionError):
    """Ends the reconnect loop on stop (a connection error, so kombu's consumer loop ends quietly)."""


class ConsumingConnectionReplaced(ConnectionError):
    """The connection the consumers were set up on is gone (a connection error: kombu sets them up again)."""


class StoppableQueueConsumer(QueueConsumer):
    def __init__(self):
        super().__init__()
        self._connected = False
        self._consuming = None    # (kombu connection, the AMQP connection under it) the consumers are on

    @contextmanager
    def establish_connection(self):
        self._connected = False
        with self.create_connection() as connection:
            connection.ensure_connection(self.on_connection_error, self.connect_max_retries,
                                         interval_start=RECONNECT_FIRST_PAUSE_S, interval_step=1.0,
                                         interval_max=RECONNECT_MAX_PAUSE_S,
                                         callback=self._while_reconnecting, reraise_as_library_errors=False)
            yield connection

    @property
    def connected(self) -> bool:
        """Consuming now: False from the moment a connection is lost until its queues are consumed again."""
        return self._connected

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self._consuming = (connection, connection.connection)
        self._connected = True
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def on_iteration(self):
        super().on_iteration()
        if self._consuming is None:
            return
        connection, consumed_on = self._consuming
        # `_connection`, not `connection.connection`: reading that property is what reconnects silently
        current = connection._connection
        if current is not consumed_on or not consumed_on.connected:
            self._consuming, self._connected = None, False
            try:
                consumed_on.collect()   # its socket, if still open, holds our consumers and their prefetch
            except Exception:  # noqa: BLE001 - already dead is what was expected
                pass
            get_logger("huiqi.bus").warning(
                "consumer_connection_replaced", service=self.container.service_name,
                consequence="the consumers are set up again on a new connection")
            raise ConsumingConnectionReplaced("the connection the consumers were set up on is closed")

    def unregister_provider(self, provider):
        if self._consumers_ready.ready() and not self._connected:
            self._consumers.pop(provider, None)
            ProviderCollector.unregister_provider(self, provider)
            if not self._providers:
                self.should_stop = True
            return
        super().unregister_provider(provider)

    def _while_reconnecting(self) -> None:
        """Called by kombu between connection attempts (and every second of the pause between them)."""
        # removals asked for while connected, and not yet done when the connection went
        pending, self._pending_remove_providers = self._pending_remove_providers, {}
        for provider, removed in pending.items():
            self._consumers.pop(provider, None)
            removed.send()
        if self._consumers_ready.ready() and not self._providers:
            self.should_stop = True     # every provider is gone: nothing left to reconnect for
        if self.should_stop:
            raise StoppingWhileBrokerAway("stopping while the broker is unreachable")
