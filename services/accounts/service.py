"""Accounts service: entrypoints only. The accounts and their tokens (contract sections 5 and 14);
the rules live in `domain/accounts.py`, the table in `account_store.py`.

Every change to an account commits an `AccountChanged` to this service's outbox with it; the relay
broadcasts it on `huiqi.accounts`, so every gateway replica drops the account's cached tokens at
once. Run with `nameko run --config deploy/nameko.yaml services.accounts.service:AccountsService`.
"""
from __future__ import annotations

from services.accounts import account_store
from services.accounts.domain.accounts import holder, new_token, role_of, shown
from services.accounts.models import metadata
from shared.contracts.accounts import AccountChanged, token_digest
from shared.contracts.actors import Actor
from shared.dead_letters import DeadLetterRpc
from shared.errors import EXPECTED, Invalid, Unavailable
from shared.failures import Failure, classify
from shared.health import HealthRpc
from shared.logs import Logger
from shared.rpc import rpc
from shared.store import Store, utcnow
from shared.time_travel import ClockListener


class AccountsService(ClockListener, HealthRpc, DeadLetterRpc):
    name = "accounts"

    store = Store(metadata)
    log = Logger()

    @rpc(expected_exceptions=EXPECTED)
    def create(self, kind: str, name: str, actor: dict, role: str | None = None, department: str | None = None,
               county: str | None = None, uscc: str | None = None, source: str | None = None) -> dict:
        """The new account, with its `token`: shown this once, only its digest is kept."""
        actor = Actor.model_validate(actor)
        try:
            role = role_of(kind, role)
        except ValueError as refusal:
            raise Invalid(str(refusal), {"kind": kind, "role": role}) from None
        token = new_token()
        with self.store.transaction(core=True) as tx:
            account = account_store.create(tx.session, kind=kind, name=name, role=role, digest=token_digest(token),
                                           created_by=actor.id, now=utcnow(), department=department,
                                           county=county, uscc=uscc, source=source)
        created = shown(account)
        self.log.info("account_created", account_id=created["id"], role=role, by=actor.id)
        return {**created, "token": token}

    @rpc(expected_exceptions=EXPECTED)
    def list_accounts(self, kind: str | None, limit: int, offset: int) -> dict:
        with self.store.reading_core() as connection:
            rows, total = account_store.listed(connection, kind=kind, limit=limit, offset=offset)
        return {"items": [shown(row) for row in rows], "total": total}

    @rpc(expected_exceptions=EXPECTED)
    def disable(self, account_id: str, actor: dict) -> dict:
        """The account, disabled; the change is broadcast to every gateway replica."""
        actor = Actor.model_validate(actor)
        with self.store.transaction(core=True) as tx:
            account = account_store.disable(tx.session, account_id, disabled_by=actor.id, now=utcnow())
            tx.emit(AccountChanged(account_id=account_id, change="disabled"))
        self.log.info("account_disabled", account_id=account_id, by=actor.id)
        return shown(account)

    @rpc(expected_exceptions=EXPECTED)
    def token_holder(self, digest: str) -> dict | None:
        """Who the token with this digest acts as; None for no account's, or a disabled one's.
        Unavailable while the database is away: every caller's request is then a 503, not a 500."""
        try:
            with self.store.reading_core() as connection:
                account = account_store.usable_by_digest(connection, digest)
        except Exception as error:
            if classify(error) is not Failure.INFRASTRUCTURE:
                raise
            raise Unavailable(f"the accounts database does not answer: {error!r}") from None
        return None if account is None else holder(account)
