"""A rule's refusal: what the hall answers when a rule of `domain` says no."""
from __future__ import annotations

from typing import Any


class Refused(Exception):
    """Something a rule does not allow: `status` 403 (not by this actor), 409 (not in this state) or 422 (not
    with these inputs); `details` what the caller is told besides the reason. The hall raises the service error
    of that status (shared.errors), which domain modules do not import: they carry no framework."""

    def __init__(self, reason: str, status: int, details: Any = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.details = details
