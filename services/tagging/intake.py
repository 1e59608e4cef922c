"""Reading what other government systems publish: valid updates in, bad ones out with the reason.

Pure: no database, no Nameko. A bad item inside a bulk batch rejects that item only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.contracts.gov import BULK_ROUTING_KEY, EnterpriseEvent, ProfilesSynced, Status, SyncedProfile
from shared.storable_text import escaped


@dataclass(frozen=True)
class ProfileUpdate:
    event_id: str
    routing_key: str
    source: str
    sequence: int
    uscc: str
    fields: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class Rejected:
    routing_key: str
    body: str
    reason: str
    errors: list[dict[str, str]]
    event_id: str | None = None
    source: str | None = None
    item_index: int | None = None


@dataclass(frozen=True)
class Intake:
    event_id: str | None
    updates: list[ProfileUpdate] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def field_errors(error: ValidationError, prefix: tuple = ()) -> list[dict[str, str]]:
    """pydantic's errors as `{"field": "enterprise.uscc", "message": "..."}`, one per broken rule."""
    # escaped: an unknown key can itself hold a NUL, and this is stored with the quarantined item
    return [{"field": escaped(".".join(str(part) for part in (*prefix, *item["loc"]))) or "(body)",
             "message": escaped(item["msg"])} for item in error.errors(include_url=False)]


def _reason(errors: list[dict[str, str]]) -> str:
    return "; ".join(f"{item['field']}: {item['message']}" for item in errors)


def read(routing_key: str, body: Any, raw: str, decode_error: str | None = None) -> Intake:
    """Validate one message from `gov.events`."""
    if decode_error is not None:
        errors = [{"field": "(body)", "message": f"not JSON: {decode_error}"}]
        return Intake(None, rejected=[Rejected(routing_key, raw, _reason(errors), errors)])
    event_id = escaped(body["event_id"]) if isinstance(body, dict) and isinstance(body.get("event_id"), str) else None
    source = escaped(body["source"]) if isinstance(body, dict) and isinstance(body.get("source"), str) else None
    try:
        if routing_key == BULK_ROUTING_KEY:
            return _read_batch(ProfilesSynced.model_validate(body), routing_key)
        event = EnterpriseEvent.model_validate(body)
    except ValidationError as error:
        errors = field_errors(error)
        return Intake(event_id, rejected=[Rejected(routing_key, raw, _reason(errors), errors, event_id, source)])
    return Intake(event.event_id, updates=[_update(event, event.sequence, event.enterprise, routing_key)])


def _read_batch(batch: ProfilesSynced, routing_key: str) -> Intake:
    updates, rejected = [], []
    for index, item in enumerate(batch.profiles):
        try:
            profile = SyncedProfile.model_validate(item)
        except ValidationError as error:
            errors = field_errors(error, ("profiles", index))
            rejected.append(Rejected(routing_key, escaped(json.dumps(item, ensure_ascii=False, default=str)),
                                     _reason(errors), errors, batch.event_id, batch.source, index))
            continue
        updates.append(_update(batch, profile.sequence, profile.enterprise, routing_key))
    return Intake(batch.event_id, updates, rejected)


def _update(event, sequence, enterprise, routing_key) -> ProfileUpdate:
    fields = enterprise.known_fields()
    if routing_key == "enterprise.deregistered":
        fields["status"] = Status.deregistered.value
    elif routing_key == "enterprise.registered":
        fields.setdefault("status", Status.active.value)
    return ProfileUpdate(event.event_id, routing_key, event.source, sequence, enterprise.uscc, fields,
                         event.occurred_at)


def combine(intakes: list[Intake]) -> Intake:
    """Several messages' updates and rejections as one, in arrival order (one transaction)."""
    return Intake(None, [update for item in intakes for update in item.updates],
                  [rejected for item in intakes for rejected in item.rejected])


def parts(message: Intake, size: int) -> list[Intake]:
    """A message's updates in parts of at most `size`, in order, its rejected items with the first
    part: each part is applied in a transaction of its own. A message of `size` or fewer is one part."""
    if len(message.updates) <= size:
        return [message]
    return [Intake(message.event_id, message.updates[start:start + size], message.rejected if start == 0 else [])
            for start in range(0, len(message.updates), size)]
