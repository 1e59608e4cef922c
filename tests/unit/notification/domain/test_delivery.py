"""The delivery rules: retries back off exponentially with jitter and stop after 24 hours; a provider's
circuit opens after failures in a row and lets one trial through after its cool-down; quiet hours hold
SMS and WeChat (not e-mail) until they end; the daily digest's window; texts fit one SMS segment."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.notification.domain import delivery as rules
from services.notification.domain import templates
from shared.clock import CHINA

NOON = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)   # 12:00 China time


def china(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=CHINA)


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=2**32))
def test_a_retry_waits_between_half_and_all_of_a_doubling_ceiling(attempts, seed):
    ceiling = min(rules.LONGEST_RETRY_S, rules.FIRST_RETRY_S * 2 ** (attempts - 1))
    wait = rules.retry_delay(attempts, random.Random(seed)).total_seconds()
    assert ceiling / 2 <= wait <= ceiling


def test_retries_are_jittered_and_grow():
    rng = random.Random(7)
    first = {rules.retry_delay(1, rng) for _ in range(20)}
    assert len(first) > 10, "failures at the same moment come back at different moments"
    assert max(first) <= min(rules.retry_delay(3, rng) for _ in range(20))


def test_retries_stop_after_24_hours_and_at_once_for_a_permanent_refusal():
    created = NOON
    assert rules.after_failure(created, NOON, 1, permanent=True) is None
    assert rules.after_failure(created, NOON + timedelta(hours=2), 5, permanent=False) is not None
    assert rules.after_failure(created, NOON + timedelta(hours=23, minutes=59, seconds=50), 30, permanent=False) is None


def test_the_circuit_opens_after_failures_in_a_row_and_closes_when_the_provider_answers():
    circuit = rules.Circuit(threshold=3, cool_down=timedelta(seconds=10))
    for _ in range(2):
        circuit.failed(NOON)
    assert circuit.state == "closed" and circuit.allows(NOON)
    circuit.failed(NOON)
    assert circuit.state == "open" and not circuit.allows(NOON + timedelta(seconds=9))
    assert circuit.allows(NOON + timedelta(seconds=10)) and circuit.state == "half_open"
    assert not circuit.allows(NOON + timedelta(seconds=10)), "one trial at a time"
    circuit.failed(NOON + timedelta(seconds=11))   # the trial failed: a longer cool-down
    assert not circuit.allows(NOON + timedelta(seconds=30))
    assert circuit.allows(NOON + timedelta(seconds=31))
    circuit.succeeded()
    assert circuit.state == "closed" and circuit.allows(NOON + timedelta(seconds=31))


def test_a_success_resets_the_count_of_failures():
    circuit = rules.Circuit(threshold=2)
    circuit.failed(NOON)
    circuit.succeeded()
    circuit.failed(NOON)
    assert circuit.state == "closed"


def test_quiet_hours_hold_sms_and_wechat_until_they_end_not_email():
    quiet = ("21:00", "08:00")
    assert rules.quiet_until(quiet, "sms", china(7, 23, 30)) == china(8, 8)
    assert rules.quiet_until(quiet, "wechat", china(8, 7, 59)) == china(8, 8)
    assert rules.quiet_until(quiet, "sms", china(8, 8)) is None
    assert rules.quiet_until(quiet, "email", china(7, 23)) is None
    assert rules.quiet_until(("12:00", "13:30"), "sms", china(7, 12, 10)) == china(7, 13, 30)


def test_the_digest_covers_the_day_to_nine():
    assert rules.digest_window(china(8, 8, 59)) is None
    assert rules.digest_window(china(8, 9, 0)) == (china(7, 9), china(8, 9))
    assert rules.next_digest(china(8, 9, 0)) == china(9, 9)
    assert rules.next_digest(china(8, 6, 0)) == china(8, 9)


@given(st.sampled_from(sorted(templates.LEADS)), st.text(min_size=0, max_size=300),
       st.sampled_from(["http://127.0.0.1:8000", "https://huiqi.jining.gov.cn", "https://a.cn/portal/"]))
def test_a_notice_fits_one_sms_segment_with_its_link(kind, title, public_url):
    text = templates.notice_text(kind, title, public_url)
    assert len(text) <= templates.SMS_LIMIT
    assert text.startswith(templates.SIGNATURE) and text.endswith(templates.link(public_url))


@given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=50))
def test_a_digest_fits_one_sms_segment_and_counts_the_matches(titles):
    text = templates.digest_text(titles, "https://huiqi.jining.gov.cn")
    assert len(text) <= templates.SMS_LIMIT and f"{len(titles)}项" in text


def test_a_short_title_is_whole():
    assert templates.notice_text("policy_matched", "稳岗补贴", "https://huiqi.example") == \
        "【惠企平台】新匹配政策：稳岗补贴 详见https://huiqi.example/"


def test_a_trial_that_never_answers_does_not_keep_the_circuit_open_for_ever():
    circuit = rules.Circuit(threshold=1, cool_down=timedelta(seconds=10), longest=timedelta(minutes=1))
    circuit.failed(NOON)
    assert circuit.allows(NOON + timedelta(seconds=10))
    assert not circuit.allows(NOON + timedelta(seconds=40))
    assert circuit.allows(NOON + timedelta(seconds=71))


def test_a_pace_lets_a_seconds_worth_through_then_spaces_the_rest():
    pace = rules.Pace(per_s=4)
    assert [pace.wait_s(100.0) for _ in range(4)] == [0.0] * 4
    assert pace.wait_s(100.0) == 0.25 and pace.wait_s(100.0) == 0.5
    assert pace.wait_s(102.0) == 0.0, "tokens come back with time"
    assert rules.Pace(per_s=0).wait_s(1.0) == 0.0


def test_every_notice_kind_has_its_words():
    from services.notification.domain.preferences import NOTICE_KINDS

    assert set(templates.LEADS) == set(NOTICE_KINDS)
