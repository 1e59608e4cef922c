"""The notification service's copy of staff accounts (from `account.staff_changed`), and the deliveries of
the staff alarms other services raise (`alarm.raised`), decided in the transaction that hears them: to each
staff member it reaches, and once to the WeChat group. Who an
alarm reaches is `domain/staff_alarms.py`; the sending is the sender's, as for every delivery."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.notification import delivery_store
from services.notification.domain import staff_alarms, templates
from services.notification.domain.preferences import DEFAULTS
from services.notification.models import staff_contacts
from shared.contracts.events import AlarmsRaised, StaffAccountChanged


def keep(session: Session, change: StaffAccountChanged) -> None:
    """Keep the account as it now stands: a change older than the one kept changes nothing (two changes heard by
    two workers at once may commit in either order), but a disable always does; and a disabled one stays
    disabled (a late `active` changes nothing)."""
    values = {"role": change.role, "department": change.department, "county": change.county,
              "team_id": change.team_id, "phone": change.phone, "email": change.email, "active": change.active,
              "updated_at": change.occurred_at}
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(staff_contacts).values(account_id=change.account_id, **values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[staff_contacts.c.account_id], set_=values,
        where=and_(staff_contacts.c.active.is_(True),
                   or_(staff_contacts.c.updated_at <= statement.excluded.updated_at,
                       statement.excluded.active.is_(False)))))


def staff_of_roles(session: Session, roles: Iterable[str]) -> list:
    return [row._mapping for row in session.execute(
        select(staff_contacts).where(staff_contacts.c.role.in_(sorted(set(roles))), staff_contacts.c.active.is_(True))
        .order_by(staff_contacts.c.account_id))]


def decide(session: Session, events: Iterable[AlarmsRaised], *, available: Iterable[str], public_url: str,
           now: datetime) -> int:
    """A delivery per alarm, staff member it reaches and channel they can be reached on, and one per alarm to the
    WeChat group where it is configured (held by the default quiet hours where they apply); an alarm heard again
    writes nothing. Returns how many were written."""
    available = set(available)
    alarms = [alarm for event in events for alarm in event.alarms]
    to_group = staff_alarms.GROUP_CHANNEL in available
    if not alarms or not (to_group or available & set(staff_alarms.CHANNELS)):
        return 0
    staff = staff_of_roles(session, {part.role for alarm in alarms for part in alarm.audience})
    rows = []
    for alarm in alarms:
        text = templates.alarm_text(alarm.title, public_url)
        if to_group:
            rows.append(delivery_store.delivery_row(staff_alarms.group_key(alarm.alarm_id), None, staff_alarms.ALARM,
                                                    None, staff_alarms.GROUP_CHANNEL, delivery_store.WECHAT_GROUP,
                                                    text, DEFAULTS, now))
        for one in staff_alarms.recipients(alarm.audience, staff):
            for channel, to in staff_alarms.addresses(one, available):
                written = delivery_store.delivery_row(staff_alarms.key(alarm.alarm_id, one["account_id"], channel),
                                                      None, staff_alarms.ALARM, None, channel, to, text, DEFAULTS, now)
                rows.append({**written, "account_id": one["account_id"]})
    return delivery_store.insert_rows(session, rows)
