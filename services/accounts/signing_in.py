"""People signing in, out and up (contract section 12): the domain's rules applied to the store.

Each function takes the service's `StoreAccess` (and what else it needs) and does one request's
work in as few transactions as it can; the service's entrypoints only call them. Every sign-in,
failure, lock and registration is a log line; none names a password, a code or a session id.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventlet import tpool

from services.accounts import account_store, credential_store
from services.accounts.domain import passwords, rate_limits, registrations, sessions
from services.accounts.domain.accounts import (
    holder,
    new_token,
    normalized_login,
    parse_account_id,
    signed_in,
    staff_login_problem,
)
from services.accounts.domain.registrations import State
from shared.contracts.accounts import AccountChanged, csrf_token, token_digest
from shared.contracts.actors import Role
from shared.errors import Conflict, Invalid, Locked, NoPhoneOnFile, NotFound, TooManyRequests, Unauthenticated
from shared.phones import masked

SIGN_IN_LOGIN, SIGN_IN_ADDRESS, CODE_SENT = "sign_in_login", "sign_in_address", "code_sent"
WRONG_CREDENTIALS = "账号或密码错误"


def password_matches(password_hash: str | None, password: str) -> bool:
    """`passwords.matches` in a real thread: argon2 takes a good part of a second of CPU by design,
    which on the eventlet hub would stall every other call to this service (who holds a token)."""
    return tpool.execute(passwords.matches, password_hash, password)


def password_hashed(password: str) -> str:
    """`passwords.hashed` in a real thread, as `password_matches`."""
    return tpool.execute(passwords.hashed, password)


def field_error(field: str, message: str, **extra: Any) -> list[dict[str, Any]]:
    return [{"field": field, "message": message, "in": "body", **extra}]


def checked_new_credential(login: str | None, password: str | None, *, kind: str) -> tuple[str, str] | None:
    """The (login, password) a new staff account is made with, checked; None when neither is given.
    Invalid naming the field otherwise."""
    if login is None and password is None:
        return None
    if kind != "staff":
        raise Invalid("only a staff account is created with a login",
                      field_error("login", "只有工作人员账号可设登录名"))
    if login is None or password is None:
        missing = "login" if login is None else "password"
        raise Invalid(f"invalid body: {missing}", field_error(missing, "登录名和初始密码须同时提供"))
    login = normalized_login(login)
    if (problem := staff_login_problem(login)) is not None:
        raise Invalid("invalid body: login", field_error("login", problem))
    if (problem := passwords.problem(password, login)) is not None:
        raise Invalid("invalid body: password", field_error("password", problem))
    return login, password


def _limited(connection, now: datetime, checks: list[tuple[str, str, tuple[rate_limits.Window, ...]]]) -> int | None:
    """Seconds to wait before the next attempt by the longest of the limits, or None."""
    waits = []
    for kind, key, windows in checks:
        longest = max(window.length for window in windows)
        times = credential_store.rate_times(connection, kind, key, now - longest)
        if (wait := rate_limits.longest_wait(times, windows, now)) is not None:
            waits.append(wait)
    return rate_limits.whole_seconds(max(waits)) if waits else None


def _sign_in_limits(login: str, address: str | None):
    checks = [(SIGN_IN_LOGIN, login, (rate_limits.SIGN_IN_PER_LOGIN,))]
    if address:
        checks.append((SIGN_IN_ADDRESS, address, (rate_limits.SIGN_IN_PER_ADDRESS,)))
    return checks


def _too_many(message: str, retry_after: int) -> TooManyRequests:
    return TooManyRequests(message, {"retry_after": retry_after})


@dataclass(frozen=True)
class SignedIn:
    session: str          # the session id: for the cookie, never kept
    csrf_token: str
    account: dict
    expires_at: datetime

    def answer(self) -> dict:
        return {"session": self.session, "csrf_token": self.csrf_token, "account": self.account,
                "expires_at": self.expires_at.isoformat()}


def sign_in(store, log, *, login: str, password: str, address: str | None, now: datetime) -> SignedIn:
    login = normalized_login(login)
    with store.transaction(core=True) as tx:
        wait = _limited(tx.session, now, _sign_in_limits(login, address))
        if wait is not None:
            log.warning("sign_in_refused", login=login, address=address, retry_after=wait)
            raise _too_many(f"登录失败次数过多，请{wait}秒后再试", wait)
        found = credential_store.by_login(tx.session, login)
    account = None if found is None else credential_store.account_row(found)
    right = password_matches(found["password_hash"] if found else None, password)  # outside the transaction
    if not right or account is None or account["disabled_at"] is not None:
        reason = ("no_such_login" if found is None else "wrong_password" if not right else "disabled")
        with store.transaction(core=True) as tx:
            for kind, key, _windows in _sign_in_limits(login, address):
                credential_store.record_rate_event(tx.session, kind, key, now)
            wait = _limited(tx.session, now, _sign_in_limits(login, address))
        log.warning("sign_in_failed", login=login, address=address, reason=reason)
        if wait is not None:
            log.warning("sign_in_locked", login=login, address=address, retry_after=wait)
        raise Unauthenticated(WRONG_CREDENTIALS)
    session_id = sessions.new_session_id()
    csrf = csrf_token(session_id)
    with store.transaction(core=True) as tx:
        credential_store.clear_rate_events(tx.session, SIGN_IN_LOGIN, login)
        credential_store.end_sessions_before(tx.session, account["id"], now - sessions.LONGEST)
        credential_store.open_session(tx.session, digest=token_digest(session_id), account_number=account["id"],
                                      csrf_digest=token_digest(csrf), address=address, now=now)
    shown = signed_in(account)
    log.info("signed_in", account_id=shown["id"], role=shown["role"], address=address)
    return SignedIn(session_id, csrf, shown, sessions.expires_at(now, now))


def session_holder(store, *, digest: str, now: datetime) -> dict | None:
    """Who the session with this digest acts as (like a token's holder), with `kind` session, its
    `csrf_digest` and `expires_at`; None for no live session. Its last use is noted, at most once a minute."""
    with store.reading_core() as connection:
        found = credential_store.session_with_account(connection, digest)
    if found is None or not sessions.is_live(found["created_at"], found["last_seen"], now):
        return None
    last_seen = found["last_seen"]
    if sessions.needs_touch(last_seen, now):
        with store.transaction(core=True) as tx:
            credential_store.touch_session(tx.session, found["session_id"], now)
        last_seen = now
    account = credential_store.account_row(found)
    return {**holder(account), "kind": "session", "csrf_digest": found["csrf_digest"],
            "expires_at": sessions.expires_at(found["created_at"], last_seen).isoformat()}


def sign_out(store, log, *, digest: str) -> bool:
    with store.transaction(core=True) as tx:
        number = credential_store.end_session(tx.session, digest)
        if number is not None:
            account = _account(tx.session, number)
            tx.emit(AccountChanged(account_id=account, change="signed_out"))
    if number is not None:
        log.info("signed_out", account_id=account)
    return number is not None


def _account(connection, number: int) -> str:
    row = account_store.by_number(connection, number)
    return f"{row['kind']}-{row['id']}"


def set_password(store, log, *, account_id: str, old: str, new: str, keep_session: str | None,
                 now: datetime) -> dict:
    parsed = parse_account_id(account_id)
    with store.reading_core() as connection:
        credential = None if parsed is None else credential_store.of_account(connection, parsed[1])
    if credential is None:
        raise Conflict("该账号没有密码，不能修改密码", {"account_id": account_id})
    login = credential["login"]
    with store.reading_core() as connection:
        wait = _limited(connection, now, _sign_in_limits(login, None))
    if wait is not None:
        raise _too_many(f"密码错误次数过多，请{wait}秒后再试", wait)
    if not password_matches(credential["password_hash"], old):
        with store.transaction(core=True) as tx:
            credential_store.record_rate_event(tx.session, SIGN_IN_LOGIN, login, now)
        log.warning("password_change_refused", account_id=account_id, reason="wrong_password")
        raise Invalid("invalid body: old_password", field_error("old_password", "原密码不正确"))
    if (problem := passwords.problem(new, login)) is not None:
        raise Invalid("invalid body: new_password", field_error("new_password", problem))
    with store.transaction(core=True) as tx:
        credential_store.set_password_hash(tx.session, parsed[1], password_hashed(new), now)
        ended = credential_store.end_sessions_of(tx.session, parsed[1], keep_digest=keep_session)
        tx.emit(AccountChanged(account_id=account_id, change="password_changed"))
    log.info("password_changed", account_id=account_id, other_sessions_ended=ended)
    return {"changed_at": now.isoformat()}


def start_registration(store, log, phones, sms, *, uscc: str, address: str | None, now: datetime) -> dict:
    """Send a code to the enterprise's phone on file: 409 if it has a password account already, 422
    no_phone_on_file, 429 past the limit of codes, 503 when tagging or the SMS gateway fails."""
    if not sms.configured:
        sms.send("", "")   # raises SmsUnavailable, saying SMS is not configured
    with store.reading_core() as connection:
        if credential_store.login_taken(connection, uscc):
            raise Conflict("该企业已注册，请直接登录", {"uscc": uscc, "reason": "registered"})
        wait = _limited(connection, now, [(CODE_SENT, uscc, rate_limits.CODES_PER_USCC)])
    if wait is not None:
        log.warning("registration_refused", uscc=uscc, address=address, retry_after=wait)
        raise _too_many(f"验证码发送过于频繁，请{wait}秒后再试", wait)
    phone = phones.contact_phone(uscc)
    if phone is None:
        log.warning("registration_refused", uscc=uscc, address=address, reason="no_phone_on_file")
        raise NoPhoneOnFile("政府数据中没有该企业的联系电话，无法自助注册，请到政务服务窗口办理",
                            {"uscc": uscc, "reason": "no_phone_on_file"})
    registration_id, code = registrations.new_registration_id(), registrations.new_code()
    try:
        sms.send(phone, registrations.sms_text(code))
    except Exception:
        log.error("registration_code_not_sent", uscc=uscc, registration_id=registration_id, phone=masked(phone))
        raise
    expires_at = now + registrations.CODE_VALID
    with store.transaction(core=True) as tx:
        credential_store.replace_waiting(tx.session, uscc, waiting=State.waiting, replaced=State.replaced)
        credential_store.add_registration(tx.session, registration_id=registration_id, uscc=uscc, phone=phone,
                                          code_digest=registrations.code_digest(registration_id, code),
                                          state=State.waiting, address=address, now=now, expires_at=expires_at)
        credential_store.record_rate_event(tx.session, CODE_SENT, uscc, now)
    log.info("registration_started", uscc=uscc, registration_id=registration_id, phone=masked(phone),
             address=address)
    return {"id": registration_id, "phone": masked(phone), "expires_at": expires_at.isoformat()}


def confirm_registration(store, log, *, registration_id: str, code: str, password: str, address: str | None,
                         now: datetime) -> dict:
    refusal: Exception | None = None
    with store.transaction(core=True) as tx:
        found = credential_store.registration(tx.session, registration_id)
        if found is None:
            raise NotFound("没有这个注册，请重新获取验证码", {"id": registration_id})
        uscc = found["uscc"]
        if (problem := passwords.problem(password, uscc)) is not None:
            raise Invalid("invalid body: password", field_error("password", problem))
    password_hash = password_hashed(password)   # before the transaction that needs it, not inside it
    with store.transaction(core=True) as tx:
        found = credential_store.registration(tx.session, registration_id)
        verdict = registrations.judge(registration_id=registration_id, stored_digest=found["code_digest"],
                                      state=State(found["state"]), wrong_tries=found["wrong_tries"],
                                      expires_at=found["expires_at"], code=code, now=now)
        if verdict.accepted:
            if credential_store.login_taken(tx.session, uscc):
                raise Conflict("该企业已注册，请直接登录", {"uscc": uscc, "reason": "registered"})
            account = account_store.create(tx.session, kind="enterprise", name=uscc, role=Role.enterprise,
                                           digest=token_digest(new_token()), now=now, uscc=uscc,
                                           created_by=f"registration-{registration_id}")
            credential_store.add_credential(tx.session, account_number=account["id"], login=uscc,
                                            password_hash=password_hash, now=now)
            credential_store.settle_registration(tx.session, registration_id, state=State.confirmed,
                                                 wrong_tries=verdict.wrong_tries, account_number=account["id"])
        else:
            credential_store.settle_registration(tx.session, registration_id, state=verdict.state,
                                                 wrong_tries=verdict.wrong_tries)
            refusal = _registration_refusal(verdict, registration_id)
    if refusal is not None:   # the wrong try is counted (committed) first
        event = "registration_locked" if verdict.reason == "locked" and found["state"] != State.locked \
            else "registration_refused"
        log.warning(event, uscc=uscc, registration_id=registration_id, reason=verdict.reason,
                    wrong_tries=verdict.wrong_tries, address=address)
        raise refusal
    shown = signed_in(account)
    log.info("registration_confirmed", uscc=uscc, registration_id=registration_id, account_id=shown["id"],
             address=address)
    return {"account": shown}


def _registration_refusal(verdict: registrations.Verdict, registration_id: str) -> Exception:
    details = {"id": registration_id, "reason": verdict.reason}
    if verdict.reason == "wrong_code":
        return Invalid("invalid body: code", field_error("code", verdict.refusal, tries_left=verdict.tries_left))
    if verdict.reason == "locked":
        return Locked(verdict.refusal, details)
    return Conflict(verdict.refusal, details)
