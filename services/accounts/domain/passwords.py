"""Passwords of people who sign in (contract section 12): the policy a new one must meet, and how
one is kept (argon2id) and checked.

Only the hash is kept. A sign-in with a login nobody has is checked against a hash all the same
(`DUMMY_HASH`), so the time an answer takes does not tell whether the login exists.
"""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128   # argon2 takes any length; a longer one is no password a person types
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9]")

_hasher = PasswordHasher()
DUMMY_HASH = _hasher.hash("huiqi-no-such-login-0")


def problem(password: str, login: str) -> str | None:
    """Why `password` may not be chosen by the holder of `login` (in Chinese), or None if it may:
    8 to 128 characters, letters and digits both, and not the login itself."""
    if len(password) < MIN_LENGTH:
        return f"密码至少{MIN_LENGTH}位"
    if len(password) > MAX_LENGTH:
        return f"密码最多{MAX_LENGTH}位"
    if not (_LETTER.search(password) and _DIGIT.search(password)):
        return "密码须同时包含字母和数字"
    if password.strip().casefold() == login.strip().casefold():
        return "密码不能与账号相同"
    return None


def hashed(password: str) -> str:
    return _hasher.hash(password)


def matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed; with no hash (no such login) the dummy is checked, and
    the answer is False."""
    try:
        return _hasher.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
