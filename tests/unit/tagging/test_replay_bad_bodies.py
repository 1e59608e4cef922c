"""Replaying a message quarantined because it could not be decoded is a 422, whatever broke it."""
from datetime import UTC, datetime

import pytest

from services.tagging.replay import message_to_replay
from shared.errors import Invalid


@pytest.mark.parametrize("stored_body", ["{not json", "[" * 100_000 + "]" * 100_000, '{"n": ' + "9" * 5_000 + "}"])
def test_a_stored_body_that_cannot_be_read_asks_for_a_corrected_one(stored_body):
    with pytest.raises(Invalid) as raised:
        message_to_replay(routing_key="enterprise.registered", stored_body=stored_body, item_index=None,
                          event_id=None, source=None, received_at=datetime(2026, 11, 27, tzinfo=UTC))
    assert [item["field"] for item in raised.value.details] == ["body"]
