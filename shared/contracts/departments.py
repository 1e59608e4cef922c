"""Department codes (contract section 6): what a policy's `department` and a staff account's name."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
CODE_RULE = "a department code is lowercase letters, digits and underscores, starting with a letter"
_CODE = re.compile(CODE_PATTERN)


def _checked_code(code: str) -> str:
    if not _CODE.match(code):
        raise ValueError(f"{CODE_RULE} (e.g. industry_it), not {code!r}")
    return code


# Checked by a validator rather than `pattern`, so that a bad code is refused in words, not a regex.
DepartmentCode = Annotated[str, Field(min_length=1, max_length=100, examples=["industry_it"],
                                      description=f"{CODE_RULE}; one of GET /api/v1/departments",
                                      json_schema_extra={"pattern": CODE_PATTERN}),
                           AfterValidator(_checked_code)]
