"""Where an enterprise is reached beyond its inbox (contract section 11): a mobile phone for SMS and an
e-mail address. The enterprise sets them itself; a change names only what it changes (null clears one).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.phones import contacts_changed


@dataclass(frozen=True)
class Contacts:
    phone: str | None = None
    email: str | None = None

    def to_json(self) -> dict:
        return {"phone": self.phone, "email": self.email}


NONE = Contacts()


def changed(current: Contacts, change: Mapping[str, Any]) -> Contacts:
    """`current` with `change` applied, or Invalid (422) naming every field at fault and its rule
    (`shared.phones.contacts_changed`, the rule a staff member's own contacts follow too)."""
    return Contacts(**contacts_changed(current.to_json(), change))


def answer(uscc: str, contacts: Contacts, updated_at: str | None) -> dict:
    """What `GET`/`PUT .../contacts` answers (the gateway masks it for staff)."""
    return {"uscc": uscc, **contacts.to_json(), "updated_at": updated_at}
