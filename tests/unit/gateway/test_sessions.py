"""The session cookie and its CSRF token, as `read_inputs` reads them; the cookie's flags; the
client's address."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from services.gateway.auth import Caller, Role
from services.gateway.errors import Unauthorized
from services.gateway.inputs import read_inputs
from services.gateway.routes import ROUTES
from services.gateway.sessions import (
    CsrfRefused,
    cleared_cookie,
    client_address,
    is_secure,
    session_cookie,
    session_of,
)
from shared.contracts.accounts import csrf_token, token_digest

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SESSION = "hs_" + "s" * 43
USCC = "913716024JURQ28300"
HOLDER = Caller(role=Role.enterprise, id="enterprise-7", uscc=USCC, kind="session",
                csrf_digest=token_digest(csrf_token(SESSION)), expires_at=NOW + timedelta(hours=8))
BEARER = Caller(role=Role.enterprise, id="enterprise-8", uscc=USCC)


def read(route_name, *, session=SESSION, csrf=None, authorization=None, body=None, path=None, now=NOW,
         sessions=None):
    known = {token_digest(SESSION): HOLDER} if sessions is None else sessions
    asked = []

    def find_session(digest):
        asked.append(digest)
        return known.get(digest)

    inputs = read_inputs(ROUTES[route_name], authorization=authorization, path_values=path or {}, query_args={},
                         body=json.dumps(body).encode() if body is not None else b"",
                         find_account=lambda digest: BEARER if digest == token_digest("hq_bearer") else None,
                         session=session, csrf=csrf, find_session=find_session, now=now)
    return inputs, asked


def test_a_cookie_signs_in_a_safe_request_without_a_csrf_token():
    inputs, asked = read("get_enterprise", path={"uscc": USCC})
    assert inputs.caller is HOLDER and asked == [token_digest(SESSION)]   # the session id itself never travels


@pytest.mark.parametrize("csrf", [None, "", "not-the-token", csrf_token("hs_another")])
def test_an_unsafe_request_by_cookie_without_its_csrf_token_is_403_csrf(csrf):
    with pytest.raises(CsrfRefused) as refused:
        read("declare_interests", path={"uscc": USCC}, body={"interests": ["financing"]}, csrf=csrf)
    assert refused.value.code == "csrf" and refused.value.status == 403
    assert refused.value.details == {"header": "X-CSRF-Token"}


def test_an_unsafe_request_by_cookie_with_its_csrf_token_is_let_through():
    inputs, _ = read("declare_interests", path={"uscc": USCC}, body={"interests": ["financing"]},
                     csrf=csrf_token(SESSION))
    assert inputs.caller is HOLDER
    inputs, _ = read("sign_out", csrf=csrf_token(SESSION))
    assert inputs.caller is HOLDER


def test_a_bearer_token_wins_over_the_cookie_and_needs_no_csrf_token():
    inputs, asked = read("declare_interests", authorization="Bearer hq_bearer", path={"uscc": USCC},
                         body={"interests": ["financing"]})
    assert inputs.caller is BEARER and asked == []


def test_an_unknown_or_ended_session_is_401():
    with pytest.raises(Unauthorized, match="sign in again"):
        read("whoami", sessions={})
    with pytest.raises(Unauthorized, match="sign in again"):
        read("whoami", now=NOW + timedelta(hours=8))   # cached, but over
    with pytest.raises(Unauthorized, match="Bearer"):
        read("whoami", session=None)


def test_routes_without_a_token_ignore_the_cookie():
    inputs, asked = read("sign_in", body={"login": USCC, "password": "x"}, sessions={})
    assert inputs.caller is None and asked == []


def test_the_cookie_is_httponly_strict_and_secure_over_https():
    cookie = session_cookie(SESSION, secure=False)
    assert cookie == f"huiqi_session={SESSION}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800"
    assert session_cookie(SESSION, secure=True).endswith("; Secure")
    assert cleared_cookie(secure=False) == "huiqi_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    assert is_secure("https://huiqi.binzhou.gov.cn") and not is_secure("http://127.0.0.1:8000")


@pytest.mark.parametrize(("header", "session"), [
    (f"huiqi_session={SESSION}", SESSION), (f"theme=dark; huiqi_session={SESSION}; lang=zh", SESSION),
    ("huiqi_session=", None), ("theme=dark", None), (None, None), ('huiqi_session="unterminated', None)])
def test_the_session_is_read_from_the_cookie_header(header, session):
    assert session_of(header) == session


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy():
    assert client_address("10.0.0.5", "1.2.3.4", "") == "10.0.0.5"
    assert client_address("10.0.0.5", "1.2.3.4", "10.0.0.9") == "10.0.0.5"
    assert client_address("10.0.0.9", "6.6.6.6, 1.2.3.4", "10.0.0.9, 10.0.0.10") == "1.2.3.4"
    assert client_address("10.0.0.9", None, "10.0.0.9") == "10.0.0.9"
