"""What enterprises chose about being notified, one row each: their notification preferences and their
contacts. The rules (defaults, what a change may say) are in `domain/preferences.py` and
`domain/contacts.py`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.notification.domain.contacts import NONE, Contacts
from services.notification.domain.preferences import DEFAULTS, Preferences, stored
from services.notification.models import notification_contacts
from services.notification.models import notification_preferences as table


def read(session: Session, uscc: str, *, for_update: bool = False) -> tuple[Preferences, datetime | None]:
    """The enterprise's preferences and when it last saved them; the defaults and None if it never did."""
    query = select(table).where(table.c.uscc == uscc)
    row = session.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        return DEFAULTS, None
    return stored(row.kinds, (row.quiet_start, row.quiet_end), row.digest), row.updated_at


def save(session: Session, uscc: str, preferences: Preferences, now: datetime) -> None:
    _upsert(session, table, uscc, {"kinds": preferences.to_json()["kinds"], "quiet_start": preferences.quiet_hours[0],
                                   "quiet_end": preferences.quiet_hours[1], "digest": preferences.digest,
                                   "updated_at": now})


def read_contacts(session: Session, uscc: str, *, for_update: bool = False) -> tuple[Contacts, datetime | None]:
    """The enterprise's contacts and when it last saved them; none and None if it never did."""
    query = select(notification_contacts).where(notification_contacts.c.uscc == uscc)
    row = session.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        return NONE, None
    return Contacts(phone=row.phone, email=row.email), row.updated_at


def save_contacts(session: Session, uscc: str, contacts: Contacts, now: datetime) -> None:
    _upsert(session, notification_contacts, uscc, {**contacts.to_json(), "updated_at": now})


def _upsert(session: Session, into: Table, uscc: str, values: dict) -> None:
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    # one statement either way, so two first saves at once do not collide on the key
    session.execute(dialect.insert(into).values(uscc=uscc, **values)
                    .on_conflict_do_update(index_elements=[into.c.uscc], set_=values))
