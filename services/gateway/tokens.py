"""Who holds a request's token or session: asked of the accounts service, kept a while, forgotten on a
change (a disable, a sign-out, a password change).

The gateway keeps no accounts. Every request's token (other than the administrator's, `auth`)
is looked up by its digest with the accounts service (`token_holder`), through an in-process
cache (`token_cache`) so a busy gateway does not ask per request. The accounts service broadcasts
every change to an account on `huiqi.accounts`; each replica's listener (`account_changes`)
drops the account's cached tokens, so a disabled token stops working on every replica at once.
A disable through this replica answers once it has heard its own broadcast back, by which time
the broker has handed it to every replica.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from eventlet.event import Event
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider, Entrypoint, SharedExtension

from services.gateway.account_changes import AccountChangeListener
from services.gateway.auth import Caller, Role
from services.gateway.dependencies import EntrypointRpc
from services.gateway.token_cache import TokenCache
from shared.config import settings
from shared.contracts.accounts import AccountChanged
from shared.logs import get_logger

ACCOUNTS = "accounts"
# how long a disable waits to hear its broadcast back; past it the answer goes anyway (the relay
# keeps trying, and a replica that missed it forgets every token when it reconnects)
BROADCAST_WAIT_S = 2.0


def caller_of(holder: dict) -> Caller:
    """The caller a token's or a session's holder (`token_holder`, `session_holder`) describes."""
    expires_at = holder.get("expires_at")
    return Caller(role=Role(holder["role"]), id=holder["id"], department=holder.get("department"),
                  county=holder.get("county"), uscc=holder.get("uscc"), name=holder.get("name"),
                  source=holder.get("source"), team_id=holder.get("team_id"), phone=holder.get("phone"),
                  email=holder.get("email"), kind=holder.get("kind", "token"),
                  csrf_digest=holder.get("csrf_digest"),
                  expires_at=None if expires_at is None else datetime.fromisoformat(expires_at))


class TokenDirectory(SharedExtension):
    """One per gateway process: the token cache and the listener that empties it of changed accounts."""

    accounts = EntrypointRpc(ACCOUNTS)

    def setup(self):
        amqp_uri = self.container.config.get(AMQP_URI_CONFIG_KEY) or settings().amqp_uri
        self.log = get_logger("huiqi.gateway.tokens", service="gateway")
        self.tokens = TokenCache()
        self.listener = AccountChangeListener(amqp_uri, on_change=self._heard, on_connect=self.tokens.clear,
                                              log=self.log)
        self._awaited: dict[str, list[Event]] = {}   # account id -> disables through this replica waiting
        self._running = False
        self._thread = None

    def start(self):
        self._running = True
        self._thread = self.container.spawn_managed_thread(lambda: self.listener.run(lambda: self._running),
                                                           identifier="account-changes-listener")

    def stop(self):
        self._running = False
        if self._thread is not None:
            self._thread.wait()

    def kill(self):
        self._running = False
        if self._thread is not None:
            self._thread.kill()

    def find(self, digest: str, entrypoint: Entrypoint, correlation_id: str) -> Caller | None:
        """The caller of the token with this digest, or None; ServiceUnavailable (503) when the
        accounts service does not answer in time (nothing is cached then)."""
        def ask(digest: str) -> Caller | None:
            holder = self.accounts.service(entrypoint, correlation_id).token_holder(digest)
            return None if holder is None else caller_of(holder)
        return self.tokens.find(digest, ask)

    def find_session(self, digest: str, entrypoint: Entrypoint, correlation_id: str) -> Caller | None:
        """The caller of the portal session with this digest, or None; kept in the same cache as tokens
        (digests of long random strings never meet), so a sign-out or disable drops it on every replica."""
        def ask(digest: str) -> Caller | None:
            holder = self.accounts.service(entrypoint, correlation_id).session_holder(digest)
            return None if holder is None else caller_of(holder)
        return self.tokens.find(digest, ask)

    @contextmanager
    def dropped_everywhere(self, account_id: str) -> Iterator[None]:
        """Around a change to the account (a disable, through the accounts service): afterwards this
        replica has dropped its tokens, and waited until it heard the change's broadcast, which the
        broker hands to every replica at once (at most BROADCAST_WAIT_S)."""
        heard = Event()
        self._awaited.setdefault(account_id, []).append(heard)
        try:
            yield
            self.tokens.forget_account(account_id)   # this replica at once, whatever the broker does
            if heard.wait(BROADCAST_WAIT_S) is None:
                self.log.warning("account_change_not_heard_back", account_id=account_id, waited_s=BROADCAST_WAIT_S)
        finally:
            waiting = self._awaited.get(account_id, [])
            if heard in waiting:
                waiting.remove(heard)
            if not waiting:
                self._awaited.pop(account_id, None)

    def _heard(self, change: AccountChanged) -> None:
        forgotten = self.tokens.forget_account(change.account_id)
        self.log.info("account_change_heard", account_id=change.account_id, change=change.change,
                      tokens_forgotten=forgotten)
        for waiting in self._awaited.pop(change.account_id, []):
            waiting.send(True)


class Tokens(DependencyProvider):
    """The directory, for the gateway's workers."""

    directory = TokenDirectory()

    def get_dependency(self, worker_ctx):
        return self.directory
