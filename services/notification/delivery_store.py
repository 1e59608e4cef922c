"""Deliveries' rows (contract section 11): deciding them in the transaction that writes their notices,
finding those due, claiming them for an attempt, recording what the provider answered, the daily digest,
and an enterprise's or a staff member's list. The rules (retries, quiet hours, the daily limit, texts) are in
`domain/delivery.py` and `domain/templates.py`; the sending is the service's sender (`sender.py`)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from services.notification.domain import delivery as rules
from services.notification.domain import templates
from services.notification.domain.contacts import Contacts
from services.notification.domain.preferences import DEFAULTS, IN_APP, Preferences, stored
from services.notification.models import deliveries, notification_contacts, notification_preferences, notifications
from shared.database import insert_ignoring_duplicates

POLICY_MATCHED = "policy_matched"
DIGEST = "digest"
WECHAT_GROUP = "group"    # the one group the robot posts in
CHUNK = 1000
CLAIM_LEASE = timedelta(minutes=2)   # a claimed delivery not recorded by then (a crash) is tried again


def last_notice_id(session: Session) -> int:
    """The newest notice's id: what a transaction writes after it is new."""
    return session.execute(select(func.coalesce(func.max(notifications.c.id), 0))).scalar_one()


def choices(session: Session, usccs: Iterable[str]) -> dict[str, tuple[Preferences, Contacts]]:
    """The preferences and contacts of those of `usccs` that saved any (the others have the defaults: the
    inbox alone)."""
    usccs = [uscc for uscc in dict.fromkeys(usccs) if uscc is not None]   # a staff alarm's has none
    found: dict[str, tuple[Preferences, Contacts]] = {}
    for start in range(0, len(usccs), CHUNK):
        chunk = usccs[start:start + CHUNK]
        for row in session.execute(select(notification_preferences)
                                   .where(notification_preferences.c.uscc.in_(chunk))):
            found[row.uscc] = (stored(row.kinds, (row.quiet_start, row.quiet_end), row.digest), Contacts())
        for row in session.execute(select(notification_contacts).where(notification_contacts.c.uscc.in_(chunk))):
            preferences = found.get(row.uscc, (DEFAULTS, None))[0]
            found[row.uscc] = (preferences, Contacts(phone=row.phone, email=row.email))
    return found


def recipient(channel: str, contacts: Contacts) -> str | None:
    return {"sms": contacts.phone, "email": contacts.email, "wechat": WECHAT_GROUP}.get(channel)


def decide(session: Session, *, after_id: int, available: Iterable[str], public_url: str, now: datetime) -> int:
    """The deliveries of the notices written after `after_id` (in this transaction): one per channel the
    enterprise chose for the notice's kind that is available and has a recipient; held by quiet hours
    where they apply; none for a new match of an enterprise on the daily digest (the digest tells it).
    Returns how many were written."""
    available = set(available) - {IN_APP}
    if not available:
        return 0   # the inbox alone: nothing to decide
    notices = session.execute(select(notifications.c.id, notifications.c.uscc, notifications.c.kind,
                                     notifications.c.title).where(notifications.c.id > after_id)).all()
    chosen = choices(session, (notice.uscc for notice in notices))
    rows = []
    for notice in notices:
        if notice.uscc not in chosen:
            continue
        preferences, contacts = chosen[notice.uscc]
        if notice.kind == POLICY_MATCHED and preferences.digest == "daily":
            continue
        text = templates.notice_text(notice.kind, notice.title, public_url)
        for channel in preferences.kinds.get(notice.kind, ()):
            to = recipient(channel, contacts) if channel in available else None
            if to:
                rows.append(delivery_row(f"n{notice.id}.{channel}", notice.uscc, notice.kind, notice.id, channel, to,
                                         text, preferences, now))
    return insert_rows(session, rows)


def delivery_row(key: str, uscc: str | None, kind: str, notification_id: int | None, channel: str, to: str,
                 text: str, preferences: Preferences, now: datetime) -> dict:
    held = rules.quiet_until(preferences.quiet_hours, channel, now)
    return {"idempotency_key": key, "uscc": uscc, "account_id": None, "kind": kind, "notification_id": notification_id,
            "channel": channel, "recipient": to, "text": text,
            "status": rules.DEFERRED if held else rules.QUEUED, "attempts": 0,
            "next_attempt_at": held or now, "reason": held and _quiet_reason(held),
            "created_at": now, "updated_at": now}


def _quiet_reason(until: datetime) -> str:
    return f"免打扰时段，{until.astimezone(rules.CHINA):%H:%M} 后发送"


def insert_rows(session: Session, rows: list[dict]) -> int:
    if not rows:
        return 0
    dialect = session.bind.dialect.name
    written = 0
    for start in range(0, len(rows), CHUNK):
        written += len(session.execute(insert_ignoring_duplicates(dialect, deliveries)
                                       .returning(deliveries.c.id), rows[start:start + CHUNK]).all())
    return written


def write_digests(session: Session, *, available: Iterable[str], public_url: str, now: datetime) -> int:
    """The daily digest (at 09:00 China time): for each enterprise on it, one message per chosen channel
    listing the new matches since 09:00 the day before; once a day (its key names the day)."""
    window = rules.digest_window(now)
    available = set(available) - {IN_APP}
    if window is None or not available:
        return 0
    start, end = window
    daily = [row.uscc for row in session.execute(select(notification_preferences.c.uscc)
                                                 .where(notification_preferences.c.digest == "daily"))]
    if not daily:
        return 0
    titles: dict[str, list[str]] = {}
    for offset in range(0, len(daily), CHUNK):
        query = (select(notifications.c.uscc, notifications.c.title)
                 .where(notifications.c.uscc.in_(daily[offset:offset + CHUNK]), notifications.c.kind == POLICY_MATCHED,
                        notifications.c.created_at >= start, notifications.c.created_at < end)
                 .order_by(notifications.c.id))
        for row in session.execute(query):
            titles.setdefault(row.uscc, []).append(row.title)
    chosen = choices(session, titles)
    rows = []
    for uscc, listed in titles.items():
        preferences, contacts = chosen[uscc]
        text = templates.digest_text(listed, public_url)
        for channel in preferences.kinds.get(POLICY_MATCHED, ()):
            to = recipient(channel, contacts) if channel in available else None
            if to:
                rows.append(delivery_row(f"digest.{uscc}.{end:%Y%m%d}.{channel}", uscc, DIGEST, None, channel, to,
                                         text, preferences, now))
    return insert_rows(session, rows)


def due(session: Session, now: datetime, limit: int) -> list:
    """Deliveries to try now, the longest waiting first."""
    return session.execute(select(deliveries).where(deliveries.c.status.in_((rules.QUEUED, rules.DEFERRED)),
                                                    deliveries.c.next_attempt_at <= now)
                           .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit)).all()


def sms_sent_since(session: Session, phones: Iterable[str], since: datetime) -> dict[str, int]:
    """How many SMS each phone was sent since `since`."""
    query = (select(deliveries.c.recipient, func.count()).where(
        deliveries.c.channel == "sms", deliveries.c.recipient.in_(list(set(phones))),
        deliveries.c.status == rules.SENT, deliveries.c.sent_at >= since).group_by(deliveries.c.recipient))
    return dict(session.execute(query).all())


def hold(session: Session, ids_until: Mapping[int, tuple[datetime | None, str]], now: datetime) -> None:
    """Defer these deliveries (not an attempt): id -> (until, why); until None: give them up (failed)."""
    statement = (update(deliveries).where(deliveries.c.id == bindparam("p_id"))
                 .values(status=bindparam("p_status"), next_attempt_at=bindparam("p_until"),
                         reason=bindparam("p_reason"), updated_at=now))
    if ids_until:
        session.connection().execute(statement, [
            {"p_id": row_id, "p_until": until, "p_reason": why, "p_status": rules.DEFERRED if until else rules.FAILED}
            for row_id, (until, why) in ids_until.items()])


def claim(session: Session, ids: list[int], now: datetime) -> list:
    """Take these deliveries for an attempt (one more attempt, not due again before the lease ends); the rows
    claimed (those another sender took meanwhile are left out)."""
    if not ids:
        return []
    claimed = session.execute(update(deliveries).where(
        deliveries.c.id.in_(ids), deliveries.c.status.in_((rules.QUEUED, rules.DEFERRED)),
        deliveries.c.next_attempt_at <= now).values(
        attempts=deliveries.c.attempts + 1, next_attempt_at=now + CLAIM_LEASE, updated_at=now)
        .returning(deliveries.c.id)).scalars().all()
    if not claimed:
        return []
    return session.execute(select(deliveries).where(deliveries.c.id.in_(claimed)).order_by(deliveries.c.id)).all()


def record(session: Session, outcomes: list[dict], now: datetime) -> None:
    """What each attempt came to: {id, status, next_attempt_at, reason, provider_answer, provider_id, sent_at}."""
    if outcomes:
        statement = (update(deliveries).where(deliveries.c.id == bindparam("p_id")).values(
            status=bindparam("p_status"), next_attempt_at=bindparam("p_next"), reason=bindparam("p_reason"),
            provider_answer=bindparam("p_answer"), provider_id=bindparam("p_provider_id"),
            sent_at=bindparam("p_sent_at"), updated_at=now))
        session.connection().execute(statement, [{f"p_{name}": value for name, value in outcome.items()}
                                                 for outcome in outcomes])


def page(session: Session, *, uscc: str | None = None, account_id: str | None = None, limit: int,
         offset: int) -> dict:
    """The deliveries to the enterprise `uscc`, or to the staff account `account_id` (its alarms), newest first."""
    whose = deliveries.c.uscc == uscc if account_id is None else deliveries.c.account_id == account_id
    query = select(deliveries).where(whose).order_by(deliveries.c.id.desc()).limit(limit).offset(offset)
    items = [_public(row) for row in session.execute(query)]
    total = session.execute(select(func.count()).select_from(deliveries).where(whose)).scalar_one()
    return {"items": items, "total": total}


def _public(row) -> dict:
    def at(value):
        return value and value.isoformat()

    return {"id": row.id, "kind": row.kind, "notification_id": row.notification_id, "channel": row.channel,
            "recipient": row.recipient, "text": row.text, "status": row.status, "attempts": row.attempts,
            "reason": row.reason, "provider_answer": row.provider_answer, "provider_id": row.provider_id,
            "next_attempt_at": at(row.next_attempt_at) if row.status in (rules.QUEUED, rules.DEFERRED) else None,
            "created_at": at(row.created_at), "sent_at": at(row.sent_at)}
