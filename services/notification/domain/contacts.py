"""Where an enterprise is reached beyond its inbox (contract section 11): a mobile phone for SMS and an
e-mail address. The enterprise sets them itself; a change names only what it changes (null clears one).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import Invalid
from shared.phones import EMAIL_RULE, PHONE_RULE, is_email, is_mobile

FIELDS = ("phone", "email")


@dataclass(frozen=True)
class Contacts:
    phone: str | None = None
    email: str | None = None

    def to_json(self) -> dict:
        return {"phone": self.phone, "email": self.email}


NONE = Contacts()


def changed(current: Contacts, change: Mapping[str, Any]) -> Contacts:
    """`current` with `change` applied, or Invalid (422) naming every field at fault and its rule."""
    problems = [{"field": name, "message": f"is not a contact; give {', '.join(FIELDS)}"}
                for name in change if name not in FIELDS]
    phone, email = current.phone, current.email
    if "phone" in change:
        phone = change["phone"]
        if phone is not None and not (isinstance(phone, str) and is_mobile(phone)):
            problems.append({"field": "phone", "message": PHONE_RULE})
    if "email" in change:
        email = change["email"]
        if email is not None and not (isinstance(email, str) and is_email(email)):
            problems.append({"field": "email", "message": EMAIL_RULE})
    if problems:
        first = problems[0]
        raise Invalid(f"{first['field']}: {first['message']}", problems)
    return Contacts(phone=phone, email=email)


def answer(uscc: str, contacts: Contacts, updated_at: str | None) -> dict:
    """What `GET`/`PUT .../contacts` answers (the gateway masks it for staff)."""
    return {"uscc": uscc, **contacts.to_json(), "updated_at": updated_at}
