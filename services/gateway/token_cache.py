"""The callers of recently seen tokens, so that a busy gateway does not ask the accounts service
per request.

Good tokens and wrong ones are kept apart, each in a bounded TTL cache (cachetools): a stream of
wrong tokens evicts only other wrong ones, never a good token (and never empties the cache), and
a wrong token tried again within its TTL is not asked about again. An account change
(`forget_account`) drops the account's tokens at once; a look-up that was asking the accounts
service while an account changed keeps nothing of what it read, so a stale read cannot re-cache a
disabled token.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from cachetools import TTLCache

from services.gateway.auth import Caller

KNOWN_TTL_S = 30.0       # the longest a token is served without asking, had a broadcast been lost
KNOWN_SIZE = 100_000
UNKNOWN_TTL_S = 30.0
UNKNOWN_SIZE = 10_000
_MISSING = object()


class TokenCache:
    def __init__(self, *, known_size: int = KNOWN_SIZE, unknown_size: int = UNKNOWN_SIZE,
                 known_ttl_s: float = KNOWN_TTL_S, unknown_ttl_s: float = UNKNOWN_TTL_S,
                 timer: Callable[[], float] = time.monotonic):
        self._known: TTLCache[str, Caller] = TTLCache(known_size, known_ttl_s, timer=timer)
        self._unknown: TTLCache[str, bool] = TTLCache(unknown_size, unknown_ttl_s, timer=timer)
        self._changes = 0   # account changes seen: a look-up spanning one keeps nothing

    def find(self, digest: str, read: Callable[[str], Caller | None]) -> Caller | None:
        """The caller of the token with this digest, from the cache or else from `read` (the accounts service)."""
        known = self._known.get(digest, _MISSING)
        if known is not _MISSING:
            return known
        if self._unknown.get(digest, False):
            return None
        changes = self._changes
        caller = read(digest)   # may yield to other green threads while the accounts service answers
        if changes == self._changes:
            if caller is None:
                self._unknown[digest] = True
            else:
                self._known[digest] = caller
        return caller

    def forget_account(self, account_id: str) -> int:
        """Drop the account's tokens; how many were cached."""
        self._changes += 1
        stale = [digest for digest, caller in list(self._known.items()) if caller.id == account_id]
        for digest in stale:
            self._known.pop(digest, None)
        return len(stale)

    def clear(self) -> None:
        """Forget everything: when account changes may have been missed (the broadcast was not heard)."""
        self._changes += 1
        self._known.clear()
        self._unknown.clear()

    def __len__(self) -> int:
        return len(self._known) + len(self._unknown)
