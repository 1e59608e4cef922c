"""Accounts: staff, enterprise and system tokens (contract sections 5 and 14).

An account's token is made here and shown once, when the account is created; only its digest is
kept (`shared.contracts.accounts.token_digest`). An account is named `<kind>-<number>` everywhere
(answers, the actor of a change, the broadcast of a change), never by its token.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from shared.contracts.actors import STAFF_ROLES, Role
from shared.contracts.events import StaffAccountChanged
from shared.phones import EMAIL_RULE, PHONE_RULE, is_email, is_mobile

KINDS = ("staff", "enterprise", "system")
TOKEN_PREFIX = "hq_"
# the roles whose accounts are not staff: an enterprise's token and another government system's
ROLE_OF_KIND = {"enterprise": Role.enterprise, "system": Role.system}
_ACCOUNT_ID = re.compile(r"(staff|enterprise|system)-([1-9][0-9]{0,17})")


# a staff member's chosen login: lowercase, so it can never be taken for a USCC (18 characters,
# digits and capitals), which is an enterprise's login
STAFF_LOGIN = re.compile(r"[a-z][a-z0-9_.-]{2,31}")
STAFF_LOGIN_RULE = "登录名为3到32位小写字母、数字或 _ . -，以字母开头"


def normalized_login(text: str) -> str:
    """A login as it is looked up: a USCC in capitals, a staff login in lowercase."""
    text = text.strip()
    return text.upper() if len(text) == 18 else text.lower()


def staff_login_problem(login: str) -> str | None:
    return None if STAFF_LOGIN.fullmatch(login) else STAFF_LOGIN_RULE


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def account_id(kind: str, number: int) -> str:
    return f"{kind}-{number}"


def parse_account_id(text: str) -> tuple[str, int] | None:
    """(kind, number) of an id such as `staff-3`; None for anything else."""
    matched = _ACCOUNT_ID.fullmatch(text)
    return (matched[1], int(matched[2])) if matched else None


def role_of(kind: str, role: str | None) -> Role:
    """The role of a new account of `kind`: an enterprise's and a system's are their kind's; a staff
    account's is the staff role asked for. ValueError saying why when they do not fit."""
    if kind not in KINDS:
        raise ValueError(f"there is no kind of account {kind!r}; it is one of {', '.join(KINDS)}")
    own = ROLE_OF_KIND.get(kind)
    if own is not None:
        if role not in (None, own):
            raise ValueError(f"an account of kind {kind} has the role {own}, not {role}")
        return own
    if role not in STAFF_ROLES:
        raise ValueError(f"a staff account needs a staff role, not {role}")
    return Role(role)


def contact_problems(kind: str, phone: str | None, email: str | None) -> list[dict]:
    """What is wrong with a new account's `phone` and `email` (a staff account's only), each naming its field."""
    problems = []
    if kind != "staff":
        problems += [{"field": name, "message": "only a staff account takes it"}
                     for name, value in (("phone", phone), ("email", email)) if value is not None]
        return problems
    if phone is not None and not is_mobile(phone):
        problems.append({"field": "phone", "message": PHONE_RULE})
    if email is not None and not is_email(email):
        problems.append({"field": "email", "message": EMAIL_RULE})
    return problems


def staff_changed(account: Mapping[str, Any]) -> StaffAccountChanged | None:
    """What the notification service is told of a staff account made or disabled (None for another kind):
    its scope and contacts, so that alarms reach it."""
    if account["kind"] != "staff":
        return None
    return StaffAccountChanged(account_id=account_id("staff", account["id"]), role=account["role"],
                               department=account["department"], county=account["county"],
                               team_id=account.get("team_id"), phone=account.get("phone"),
                               email=account.get("email"), active=account["disabled_at"] is None)


def shown(account: Mapping[str, Any]) -> dict:
    """An account as the city administrator sees it: never its token or the token's digest; empty
    scope fields left out, `disabled_at` always there."""
    view = {"id": account_id(account["kind"], account["id"]), "name": account["name"], "role": account["role"],
            "department": account["department"], "county": account["county"], "uscc": account["uscc"],
            "source": account["source"], "team_id": account.get("team_id"),
            "phone": account.get("phone"), "email": account.get("email"),
            "created_at": account["created_at"].isoformat(),
            "created_by": account["created_by"],
            "disabled_at": account["disabled_at"] and account["disabled_at"].isoformat()}
    return {key: value for key, value in view.items() if value is not None or key == "disabled_at"}


def signed_in(account: Mapping[str, Any]) -> dict:
    """The account as a signed-in person's page shows it: id, role, name and scope, nothing empty."""
    view = {"id": account_id(account["kind"], account["id"]), "role": account["role"], "name": account["name"],
            "uscc": account["uscc"], "department": account["department"], "county": account["county"],
            "team_id": account.get("team_id"), "phone": account.get("phone"), "email": account.get("email")}
    return {key: value for key, value in view.items() if value is not None}


def holder(account: Mapping[str, Any]) -> dict:
    """Who the account's token acts as: its role, id and scope, and its name."""
    return {"id": account_id(account["kind"], account["id"]), "role": account["role"], "name": account["name"],
            "department": account["department"], "county": account["county"], "uscc": account["uscc"],
            "source": account["source"],
            **{name: account[name] for name in ("team_id", "phone", "email") if account.get(name) is not None}}
