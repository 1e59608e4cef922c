"""The poison storm's government messages (issue 12's drill), its publisher and its ledger.

Shared by the drill's test (tests/integration/test_poison_storm.py: the ledger) and its bench
measurement (bench/poison_storm.py: the slowdown), so both send exactly the same storm. A message
is `(event_id, routing_key, body text)`; `run` names one run's messages, so runs never collide.
"""
from __future__ import annotations

import json
import re
import uuid

import kombu
from sqlalchemy import Engine, func, select

from services.tagging.models import enterprises, quarantine
from shared.uscc import complete

VALID = 1000
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
INVALID_KINDS = 7

Message = tuple[str, str, str]


def new_uscc(number: int, run: str) -> str:
    body = "".join(ALPHABET[int(char, 16) % 31] for char in uuid.uuid5(uuid.NAMESPACE_OID, f"{run}{number}").hex[:9])
    return complete(f"91371602{body}")


def valid(number: int, run: str) -> Message:
    event_id = f"{run}-valid-{number}"
    body = {"event_id": event_id, "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
            "sequence": 1, "enterprise": {"uscc": new_uscc(number, run), "name": f"企业{number}", "employees": number}}
    return event_id, "enterprise.registered", json.dumps(body, ensure_ascii=False)


def invalid(number: int, run: str) -> Message:
    """Each of the ways outside systems get it wrong, in turn."""
    event_id = f"{run}-invalid-{number}"
    good = new_uscc(number + 100_000, run)
    enterprise = {"uscc": good, "name": f"坏{number}"}
    kind = number % INVALID_KINDS
    if kind == 0:
        enterprise["uscc"] = good[:17] + ALPHABET[(ALPHABET.index(good[17]) + 1) % 31]   # check character
    elif kind == 1:
        enterprise["name"] = f"坏\x00{number}"
    elif kind == 2:
        enterprise["name"] = f"坏\ud800{number}"
    elif kind == 3:
        enterprise["employees"] = -number
    elif kind == 4:
        enterprise["colour"] = "red"
    body = {"event_id": event_id, "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
            "sequence": 1, "enterprise": enterprise}
    if kind == 5:
        return event_id, "enterprise.registered", f'{{"event_id": "{event_id}", "not json'
    if kind == 6:
        del body["sequence"]
    return event_id, "enterprise.profile_changed", json.dumps(body)


def alone(run: str, count: int = VALID) -> list[Message]:
    """`count` valid messages and nothing else."""
    return [valid(number, run) for number in range(count)]


def storm(run: str, count: int = VALID) -> list[Message]:
    """`count` invalid messages interleaved with `count` valid ones, an invalid one first."""
    return [message for number in range(count) for message in (invalid(number, run), valid(number, run))]


def expected_ledger(messages: list[Message]) -> tuple[set[str], list[str]]:
    """The enterprises the valid messages register, and the invalid messages' event ids, sorted."""
    usccs = {json.loads(text)["enterprise"]["uscc"] for event_id, _, text in messages if "-valid-" in event_id}
    return usccs, sorted(event_id for event_id, _, _ in messages if "-invalid-" in event_id)


def publish(amqp_uri: str, messages: list[Message]) -> None:
    """To `gov.events`, persistent, each confirmed by the broker (as a government system sends them)."""
    with kombu.Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = kombu.Producer(connection.default_channel)
        for _, routing_key, text in messages:
            producer.publish(text, exchange="gov.events", routing_key=routing_key, delivery_mode=2,
                             content_type="application/json", content_encoding="utf-8")


def handled_counts(engine: Engine, run: str) -> tuple[int, int]:
    """(enterprises, quarantined items of this run) in the tagging database: two counts, so polling
    costs the service little."""
    with engine.connect() as connection:
        return (connection.execute(select(func.count()).select_from(enterprises)).scalar_one(),
                connection.execute(select(func.count()).select_from(quarantine)
                                   .where(quarantine.c.body.like(f'%"{run}-invalid-%'))).scalar_one())


def ledger(engine: Engine, run: str) -> tuple[set[str], list[str]]:
    """Every enterprise in the tagging database, and the event ids of this run's quarantined items."""
    with engine.connect() as connection:
        usccs = set(connection.execute(select(enterprises.c.uscc)).scalars())
        kept = connection.execute(select(quarantine.c.event_id, quarantine.c.body)).all()
    # a body that is not JSON has no event id to keep: it is still in the body as sent
    ids = [row.event_id or re.search(r'"event_id": "([^"]+)"', row.body).group(1) for row in kept]
    return usccs, [event_id for event_id in ids if event_id.startswith(f"{run}-")]
