"""Personal data in answers: an enterprise sees its own contact's phone in full, everyone else
(staff) masked (`shared.phones.masked`, contract section 11); a staff member sees where its own alarms
went in full, the city administrator masked. Pure: the caller and the answer in, the answer as shown out."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.gateway.auth import Caller, Role
from shared.contracts.gov import PERSONAL_FIELDS
from shared.phones import masked


def sees_in_full(caller: Caller, uscc: str) -> bool:
    return caller.role is Role.enterprise and caller.uscc == uscc


def file_shown(caller: Caller, file: Mapping[str, Any]) -> dict[str, Any]:
    """An enterprise's file (`GET /enterprises/{uscc}`) as the caller may see it."""
    if sees_in_full(caller, file["uscc"]):
        return dict(file)
    return {name: masked(value) if name in PERSONAL_FIELDS and isinstance(value, str) else value
            for name, value in file.items()}


def masked_email(email: str) -> str:
    """`o***@example.com`: the first character of the name and the domain."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def contacts_shown(caller: Caller, contacts: Mapping[str, Any]) -> dict[str, Any]:
    """An enterprise's contacts (`GET /enterprises/{uscc}/contacts`) as the caller may see them."""
    if sees_in_full(caller, contacts["uscc"]):
        return dict(contacts)
    return {**contacts, "phone": masked(contacts["phone"]),
            "email": contacts["email"] and masked_email(contacts["email"])}


def deliveries_shown(caller: Caller, uscc: str, page: Mapping[str, Any]) -> dict[str, Any]:
    """A page of deliveries (`GET /enterprises/{uscc}/deliveries`): each recipient masked unless the caller
    is the enterprise itself."""
    return dict(page) if sees_in_full(caller, uscc) else _recipients_masked(page)


def staff_deliveries_shown(caller: Caller, account_id: str, page: Mapping[str, Any]) -> dict[str, Any]:
    """A page of a staff member's deliveries (`GET /staff/{account_id}/deliveries`): in full to that staff member,
    each recipient masked to anyone else (the city administrator)."""
    return dict(page) if caller.id == account_id else _recipients_masked(page)


def _recipients_masked(page: Mapping[str, Any]) -> dict[str, Any]:
    hide = {"sms": masked, "email": masked_email}
    return {**page, "items": [{**item, "recipient": hide.get(item["channel"], str)(item["recipient"])}
                              for item in page["items"]]}


def history_shown(caller: Caller, uscc: str, page: Mapping[str, Any]) -> dict[str, Any]:
    """A page of profile versions (`GET /enterprises/{uscc}/history`): a personal field's `from` and
    `to` masked unless the caller is the enterprise itself."""
    if sees_in_full(caller, uscc):
        return dict(page)

    def change_shown(name: str, change: Mapping[str, Any]) -> Mapping[str, Any]:
        if name not in PERSONAL_FIELDS:
            return change
        return {side: masked(value) if isinstance(value, str) else value for side, value in change.items()}

    items = [{**item, "changes": {name: change_shown(name, change) for name, change in item["changes"].items()}}
             for item in page["items"]]
    return {**page, "items": items}
