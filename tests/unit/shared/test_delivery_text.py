"""What the consumer keeps of a message (for quarantine and dead letters) is always storable text."""
from types import SimpleNamespace

import pytest

from shared import storable_text
from shared.consumer import Delivery, _json_safe, _text


@pytest.mark.parametrize("body", [
    b'{"name": "a\x00b"}',                      # a raw NUL: not even JSON
    '{"name": "a\x00b"}',
    {"name": "a\ud800b", "n\x00": ["\udfff"]},   # handed over decoded
    "a\ud800",
], ids=ascii)
def test_the_kept_text_of_any_body_is_storable(body):
    assert storable_text.problem(_text(SimpleNamespace(body=body))) is None


def test_headers_and_event_ids_are_kept_storable():
    assert _json_safe({"x-source": "tax\x00", "nested": {"k\ud800": ["v\x00"]}}) == {
        "x-source": "tax\\u0000", "nested": {"k\\ud800": ["v\\u0000"]}}
    delivery = Delivery("q", "gov.events", "enterprise.registered", {"event_id": "e-\x00"}, "{}", {}, False)
    assert delivery.event_id == "e-\\u0000"
