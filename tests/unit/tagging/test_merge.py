"""Merging partial profiles per source with the sequence rule (contract section 1)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from services.tagging.domain.merge import Applied, ProfileState, Stale, merge
from tests.properties import examples

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 27, 9, 30, tzinfo=CST)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def applied(result) -> Applied:
    assert isinstance(result, Applied), result
    return result


def test_first_message_creates_version_1_with_provenance():
    result = applied(merge(None, "market-regulation", 17, {"name": "甲公司", "employees": 120}, at(0)))
    state = result.state
    assert state.profile == {"name": "甲公司", "employees": 120}
    assert state.version == 1
    assert state.sequences == {"market-regulation": 17}
    assert state.sources == {
        "name": {"source": "market-regulation", "sequence": 17, "at": at(0)},
        "employees": {"source": "market-regulation", "sequence": 17, "at": at(0)},
    }
    assert result.changed == ("employees", "name")


def test_first_message_without_fields_still_opens_the_file_at_version_1():
    result = applied(merge(None, "market-regulation", 0, {}, at(0)))
    assert result.state.version == 1
    assert result.state.profile == {}
    assert result.changed == ()


def test_uscc_is_never_part_of_the_merged_profile():
    result = applied(merge(None, "tax", 1, {"uscc": "913716024JURQ28300", "employees": 3}, at(0)))
    assert result.state.profile == {"employees": 3}
    assert "uscc" not in result.state.sources


def test_equal_sequence_is_stale():
    state = applied(merge(None, "tax", 5, {"employees": 3}, at(0))).state
    assert merge(state, "tax", 5, {"employees": 4}, at(1)) == Stale(source="tax", sequence=5, last_applied=5)


def test_lower_sequence_is_stale():
    state = applied(merge(None, "tax", 5, {"employees": 3}, at(0))).state
    assert merge(state, "tax", 4, {"employees": 4}, at(1)) == Stale(source="tax", sequence=4, last_applied=5)


def test_stale_leaves_state_untouched():
    state = applied(merge(None, "tax", 5, {"employees": 3}, at(0))).state
    snapshot = (dict(state.profile), dict(state.sources), dict(state.sequences), state.version)
    merge(state, "tax", 1, {"employees": 4, "name": "x"}, at(1))
    assert (state.profile, state.sources, state.sequences, state.version) == snapshot


def test_sequences_are_per_source():
    state = applied(merge(None, "tax", 50, {"annual_revenue": 1.0}, at(0))).state
    result = applied(merge(state, "market-regulation", 1, {"name": "乙公司"}, at(1)))
    assert result.state.sequences == {"tax": 50, "market-regulation": 1}
    assert result.state.version == 2


def test_gaps_in_a_sequence_are_fine():
    state = applied(merge(None, "tax", 1, {"employees": 1}, at(0))).state
    assert applied(merge(state, "tax", 100, {"employees": 2}, at(1))).state.profile == {"employees": 2}


def test_last_applied_message_wins_whatever_its_source():
    state = applied(merge(None, "market-regulation", 9, {"employees": 100}, at(0))).state
    state = applied(merge(state, "human-resources", 2, {"employees": 120}, at(1))).state
    assert state.profile["employees"] == 120
    assert state.sources["employees"] == {"source": "human-resources", "sequence": 2, "at": at(1)}
    state = applied(merge(state, "market-regulation", 10, {"employees": 90}, at(2))).state
    assert state.profile["employees"] == 90
    assert state.sources["employees"] == {"source": "market-regulation", "sequence": 10, "at": at(2)}
    assert state.version == 3


def test_out_of_order_sources_keep_their_own_counters():
    state = applied(merge(None, "tax", 7, {"annual_revenue": 7.0}, at(0))).state
    state = applied(merge(state, "science", 3, {"rd_expense": 3.0}, at(1))).state
    assert isinstance(merge(state, "tax", 6, {"annual_revenue": 6.0}, at(2)), Stale)
    state = applied(merge(state, "science", 4, {"rd_expense": 4.0}, at(3))).state
    assert state.profile == {"annual_revenue": 7.0, "rd_expense": 4.0}
    assert state.sequences == {"tax": 7, "science": 4}


def test_explicit_none_clears_a_field_and_records_who_cleared_it():
    state = applied(merge(None, "market-regulation", 1, {"name": "甲", "county": "371602"}, at(0))).state
    result = applied(merge(state, "civil-affairs", 1, {"county": None}, at(1)))
    assert result.state.profile == {"name": "甲"}
    assert result.changed == ("county",)
    assert result.state.sources["county"] == {"source": "civil-affairs", "sequence": 1, "at": at(1)}
    assert result.state.version == 2


def test_clearing_an_absent_field_changes_nothing_but_records_provenance():
    state = applied(merge(None, "market-regulation", 1, {"name": "甲"}, at(0))).state
    result = applied(merge(state, "tax", 1, {"total_assets": None}, at(1)))
    assert result.changed == ()
    assert result.state.version == 1
    assert result.state.profile == {"name": "甲"}
    assert result.state.sources["total_assets"] == {"source": "tax", "sequence": 1, "at": at(1)}


def test_a_message_that_changes_nothing_records_its_sequence_but_not_a_version():
    state = applied(merge(None, "tax", 1, {"employees": 10}, at(0))).state
    result = applied(merge(state, "tax", 2, {"employees": 10}, at(1)))
    assert result.changed == ()
    assert result.state.version == 1
    assert result.state.sequences == {"tax": 2}
    assert result.state.sources["employees"] == {"source": "tax", "sequence": 2, "at": at(1)}
    assert isinstance(merge(result.state, "tax", 2, {"employees": 11}, at(2)), Stale)


def test_changed_lists_only_the_fields_whose_value_changed():
    state = applied(merge(None, "mr", 1, {"name": "甲", "employees": 10, "county": "371602"}, at(0))).state
    result = applied(merge(state, "mr", 2, {"name": "甲", "employees": 11, "interests": ["talent"]}, at(1)))
    assert result.changed == ("employees", "interests")
    assert result.state.version == 2


def test_input_state_is_not_mutated():
    first = applied(merge(None, "mr", 1, {"name": "甲"}, at(0))).state
    applied(merge(first, "mr", 2, {"name": "乙", "employees": 1}, at(1)))
    assert first.profile == {"name": "甲"}
    assert first.sequences == {"mr": 1}
    assert set(first.sources) == {"name"}


# the property: arrival order does not matter when each field's latest message is well defined ----

FIELDS = ("name", "employees", "annual_revenue", "county", "interests", "status")
VALUES = {
    "name": st.sampled_from(["甲", "乙", "丙"]),
    "employees": st.integers(0, 2000),
    "annual_revenue": st.floats(0, 1e9, allow_nan=False),
    "county": st.sampled_from(["371602", "371603", "371681"]),
    "interests": st.lists(st.sampled_from(["financing", "talent", "export"]), unique=True),
    "status": st.sampled_from(["active", "deregistered"]),
}


@st.composite
def source_streams(draw):
    """Per source: messages with distinct sequences over the source's own fields (sources own
    disjoint fields), the highest-sequence message carrying every one of them (None clears)."""
    fields = list(FIELDS)
    sources = draw(st.lists(st.sampled_from(["market-regulation", "tax", "hr", "science"]), min_size=1,
                            max_size=4, unique=True))
    owned = {source: [] for source in sources}
    for name in fields:
        owned[draw(st.sampled_from(sources))].append(name)
    messages = []
    for source in sources:
        sequences = sorted(draw(st.lists(st.integers(0, 10_000), min_size=1, max_size=6, unique=True)))
        for index, sequence in enumerate(sequences):
            last = index == len(sequences) - 1
            carried = owned[source] if last else draw(st.lists(st.sampled_from(owned[source]), unique=True)) \
                if owned[source] else []
            body = {name: draw(st.none() | VALUES[name]) for name in carried}
            messages.append((source, sequence, body))
    return messages


def run(messages) -> ProfileState | None:
    state = None
    for minute, (source, sequence, body) in enumerate(messages):
        result = merge(state, source, sequence, body, at(minute))
        if isinstance(result, Applied):
            state = result.state
    return state


def expected_profile(messages) -> dict:
    latest = {}
    for source, sequence, body in messages:
        if source not in latest or sequence > latest[source][0]:
            latest[source] = (sequence, body)
    profile = {}
    for _, body in latest.values():
        profile.update({name: value for name, value in body.items() if value is not None})
    return profile


@settings(max_examples=examples(300), deadline=None)
@given(source_streams(), st.data())
def test_shuffled_arrival_gives_the_same_profile_as_sequence_order(messages, data):
    in_order = run(sorted(messages, key=lambda message: (message[0], message[1])))
    shuffled = run(data.draw(st.permutations(messages)))
    assert in_order is not None and shuffled is not None
    assert shuffled.profile == in_order.profile == expected_profile(messages)
    assert shuffled.sequences == in_order.sequences == {
        source: max(sequence for s, sequence, _ in messages if s == source) for source, _, _ in messages}
    provenance = lambda state: {name: (p["source"], p["sequence"]) for name, p in state.sources.items()}  # noqa: E731
    assert provenance(shuffled) == provenance(in_order)
    assert shuffled.version >= 1 and in_order.version >= 1   # versions count changes, which order affects


@settings(max_examples=examples(200), deadline=None)
@given(source_streams(), st.data())
def test_redelivering_any_applied_message_is_stale(messages, data):
    state = run(sorted(messages, key=lambda message: message[1]))
    source, sequence, body = data.draw(st.sampled_from(messages))
    assert isinstance(merge(state, source, sequence, body, at(999)), Stale)
