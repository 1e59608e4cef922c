"""Enterprises registering themselves (contract section 12): a one-time code by SMS to the phone that
government data holds for the enterprise, then the code and a password make the account.

A code is 6 digits, valid 10 minutes; 5 wrong tries lock the registration (a new one can be asked
for, within the rate limit of codes sent). Only a digest of the code is kept, salted with the
registration's own random id.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
SMS_SIGNATURE = "【惠企政策平台】"
SMS_MAX_CHARS = 70   # one SMS of Chinese text


class State(enum.StrEnum):
    waiting = "waiting"       # the code was sent; confirm with it
    confirmed = "confirmed"   # the account exists
    locked = "locked"         # too many wrong codes
    replaced = "replaced"     # a newer code was sent for the same enterprise


def new_registration_id() -> str:
    return secrets.token_hex(16)


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(registration_id: str, code: str) -> str:
    return hashlib.sha256(f"{registration_id}:{code}".encode()).hexdigest()


def sms_text(code: str) -> str:
    """What the enterprise's phone receives: Chinese, one SMS (at most 70 characters)."""
    text = f"{SMS_SIGNATURE}您的注册验证码为{code}，{CODE_VALID.seconds // 60}分钟内有效。请勿告诉他人。"
    assert len(text) <= SMS_MAX_CHARS, text
    return text


@dataclass(frozen=True)
class Verdict:
    """What a confirmation with a code comes to."""

    accepted: bool
    state: State                 # the registration's state after this try
    wrong_tries: int             # after this try
    refusal: str | None = None   # why not, in Chinese
    reason: str | None = None    # a code for it: expired, locked, confirmed, replaced, wrong_code

    @property
    def tries_left(self) -> int:
        return max(MAX_WRONG_TRIES - self.wrong_tries, 0)


def judge(*, registration_id: str, stored_digest: str, state: State, wrong_tries: int, expires_at: datetime,
          code: str, now: datetime) -> Verdict:
    """A try of `code` on a registration as stored. A wrong code counts, and the fifth locks it."""
    if state is State.confirmed:
        return Verdict(False, state, wrong_tries, "该注册已完成，请直接登录", "confirmed")
    if state is State.locked:
        return Verdict(False, state, wrong_tries, "验证码错误次数过多，该注册已锁定，请重新获取验证码", "locked")
    if state is State.replaced:
        return Verdict(False, state, wrong_tries, "该验证码已失效，请使用最新收到的验证码", "replaced")
    if now >= expires_at:
        return Verdict(False, state, wrong_tries, "验证码已过期，请重新获取", "expired")
    if hmac.compare_digest(code_digest(registration_id, code), stored_digest):
        return Verdict(True, State.confirmed, wrong_tries)
    tries = wrong_tries + 1
    if tries >= MAX_WRONG_TRIES:
        return Verdict(False, State.locked, tries, "验证码错误次数过多，该注册已锁定，请重新获取验证码", "locked")
    return Verdict(False, state, tries, f"验证码不正确，还可再试{MAX_WRONG_TRIES - tries}次", "wrong_code")
