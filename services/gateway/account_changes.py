"""A gateway replica's ear on `huiqi.accounts`: every change the accounts service makes to an account.

Each replica binds a queue of its own to the fanout exchange, exclusive to its connection (the
broker deletes it when the replica goes), and consumes without acknowledgements: a lost
broadcast costs nothing, because every time the replica (re)connects it first binds its queue
and then forgets every cached token (`on_connect`), so whatever changed while it was not
listening is asked of the accounts service again.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable

import eventlet
import kombu
from pydantic import ValidationError

from shared.contracts.accounts import AccountChanged
from shared.topology import ACCOUNT_BROADCAST

POLL_S = 1.0


class AccountChangeListener:
    def __init__(self, amqp_uri: str, *, on_change: Callable[[AccountChanged], None],
                 on_connect: Callable[[], None], log):
        self.amqp_uri = amqp_uri
        self.on_change = on_change
        self.on_connect = on_connect
        self.log = log
        self.queue_name = ACCOUNT_BROADCAST.queue_prefix + uuid.uuid4().hex
        self.listening = False

    def run(self, running: Callable[[], bool]) -> None:
        backoff = 0.2
        while running():
            try:
                self._listen(running)
                return
            except Exception as error:  # noqa: BLE001 - keep listening through broker outages
                self.listening = False
                self.log.warning("account_changes_unheard", error=f"{type(error).__name__}: {error}",
                                 retry_in_s=backoff)
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _listen(self, running: Callable[[], bool]) -> None:
        queue = kombu.Queue(self.queue_name, exchange=ACCOUNT_BROADCAST.exchange, durable=False, exclusive=True,
                            auto_delete=True)
        with kombu.Connection(self.amqp_uri, connect_timeout=5, heartbeat=30) as connection:
            with connection.Consumer([queue], on_message=self._received, no_ack=True):
                self.on_connect()   # bound now: anything changed before is read afresh, anything after is heard
                self.listening = True
                self.log.info("account_changes_heard", queue=self.queue_name)
                while running():
                    try:
                        connection.drain_events(timeout=POLL_S)
                    except TimeoutError:
                        connection.heartbeat_check()
        self.listening = False

    def _received(self, message) -> None:
        try:
            change = AccountChanged.model_validate_json(message.body)
        except ValidationError as error:
            # it may have been a disable: forget every token rather than keep one that should go
            self.log.error("account_change_unreadable", error=str(error), body=message.body[:500])
            self.on_connect()
            return
        self.on_change(change)
