"""The tags published policies use, kept in the tagging database from the policy service's events;
`domain.policy_uses` decides what each event changes. `catalogue_store.retire` asks `refuse_if_used`
in its own transaction, after locking the tag's row, and `hear` locks the rows of the tags it records
a use of: a retirement and a use heard at the same time wait for each other."""
from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from services.tagging.domain import policy_uses
from services.tagging.models import policies_heard, tag_definitions, tag_uses
from shared.contracts.events import PolicyChanged, PolicyInForce
from shared.contracts.tags import TagState
from shared.database import insert_ignoring_duplicates
from shared.errors import Conflict

SHOWN_IN_REFUSAL = 10


def hear(session: Session, events: list[PolicyChanged]) -> list[str]:
    """Apply the events, in order; returns the retired tags that a policy now in force uses (it was
    published from a draft written before the retirement: the policy service checks a rule's tags
    when the rule is written)."""
    retired_in_use: list[str] = []
    for event in events:
        session.execute(insert_ignoring_duplicates(session.get_bind().dialect.name, policies_heard).values(
            policy_id=event.policy_id, version=0, in_force=True))
        row = session.execute(select(policies_heard).where(policies_heard.c.policy_id == event.policy_id)
                              .with_for_update()).one()
        heard = policy_uses.after(policy_uses.Heard(row.version, row.in_force), event)
        if heard is None:
            continue
        named = ({"title": event.title, "department": event.department} if isinstance(event, PolicyInForce)
                 else {})
        session.execute(update(policies_heard).where(policies_heard.c.policy_id == event.policy_id)
                        .values(version=heard.version, in_force=heard.in_force, **named))
        session.execute(delete(tag_uses).where(tag_uses.c.policy_id == event.policy_id))
        if heard.in_force and event.tags_used:
            codes = sorted(set(event.tags_used))
            # shared locks, in one order: a retirement of one of these tags waits for this transaction
            states = session.execute(select(tag_definitions.c.code, tag_definitions.c.state)
                                     .where(tag_definitions.c.code.in_(codes)).order_by(tag_definitions.c.code)
                                     .with_for_update(read=True)).all()
            retired_in_use += [code for code, state in states if state != TagState.active]
            session.execute(insert(tag_uses), [{"code": code, "policy_id": event.policy_id} for code in codes])
    return retired_in_use


def using(session: Session, code: str) -> list[dict]:
    """The published policies whose rule uses the tag: `{"id", "title", "department"}` each."""
    rows = session.execute(select(policies_heard.c.policy_id, policies_heard.c.title, policies_heard.c.department)
                           .join(tag_uses, tag_uses.c.policy_id == policies_heard.c.policy_id)
                           .where(tag_uses.c.code == code, policies_heard.c.in_force)
                           .order_by(policies_heard.c.policy_id))
    return [{"id": row.policy_id, "title": row.title, "department": row.department} for row in rows]


def refuse_if_used(session: Session, code: str) -> None:
    """Conflict (409) naming the published policies that use the tag, if any do."""
    users = using(session, code)
    if users:
        names = "; ".join(f"{policy['id']} {policy['title']}" for policy in users[:SHOWN_IN_REFUSAL])
        raise Conflict(f"published policies use tag {code}; change their rules first: {names}",
                       {"code": code, "policies": users})
