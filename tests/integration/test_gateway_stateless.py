"""The gateway owns no database: no module of it opens one, and a running gateway, serving accounts
and their tokens, holds no engine and writes no database file; the accounts service does that."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from shared.config import settings

GATEWAY = Path(__file__).resolve().parents[2] / "services" / "gateway"
PERSISTENCE = ("sqlalchemy", "shared.database", "shared.store", "shared.relay", "shared.messaging_tables")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_of_the_gateway_imports_a_database():
    found = {path.name: sorted(name for name in imported_modules(path)
                               if any(name == banned or name.startswith(banned + ".") for banned in PERSISTENCE))
             for path in sorted(GATEWAY.glob("*.py"))}
    assert {name: modules for name, modules in found.items() if modules} == {}


@pytest.fixture
def databases(monkeypatch, tmp_path, gateway_settings):
    """Where any service would put its database by the template: the gateway must put none there."""
    folder = tmp_path / "databases"
    monkeypatch.setenv("HUIQI_DATABASE_URL", f"sqlite:///{folder}/{{service}}.sqlite3")
    monkeypatch.setenv("HUIQI_VAR_DIR", str(tmp_path / "var"))
    settings.cache_clear()
    return folder


def test_a_serving_gateway_holds_no_engine_and_writes_no_database(databases, accounts_service, gateway_container,
                                                                 api, anonymous):
    account = api.post("/api/v1/staff", json={"name": "窗口", "role": "window_clerk"})
    assert account.status_code == 201
    token = {"Authorization": f"Bearer {account.json()['token']}"}
    assert anonymous.get("/api/v1/me", headers=token).status_code == 200
    assert api.post(f"/api/v1/accounts/{account.json()['id']}/disable").status_code == 200
    assert anonymous.get("/api/v1/me", headers=token).status_code == 401

    holding = [extension for extension in gateway_container.extensions
               if any(isinstance(value, Engine) for value in vars(extension).values())]
    assert holding == []
    assert not databases.exists()   # the accounts service has a database of its own (HUIQI_ACCOUNTS_DATABASE_URL)
    assert not (databases.parent / "var").exists()
