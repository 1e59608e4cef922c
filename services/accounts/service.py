"""Accounts service: entrypoints only. The accounts and their tokens (contract sections 5 and 14),
and people's way in (section 12): passwords, sessions, enterprises registering themselves. The rules
live in `domain/`, the tables in `account_store.py` and `credential_store.py`, the work of signing in
in `signing_in.py`.

Every change to an account commits an `AccountChanged` to this service's outbox with it; the relay
broadcasts it on `huiqi.accounts`, so every gateway replica drops the account's cached tokens at
once. Run with `nameko run --config deploy/nameko.yaml services.accounts.service:AccountsService`.
"""
from __future__ import annotations

from services.accounts import account_store, credential_store, signing_in
from services.accounts.dependencies import PhoneDirectory, SmsGateway
from services.accounts.domain.accounts import contact_problems, holder, new_token, role_of, shown, staff_changed
from shared.contracts.accounts import AccountChanged, token_digest
from shared.contracts.actors import Actor, Role
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

    store = Store()
    log = Logger()
    phones = PhoneDirectory()
    sms = SmsGateway()

    @rpc(expected_exceptions=EXPECTED)
    def create(self, kind: str, name: str, actor: dict, role: str | None = None, department: str | None = None,
               county: str | None = None, uscc: str | None = None, source: str | None = None,
               login: str | None = None, password: str | None = None, team_id: int | None = None,
               phone: str | None = None, email: str | None = None) -> dict:
        """The new account, with its `token`: shown this once, only its digest is kept. A staff account
        may also get a `login` and an initial `password` to sign in with (409 if the login is taken), and a
        `phone` and `email` that its alarms reach (told to the notification service with the account); a
        counsellor's names its `team_id` (the gateway has asked the counselling service that the team exists)."""
        actor = Actor.model_validate(actor)
        try:
            role = role_of(kind, role)
        except ValueError as refusal:
            raise Invalid(str(refusal), {"kind": kind, "role": role}) from None
        if team_id is not None and role is not Role.counsellor:
            raise Invalid("team_id is only for a counsellor's account", {"team_id": team_id, "role": role})
        problems = contact_problems(kind, phone, email)
        if problems:
            raise Invalid(f"{problems[0]['field']}: {problems[0]['message']}", problems)
        credential = signing_in.checked_new_credential(login, password, kind=kind)
        password_hash = None if credential is None else signing_in.password_hashed(credential[1])
        token = new_token()
        with self.store.transaction(core=True) as tx:
            account = account_store.create(tx.session, kind=kind, name=name, role=role, digest=token_digest(token),
                                           created_by=actor.id, now=utcnow(), department=department,
                                           county=county, uscc=uscc, source=source, team_id=team_id,
                                           phone=phone, email=email)
            changed = staff_changed(account)
            if changed is not None:
                tx.emit(changed)
            if credential is not None:
                credential_store.add_credential(tx.session, account_number=account["id"], login=credential[0],
                                                password_hash=password_hash, now=utcnow())
        created = shown(account) | ({} if credential is None else {"login": credential[0]})
        self.log.info("account_created", account_id=created["id"], role=role, by=actor.id,
                      login=None if credential is None else credential[0])
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
            credential_store.end_sessions_of(tx.session, account["id"])
            tx.emit(AccountChanged(account_id=account_id, change="disabled"))
            changed = staff_changed(account)
            if changed is not None:
                tx.emit(changed)
        self.log.info("account_disabled", account_id=account_id, by=actor.id)
        return shown(account)

    @rpc(expected_exceptions=EXPECTED)
    def set_contacts(self, account_id: str, change: dict, actor: dict) -> dict:
        """The staff account with its `phone` and `email` changed (null clears one, what `change` leaves out is
        kept): the notification service is told with the account, and every gateway replica forgets its cached
        copy. The gateway has judged that the actor may (the account's own, or the city administrator)."""
        actor = Actor.model_validate(actor)
        with self.store.transaction(core=True) as tx:
            account = account_store.set_contacts(tx.session, account_id, change)
            tx.emit(AccountChanged(account_id=account_id, change="contacts_changed"))
            tx.emit(staff_changed(account))
        self.log.info("staff_contacts_changed", account_id=account_id, fields=sorted(change), by=actor.id)
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

    # --- people signing in (contract section 12) ------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def sign_in(self, login: str, password: str, address: str | None = None) -> dict:
        """{session, csrf_token, account, expires_at}: the session id goes into the cookie and is never
        kept. Unauthenticated (401) for a wrong login or password alike, TooManyRequests (429) past the
        limits of failures per login and per address."""
        return signing_in.sign_in(self.store, self.log, login=login, password=password, address=address,
                                  now=utcnow()).answer()

    @rpc(expected_exceptions=EXPECTED)
    def session_holder(self, digest: str) -> dict | None:
        """Who the session with this digest acts as, as `token_holder` says for a token, plus `kind`,
        `csrf_digest` and `expires_at`; None for no live session. Unavailable while the database is away."""
        try:
            return signing_in.session_holder(self.store, digest=digest, now=utcnow())
        except Exception as error:
            if classify(error) is not Failure.INFRASTRUCTURE:
                raise
            raise Unavailable(f"the accounts database does not answer: {error!r}") from None

    @rpc(expected_exceptions=EXPECTED)
    def sign_out(self, digest: str) -> dict:
        """End the session; every gateway replica forgets it (`AccountChanged` signed_out)."""
        return {"signed_out": signing_in.sign_out(self.store, self.log, digest=digest)}

    @rpc(expected_exceptions=EXPECTED)
    def set_password(self, actor: dict, old: str, new: str, session_digest: str | None = None) -> dict:
        """Change the actor's own password; the account's other sessions end."""
        actor = Actor.model_validate(actor)
        return signing_in.set_password(self.store, self.log, account_id=actor.id, old=old, new=new,
                                       keep_session=session_digest, now=utcnow())

    @rpc(expected_exceptions=EXPECTED)
    def start_registration(self, uscc: str, address: str | None = None) -> dict:
        """Send a one-time code to the enterprise's phone on file: {id, phone (masked), expires_at}."""
        return signing_in.start_registration(self.store, self.log, self.phones, self.sms, uscc=uscc,
                                             address=address, now=utcnow())

    @rpc(expected_exceptions=EXPECTED)
    def confirm_registration(self, registration_id: str, code: str, password: str,
                             address: str | None = None) -> dict:
        """The code and a password make the enterprise's account: {account}. A wrong code is Invalid
        naming `code` with the tries left; the fifth locks the registration (Locked)."""
        return signing_in.confirm_registration(self.store, self.log, registration_id=registration_id, code=code,
                                               password=password, address=address, now=utcnow())
