"""Gift pack codes: short, typed on phones, printed under QR codes. The policy service makes them;
the gateway checks a code's shape before asking for it."""
from __future__ import annotations

import re
import secrets

# Codes are read off posters and typed on phones, so characters that look alike (0/O, 1/l/I) are
# left out; lower case only, so a code survives being retyped in the other case.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 8
CODE_PATTERN = rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$"


def new_code() -> str:
    """A fresh pack code, e.g. `k7hq2mxa`; 31^8 (about 8.5e11) possibilities, so collisions stay rare."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def is_code(text: str) -> bool:
    return re.fullmatch(CODE_PATTERN, text) is not None
