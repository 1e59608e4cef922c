"""A problem's statuses and what a response takes. Open until its first response; each response sets the
measures (its text) and the status, `in_progress` or `resolved`; a resolved problem takes no more."""
from __future__ import annotations

import enum

from shared.errors import Conflict, Invalid

MAX_TEXT = 4000


class Status(enum.StrEnum):
    open = "open"
    in_progress = "in_progress"
    resolved = "resolved"


STATUS_NAMES = {Status.open: "待答复", Status.in_progress: "落实中", Status.resolved: "已解决"}
RESPONSE_STATUSES = (Status.in_progress, Status.resolved)


def check_text(text: str, field: str = "text") -> str:
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise Invalid(f"{field}：须为1到{MAX_TEXT}个字符", {"field": field})
    return text


def check_response(status_now: str, status: str) -> Status:
    if status not in RESPONSE_STATUSES:
        raise Invalid(f"status：答复状态须为 {', '.join(RESPONSE_STATUSES)} 之一", {"field": "status", "value": status})
    if status_now == Status.resolved:
        raise Conflict("问题已解决，不能再答复", {"status": status_now})
    return Status(status)
