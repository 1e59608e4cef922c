"""Two gateway replicas and the accounts service: a disabled token stops working on both replicas at
once, though both had it cached; the change travels through the accounts service's outbox and
`huiqi.accounts`."""
from __future__ import annotations

import time

import pytest
import requests
from nameko.testing.utils import get_extension
from sqlalchemy import func, select

from services.accounts.service import AccountsService
from services.gateway.service import GatewayService
from services.gateway.tokens import TokenDirectory
from shared import messaging_tables as tables
from shared.config import settings
from shared.store import Store
from tests.integration.gateway_stand_ins import ADMIN_TOKEN
from tests.polling import until
from tests.tcp_proxy import free_port


@pytest.fixture
def accounts(monkeypatch, quick_consumers, container_factory, amqp_uri, database_url, gateway_settings):
    """The accounts service on its own database, SQLite or PostgreSQL."""
    monkeypatch.setenv("HUIQI_ACCOUNTS_DATABASE_URL", database_url.format(service="accounts"))
    settings.cache_clear()
    container = container_factory(AccountsService, {"AMQP_URI": amqp_uri, "serializer": "json"})
    container.start()
    return container


@pytest.fixture
def replicas(quick_consumers, container_factory, amqp_uri, gateway_settings, accounts):
    """Two gateways (base URLs and containers)."""
    started = []
    for _ in range(2):
        address = f"127.0.0.1:{free_port()}"
        container = container_factory(GatewayService, {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": address,
                                                       "serializer": "json"})
        container.start()
        started.append((f"http://{address}", container))
    for _, container in started:   # each has bound its queue to huiqi.accounts
        until(lambda container=container: get_extension(container, TokenDirectory).listener.listening,
              timeout=5, interval=0.05)
    return started


def me(url: str, token: str) -> int:
    return requests.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=5).status_code


def test_a_disable_on_one_replica_takes_effect_on_both_at_once(replicas, accounts):
    (first, _), (second, second_container) = replicas
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    account = requests.post(f"{first}/api/v1/staff", json={"name": "窗口", "role": "window_clerk"}, headers=admin,
                            timeout=5).json()
    assert me(first, account["token"]) == 200 and me(second, account["token"]) == 200   # cached on both
    assert len(get_extension(second_container, TokenDirectory).tokens) >= 1

    asked = time.monotonic()
    disabled = requests.post(f"{first}/api/v1/accounts/{account['id']}/disable", headers=admin, timeout=10)
    answered = time.monotonic()
    assert disabled.status_code == 200 and disabled.json()["disabled_at"]
    # the broker handed the change to every replica's queue before the disable answered: the second
    # replica has heard it, or hears it within moments
    tries = []
    until(lambda: tries.append(me(second, account["token"])) or tries[-1] == 401, timeout=1.0, interval=0.005)
    refused = time.monotonic()
    assert me(first, account["token"]) == 401
    print(f"disable answered in {(answered - asked) * 1000:.0f} ms; the second replica refused the token "
          f"{(refused - answered) * 1000:.0f} ms later, at try {len(tries)}")
    assert answered - asked < 1.0   # it heard its own broadcast back, rather than waiting out BROADCAST_WAIT_S

    store = get_extension(accounts, Store)

    def outbox_rows() -> int:
        with store.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(tables.outbox)).scalar_one()

    until(lambda: outbox_rows() == 0, timeout=5, interval=0.05)   # the broadcast left the outbox


def test_a_flood_of_wrong_tokens_leaves_good_tokens_cached(replicas):
    (first, first_container), _ = replicas
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    token = requests.post(f"{first}/api/v1/staff", json={"name": "评估", "role": "assessor"}, headers=admin,
                          timeout=5).json()["token"]
    assert me(first, token) == 200
    asking = get_extension(first_container, TokenDirectory).accounts
    reads = []
    original = asking.service
    asking.service = lambda *args: reads.append(args) or original(*args)
    with requests.Session() as session:
        for number in range(300):
            assert session.get(f"{first}/api/v1/me", headers={"Authorization": f"Bearer hq_wrong{number}"},
                               timeout=5).status_code == 401
    assert len(reads) == 300
    assert me(first, token) == 200 and len(reads) == 300   # served from the cache: no read
