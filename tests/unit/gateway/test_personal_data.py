"""An enterprise sees its contact's phone in full; staff masked, in the file and in its history."""
from __future__ import annotations

from services.gateway.auth import Caller, Role
from services.gateway.personal_data import file_shown, history_shown

USCC = "913716024JURQ28300"
OTHER = "91371602MA3C4XYZ1K"
FILE = {"uscc": USCC, "name": "滨州示例有限公司", "contact_phone": "13812341234", "employees": 12}
HISTORY = {"items": [{"version": 2, "changes": {"contact_phone": {"from": "13900001111", "to": "13812341234"},
                                               "employees": {"from": 10, "to": 12}}},
                     {"version": 1, "changes": {"contact_phone": {"from": None, "to": "13900001111"}}}],
           "total": 2}
ITSELF = Caller(role=Role.enterprise, id="enterprise-1", uscc=USCC)


def test_the_enterprise_itself_sees_its_phone_in_full():
    assert file_shown(ITSELF, FILE) == FILE
    assert history_shown(ITSELF, USCC, HISTORY) == HISTORY


def test_staff_see_it_masked():
    for caller in (Caller(role=Role.city_admin, id="city-admin"),
                   Caller(role=Role.window_clerk, id="staff-3"),
                   Caller(role=Role.enterprise, id="enterprise-2", uscc=OTHER)):
        shown = file_shown(caller, FILE)
        assert shown == {**FILE, "contact_phone": "138****1234"}
        page = history_shown(caller, USCC, HISTORY)
        assert page["items"][0]["changes"] == {"contact_phone": {"from": "139****1111", "to": "138****1234"},
                                               "employees": {"from": 10, "to": 12}}
        assert page["items"][1]["changes"]["contact_phone"] == {"from": None, "to": "139****1111"}
        assert page["total"] == 2


def test_a_file_without_a_phone_is_shown_as_it_is():
    plain = {"uscc": USCC, "name": "x"}
    assert file_shown(Caller(role=Role.city_admin, id="city-admin"), plain) == plain


def test_deliveries_and_contacts_show_their_recipients_in_full_only_to_the_enterprise():
    from services.gateway.auth import Caller, Role
    from services.gateway.personal_data import contacts_shown, deliveries_shown

    uscc = "913716024JURQ28300"
    page = {"items": [{"channel": "sms", "recipient": "13812341234"}, {"channel": "email", "recipient": "ab@x.cn"},
                      {"channel": "wechat", "recipient": "group"}], "total": 3}
    own, staff = Caller(role=Role.enterprise, id="e", uscc=uscc), Caller(role=Role.window_clerk, id="w")
    assert deliveries_shown(own, uscc, page) == page
    assert [item["recipient"] for item in deliveries_shown(staff, uscc, page)["items"]] == \
        ["138****1234", "a***@x.cn", "group"]
    contacts = {"uscc": uscc, "phone": "13812341234", "email": None, "updated_at": None}
    assert contacts_shown(staff, contacts)["phone"] == "138****1234" and contacts_shown(own, contacts) == contacts


def test_a_staff_members_deliveries_are_in_full_to_them_and_masked_to_the_administrator():
    from services.gateway.personal_data import staff_deliveries_shown

    page = {"items": [{"channel": "sms", "recipient": "13812341234"}, {"channel": "email", "recipient": "ab@x.cn"}],
            "total": 2}
    assert staff_deliveries_shown(Caller(role=Role.department_staff, id="staff-4"), "staff-4", page) == page
    shown = staff_deliveries_shown(Caller(role=Role.city_admin, id="city-admin"), "staff-4", page)
    assert [item["recipient"] for item in shown["items"]] == ["138****1234", "a***@x.cn"] and shown["total"] == 2
