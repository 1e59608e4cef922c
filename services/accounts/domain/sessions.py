"""Sessions of people signed in through the portal (contract section 12).

A session id is a long random string, sent to the browser once, in the HttpOnly cookie; only its
digest is kept (`shared.contracts.accounts.token_digest`, as for tokens). The session's CSRF token
is derived from the id (`shared.contracts.accounts.csrf_token`), so the gateway can hand it to the
page again (`GET /api/v1/me`) without it being stored; the store keeps its digest to compare with.

A session ends 8 hours after it was last used, and 7 days after it began whatever its use.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from shared.contracts.accounts import SESSION_IDLE as IDLE
from shared.contracts.accounts import SESSION_LONGEST as LONGEST

# last_seen is written at most this often per session: an active person is not a write per request
TOUCH_EVERY = timedelta(minutes=1)


def new_session_id() -> str:
    return "hs_" + secrets.token_urlsafe(32)


def expires_at(created_at: datetime, last_seen: datetime) -> datetime:
    """When the session ends unless it is used again before."""
    return min(last_seen + IDLE, created_at + LONGEST)


def is_live(created_at: datetime, last_seen: datetime, now: datetime) -> bool:
    return now < expires_at(created_at, last_seen)


def needs_touch(last_seen: datetime, now: datetime) -> bool:
    return now - last_seen >= TOUCH_EVERY
