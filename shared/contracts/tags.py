"""The tag catalogue's words (contract section 8): a tag's state, and a re-tag job's."""
from __future__ import annotations

import enum


class TagState(enum.StrEnum):
    """A tag is never deleted, only retired, so what an enterprise's history names stays explainable."""

    active = "active"
    retired = "retired"


class JobState(enum.StrEnum):
    """Where a re-tag job (`GET /api/v1/jobs/{id}`) is; `done` and `failed` are final."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
