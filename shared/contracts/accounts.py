"""Accounts between the gateway and the accounts service: how a token is named without being shown,
and the change broadcast to every gateway replica on `huiqi.accounts` (fanout)."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from shared.contracts.events import PlatformEvent
from shared.topology import ACCOUNT_CHANGES

# A portal session ends this long after it was last used, and this long after it began (section 12):
# the accounts service decides by them, the gateway's cookie lasts as long as the longest.
SESSION_IDLE = timedelta(hours=8)
SESSION_LONGEST = timedelta(days=7)


def token_digest(token: str) -> str:
    """What is stored of a token, and what the gateway asks the accounts service about: tokens are
    long random strings, so one SHA-256 is enough, and a request's token never travels on the bus."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token(session_id: str) -> str:
    """A session's CSRF token (contract section 12): derived from the session id, which only the
    cookie carries, so the gateway can give it to the page again without anyone storing it. The
    accounts service keeps `token_digest` of it to compare a request's X-CSRF-Token with."""
    return hmac.new(session_id.encode("utf-8"), b"huiqi-csrf", hashlib.sha256).hexdigest()


class AccountChanged(PlatformEvent):
    """An account changed (it was disabled, a session of it ended, its password or a staff member's contacts
    changed): every gateway
    replica forgets its cached tokens and sessions at once, instead of serving them from its cache.
    Names the account, never its token, a session or their digests."""

    routing_key: ClassVar[str] = "account.changed"
    exchange: ClassVar[str] = ACCOUNT_CHANGES.name
    account_id: Annotated[str, Field(pattern=r"^(staff|enterprise|system)-[1-9][0-9]{0,17}$")]
    change: Literal["disabled", "signed_out", "password_changed", "contacts_changed"]
