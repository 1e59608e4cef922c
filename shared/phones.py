"""Mobile phone numbers: the rule a contact's number must follow, and how it is shown to those who
may know it exists but not what it is (contract section 11: staff see an enterprise's masked); and the
rule an e-mail address follows (an enterprise's contact, a staff account's); and how a change to
someone's contacts is read (`contacts_changed`: the enterprise's, and a staff member's own).

One home for both, so that every answer that shows a phone masks it the same way.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.errors import Invalid

PHONE_PATTERN = r"^1\d{10}$"
PHONE_RULE = "must be a mainland mobile number: 11 digits starting with 1, e.g. 13812341234"
_PHONE = re.compile(PHONE_PATTERN)
EMAIL_RULE = "must be an e-mail address such as name@example.com (at most 254 characters)"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_mobile(value: str) -> bool:
    return bool(_PHONE.fullmatch(value))


def is_email(value: str) -> bool:
    return len(value) <= 254 and bool(_EMAIL.fullmatch(value))


def masked(phone: str | None) -> str | None:
    """`138****1234`: the first three and last four digits of an 11-digit number, the middle four
    hidden. Anything else (not a number of this rule) shows only its last two characters, so a
    malformed value never leaks in full; None stays None."""
    if phone is None:
        return None
    if is_mobile(phone):
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


CONTACT_FIELDS = ("phone", "email")


def contacts_changed(current: Mapping[str, str | None], change: Mapping[str, Any]) -> dict[str, str | None]:
    """`current` ({phone, email}) with `change` applied: what it names is set, null clears it, what it leaves out
    is kept. Invalid (422) naming every field at fault and its rule."""
    problems = [{"field": name, "message": f"is not a contact; give {', '.join(CONTACT_FIELDS)}"}
                for name in change if name not in CONTACT_FIELDS]
    rules = {"phone": (is_mobile, PHONE_RULE), "email": (is_email, EMAIL_RULE)}
    saved = {name: current.get(name) for name in CONTACT_FIELDS}
    for name, (follows, rule) in rules.items():
        if name in change:
            saved[name] = change[name]
            if saved[name] is not None and not (isinstance(saved[name], str) and follows(saved[name])):
                problems.append({"field": name, "message": rule})
    if problems:
        first = problems[0]
        raise Invalid(f"{first['field']}: {first['message']}", problems)
    return saved
