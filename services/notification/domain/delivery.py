"""How a message beyond the inbox is delivered (contract section 11), as pure functions and one small
state machine: when a failed attempt is tried again (exponential backoff with jitter, for at most 24
hours), when a provider that keeps failing is left alone (a circuit), when quiet hours and the daily SMS
limit hold a message, and when the daily digest is due.

Statuses: `queued` (due, never tried), `deferred` (held: quiet hours, the daily limit, or a failed attempt
waiting for its retry; `reason` says which), `sent`, `failed` (given up: `reason` says why).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from services.notification.domain.preferences import clock, is_quiet
from shared.clock import CHINA

QUEUED, DEFERRED, SENT, FAILED = "queued", "deferred", "sent", "failed"
STATUSES = (QUEUED, DEFERRED, SENT, FAILED)
# channels that quiet hours hold (e-mail waits in a mailbox; it may arrive at night)
QUIET_CHANNELS = ("sms", "wechat")

FIRST_RETRY_S = 30.0
LONGEST_RETRY_S = 3600.0
GIVE_UP_AFTER = timedelta(hours=24)
SMS_PER_PHONE_PER_DAY = 5
DIGEST_AT = time(9, 0)   # China time


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long after its `attempts`-th failed attempt a delivery is tried again: 30 s doubling each time,
    at most an hour, with "equal jitter" (a random half of it) so that deliveries failed together do not
    come back together."""
    ceiling = min(LONGEST_RETRY_S, FIRST_RETRY_S * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


def after_failure(created_at: datetime, now: datetime, attempts: int, *, permanent: bool,
                  rng: random.Random | None = None) -> datetime | None:
    """When to try again after a failed attempt; None: give up (a permanent refusal, or the next try would
    come more than 24 hours after the delivery was decided)."""
    if permanent:
        return None
    at = now + retry_delay(attempts, rng)
    return None if at - created_at > GIVE_UP_AFTER else at


def quiet_until(quiet_hours: tuple[str, str], channel: str, at: datetime) -> datetime | None:
    """When the quiet hours that hold a `channel` message at `at` (aware) end, as an aware UTC-comparable
    datetime; None when they do not hold it."""
    if channel not in QUIET_CHANNELS:
        return None
    local = at.astimezone(CHINA)
    if not is_quiet(quiet_hours, local.time()):
        return None
    end = clock(quiet_hours[1])
    release = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release


def china_day_start(at: datetime) -> datetime:
    local = at.astimezone(CHINA)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def next_digest(at: datetime) -> datetime:
    """The next daily digest after `at`: 09:00 China time."""
    local = at.astimezone(CHINA)
    digest = local.replace(hour=DIGEST_AT.hour, minute=DIGEST_AT.minute, second=0, microsecond=0)
    return digest if digest > local else digest + timedelta(days=1)


def digest_window(at: datetime) -> tuple[datetime, datetime] | None:
    """The day a digest sent at `at` covers: from 09:00 the day before to 09:00 today (China time); None
    before 09:00."""
    local = at.astimezone(CHINA)
    if local.time() < DIGEST_AT:
        return None
    end = local.replace(hour=DIGEST_AT.hour, minute=DIGEST_AT.minute, second=0, microsecond=0)
    return end - timedelta(days=1), end


@dataclass
class Circuit:
    """One provider's circuit: after `threshold` failures in a row it opens, and nothing is sent to that
    provider for `cool_down` (doubling, up to `longest`, each time a trial fails); then one trial goes
    through (half-open), and a success closes it."""

    threshold: int = 5
    cool_down: timedelta = timedelta(seconds=15)
    longest: timedelta = timedelta(minutes=10)
    failures: int = 0
    open_until: datetime | None = None
    _trial: datetime | None = field(default=None, repr=False)   # when the trial went out
    _wait: timedelta | None = field(default=None, repr=False)

    @property
    def state(self) -> str:
        if self.open_until is None:
            return "closed"
        return "half_open" if self._trial is not None else "open"

    def allows(self, now: datetime) -> bool:
        """Whether a message may go to the provider now (while half-open: the one trial; another if no answer
        to it came within `longest`, as when it was never sent)."""
        if self.open_until is None:
            return True
        if self._trial is not None and now < self._trial + self.longest:
            return False          # the trial is out; wait for its answer
        if now >= self.open_until:
            self._trial = now
            return True
        return False

    def succeeded(self) -> None:
        self.failures, self.open_until, self._trial, self._wait = 0, None, None, None

    def failed(self, now: datetime) -> None:
        self.failures += 1
        if self._trial is not None:
            self._wait = min(self.longest, (self._wait or self.cool_down) * 2)
        elif self.failures >= self.threshold:
            self._wait = self._wait or self.cool_down
        else:
            return
        self.open_until, self._trial = now + self._wait, None


@dataclass
class Pace:
    """A provider's rate limit: at most `per_s` messages a second (token bucket, bursts of one second's
    worth); `wait_s(now)` takes a token and says how long to wait before sending (0: at once). A rate of 0
    or less is no limit."""

    per_s: float
    _tokens: float = field(default=0.0, repr=False)
    _at: float | None = field(default=None, repr=False)

    def wait_s(self, now: float) -> float:
        if self.per_s <= 0:
            return 0.0
        if self._at is None:
            self._tokens, self._at = self.per_s, now
        self._tokens = min(self.per_s, self._tokens + (now - self._at) * self.per_s)
        self._at = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.per_s
