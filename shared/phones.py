"""Mobile phone numbers: the rule a contact's number must follow, and how it is shown to those who
may know it exists but not what it is (contract section 11: staff see an enterprise's masked); and the
rule an e-mail address follows (an enterprise's contact, a staff account's).

One home for both, so that every answer that shows a phone masks it the same way.
"""
from __future__ import annotations

import re

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
