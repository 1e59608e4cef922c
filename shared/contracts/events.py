"""The platform's own events on `huiqi.events`: frozen, versioned, named as past facts.

A batch is the unit everywhere: a single change is a batch of one, so bulk synchronisation and
single changes take the same path through tagging, matching and the inbox.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    return datetime.now(UTC)


class PlatformEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    routing_key: ClassVar[str]
    schema_version: Literal[1] = 1
    event_id: str = Field(default_factory=_new_id)
    occurred_at: datetime = Field(default_factory=_now)


class EnterpriseSnapshot(BaseModel):
    """What rules need of one enterprise: its facts (profile and derived values) and its tags."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uscc: str
    version: int
    status: Literal["active", "deregistered"]
    facts: dict[str, Any]
    tags: list[str]


class EnterprisesTagged(PlatformEvent):
    """Tagging applied new data to these enterprises (profile or tags changed)."""

    routing_key: ClassVar[str] = "enterprise.tagged"
    enterprises: list[EnterpriseSnapshot] = Field(min_length=1)


class PolicyPublished(PlatformEvent):
    """A policy became published (or its published rule changed): match it against every enterprise."""

    routing_key: ClassVar[str] = "policy.published"
    policy_id: int
    version: int


class MatchesChanged(PlatformEvent):
    """Matches decided in one step. `matched` and `unmatched` map a policy id to enterprise codes."""

    routing_key: ClassVar[str] = "policy.matches_changed"
    matched: dict[int, list[str]] = Field(default_factory=dict)
    unmatched: dict[int, list[str]] = Field(default_factory=dict)
    titles: dict[int, str] = Field(default_factory=dict)
    policy_versions: dict[int, int] = Field(default_factory=dict)
    profile_versions: dict[str, int] = Field(default_factory=dict)

    def match_count(self) -> int:
        return sum(len(codes) for codes in self.matched.values())


EVENTS: dict[str, type[PlatformEvent]] = {
    event.routing_key: event for event in (EnterprisesTagged, PolicyPublished, MatchesChanged)
}
