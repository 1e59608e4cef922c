"""An enterprise's contacts: what a change may say, and that a change keeps what it leaves out."""
from __future__ import annotations

import pytest

from services.notification.domain import contacts as rules
from shared.errors import Invalid


def test_a_change_keeps_what_it_leaves_out_and_null_clears():
    first = rules.changed(rules.NONE, {"phone": "13812341234", "email": "a@example.com"})
    assert rules.changed(first, {"email": None}) == rules.Contacts(phone="13812341234", email=None)
    assert rules.changed(first, {}) == first


@pytest.mark.parametrize(("change", "fields"), [
    ({"phone": "23812341234"}, ["phone"]), ({"phone": 13812341234}, ["phone"]), ({"email": "a@b"}, ["email"]),
    ({"email": "x" * 250 + "@a.cn"}, ["email"]), ({"fax": "1"}, ["fax"]),
])
def test_bad_contacts_name_the_field(change, fields):
    with pytest.raises(Invalid) as refused:
        rules.changed(rules.NONE, change)
    assert [problem["field"] for problem in refused.value.details] == fields
