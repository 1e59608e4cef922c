"""People's way in, end to end (contract section 12), every service its own process and a real SMS
gateway (tools/sms_sink.py): government data gives an enterprise a contact phone; the enterprise
registers itself with the code sent there, signs in with a cookie, reads its own file (its phone in
full, while staff see it masked), is refused an unsafe call without its CSRF token, and signs out."""
from __future__ import annotations

import re

import pytest

from demo.enterprises import generate
from demo.load import register_enterprise, sign_in_lines
from services.gateway.sessions import COOKIE
from tests.e2e.harness import ADMIN_TOKEN, API, As, checked_session, enterprise_event, new_uscc, ok
from tests.polling import eventually
from tests.tcp_proxy import free_port

# the platform's processes are told where the SMS gateway will listen before it starts
SMS_PORT = free_port()
pytestmark = [pytest.mark.e2e, pytest.mark.platform(env={"HUIQI_SMS_URL": f"http://127.0.0.1:{SMS_PORT}/sms"})]
PHONE = "13912345678"
PASSWORD = "qiye2026ok"


def test_an_enterprise_registers_signs_in_reads_its_file_and_signs_out(platform, sms):
    uscc = new_uscc()
    published = platform.post(f"{API}/events/enterprise.registered", enterprise_event(
        uscc, {"name": "滨州注册示例有限公司", "county": "371625", "employees": 12, "contact_phone": PHONE},
        source="market-regulation", sequence=1))
    ok(published, 202)
    eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to have a file")
    admin = As(platform, ADMIN_TOKEN)
    assert ok(admin.get(f"/enterprises/{uscc}"))["contact_phone"] == "139****5678"

    browser = checked_session()   # no token: a person's browser, keeping cookies
    started = ok(browser.post(f"{platform.url}{API}/registrations", json={"uscc": uscc}, timeout=30), 202)
    assert started["phone"] == "139****5678"
    code = re.search(r"验证码为(\d{6})", sms.sent_to(PHONE)[-1])[1]
    confirmed = ok(browser.post(f"{platform.url}{API}/registrations/{started['id']}/confirm",
                                json={"code": code, "password": PASSWORD}, timeout=30), 201)
    assert confirmed["account"]["uscc"] == uscc and confirmed["account"]["role"] == "enterprise"

    signed = browser.post(f"{platform.url}{API}/sessions", json={"login": uscc, "password": PASSWORD}, timeout=30)
    csrf = ok(signed, 201)["csrf_token"]
    assert "HttpOnly" in signed.headers["Set-Cookie"] and COOKIE in browser.cookies
    me = ok(browser.get(f"{platform.url}{API}/me", timeout=30))
    assert (me["kind"], me["uscc"], me["csrf_token"]) == ("session", uscc, csrf)
    own = ok(browser.get(f"{platform.url}{API}/enterprises/{uscc}", timeout=30))
    assert own["contact_phone"] == PHONE and own["name"] == "滨州注册示例有限公司"
    assert browser.get(f"{platform.url}{API}/enterprises/{new_uscc()}", timeout=30).status_code == 403

    interests = {"interests": ["financing"]}
    refused = browser.put(f"{platform.url}{API}/enterprises/{uscc}/interests", json=interests, timeout=30)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    declared = browser.put(f"{platform.url}{API}/enterprises/{uscc}/interests", json=interests,
                           headers={"X-CSRF-Token": csrf}, timeout=30)
    assert ok(declared)["interests"] == ["financing"]

    out = browser.delete(f"{platform.url}{API}/sessions", headers={"X-CSRF-Token": csrf}, timeout=30)
    assert out.status_code == 204 and COOKIE not in browser.cookies
    assert browser.get(f"{platform.url}{API}/me", timeout=30).status_code == 401


def test_the_demo_registers_an_enterprise_as_make_run_does(platform, sms):
    profile = generate(1, seed=101)[0]   # a demo enterprise of a seed of its own, its phone made from its code
    ok(platform.post(f"{API}/events/enterprise.registered", enterprise_event(profile["uscc"], profile)), 202)
    eventually(lambda: platform.enterprise(profile["uscc"]), what="the demo enterprise to have a file")
    account = register_enterprise(platform.url, profile["uscc"], PASSWORD, sms.sent_to)
    assert (account["login"], account["role"]) == (profile["uscc"], "enterprise")
    assert sign_in_lines([account]) == [f"  {profile['uscc']:<20} {PASSWORD:<12} enterprise {profile['uscc']}"]
    signed = checked_session().post(f"{platform.url}{API}/sessions",
                                    json={"login": profile["uscc"], "password": PASSWORD}, timeout=30)
    assert ok(signed, 201)["account"]["id"] == account["id"]
