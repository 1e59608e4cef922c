"""Which staff a staff alarm reaches, and on which channels (contract section 11): pure.

An alarm names its audience (`shared.contracts.events.AlarmAudience`): a role, and the department,
county or teams it is for where the role acts for one. Every active staff account of that role and scope
is sent it, by SMS to its phone and by e-mail to its address where it gave them and the channel is
configured; one message per alarm, account and channel (the key names all three), so an alarm heard
twice is sent once. Where the WeChat group robot is configured, each alarm is also posted to the group,
once per alarm whoever it reaches (its key names the alarm alone): the group is the staff's, not a person's.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.contracts.events import AlarmAudience

ALARM = "alarm"            # the kind of a staff alarm's delivery
CHANNELS = ("sms", "email")   # a staff member's own
GROUP_CHANNEL = "wechat"      # the staff's group: one post per alarm


def reaches(audience: AlarmAudience, staff: Mapping[str, Any]) -> bool:
    """Whether the staff account `staff` (its role, department, county, team_id, active) is in `audience`."""
    return (bool(staff["active"]) and staff["role"] == audience.role
            and (audience.department is None or staff["department"] == audience.department)
            and (audience.county is None or staff["county"] == audience.county)
            and (audience.team_ids is None or staff["team_id"] in audience.team_ids))


def recipients(audience: Iterable[AlarmAudience], staff: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The staff accounts any of `audience` reaches, each once, in the order given."""
    audience = list(audience)
    return [one for one in staff if any(reaches(part, one) for part in audience)]


def addresses(staff: Mapping[str, Any], available: Iterable[str]) -> list[tuple[str, str]]:
    """(channel, recipient) of each channel available that the account can be reached on."""
    where = {"sms": staff["phone"], "email": staff["email"]}
    return [(channel, where[channel]) for channel in CHANNELS if channel in set(available) and where[channel]]


def key(alarm_id: str, account_id: str, channel: str) -> str:
    return f"alarm.{alarm_id}.{account_id}.{channel}"


def group_key(alarm_id: str) -> str:
    """The key of an alarm's one post to the WeChat group (a staff member's keys end in their own channels)."""
    return f"alarm.{alarm_id}.{GROUP_CHANNEL}"
