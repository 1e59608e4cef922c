"""Replaying a quarantined message: what to apply, validated exactly as a consumed message is.

Pure: no database, no Nameko. The tagging service loads the row, calls `message_to_replay`,
and applies the result through `enterprise_files.apply` in the same transaction.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from services.tagging import intake
from shared.contracts.actors import Actor
from shared.contracts.gov import BULK_ROUTING_KEY
from shared.errors import Invalid

BULK_ITEM_PREFIX = "profiles.0."


def message_to_replay(*, routing_key: str, stored_body: str, item_index: int | None, event_id: str | None,
                      source: str | None, received_at: datetime, corrected: Any | None = None) -> intake.Intake:
    """The quarantined message (or its `corrected` body) read again; Invalid (422) with the field
    errors if it still does not validate, so nothing is applied and the row keeps waiting."""
    if corrected is None:
        try:
            body = json.loads(stored_body)
        except (ValueError, RecursionError) as error:  # quarantined because undecodable: nested too deep
            raise Invalid("the stored body is not JSON: replay it with a corrected body",
                          [{"field": "body", "message": f"not JSON: {error}"}]) from None
    else:
        body = corrected
    if item_index is None:
        raw = stored_body if corrected is None else json.dumps(corrected, ensure_ascii=False, default=str)
        received = intake.read(routing_key, body, raw)
        prefix = ""
    else:
        # one item of a bulk batch: the batch's envelope was valid, so it is rebuilt around the item
        envelope = {"event_id": event_id, "source": source, "occurred_at": received_at.isoformat(),
                    "profiles": [body]}
        received = intake.read(BULK_ROUTING_KEY, envelope, json.dumps(envelope, ensure_ascii=False, default=str))
        prefix = BULK_ITEM_PREFIX
    if received.rejected or not received.updates:
        errors = [{"field": _without(prefix, error["field"]), "message": error["message"]}
                  for rejected in received.rejected for error in rejected.errors]
        raise Invalid("the message still does not validate: "
                      + "; ".join(f"{error['field']}: {error['message']}" for error in errors), errors)
    return received


def _without(prefix: str, field: str) -> str:
    return field[len(prefix):] if prefix and field.startswith(prefix) else field


def replayed_resolution(actor: Actor | None, corrected: bool, outcome: str) -> str:
    """`outcome` is `applied` or `stale` (an older sequence than the file holds: recorded, not merged)."""
    body = "with a corrected body" if corrected else "as received"
    return f"replayed by {who(actor)} {body}: {outcome}"


def discarded_resolution(actor: Actor | None, reason: str) -> str:
    return f"discarded by {who(actor)}: {reason}"


def discard_reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise Invalid("a reason is needed to discard a quarantined message",
                      [{"field": "reason", "message": "must not be empty"}])
    return text


def who(actor: Actor | None) -> str:
    if actor is None:
        return "an unknown caller"
    return f"{actor.role} {actor.id}"
