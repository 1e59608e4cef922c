"""Nameko's queue consumer, able to stop while the broker is away.

Nameko stops a consumer by asking its connection thread to cancel it, and waits. While the broker
is unreachable that thread is inside kombu's reconnect loop (retrying for ever) and never gets
to it, so a service asked to stop (SIGTERM) waits for the broker to come back. Here:

- a consumer unregistered while there is no connection is simply forgotten: there is no channel
  to cancel it on, and a new connection consumes only for the providers still registered;
- the reconnect loop asks every second whether the service is stopping, and then gives up.

Every entrypoint and proxy that consumes uses this class (or a subclass): `@handles` (through
`shared.consumer`), RPC (`shared.rpc`) and the clock broadcast (`shared.time_travel`); one
Nameko `QueueConsumer` left in a container would keep the old wait.
"""
from __future__ import annotations

from contextlib import contextmanager

from nameko.extensions import ProviderCollector
from nameko.messaging import QueueConsumer


class StoppingWhileBrokerAway(ConnectionError):
    """Ends the reconnect loop on stop (a connection error, so kombu's consumer loop ends quietly)."""


class StoppableQueueConsumer(QueueConsumer):
    def __init__(self):
        super().__init__()
        self._connected = False

    @contextmanager
    def establish_connection(self):
        self._connected = False
        with self.create_connection() as connection:
            connection.ensure_connection(self.on_connection_error, self.connect_max_retries,
                                         callback=self._while_reconnecting, reraise_as_library_errors=False)
            yield connection

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        self._connected = True
        super().on_consume_ready(connection, channel, consumers, **kwargs)

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
