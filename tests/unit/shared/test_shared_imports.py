"""shared/ is the library every service imports, so it imports none of what builds on it: not the
services, not the demo, not the tooling (`tools/`: the `huiqi` command, the launcher), not the
benchmarks or the tests. Read from the source, imports inside functions included."""
import ast
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
BUILT_ON_SHARED = {"services", "demo", "tools", "bench", "tests"}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports (relative imports stay inside shared/)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name.partition(".")[0] for name in names}


@pytest.mark.parametrize("path", sorted(SHARED.rglob("*.py")), ids=lambda path: str(path.relative_to(SHARED)))
def test_a_shared_module_imports_nothing_built_on_shared(path):
    assert not imported_packages(path) & BUILT_ON_SHARED


def test_the_scan_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("import json\n\ndef run():\n    from demo.load import load\n    import tools.cli\n")
    assert imported_packages(module) == {"json", "demo", "tools"}
