"""The rules of signing in: passwords, logins, sessions, rate limits, registration codes."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.accounts.domain import passwords, rate_limits, registrations, sessions
from services.accounts.domain.accounts import normalized_login, staff_login_problem
from services.accounts.domain.registrations import MAX_WRONG_TRIES, State, code_digest, judge
from shared.contracts.accounts import csrf_token, token_digest

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


# passwords -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("password", "says"), [
    ("abc123", "至少8位"), ("abcdefgh", "字母和数字"), ("12345678", "字母和数字"), ("a1" * 65, "最多128位"),
    ("Finance2026", "不能与账号相同")])
def test_a_password_that_breaks_the_policy_is_refused_saying_why(password, says):
    assert says in passwords.problem(password, "finance2026")


def test_a_password_of_letters_and_digits_of_8_or_more_is_taken():
    assert passwords.problem("huiqi2026", "finance") is None


@given(st.text(min_size=8, max_size=40))
def test_the_policy_asks_letters_and_digits_whatever_the_text(password):
    has_both = any(c.isascii() and c.isalpha() for c in password) and any(c in "0123456789" for c in password)
    assert (passwords.problem(password, "someone-else") is None) == has_both


def test_a_password_is_kept_as_an_argon2id_hash_and_checked():
    kept = passwords.hashed("huiqi2026")
    assert kept.startswith("$argon2id$") and "huiqi2026" not in kept
    assert passwords.matches(kept, "huiqi2026")
    assert not passwords.matches(kept, "huiqi2027")
    assert not passwords.matches(None, "huiqi-no-such-login-0")   # no login: the dummy never lets anyone in
    assert not passwords.matches("not a hash", "huiqi2026")


def test_logins_are_looked_up_normalized():
    assert normalized_login(" 913716024jurq28300 ") == "913716024JURQ28300"
    assert normalized_login(" Finance ") == "finance"
    assert staff_login_problem("finance") is None
    for bad in ("ab", "Finance", "1finance", "913716024JURQ28300", "张三", "a" * 33):
        assert staff_login_problem(bad) is not None


# sessions ------------------------------------------------------------------------------------
def test_a_session_ends_8_hours_after_its_last_use():
    assert sessions.expires_at(NOW, NOW) == NOW + timedelta(hours=8)
    assert sessions.is_live(NOW, NOW, NOW + timedelta(hours=8) - timedelta(seconds=1))
    assert not sessions.is_live(NOW, NOW, NOW + timedelta(hours=8))


def test_a_session_ends_after_7_days_however_much_it_is_used():
    last_seen = NOW + timedelta(days=7) - timedelta(minutes=1)
    assert sessions.expires_at(NOW, last_seen) == NOW + timedelta(days=7)
    assert not sessions.is_live(NOW, last_seen, NOW + timedelta(days=7))


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
       st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)))
def test_a_session_is_live_only_within_both_limits(since_use, use_after_start):
    last_seen = NOW + use_after_start
    now = last_seen + since_use
    assert sessions.is_live(NOW, last_seen, now) == (since_use < sessions.IDLE and now - NOW < sessions.LONGEST)


def test_session_ids_and_their_csrf_tokens_are_unguessable_and_distinct():
    first, second = sessions.new_session_id(), sessions.new_session_id()
    assert first != second and len(first) > 40
    assert csrf_token(first) == csrf_token(first) != csrf_token(second)
    assert csrf_token(first) not in (first, token_digest(first))


def test_last_seen_is_written_at_most_once_a_minute():
    assert not sessions.needs_touch(NOW, NOW + timedelta(seconds=59))
    assert sessions.needs_touch(NOW, NOW + timedelta(minutes=1))


# rate limits ---------------------------------------------------------------------------------
def test_the_sixth_failure_of_a_login_in_15_minutes_waits_for_the_first_to_leave():
    window = rate_limits.SIGN_IN_PER_LOGIN
    times = [NOW + timedelta(minutes=minute) for minute in range(5)]
    assert rate_limits.retry_after(times[:4], window, NOW + timedelta(minutes=5)) is None
    assert rate_limits.retry_after(times, window, NOW + timedelta(minutes=5)) == timedelta(minutes=10)
    assert rate_limits.retry_after(times, window, NOW + timedelta(minutes=15)) is None


def test_codes_are_sent_once_a_minute_and_five_times_an_hour():
    windows = rate_limits.CODES_PER_USCC
    assert rate_limits.longest_wait([], windows, NOW) is None
    assert rate_limits.longest_wait([NOW], windows, NOW + timedelta(seconds=20)) == timedelta(seconds=40)
    five = [NOW + timedelta(minutes=2 * n) for n in range(5)]
    assert rate_limits.longest_wait(five, windows, NOW + timedelta(minutes=10)) == timedelta(minutes=50)


@given(st.lists(st.integers(min_value=0, max_value=3600), max_size=40), st.integers(min_value=1, max_value=10),
       st.integers(min_value=1, max_value=1800))
def test_after_the_wait_one_more_attempt_fits_and_not_a_second_earlier(offsets, limit, length_s):
    window = rate_limits.Window(limit, timedelta(seconds=length_s))
    now = NOW + timedelta(seconds=3600)
    times = [NOW + timedelta(seconds=offset) for offset in offsets]
    wait = rate_limits.retry_after(times, window, now)
    within = [at for at in times if now - window.length < at <= now]
    if wait is None:
        assert len(within) < limit
    else:
        assert timedelta(0) < wait <= window.length
        assert rate_limits.retry_after(times, window, now + wait) is None
        assert rate_limits.retry_after(times, window, now + wait - timedelta(microseconds=1)) is not None


def test_retry_after_is_whole_seconds_rounded_up():
    assert rate_limits.whole_seconds(timedelta(seconds=0.2)) == 1
    assert rate_limits.whole_seconds(timedelta(seconds=60)) == 60
    assert rate_limits.whole_seconds(timedelta(seconds=60.1)) == 61


# registration codes --------------------------------------------------------------------------
def test_a_code_is_six_digits_and_its_sms_one_message_of_chinese():
    code = registrations.new_code()
    assert len(code) == 6 and code.isdigit()
    text = registrations.sms_text(code)
    assert code in text and len(text) <= 70 and text.startswith("【惠企政策平台】") and "10分钟" in text


def _try(code: str, *, wrong_tries: int = 0, state: State = State.waiting, at: datetime = NOW):
    return judge(registration_id="r1", stored_digest=code_digest("r1", "123456"), state=state,
                 wrong_tries=wrong_tries, expires_at=NOW + registrations.CODE_VALID, code=code, now=at)


def test_the_right_code_in_time_confirms():
    verdict = _try("123456")
    assert verdict.accepted and verdict.state is State.confirmed


def test_a_wrong_code_says_how_many_tries_are_left_and_the_fifth_locks():
    for tries in range(MAX_WRONG_TRIES - 1):
        verdict = _try("000000", wrong_tries=tries)
        assert (verdict.accepted, verdict.state, verdict.reason) == (False, State.waiting, "wrong_code")
        assert verdict.tries_left == MAX_WRONG_TRIES - tries - 1
        assert f"还可再试{verdict.tries_left}次" in verdict.refusal
    locked = _try("000000", wrong_tries=MAX_WRONG_TRIES - 1)
    assert (locked.state, locked.reason, locked.tries_left) == (State.locked, "locked", 0)
    assert not _try("123456", wrong_tries=MAX_WRONG_TRIES, state=State.locked).accepted


def test_a_code_expires_after_10_minutes_and_counts_no_try():
    verdict = _try("123456", at=NOW + registrations.CODE_VALID)
    assert (verdict.accepted, verdict.reason, verdict.wrong_tries) == (False, "expired", 0)


def test_a_confirmed_or_replaced_registration_takes_no_more_codes():
    assert _try("123456", state=State.confirmed).reason == "confirmed"
    assert _try("123456", state=State.replaced).reason == "replaced"


def test_a_code_digest_is_salted_by_the_registration():
    assert code_digest("r1", "123456") != code_digest("r2", "123456")
