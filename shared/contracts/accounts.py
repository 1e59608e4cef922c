"""Accounts between the gateway and the accounts service: how a token is named without being shown,
and the change broadcast to every gateway replica on `huiqi.accounts` (fanout)."""
from __future__ import annotations

import hashlib
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from shared.contracts.events import PlatformEvent
from shared.topology import ACCOUNT_CHANGES


def token_digest(token: str) -> str:
    """What is stored of a token, and what the gateway asks the accounts service about: tokens are
    long random strings, so one SHA-256 is enough, and a request's token never travels on the bus."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccountChanged(PlatformEvent):
    """An account changed (today: it was disabled): every gateway replica forgets its token at once,
    instead of serving it from its cache. Names the account, never its token or the token's digest."""

    routing_key: ClassVar[str] = "account.changed"
    exchange: ClassVar[str] = ACCOUNT_CHANGES.name
    account_id: Annotated[str, Field(pattern=r"^(staff|enterprise|system)-[1-9][0-9]{0,17}$")]
    change: Literal["disabled"]
