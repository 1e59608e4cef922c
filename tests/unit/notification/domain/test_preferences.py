"""Notification preferences (contract section 11): the defaults, what a change may say and how it is
merged, which channels are available, and the quiet hours over every minute of the day."""
from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notification import inbox
from services.notification.domain import preferences as rules
from services.notification.domain.preferences import CHANNELS, DEFAULTS, NOTICE_KINDS, Preferences
from shared.errors import Invalid

times = st.builds(time, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
clocks = st.builds(lambda hour, minute: f"{hour:02d}:{minute:02d}", st.integers(0, 23), st.integers(0, 59))


def refused(change: dict, current: Preferences = DEFAULTS) -> list[dict]:
    with pytest.raises(Invalid) as caught:
        rules.changed(current, change)
    assert caught.value.details[0]["field"] in caught.value.message
    return caught.value.details


def test_the_kinds_are_exactly_those_the_inbox_writes():
    written = {inbox.POLICY_MATCHED, inbox.SURVEY, inbox.WITHDRAWN_NOTICE[0],
               *(kind for kind, _ in inbox.APPLICATION_NOTICES.values())}
    assert set(NOTICE_KINDS) == written and len(NOTICE_KINDS) == len(written)


def test_the_defaults_are_the_inbox_alone_quiet_from_nine_at_night_to_eight_and_immediate():
    assert DEFAULTS.to_json() == {"kinds": {kind: ["in_app"] for kind in NOTICE_KINDS},
                                  "quiet_hours": ["21:00", "08:00"], "digest": "immediate"}


def test_a_change_names_only_what_it_changes_and_the_inbox_is_always_kept():
    first = rules.changed(DEFAULTS, {"kinds": {"policy_matched": ["email", "sms", "sms"]}})
    assert first.kinds["policy_matched"] == ("in_app", "sms", "email")
    assert first.kinds["survey"] == ("in_app",)
    second = rules.changed(first, {"kinds": {"survey": []}, "digest": "daily", "quiet_hours": ["22:30", "07:00"]})
    assert second.to_json()["kinds"]["policy_matched"] == ["in_app", "sms", "email"]
    assert (second.digest, second.quiet_hours) == ("daily", ("22:30", "07:00"))
    assert rules.changed(second, {}) == second


@pytest.mark.parametrize(("change", "field"), [
    ({"kinds": {"policy_published": ["sms"]}}, "kinds.policy_published"),
    ({"kinds": {"policy_matched": ["sms", "fax"]}}, "kinds.policy_matched.1"),
    ({"kinds": {"policy_matched": "sms"}}, "kinds.policy_matched"),
    ({"kinds": ["sms"]}, "kinds"),
    ({"quiet_hours": ["21:00"]}, "quiet_hours"),
    ({"quiet_hours": ["24:00", "08:00"]}, "quiet_hours.0"),
    ({"quiet_hours": ["21:00", "8:00"]}, "quiet_hours.1"),
    ({"quiet_hours": ["21:00", "21:00"]}, "quiet_hours"),
    ({"digest": "weekly"}, "digest"),
    ({"volume": "loud"}, "volume"),
])
def test_a_bad_change_is_refused_naming_the_field(change, field):
    assert [problem["field"] for problem in refused(change)] == [field]


def test_every_fault_is_named_and_nothing_of_a_refused_change_is_applied():
    fields = [problem["field"] for problem in refused(
        {"kinds": {"nope": [], "survey": ["pigeon"]}, "quiet_hours": ["9pm", "08:00"], "digest": ""})]
    assert fields == ["kinds.nope", "kinds.survey.0", "quiet_hours.0", "digest"]


@given(st.lists(st.sampled_from(CHANNELS)))
def test_channels_are_kept_once_each_in_a_fixed_order_with_the_inbox(channels):
    kept = rules.changed(DEFAULTS, {"kinds": {"survey": channels}}).kinds["survey"]
    assert kept[0] == "in_app" and set(kept) == {"in_app", *channels}
    assert list(kept) == [channel for channel in CHANNELS if channel in kept]


@given(clocks, clocks)
def test_any_two_different_times_of_day_are_quiet_hours(start, end):
    if start == end:
        assert [problem["field"] for problem in refused({"quiet_hours": [start, end]})] == ["quiet_hours"]
    else:
        assert rules.changed(DEFAULTS, {"quiet_hours": [start, end]}).quiet_hours == (start, end)


@given(st.text(max_size=6))
def test_text_that_is_not_hh_mm_is_never_taken_as_a_time(text):
    well_formed = len(text) == 5 and text[2] == ":" and text[:2].isascii() and text[:2].isdigit() \
        and text[3:].isascii() and text[3:].isdigit() and int(text[:2]) < 24 and int(text[3:]) < 60
    try:
        rules.changed(DEFAULTS, {"quiet_hours": [text, "12:34" if text != "12:34" else "12:35"]})
    except Invalid as error:
        assert not well_formed and error.details[0]["field"] == "quiet_hours.0"
    else:
        assert well_formed


@given(clocks, clocks, times)
def test_quiet_hours_run_from_the_start_to_just_before_the_end_across_midnight(start, end, at):
    quiet = rules.is_quiet((start, end), at)
    minutes = at.hour * 60 + at.minute
    begin, finish = (rules.clock(start).hour * 60 + rules.clock(start).minute,
                     rules.clock(end).hour * 60 + rules.clock(end).minute)
    # the minutes from the start, going round the clock, until the end
    assert quiet == ((minutes - begin) % 1440 < (finish - begin) % 1440)


def test_the_default_quiet_hours_at_their_edges():
    quiet = DEFAULTS.quiet_hours
    assert rules.is_quiet(quiet, time(21, 0)) and rules.is_quiet(quiet, time(3, 0))
    assert rules.is_quiet(quiet, time(7, 59, 59)) and not rules.is_quiet(quiet, time(8, 0))
    assert not rules.is_quiet(quiet, time(20, 59, 59)) and not rules.is_quiet(quiet, time(12, 0))


def test_a_channel_is_available_only_while_its_provider_is_set():
    assert rules.channels_available(sms_url=None, smtp_url="", wechat_webhook_url=None) == {
        "in_app": True, "sms": False, "email": False, "wechat": False}
    assert rules.channels_available(sms_url="http://sms", smtp_url="smtp://mail", wechat_webhook_url="https://qy") \
        == dict.fromkeys(CHANNELS, True)


def test_saved_preferences_read_back_with_kinds_added_since_at_their_default():
    saved = rules.stored({"policy_matched": ["in_app", "wechat"], "retired_kind": ["sms"]}, ("22:00", "06:30"), "daily")
    assert saved.kinds["policy_matched"] == ("in_app", "wechat") and saved.kinds["survey"] == ("in_app",)
    assert "retired_kind" not in saved.to_json()["kinds"]
    assert (saved.quiet_hours, saved.digest) == (("22:00", "06:30"), "daily")
    assert rules.stored(*[{}, None, None]) == DEFAULTS
