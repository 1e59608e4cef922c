"""CheckedSignature accepts and refuses exactly the calls Nameko's own check does."""
from types import SimpleNamespace

import pytest
from nameko.exceptions import IncorrectSignature
from nameko.extensions import Entrypoint

from shared.entrypoints import CheckedSignature


class Service:
    def act(self, application_id: int, action: str, actor: dict, comment=None, amount=None):
        raise AssertionError("never called by a signature check")

    def batch(self, *ids, **options):
        raise AssertionError("never called by a signature check")


class Checked(CheckedSignature):
    def __init__(self, method_name: str):
        self.container = SimpleNamespace(service_cls=Service)
        self.method_name = method_name


class Nameko(Entrypoint):
    def __init__(self, method_name: str):
        self.container = SimpleNamespace(service_cls=Service)
        self.method_name = method_name


CALLS = [
    ("act", (1, "accept", {}), {}),
    ("act", (1, "accept"), {"actor": {}, "amount": 2.0}),
    ("act", (1,), {}),                                       # missing arguments
    ("act", (1, "accept", {}, None, None, "extra"), {}),     # too many
    ("act", (1, "accept", {}), {"colour": "red"}),           # unknown keyword
    ("act", (1, "accept", {}), {"application_id": 2}),       # given twice
    ("batch", (), {}),
    ("batch", (1, 2, 3), {"any": "thing"}),
]


def _verdict(entrypoint, args, kwargs) -> bool:
    try:
        entrypoint.check_signature(args, kwargs)
    except IncorrectSignature:
        return False
    return True


@pytest.mark.parametrize(("method", "args", "kwargs"), CALLS)
def test_the_same_verdict_as_nameko(method, args, kwargs):
    checked = Checked(method)
    assert _verdict(checked, args, kwargs) == _verdict(Nameko(method), args, kwargs)
    assert _verdict(checked, args, kwargs) == _verdict(checked, args, kwargs)   # and again, from the cache


def test_a_refused_call_names_what_is_wrong():
    with pytest.raises(IncorrectSignature, match="colour"):
        Checked("act").check_signature((1, "accept", {}), {"colour": "red"})
