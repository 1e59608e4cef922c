"""Text PostgreSQL can store: no U+0000 (NUL), no lone surrogate (U+D800 to U+DFFF).

PostgreSQL's text and jsonb refuse NUL, and UTF-8 cannot encode a surrogate that is not half of a
pair (JSON's `"\\ud800"` decodes to one). Validation refuses such input naming the field
(`problem`); what is kept of refused input (quarantine, dead letters) is written with those
characters escaped (`escaped`), so keeping it cannot fail in turn.
"""
from __future__ import annotations

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain the character U+0000 (NUL), which text cannot hold"
    return f"must not contain a lone surrogate (U+{ord(found.group()):04X}), which is not Unicode text"


def escaped(value: str) -> str:
    """`value` with each unstorable character written as its escape `\\uXXXX`."""
    return _UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", value)


def escaped_tree(value: Any) -> Any:
    """`escaped` applied to every string (keys too) in a JSON-like value."""
    if isinstance(value, str):
        return escaped(value)
    if isinstance(value, dict):
        return {escaped_tree(key): escaped_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [escaped_tree(item) for item in value]
    return value
