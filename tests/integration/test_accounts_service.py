"""The accounts service on SQLite and PostgreSQL, over real RPC and a real broker: an account is made
with a token shown once and found again by the token's digest only; a disable commits its broadcast
on `huiqi.accounts` with it, and the token stops working."""
from __future__ import annotations

import json
import uuid

import kombu
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.utils import get_extension
from sqlalchemy import func, select

from services.accounts.models import accounts as accounts_table
from services.accounts.service import AccountsService
from shared import messaging_tables as tables
from shared.contracts.accounts import AccountChanged, token_digest
from shared.errors import Conflict, Invalid, NotFound
from shared.store import Store
from shared.topology import ACCOUNT_CHANGES
from tests.polling import until

ADMIN = {"role": "city_admin", "id": "city-admin", "department": None, "county": None, "uscc": None}


@pytest.fixture
def broadcasts(amqp_uri):
    """A queue of the test's own bound to `huiqi.accounts`, as each gateway replica binds one."""
    with kombu.Connection(amqp_uri) as connection:
        queue = kombu.Queue(f"test.accounts.{uuid.uuid4().hex}", exchange=ACCOUNT_CHANGES, exclusive=True,
                            durable=False)(connection.channel())
        queue.declare()
        yield queue


def rows(container, statement):
    with get_extension(container, Store).engine.connect() as connection:
        return connection.execute(statement).all()


def test_an_account_is_made_with_its_token_shown_once_and_found_by_the_digest(rpc, accounts):
    created = rpc.create("staff", "财政局窗口", ADMIN, role="department_staff", department="finance")
    token = created.pop("token")
    assert token.startswith("hq_")
    assert created == {"id": created["id"], "name": "财政局窗口", "role": "department_staff", "department": "finance",
                       "created_at": created["created_at"], "created_by": "city-admin", "disabled_at": None}
    assert created["id"].startswith("staff-")
    assert rpc.token_holder(token_digest(token)) == {
        "id": created["id"], "role": "department_staff", "name": "财政局窗口", "department": "finance",
        "county": None, "uscc": None, "source": None}
    assert rpc.token_holder(token_digest(token + "x")) is None
    [row] = rows(accounts, select(accounts_table))
    assert row.token_digest == token_digest(token) and token not in [str(value) for value in row]


def test_each_kind_has_its_role_and_a_role_that_does_not_fit_is_invalid(rpc):
    firm = rpc.create("enterprise", "滨州测试有限公司", ADMIN, uscc="913716024JURQ28300")
    system = rpc.create("system", "市场监管局登记系统", ADMIN, source="market-regulation")
    assert (firm["role"], firm["uscc"], firm["id"].split("-")[0]) == ("enterprise", "913716024JURQ28300", "enterprise")
    assert (system["role"], system["source"]) == ("system", "market-regulation")
    assert rpc.token_holder(token_digest(system["token"]))["source"] == "market-regulation"
    for kind, role in (("staff", "enterprise"), ("staff", None), ("enterprise", "assessor"), ("robot", "assessor")):
        with pytest.raises(Invalid):
            rpc.create(kind, "x", ADMIN, role=role)


def test_accounts_are_listed_by_kind_in_pages_without_their_tokens(rpc):
    made = [rpc.create("staff", "评估", ADMIN, role="assessor"),
            rpc.create("enterprise", "甲", ADMIN, uscc="913716024JURQ28300"),
            rpc.create("enterprise", "乙", ADMIN, uscc="913716024JURQ28300")]
    page = rpc.list_accounts(None, 2, 1)
    assert page["total"] == 3 and [item["id"] for item in page["items"]] == [made[1]["id"], made[2]["id"]]
    assert rpc.list_accounts("enterprise", 50, 0)["total"] == 2
    assert rpc.list_accounts("system", 50, 0) == {"items": [], "total": 0}
    assert not any({"token", "token_digest"} & set(item) for item in rpc.list_accounts(None, 50, 0)["items"])


def test_a_disable_is_broadcast_and_the_token_stops(rpc, accounts, broadcasts):
    created = rpc.create("staff", "窗口", ADMIN, role="window_clerk")
    disabled = rpc.disable(created["id"], ADMIN)
    assert disabled["disabled_at"] and disabled["id"] == created["id"]
    assert rpc.token_holder(token_digest(created["token"])) is None

    message = until(lambda: broadcasts.get(no_ack=True), timeout=5, interval=0.05, what="the broadcast")
    change = AccountChanged.model_validate(json.loads(message.body))
    assert (change.account_id, change.change) == (created["id"], "disabled")
    assert message.delivery_info["exchange"] == ACCOUNT_CHANGES.name
    assert created["token"] not in message.body and token_digest(created["token"]) not in message.body

    with pytest.raises(Conflict):
        rpc.disable(created["id"], ADMIN)
    with pytest.raises(NotFound):
        rpc.disable("staff-999999", ADMIN)
    [row] = rows(accounts, select(accounts_table.c.disabled_by))
    assert row.disabled_by == "city-admin"
    until(lambda: rows(accounts, select(func.count()).select_from(tables.outbox))[0][0] == 0, timeout=5,
          interval=0.05, what="the outbox emptied")
    assert broadcasts.get(no_ack=True) is None   # a refused disable broadcasts nothing


def test_its_health_answers_ready_with_an_empty_outbox(rpc):
    health = rpc.health()
    assert (health["service"], health["ready"], health["outbox"]) == ("accounts", True, 0)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_token_lookup_while_the_database_is_away_is_unavailable_then_answers_again(
        container_factory, nameko_config, database_url, amqp_uri, tmp_path, monkeypatch):
    """Every request a gateway authenticates asks `token_holder`: with the accounts database away it
    must be Unavailable (the gateway's 503), not a failure (a 500), and answer again once it is back."""
    from shared.config import settings
    from shared.errors import Unavailable
    from tests.tcp_proxy import TcpProxy, url_through

    database = TcpProxy(5432).start()
    monkeypatch.setenv("HUIQI_DATABASE_URL", url_through(database_url, database))
    monkeypatch.setenv("HUIQI_AMQP_URI", amqp_uri)
    monkeypatch.setenv("HUIQI_VAR_DIR", str(tmp_path))
    settings.cache_clear()
    try:
        container_factory(AccountsService, nameko_config).start()
        with ServiceRpcProxy("accounts", nameko_config, timeout=30) as rpc:
            token = rpc.create("staff", "窗口", ADMIN, role="window_clerk")["token"]
            assert rpc.token_holder(token_digest(token))["role"] == "window_clerk"
            database.cut()
            with pytest.raises(Unavailable, match="accounts database"):
                rpc.token_holder(token_digest(token))
            database.restore()
            assert until(lambda: rpc.token_holder(token_digest(token)), what="the lookup to answer again")
    finally:
        database.close()
        settings.cache_clear()


def test_a_staff_members_contacts_change_is_broadcast_and_a_malformed_one_names_its_fields(rpc, accounts,
                                                                                          broadcasts):
    created = rpc.create("staff", "财政局", ADMIN, role="department_staff", department="finance",
                         phone="13812341234", email="old@finance.example.gov.cn")
    changed = rpc.set_contacts(created["id"], {"phone": "13900001111", "email": None}, ADMIN)
    assert (changed["phone"], changed.get("email")) == ("13900001111", None)
    assert rpc.token_holder(token_digest(created["token"]))["phone"] == "13900001111"
    message = until(lambda: broadcasts.get(no_ack=True), timeout=5, interval=0.05, what="the broadcast")
    assert AccountChanged.model_validate(json.loads(message.body)).change == "contacts_changed"

    with pytest.raises(Invalid) as refused:
        rpc.set_contacts(created["id"], {"phone": "12345", "fax": "x"}, ADMIN)
    assert {problem["field"] for problem in refused.value.details} == {"phone", "fax"}
    firm = rpc.create("enterprise", "滨州测试有限公司", ADMIN, uscc="913716024JURQ28300")
    with pytest.raises(Conflict):
        rpc.set_contacts(firm["id"], {"phone": "13900001111"}, ADMIN)
    with pytest.raises(NotFound):
        rpc.set_contacts("staff-999999", {"phone": "13900001111"}, ADMIN)
    [row] = rows(accounts, select(accounts_table.c.phone, accounts_table.c.email)
                 .where(accounts_table.c.kind == "staff"))
    assert tuple(row) == ("13900001111", None)
