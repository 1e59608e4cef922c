"""The unified social credit code (统一社会信用代码) and its check character, GB 32100-2015."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: I, O, S, V and Z are never used
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {char: value for value, char in enumerate(ALPHABET)}


class UsccError(ValueError):
    """The code breaks a rule of GB 32100-2015; the message says which."""


def check_character(body: str) -> str:
    """The 18th character for the first 17 characters `body`."""
    if len(body) != 17:
        raise UsccError(f"need the first 17 characters, got {len(body)}")
    try:
        total = sum(_VALUE[char] * weight for char, weight in zip(body, WEIGHTS, strict=True))
    except KeyError as missing:
        raise UsccError(f"character {missing.args[0]!r} is not allowed by GB 32100-2015") from None
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> str:
    """Return `code` if it is a well-formed USCC, raise UsccError naming the rule it breaks."""
    if len(code) != 18:
        raise UsccError(f"must be 18 characters, got {len(code)}")
    if code != code.upper():
        raise UsccError("must be upper case")
    expected = check_character(code[:17])
    if code[17] not in _VALUE:
        raise UsccError(f"character {code[17]!r} is not allowed by GB 32100-2015")
    if code[17] != expected:
        raise UsccError(f"check character is {code[17]!r}, GB 32100-2015 gives {expected!r}")
    return code


def complete(body: str) -> str:
    """The full 18-character code for the first 17 characters (for demo data and tests)."""
    return body + check_character(body)
