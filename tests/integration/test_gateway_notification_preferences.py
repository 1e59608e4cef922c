"""Contract section 11's notification preferences through the real gateway and the real notification
service (on a SQLite file of the test's own) and accounts service, with real tokens: the defaults, a
save read back (and kept across a restart of the service), bad input refused naming the field, and who
may read and set them; and the enterprise's contacts (phone, e-mail), masked to staff. Email's provider is
set, SMS's and WeChat's are not."""
from __future__ import annotations

import pytest
import requests

from services.notification.domain.preferences import NOTICE_KINDS
from services.notification.service import NotificationService
from shared.config import settings
from shared.errors import EXPECTED
from shared.rpc import rpc
from shared.uscc import complete
from tests.e2e import answer_models
from tests.integration.gateway_stand_ins import USCC, FakePolicy, FakeTagging

OTHER_USCC = complete("91371600000000000")
PATH = f"/api/v1/enterprises/{USCC}/notification-preferences"
DEFAULT_KINDS = {kind: ["in_app"] for kind in NOTICE_KINDS}


class AnyEnterprise(FakeTagging):
    """Every enterprise has a file, so each can have an account."""

    name = "tagging"

    @rpc(expected_exceptions=EXPECTED)
    def enterprise(self, uscc):
        return {**super().enterprise(USCC), "uscc": uscc}


@pytest.fixture
def providers(monkeypatch, gateway_settings, tmp_path):
    monkeypatch.setenv("HUIQI_NOTIFICATION_DATABASE_URL", f"sqlite:///{tmp_path}/notification.sqlite3")
    monkeypatch.setenv("HUIQI_SMTP_URL", "smtp://mail.example.test:25")
    for name in ("HUIQI_SMS_URL", "HUIQI_WECHAT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def notification(providers, quick_consumers, container_factory, amqp_uri, accounts_service):
    config = {"AMQP_URI": amqp_uri, "serializer": "json"}
    for stand_in in (AnyEnterprise, FakePolicy):   # files for enterprise accounts, departments for staff
        container_factory(stand_in, config).start()
    container = container_factory(NotificationService, config)
    container.start()
    return container


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(api, notification) -> dict[str, str]:
    def made(response: requests.Response) -> str:
        assert response.status_code == 201, response.text
        return response.json()["token"]

    return {"enterprise": made(api.post(f"/api/v1/enterprises/{USCC}/accounts", json={})),
            "other": made(api.post(f"/api/v1/enterprises/{OTHER_USCC}/accounts", json={})),
            **{role: made(api.post("/api/v1/staff", json={"name": role, "role": role, **scope}))
               for role, scope in (("department_staff", {"department": "finance"}), ("window_clerk", {}),
                                   ("assessor", {}), ("counsellor", {}), ("county_staff", {"county": "371625"}))}}


def checked(response: requests.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    answer_models.check(response)   # the documented model, every field named
    return response.json()


def test_the_defaults_until_the_enterprise_saves_its_own(gateway, tokens):
    body = checked(requests.get(gateway + PATH, headers=bearer(tokens["enterprise"]), timeout=10))
    assert body == {"uscc": USCC, "kinds": DEFAULT_KINDS, "quiet_hours": ["21:00", "08:00"], "digest": "immediate",
                    "channels_available": {"in_app": True, "sms": False, "email": True, "wechat": False},
                    "updated_at": None}


def test_a_save_is_read_back_by_the_enterprise_and_the_city_administrator(gateway, api, tokens, notification,
                                                                         container_factory, amqp_uri):
    own = bearer(tokens["enterprise"])
    saved = checked(requests.put(gateway + PATH, headers=own, timeout=10, json={
        "kinds": {"policy_matched": ["email", "sms"], "survey": ["wechat"]}, "quiet_hours": ["22:30", "07:15"],
        "digest": "daily"}))
    assert saved["kinds"] == {**DEFAULT_KINDS, "policy_matched": ["in_app", "sms", "email"],
                              "survey": ["in_app", "wechat"]}
    assert (saved["quiet_hours"], saved["digest"]) == (["22:30", "07:15"], "daily")
    assert saved["updated_at"] is not None

    # a change names only what it changes
    again = checked(requests.put(gateway + PATH, headers=own, timeout=10,
                                 json={"kinds": {"survey": []}, "digest": "immediate"}))
    assert again["kinds"]["policy_matched"] == ["in_app", "sms", "email"] and again["kinds"]["survey"] == ["in_app"]
    assert (again["quiet_hours"], again["digest"]) == (["22:30", "07:15"], "immediate")

    # saved in the service's database: the same after the service restarts, as the city administrator reads it
    notification.stop()
    container_factory(NotificationService, {"AMQP_URI": amqp_uri, "serializer": "json"}).start()
    assert checked(api.get(PATH)) == again
    assert checked(requests.get(gateway + PATH, headers=own, timeout=10)) == again
    # another enterprise still has its defaults
    other = checked(requests.get(gateway + f"/api/v1/enterprises/{OTHER_USCC}/notification-preferences",
                                 headers=bearer(tokens["other"]), timeout=10))
    assert (other["kinds"], other["updated_at"]) == (DEFAULT_KINDS, None)


@pytest.mark.parametrize(("body", "status", "fields"), [
    ({"kinds": {"policy_published": ["sms"]}}, 422, ["kinds.policy_published"]),
    ({"kinds": {"policy_matched": ["sms", "fax"]}}, 422, ["kinds.policy_matched.1"]),
    ({"quiet_hours": ["21:00", "25:00"]}, 422, ["quiet_hours.1"]),
    ({"quiet_hours": ["9pm", "8am"]}, 422, ["quiet_hours.0", "quiet_hours.1"]),
    ({"quiet_hours": ["21:00", "21:00"]}, 422, ["quiet_hours"]),
    ({"quiet_hours": ["21:00"]}, 422, ["quiet_hours"]),
    ({"digest": "weekly"}, 422, ["digest"]),
    ({"kinds": {"policy_matched": "sms"}}, 422, ["kinds.policy_matched"]),
    ({"volume": "loud"}, 422, ["volume"]),
])
def test_bad_input_is_refused_naming_each_field_and_nothing_is_saved(gateway, tokens, body, status, fields):
    own = bearer(tokens["enterprise"])
    error = checked(requests.put(gateway + PATH, headers=own, json=body, timeout=10), status)["error"]
    assert [item["field"] for item in error["details"]] == fields
    assert all(field in error["message"] for field in fields[:1])
    assert checked(requests.get(gateway + PATH, headers=own, timeout=10))["updated_at"] is None


def test_a_body_that_is_not_json_is_400(gateway, tokens):
    response = requests.put(gateway + PATH, data=b"{kinds", timeout=10, headers={
        **bearer(tokens["enterprise"]), "Content-Type": "application/json"})
    assert response.status_code == 400, response.text


def test_only_the_enterprise_sets_them_and_only_it_and_the_city_administrator_read_them(gateway, api, tokens):
    change = {"digest": "daily"}
    other = bearer(tokens["other"])
    assert requests.get(gateway + PATH, headers=other, timeout=10).status_code == 403
    assert requests.put(gateway + PATH, headers=other, json=change, timeout=10).status_code == 403
    for role in ("department_staff", "county_staff", "window_clerk", "assessor", "counsellor"):
        assert requests.get(gateway + PATH, headers=bearer(tokens[role]), timeout=10).status_code == 403, role
        assert requests.put(gateway + PATH, headers=bearer(tokens[role]), json=change, timeout=10).status_code == 403
    refused = api.put(PATH, json=change)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert requests.get(gateway + PATH, timeout=10).status_code == 401
    assert checked(api.get(PATH))["digest"] == "immediate", "nothing any of them tried was saved"


# contacts ----------------------------------------------------------------------------------------

CONTACTS = f"/api/v1/enterprises/{USCC}/contacts"


def test_the_enterprise_sets_its_contacts_and_staff_see_them_masked(gateway, api, tokens):
    own = bearer(tokens["enterprise"])
    assert checked(requests.get(gateway + CONTACTS, headers=own, timeout=10)) == {
        "uscc": USCC, "phone": None, "email": None, "updated_at": None}
    saved = checked(requests.put(gateway + CONTACTS, headers=own, timeout=10,
                                 json={"phone": "13812341234", "email": "office@example.com"}))
    assert (saved["phone"], saved["email"]) == ("13812341234", "office@example.com") and saved["updated_at"]

    # a change names only what it changes; null clears
    again = checked(requests.put(gateway + CONTACTS, headers=own, timeout=10, json={"email": None}))
    assert (again["phone"], again["email"]) == ("13812341234", None)
    checked(requests.put(gateway + CONTACTS, headers=own, timeout=10, json={"email": "office@example.com"}))

    clerk = bearer(tokens["window_clerk"])
    for staff in (api.get(CONTACTS), requests.get(gateway + CONTACTS, headers=clerk, timeout=10)):
        shown = checked(staff)
        assert (shown["phone"], shown["email"]) == ("138****1234", "o***@example.com")


def test_bad_contacts_are_refused_naming_the_field_and_nothing_is_saved(gateway, tokens):
    own = bearer(tokens["enterprise"])
    for body, fields in (({"phone": "12345"}, ["phone"]), ({"email": "not-an-address"}, ["email"]),
                         ({"phone": "0531-1234567", "email": "a@b"}, ["phone", "email"])):
        error = checked(requests.put(gateway + CONTACTS, headers=own, json=body, timeout=10), 422)["error"]
        assert [item["field"] for item in error["details"]] == fields, body
    assert checked(requests.get(gateway + CONTACTS, headers=own, timeout=10))["updated_at"] is None


def test_only_the_enterprise_sets_its_contacts(gateway, api, tokens):
    change = {"phone": "13900000000"}
    assert requests.put(gateway + CONTACTS, headers=bearer(tokens["other"]), json=change, timeout=10).status_code == 403
    assert requests.get(gateway + CONTACTS, headers=bearer(tokens["other"]), timeout=10).status_code == 403
    for role in ("department_staff", "window_clerk", "assessor", "counsellor"):
        refused = requests.put(gateway + CONTACTS, headers=bearer(tokens[role]), json=change, timeout=10)
        assert refused.status_code == 403, role
    assert api.put(CONTACTS, json=change).status_code == 403
    assert checked(api.get(CONTACTS))["phone"] is None
