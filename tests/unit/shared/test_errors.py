"""Every shared error crosses RPC as itself (registered with Nameko), with its message and details."""
from nameko.exceptions import deserialize, serialize

from shared.errors import EXPECTED, HuiqiError


def test_every_shared_error_arrives_as_itself():
    for error_type in EXPECTED:
        arrived = deserialize(serialize(error_type("no enterprise 913716024JURQ28300")))
        assert type(arrived) is error_type
        assert arrived.message == "no enterprise 913716024JURQ28300"


def test_a_new_error_type_is_registered_without_being_told():
    class TooMany(HuiqiError):
        code, status = "too_many", 429

    assert type(deserialize(serialize(TooMany("slow down")))) is TooMany
