"""Signing in through the gateway, with the real accounts service behind it and a real SMS sink: the
cookie's flags, CSRF refused and accepted, the 401 and 429 answers, sign-out on the cookie, and an
enterprise registering itself end to end over HTTP."""
from __future__ import annotations

import re

import pytest
import requests

from services.gateway.sessions import COOKIE
from shared.uscc import complete
from tests.integration.conftest import ADMIN_TOKEN
from tests.integration.gateway_stand_ins import CONTACT_PHONE, USCC

PASSWORD = "huiqi2026"
# a real HTTP SMS gateway, set before the accounts service starts
pytestmark = pytest.mark.usefixtures("sms")


@pytest.fixture
def browser(gateway, fake_services):
    """A person's browser: no token, keeps cookies."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def staff(gateway, fake_services):
    created = requests.post(f"{gateway}/api/v1/staff", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                            json={"name": "一窗受理 王专员", "role": "window_clerk", "login": "window",
                                  "password": PASSWORD}, timeout=10)
    assert created.status_code == 201, created.text
    assert created.json()["login"] == "window"
    return created.json()


def test_a_sign_in_sets_an_httponly_strict_cookie_and_answers_the_csrf_token(gateway, browser, staff):
    signed = browser.post(f"{gateway}/api/v1/sessions", json={"login": "Window", "password": PASSWORD}, timeout=10)
    assert signed.status_code == 201, signed.text
    body = signed.json()
    assert body["account"] == {"id": staff["id"], "role": "window_clerk", "name": "一窗受理 王专员"}
    cookie = signed.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=hs_") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie   # served over http here
    assert body["csrf_token"] not in cookie

    me = browser.get(f"{gateway}/api/v1/me", timeout=10).json()
    assert me == {"role": "window_clerk", "id": staff["id"], "name": "一窗受理 王专员", "kind": "session",
                  "csrf_token": body["csrf_token"], "expires_at": body["expires_at"]}


def test_an_unsafe_request_by_cookie_needs_the_csrf_token(gateway, browser, staff):
    csrf = browser.post(f"{gateway}/api/v1/sessions", json={"login": "window", "password": PASSWORD},
                        timeout=10).json()["csrf_token"]
    change = {"old_password": PASSWORD, "new_password": "xinmima2027"}
    for header in ({}, {"X-CSRF-Token": "forged"}):
        refused = browser.put(f"{gateway}/api/v1/me/password", json=change, headers=header, timeout=10)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf"
    changed = browser.put(f"{gateway}/api/v1/me/password", json=change, headers={"X-CSRF-Token": csrf}, timeout=10)
    assert changed.status_code == 200, changed.text
    assert browser.get(f"{gateway}/api/v1/me", timeout=10).status_code == 200   # this session goes on

    refused = browser.delete(f"{gateway}/api/v1/sessions", timeout=10)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    out = browser.delete(f"{gateway}/api/v1/sessions", headers={"X-CSRF-Token": csrf}, timeout=10)
    assert out.status_code == 204 and out.headers["Set-Cookie"].startswith(f"{COOKIE}=;")
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    assert browser.get(f"{gateway}/api/v1/me", timeout=10).status_code == 401


def test_the_old_cookie_stops_working_once_signed_out(gateway, browser, staff):
    csrf = browser.post(f"{gateway}/api/v1/sessions", json={"login": "window", "password": PASSWORD},
                        timeout=10).json()["csrf_token"]
    session = browser.cookies[COOKIE]
    assert browser.get(f"{gateway}/api/v1/me", timeout=10).status_code == 200   # cached now
    browser.delete(f"{gateway}/api/v1/sessions", headers={"X-CSRF-Token": csrf}, timeout=10)
    replayed = requests.get(f"{gateway}/api/v1/me", cookies={COOKIE: session}, timeout=10)
    assert replayed.status_code == 401
    assert "sign in again" in replayed.json()["error"]["message"]


def test_a_disable_ends_the_session_at_once(gateway, browser, staff):
    browser.post(f"{gateway}/api/v1/sessions", json={"login": "window", "password": PASSWORD}, timeout=10)
    assert browser.get(f"{gateway}/api/v1/me", timeout=10).status_code == 200
    disabled = requests.post(f"{gateway}/api/v1/accounts/{staff['id']}/disable",
                             headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
    assert disabled.status_code == 200
    assert browser.get(f"{gateway}/api/v1/me", timeout=10).status_code == 401


def test_wrong_passwords_are_401_with_one_message_then_429_with_retry_after(gateway, browser, staff):
    answers = [browser.post(f"{gateway}/api/v1/sessions", json={"login": login, "password": "wrong-pass1"},
                            timeout=10) for login in ("window", "nobody")]
    for answer in answers:
        assert answer.status_code == 401
        assert answer.json()["error"]["message"] == "账号或密码错误"
    assert answers[0].json() == answers[1].json()
    for _ in range(4):
        browser.post(f"{gateway}/api/v1/sessions", json={"login": "window", "password": "wrong-pass1"}, timeout=10)
    limited = browser.post(f"{gateway}/api/v1/sessions", json={"login": "window", "password": PASSWORD}, timeout=10)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 15 * 60
    assert limited.json()["error"]["details"]["retry_after"] == int(limited.headers["Retry-After"])
    assert COOKIE not in browser.cookies


def test_an_enterprise_registers_signs_in_and_reads_its_own_file(gateway, browser, sms):
    started = browser.post(f"{gateway}/api/v1/registrations", json={"uscc": USCC}, timeout=10)
    assert started.status_code == 202, started.text
    assert started.json()["phone"] == "138****1234"
    code = re.search(r"验证码为(\d{6})", sms.sent_to(CONTACT_PHONE)[-1])[1]
    path = f"{gateway}/api/v1/registrations/{started.json()['id']}/confirm"
    wrong = browser.post(path, json={"code": "000000" if code != "000000" else "111111", "password": PASSWORD},
                         timeout=10)
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0] | {"message": ""} == {"field": "code", "message": "", "in": "body",
                                                                      "tries_left": 4}
    confirmed = browser.post(path, json={"code": code, "password": PASSWORD}, timeout=10)
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["account"]["uscc"] == USCC

    assert browser.post(f"{gateway}/api/v1/sessions", json={"login": USCC, "password": PASSWORD},
                        timeout=10).status_code == 201
    own = browser.get(f"{gateway}/api/v1/enterprises/{USCC}", timeout=10)
    assert own.status_code == 200 and own.json()["uscc"] == USCC
    other = browser.get(f"{gateway}/api/v1/enterprises/913716024JURQ28301", timeout=10)
    assert other.status_code in (403, 422)

    again = browser.post(f"{gateway}/api/v1/registrations", json={"uscc": USCC}, timeout=10)
    assert again.status_code == 409


def test_an_enterprise_without_a_phone_on_file_is_422_no_phone_on_file(gateway, browser):
    refused = browser.post(f"{gateway}/api/v1/registrations", json={"uscc": complete("91371600000000000")},
                           timeout=10)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "no_phone_on_file"
