"""People signing in through the accounts service, over real RPC, a real broker, SQLite and PostgreSQL,
and a real HTTP SMS gateway (tools/sms_sink.py): an enterprise registers itself with the code sent to
its phone on file, signs in and out; wrong codes lock a registration, failures are rate limited,
sessions expire and end with a disable."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from shared import clock
from shared.config import settings
from shared.contracts.accounts import csrf_token, token_digest
from shared.errors import (
    EXPECTED,
    Conflict,
    Invalid,
    Locked,
    NoPhoneOnFile,
    NotFound,
    SmsUnavailable,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
)
from shared.rpc import rpc as rpc_entrypoint
from shared.uscc import complete
from tools.sms_sink import SmsSink

ADMIN = {"role": "city_admin", "id": "city-admin"}
USCC = complete("91371625MA3CREG00")
NO_PHONE = complete("91371625MA3CREG01")
UNKNOWN = complete("91371625MA3CREG02")
PHONE = "13812341234"
PHONES = {USCC: PHONE, NO_PHONE: None}
PASSWORD = "huiqi2026"
# a real HTTP SMS gateway, set before the accounts service starts
pytestmark = pytest.mark.usefixtures("sms")


class PhoneBook:
    """The tagging service as the accounts service asks it: the phone on file, or None."""

    name = "tagging"

    @rpc_entrypoint(expected_exceptions=EXPECTED)
    def contact_phone(self, uscc):
        return PHONES.get(uscc)


@pytest.fixture
def tagging(accounts, container_factory, nameko_config):
    container = container_factory(PhoneBook, nameko_config)
    container.start()
    return container


@pytest.fixture
def travel():
    yield lambda by: clock.set_offset(clock.offset() + by)
    clock.set_offset(timedelta(0))


def code_in(sms: SmsSink, phone: str = PHONE) -> str:
    return re.search(r"验证码为(\d{6})", sms.sent_to(phone)[-1])[1]


def register(rpc, sms, uscc=USCC, address="10.0.0.1") -> dict:
    started = rpc.start_registration(uscc, address)
    return rpc.confirm_registration(started["id"], code_in(sms), PASSWORD, address)


def test_an_enterprise_registers_with_the_code_sent_to_its_phone_signs_in_and_out(rpc, sms, tagging):
    started = rpc.start_registration(USCC, "10.0.0.1")
    assert started["phone"] == "138****1234" and len(started["id"]) == 32
    (text,) = sms.sent_to(PHONE)
    assert text.startswith("【惠企政策平台】您的注册验证码为") and "10分钟内有效" in text and len(text) <= 70
    assert PHONE in sms.log_path.read_text(encoding="utf-8")

    confirmed = rpc.confirm_registration(started["id"], code_in(sms), PASSWORD, "10.0.0.1")
    account = confirmed["account"]
    assert account == {"id": account["id"], "role": "enterprise", "name": USCC, "uscc": USCC}

    signed = rpc.sign_in(USCC.lower(), PASSWORD, "10.0.0.1")
    assert signed["account"] == account and signed["csrf_token"] == csrf_token(signed["session"])
    holder = rpc.session_holder(token_digest(signed["session"]))
    assert holder["id"] == account["id"] and holder["uscc"] == USCC and holder["kind"] == "session"
    assert holder["csrf_digest"] == token_digest(signed["csrf_token"])
    assert holder["expires_at"] == signed["expires_at"]

    assert rpc.sign_out(token_digest(signed["session"])) == {"signed_out": True}
    assert rpc.session_holder(token_digest(signed["session"])) is None
    assert rpc.sign_out(token_digest(signed["session"])) == {"signed_out": False}

    with pytest.raises(Conflict, match="已注册"):   # a second registration of the same enterprise
        rpc.start_registration(USCC, "10.0.0.1")


def test_five_wrong_codes_lock_the_registration(rpc, sms, tagging):
    started = rpc.start_registration(USCC, "10.0.0.1")
    right = code_in(sms)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(Invalid) as refused:
            rpc.confirm_registration(started["id"], wrong, PASSWORD, "10.0.0.1")
        (detail,) = refused.value.details
        assert (detail["field"], detail["tries_left"]) == ("code", left)
        assert f"还可再试{left}次" in detail["message"]
    with pytest.raises(Locked, match="锁定"):
        rpc.confirm_registration(started["id"], wrong, PASSWORD, "10.0.0.1")
    with pytest.raises(Locked):
        rpc.confirm_registration(started["id"], right, PASSWORD, "10.0.0.1")
    with pytest.raises(Unauthenticated):
        rpc.sign_in(USCC, PASSWORD, "10.0.0.1")


def test_a_weak_password_is_refused_naming_it_and_costs_no_try(rpc, sms, tagging):
    started = rpc.start_registration(USCC, None)
    with pytest.raises(Invalid) as refused:
        rpc.confirm_registration(started["id"], code_in(sms), "short1", None)
    assert refused.value.details[0]["field"] == "password"
    assert rpc.confirm_registration(started["id"], code_in(sms), PASSWORD, None)["account"]["uscc"] == USCC


def test_no_phone_on_file_unknown_registration_and_expired_code(rpc, sms, tagging, travel):
    for uscc in (NO_PHONE, UNKNOWN):
        with pytest.raises(NoPhoneOnFile) as refused:
            rpc.start_registration(uscc, None)
        assert "联系电话" in refused.value.message and refused.value.details["reason"] == "no_phone_on_file"
    with pytest.raises(NotFound):
        rpc.confirm_registration("0" * 32, "123456", PASSWORD, None)
    started = rpc.start_registration(USCC, None)
    travel(timedelta(minutes=10))
    with pytest.raises(Conflict, match="过期"):
        rpc.confirm_registration(started["id"], code_in(sms), PASSWORD, None)


def test_codes_are_sent_once_a_minute_and_a_new_one_replaces_the_old(rpc, sms, tagging, travel):
    first = rpc.start_registration(USCC, None)
    with pytest.raises(TooManyRequests) as refused:
        rpc.start_registration(USCC, None)
    assert 0 < refused.value.details["retry_after"] <= 60
    travel(timedelta(seconds=61))
    second = rpc.start_registration(USCC, None)
    first_code, second_code = (re.search(r"\d{6}", text)[0] for text in sms.sent_to(PHONE))
    with pytest.raises(Conflict, match="失效"):
        rpc.confirm_registration(first["id"], first_code, PASSWORD, None)
    assert rpc.confirm_registration(second["id"], second_code, PASSWORD, None)["account"]["uscc"] == USCC


def test_a_failed_send_is_503_and_can_be_asked_again_at_once(rpc, sms, tagging):
    sms.failing = True
    with pytest.raises(SmsUnavailable):
        rpc.start_registration(USCC, None)
    sms.failing = False
    assert rpc.start_registration(USCC, None)["phone"] == "138****1234"


def test_tagging_not_answering_is_503(rpc, sms):
    with pytest.raises(Unavailable, match="tagging"):
        rpc.start_registration(USCC, None)


def test_without_an_sms_gateway_registration_is_503_saying_so(rpc, sms, tagging, monkeypatch):
    monkeypatch.delenv("HUIQI_SMS_URL")
    settings.cache_clear()
    with pytest.raises(SmsUnavailable, match="未配置") as refused:
        rpc.start_registration(USCC, None)
    assert refused.value.code == "sms_unavailable"


def test_five_failures_per_login_refuse_even_the_right_password(rpc, sms, tagging, travel):
    register(rpc, sms)
    for _ in range(5):
        with pytest.raises(Unauthenticated, match="账号或密码错误"):
            rpc.sign_in(USCC, "wrong-password1", "10.0.0.2")
    with pytest.raises(TooManyRequests) as refused:
        rpc.sign_in(USCC, PASSWORD, "10.0.0.3")
    assert 14 * 60 < refused.value.details["retry_after"] <= 15 * 60
    travel(timedelta(minutes=15))
    assert rpc.sign_in(USCC, PASSWORD, "10.0.0.3")["account"]["uscc"] == USCC


def test_twenty_failures_from_one_address_refuse_it_whatever_the_login(rpc, sms, tagging):
    register(rpc, sms)
    for number in range(20):
        with pytest.raises(Unauthenticated):
            rpc.sign_in(f"nobody{number}", "wrong-password1", "10.0.0.9")
    with pytest.raises(TooManyRequests):
        rpc.sign_in(USCC, PASSWORD, "10.0.0.9")
    assert rpc.sign_in(USCC, PASSWORD, "10.0.0.10")["account"]["uscc"] == USCC


def test_a_session_ends_after_8_idle_hours_and_lives_on_while_used(rpc, sms, tagging, travel):
    register(rpc, sms)
    used = token_digest(rpc.sign_in(USCC, PASSWORD, None)["session"])
    idle = token_digest(rpc.sign_in(USCC, PASSWORD, None)["session"])
    travel(timedelta(hours=7))
    assert rpc.session_holder(used) is not None
    travel(timedelta(hours=1, seconds=1))
    assert rpc.session_holder(idle) is None
    assert rpc.session_holder(used) is not None
    for _ in range(22):   # used every 7 hours: 162 hours after it began
        travel(timedelta(hours=7))
        assert rpc.session_holder(used) is not None
    travel(timedelta(hours=7))
    assert rpc.session_holder(used) is None   # 7 days at most


def test_a_disable_ends_the_accounts_sessions(rpc, sms, tagging):
    account = register(rpc, sms)["account"]
    session = token_digest(rpc.sign_in(USCC, PASSWORD, None)["session"])
    rpc.disable(account["id"], ADMIN)
    assert rpc.session_holder(session) is None
    with pytest.raises(Unauthenticated):
        rpc.sign_in(USCC, PASSWORD, None)


def test_staff_get_a_login_and_change_their_password(rpc):
    created = rpc.create("staff", "财政局 张科长", ADMIN, role="department_staff", department="finance",
                         login="Finance", password="caizheng2026")
    assert created["login"] == "finance"
    with pytest.raises(Conflict):
        rpc.create("staff", "另一位", ADMIN, role="window_clerk", login="finance", password="caizheng2026")
    for login, password, field in (("ab", "caizheng2026", "login"), ("window", "short", "password"),
                                   ("window", None, "password")):
        with pytest.raises(Invalid) as refused:
            rpc.create("staff", "窗口", ADMIN, role="window_clerk", login=login, password=password)
        assert refused.value.details[0]["field"] == field

    first = rpc.sign_in("finance", "caizheng2026", None)
    second = rpc.sign_in("finance", "caizheng2026", None)
    actor = {"role": "department_staff", "id": created["id"], "department": "finance"}
    with pytest.raises(Invalid) as refused:
        rpc.set_password(actor, "not-it-2026", "xinmima2027", token_digest(first["session"]))
    assert refused.value.details[0]["field"] == "old_password"
    with pytest.raises(Invalid) as refused:
        rpc.set_password(actor, "caizheng2026", "finance", token_digest(first["session"]))
    assert refused.value.details[0]["field"] == "new_password"
    rpc.set_password(actor, "caizheng2026", "xinmima2027", token_digest(first["session"]))
    assert rpc.session_holder(token_digest(first["session"])) is not None   # the one it was changed in
    assert rpc.session_holder(token_digest(second["session"])) is None
    with pytest.raises(Unauthenticated):
        rpc.sign_in("finance", "caizheng2026", None)
    assert rpc.sign_in("finance", "xinmima2027", None)["account"]["department"] == "finance"
    with pytest.raises(Conflict, match="没有密码"):
        rpc.set_password(ADMIN, "x", "y", None)
