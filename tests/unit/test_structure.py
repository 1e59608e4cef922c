"""The shape every service keeps (../shared/STYLE.md), read from the source with `ast`.

`services/<name>/service.py` holds entrypoints only: it never touches SQLAlchemy (the stores do)
and defines no DependencyProvider (`dependencies.py` does). `services/<name>/domain/` holds the
pure rules: no module of it imports nameko, SQLAlchemy or eventlet. Imports inside functions
count, and so do `importlib.import_module("...")` and `__import__("...")` with a literal name.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
NOT_IN_SERVICE = frozenset({"sqlalchemy"})
NOT_IN_DOMAIN = frozenset({"nameko", "sqlalchemy", "eventlet"})
SERVICE_MODULES = sorted(SERVICES.glob("*/service.py"))
DOMAIN_MODULES = sorted(SERVICES.glob("*/domain/**/*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute import anywhere in the tree, nested ones included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id in ("__import__", "import_module"))
                   or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"))):
            found.append((node.lineno, node.args[0].value))
    return found


def forbidden_imports(source: str, forbidden: frozenset[str]) -> list[str]:
    """`line: module` for each import of a package in `forbidden` (or of one of its modules)."""
    return [f"{line}: {module}" for line, module in imports(ast.parse(source))
            if module.split(".")[0] in forbidden]


def dependency_providers(source: str) -> list[str]:
    """Names of the classes defined with `DependencyProvider` among their bases."""
    def base_name(base: ast.expr) -> str:
        return base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
    return [node.name for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.ClassDef) and any(base_name(base) == "DependencyProvider" for base in node.bases)]


def each(paths: list[Path]) -> list:
    """One case per module, named by its path."""
    return [pytest.param(path, id=_name(path)) for path in paths]


def test_every_service_and_domain_is_found():
    assert {path.parent.name for path in SERVICE_MODULES} >= {"accounts", "application", "evaluation", "gateway",
                                                              "notification", "policy", "tagging"}
    assert {path.parts[-3] for path in DOMAIN_MODULES if path.parent.name == "domain"} >= {"accounts",
                                                                                          "application", "evaluation",
                                                                                          "policy", "tagging"}


@pytest.mark.parametrize("path", each(SERVICE_MODULES))
def test_a_service_module_never_imports_sqlalchemy(path: Path):
    assert forbidden_imports(path.read_text(encoding="utf-8"), NOT_IN_SERVICE) == [], \
        f"{_name(path)} holds entrypoints only: SQL belongs in the service's store modules"


@pytest.mark.parametrize("path", each(SERVICE_MODULES))
def test_a_service_module_defines_no_dependency_provider(path: Path):
    assert dependency_providers(path.read_text(encoding="utf-8")) == [], \
        f"{_name(path)} holds entrypoints only: providers belong in dependencies.py"


@pytest.mark.parametrize("path", each(DOMAIN_MODULES))
def test_a_domain_module_imports_no_framework(path: Path):
    assert forbidden_imports(path.read_text(encoding="utf-8"), NOT_IN_DOMAIN) == [], \
        f"{_name(path)} is a pure rule: nameko, SQLAlchemy and eventlet stay outside domain/"


@pytest.mark.parametrize(("source", "found"), [
    ("import sqlalchemy", ["1: sqlalchemy"]),
    ("from sqlalchemy.orm import Session", ["1: sqlalchemy.orm"]),
    ("def later():\n    import eventlet.greenthread\n", ["2: eventlet.greenthread"]),
    ("class Rules:\n    def run(self):\n        from nameko.rpc import rpc\n", ["3: nameko.rpc"]),
    ("import importlib\nimportlib.import_module('sqlalchemy')", ["2: sqlalchemy"]),
    ("__import__('nameko')", ["1: nameko"]),
    ("import sqlalchemy_utils, json\nfrom . import sqlalchemy\nfrom shared import eligibility", []),
])
def test_the_scan_sees_every_kind_of_import(source, found):
    assert forbidden_imports(source, NOT_IN_DOMAIN) == found


def test_the_scan_sees_a_provider_however_its_base_is_named():
    source = ("from nameko import extensions\nfrom nameko.extensions import DependencyProvider\n"
              "class A(DependencyProvider): pass\nclass B(extensions.DependencyProvider): pass\nclass C: pass\n")
    assert dependency_providers(source) == ["A", "B"]
