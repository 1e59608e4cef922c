"""One profile per enterprise (一企一档) from partial profiles sent by many sources (contract section 1).

Rules, in order:
1. `sequence` increases per (source, enterprise). A message whose sequence is not above the last one
   applied for its source is Stale: recorded by the caller, applied here never.
2. Otherwise the message is applied: each field it carries takes the message's value, whatever
   source gave the field before (the last applied message wins), and the field's provenance
   becomes this message's `source`, `sequence` and `at`. An explicit None clears the field: it
   leaves the profile, and its provenance records who cleared it.
3. The source's sequence is recorded even when nothing changed (so a replay of it is stale), but the
   profile `version` only goes up when a value changed. The first applied message makes version 1,
   whatever it carries (the enterprise now has a file, even if empty).
   Provenance follows every applied field, changed or not: it names the latest source to vouch
   for the value.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class ProfileState:
    profile: dict[str, Any] = field(default_factory=dict)          # merged fields, no uscc, no None
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> {source, sequence, at}
    sequences: dict[str, int] = field(default_factory=dict)       # source -> last applied sequence
    version: int = 1                                               # 1 once the first message applied


@dataclass(frozen=True)
class Applied:
    state: ProfileState
    changed: tuple[str, ...]   # fields whose value changed (set, altered or cleared), sorted


@dataclass(frozen=True)
class Stale:
    source: str
    sequence: int
    last_applied: int


def merge(current: ProfileState | None, source: str, sequence: int, fields: Mapping[str, Any],
          at: datetime) -> Applied | Stale:
    """Apply one source's partial profile `fields` (without uscc) to `current` (None: first ever)."""
    state = current if current is not None else ProfileState()
    last = state.sequences.get(source)
    if last is not None and sequence <= last:
        return Stale(source=source, sequence=sequence, last_applied=last)

    profile = dict(state.profile)
    sources = dict(state.sources)
    changed = []
    for name, value in fields.items():
        if name == "uscc":
            continue
        before = profile.get(name, _MISSING)
        if value is None:
            profile.pop(name, None)
            if before is not _MISSING:
                changed.append(name)
        else:
            profile[name] = value
            if before is _MISSING or before != value:
                changed.append(name)
        sources[name] = {"source": source, "sequence": sequence, "at": at}

    sequences = {**state.sequences, source: sequence}
    if current is None:
        version = 1
    else:
        version = state.version + 1 if changed else state.version
    return Applied(ProfileState(profile, sources, sequences, version), tuple(sorted(changed)))
