"""An enterprise's notification preferences (contract section 11): per notice kind, the channels it
reaches the enterprise on; the quiet hours (China time) when no SMS or WeChat message goes out; and the
digest (`immediate`, or `daily`: one message a day listing the new matches).

`in_app` (the inbox) is always on: every notice is in it whatever else is chosen. A channel is available
only while its provider is configured; one chosen while it is not is kept and takes effect once it is.
A change names only what it changes: a field left out, or a kind not named in `kinds`, keeps its value.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from shared.errors import Invalid

IN_APP = "in_app"
CHANNELS = (IN_APP, "sms", "email", "wechat")
# what the inbox writes (services/notification/inbox.py; a test checks the two agree)
NOTICE_KINDS = ("policy_matched", "proactive_offer", "proactive_offer_withdrawn", "application_returned",
                "application_completed", "application_rejected", "survey")
DIGESTS = ("immediate", "daily")
DEFAULT_QUIET_HOURS = ("21:00", "08:00")
DEFAULT_DIGEST = "immediate"
FIELDS = ("kinds", "quiet_hours", "digest")

_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True)
class Preferences:
    kinds: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {kind: (IN_APP,) for kind in NOTICE_KINDS})
    quiet_hours: tuple[str, str] = DEFAULT_QUIET_HOURS
    digest: str = DEFAULT_DIGEST

    def to_json(self) -> dict:
        return {"kinds": {kind: list(self.kinds[kind]) for kind in NOTICE_KINDS},
                "quiet_hours": list(self.quiet_hours), "digest": self.digest}


DEFAULTS = Preferences()


def stored(kinds: Mapping[str, Any] | None, quiet_hours: Any, digest: Any) -> Preferences:
    """Preferences as saved: a kind added to the inbox since then has its default (the inbox alone), a kind
    the inbox no longer writes is dropped."""
    saved = kinds or {}
    return Preferences(kinds={kind: canonical(saved.get(kind, ())) for kind in NOTICE_KINDS},
                       quiet_hours=(quiet_hours[0], quiet_hours[1]) if quiet_hours else DEFAULT_QUIET_HOURS,
                       digest=digest if digest in DIGESTS else DEFAULT_DIGEST)


def canonical(channels) -> tuple[str, ...]:
    """The channels in CHANNELS order, each once, `in_app` always among them."""
    chosen = set(channels) | {IN_APP}
    return tuple(channel for channel in CHANNELS if channel in chosen)


def changed(current: Preferences, change: Mapping[str, Any]) -> Preferences:
    """`current` with `change` applied, or Invalid (422) naming every field at fault and its rule."""
    problems: list[dict] = []
    unknown = [name for name in change if name not in FIELDS]
    problems += [{"field": name, "message": f"is not a preference; give {', '.join(FIELDS)}"} for name in unknown]
    kinds = dict(current.kinds)
    if change.get("kinds") is not None:
        kinds.update(_checked_kinds(change["kinds"], problems))
    quiet_hours = current.quiet_hours
    if change.get("quiet_hours") is not None:
        quiet_hours = _checked_quiet_hours(change["quiet_hours"], problems)
    digest = current.digest
    if change.get("digest") is not None:
        digest = _checked_digest(change["digest"], problems)
    if problems:
        first = problems[0]
        raise Invalid(f"{first['field']}: {first['message']}", problems)
    return Preferences(kinds=kinds, quiet_hours=quiet_hours, digest=digest)


def _checked_kinds(kinds: Any, problems: list[dict]) -> dict[str, tuple[str, ...]]:
    if not isinstance(kinds, Mapping):
        problems.append({"field": "kinds", "message": "must be an object of notice kind to a list of channels"})
        return {}
    checked = {}
    for kind, channels in kinds.items():
        where = f"kinds.{kind}"
        if kind not in NOTICE_KINDS:
            problems.append({"field": where, "message": f"is not a notice kind; one of {', '.join(NOTICE_KINDS)}"})
            continue
        if not isinstance(channels, list | tuple):
            problems.append({"field": where, "message": f"must be a list of channels among {', '.join(CHANNELS)}"})
            continue
        wrong = [index for index, channel in enumerate(channels) if channel not in CHANNELS]
        for index in wrong:
            problems.append({"field": f"{where}.{index}",
                             "message": f"{channels[index]!r} is not a channel; one of {', '.join(CHANNELS)}"})
        if not wrong:
            checked[kind] = canonical(channels)
    return checked


def _checked_quiet_hours(quiet_hours: Any, problems: list[dict]) -> tuple[str, str]:
    rule = 'must be ["HH:MM", "HH:MM"], the start and end of the quiet hours in China time, e.g. ["21:00", "08:00"]'
    if not isinstance(quiet_hours, list | tuple) or len(quiet_hours) != 2:
        problems.append({"field": "quiet_hours", "message": rule})
        return DEFAULT_QUIET_HOURS
    bad = False
    for index, value in enumerate(quiet_hours):
        if not isinstance(value, str) or not _CLOCK.match(value):
            problems.append({"field": f"quiet_hours.{index}",
                             "message": f"{value!r} is not a time of day HH:MM from 00:00 to 23:59"})
            bad = True
    if bad:
        return DEFAULT_QUIET_HOURS
    start, end = quiet_hours
    if start == end:
        problems.append({"field": "quiet_hours", "message": "the start and the end must differ"})
    return start, end


def _checked_digest(digest: Any, problems: list[dict]) -> str:
    if digest not in DIGESTS:
        problems.append({"field": "digest", "message": f"{digest!r} is not one of {', '.join(DIGESTS)}"})
        return DEFAULT_DIGEST
    return digest


def clock(value: str) -> time:
    """'21:05' as a time of day."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def is_quiet(quiet_hours: tuple[str, str], at: time) -> bool:
    """Whether `at` (a China time of day) falls in the quiet hours: from the start, inclusive, to the end,
    exclusive, across midnight when the end comes before the start (21:00 to 08:00); never when they are equal
    (which a change may not set)."""
    start, end = clock(quiet_hours[0]), clock(quiet_hours[1])
    moment = at.replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def channels_available(*, sms_url: str | None, smtp_url: str | None, wechat_webhook_url: str | None) -> dict[str, bool]:
    """Which channels can deliver now: the inbox always, each other one while its provider is set."""
    return {IN_APP: True, "sms": bool(sms_url), "email": bool(smtp_url), "wechat": bool(wechat_webhook_url)}


def answer(uscc: str, preferences: Preferences, available: Mapping[str, bool], updated_at: str | None) -> dict:
    """What `GET .../notification-preferences` answers."""
    return {"uscc": uscc, **preferences.to_json(), "channels_available": dict(available), "updated_at": updated_at}
