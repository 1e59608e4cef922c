"""Demo and benchmark data for Huiqi: realistic Binzhou enterprises and policies.

- `demo.enterprises.generate(count, seed)`: deterministic enterprise profiles (contract section 1),
  and `split_by_source(profile)`: the partial profiles each government source would publish.
- `demo/policies.json`: a JSON list of about thirty realistic policies of Binzhou city and county
  departments (contract sections 3 and 6); `demo.load_policies()` reads them.
- `demo.synthetic.synthetic_policies(count, seed)`: many selective policies for benchmarks.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

POLICIES_RESOURCE = ("demo", "policies.json")


def load_policies() -> list[dict[str, Any]]:
    """The demo policies of demo/policies.json, in file order."""
    package, name = POLICIES_RESOURCE
    data = json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
    return list(data)


__all__ = ["load_policies"]
