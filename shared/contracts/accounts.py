"""Changes to accounts, broadcast to every gateway replica on `huiqi.accounts` (fanout)."""
from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from shared.contracts.events import PlatformEvent


class AccountChanged(PlatformEvent):
    """An account changed (today: it was disabled): every gateway replica forgets its token at once,
    instead of serving it from its cache. Names the account, never its token or the token's digest."""

    routing_key: ClassVar[str] = "account.changed"
    account_id: Annotated[str, Field(pattern=r"^(staff|enterprise|system)-[1-9][0-9]{0,17}$")]
    change: Literal["disabled"]
