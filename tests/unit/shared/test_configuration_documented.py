"""docs/configuration.md names every setting the platform reads, so a new one cannot go unexplained."""
from __future__ import annotations

import re
from pathlib import Path

from shared.config import Settings

ROOT = Path(__file__).resolve().parents[3]
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def documented(variable: str) -> bool:
    return f"| `{variable}` |" in CONFIGURATION


def test_every_setting_of_shared_config_is_documented():
    assert [f"HUIQI_{name.upper()}" for name in Settings.model_fields
            if not documented(f"HUIQI_{name.upper()}")] == []


def test_every_variable_the_nameko_config_reads_is_documented():
    variables = re.findall(r"\$\{(HUIQI_\w+):", (ROOT / "deploy" / "nameko.yaml").read_text(encoding="utf-8"))
    assert "HUIQI_MAX_WORKERS" in variables
    assert [variable for variable in variables if not documented(variable)] == []
