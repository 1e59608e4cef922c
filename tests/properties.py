"""How many examples a property with a number of its own runs.

An explicit `@settings(max_examples=N)` overrides the profile, so `make test-fast`'s profile ("fast",
a fifth of the examples) would not reach the properties that need the most; `examples(N)` is N under
the default profile and the same share of N as the active profile takes of the default."""
from __future__ import annotations

from hypothesis import settings

DEFAULT_EXAMPLES = 100   # hypothesis's own max_examples, which the "huiqi" profile keeps


def examples(wanted: int) -> int:
    return max(10, wanted * settings.default.max_examples // DEFAULT_EXAMPLES)
