"""Drill (issue 12): a poison storm. 1,000 invalid government messages interleaved with 1,000 valid
ones reach the tagging service: exactly 1,000 are quarantined and 1,000 applied (a ledger of the
ids, nothing lost, nothing doubled, no dead letter), and the valid ones are not slowed by more
than 2x compared with the same 1,000 valid messages alone (reported; asserted loosely, see below).

Both runs queue their messages before the service starts, so the time measured is the service's
(from the first message handled to the last valid one applied), not the publisher's nor the start's."""
import json
import re
import statistics
import time
import uuid

import kombu
import pytest
from sqlalchemy import func, select

from services.tagging.models import enterprises, quarantine
from shared import dead_letters
from shared.store import Store
from shared.uscc import complete
from tests.polling import eventually

VALID = 1000
ROUNDS = 3
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def new_uscc(number: int, run: str) -> str:
    body = "".join(ALPHABET[int(char, 16) % 31] for char in uuid.uuid5(uuid.NAMESPACE_OID, f"{run}{number}").hex[:9])
    return complete(f"91371602{body}")


def valid(number: int, run: str) -> tuple[str, str, str]:
    event_id = f"{run}-valid-{number}"
    body = {"event_id": event_id, "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
            "sequence": 1, "enterprise": {"uscc": new_uscc(number, run), "name": f"企业{number}", "employees": number}}
    return event_id, "enterprise.registered", json.dumps(body, ensure_ascii=False)


def invalid(number: int, run: str) -> tuple[str, str, str]:
    """Each of the ways outside systems get it wrong, in turn."""
    event_id = f"{run}-invalid-{number}"
    good = new_uscc(number + 100_000, run)
    enterprise = {"uscc": good, "name": f"坏{number}"}
    kind = number % 7
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


def publish(amqp_uri, messages) -> None:
    with kombu.Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = kombu.Producer(connection.default_channel)
        for _, routing_key, text in messages:
            producer.publish(text, exchange="gov.events", routing_key=routing_key, delivery_mode=2,
                             content_type="application/json", content_encoding="utf-8")


def applied_and_quarantined(engine, run: str) -> tuple[set[str], list[str]]:
    with engine.connect() as connection:
        usccs = set(connection.execute(select(enterprises.c.uscc)).scalars())
        kept = connection.execute(select(quarantine.c.event_id, quarantine.c.body)).all()
    # a body that is not JSON has no event id to keep: it is still in the body as sent
    ids = [row.event_id or re.search(r'"event_id": "([^"]+)"', row.body).group(1) for row in kept]
    return usccs, [event_id for event_id in ids if event_id.startswith(run)]


def progress(engine, run: str) -> tuple[int, int]:
    """(enterprises, quarantined items of this run): two counts, so polling costs the service little
    (the container runs in this process)."""
    with engine.connect() as connection:
        return (connection.execute(select(func.count()).select_from(enterprises)).scalar_one(),
                connection.execute(select(func.count()).select_from(quarantine)
                                   .where(quarantine.c.body.like(f'%"{run}-invalid-%'))).scalar_one())


def run_storm(container_factory, nameko_config, amqp_uri, messages, run: str, enterprises_before: int):
    from services.tagging.service import TaggingService
    publish(amqp_uri, messages)
    container = container_factory(TaggingService, nameko_config)
    container.start()
    engine = next(dep for dep in container.dependencies if isinstance(dep, Store)).engine
    expected_valid = sum(1 for event_id, _, _ in messages if "-valid-" in event_id)
    expected_invalid = len(messages) - expected_valid
    first_seen, valid_done = None, None

    def all_handled() -> None:
        nonlocal first_seen, valid_done
        applied, quarantined = progress(engine, run)
        applied -= enterprises_before
        if first_seen is None and (applied or quarantined):
            first_seen = time.monotonic()   # from the first message handled: the start is not measured
        if valid_done is None and applied >= expected_valid:
            valid_done = time.monotonic() - first_seen
        assert valid_done is not None and quarantined >= expected_invalid, (applied, quarantined)

    eventually(all_handled, timeout=180, interval=0.05, what="every valid message applied, every poison one kept")
    usccs, kept = applied_and_quarantined(engine, run)
    letters = dead_letters.summary(engine)["total"]
    container.stop()
    return valid_done, usccs, kept, letters


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_poison_storm_quarantines_exactly_the_poison_and_barely_slows_the_rest(
        container_factory, nameko_config, platform_env, amqp_uri, purge_queues, database_url):
    """Rounds alternate (alone, storm) and the medians are compared: the machine is shared, and one
    round of either can be slowed by whatever else runs."""
    applied_so_far: set[str] = set()
    seconds = {"alone": [], "storm": []}
    for round_number in range(ROUNDS):
        alone_run, storm_run = f"alone{round_number}", f"storm{round_number}"
        alone = [valid(number, alone_run) for number in range(VALID)]
        alone_usccs = {json.loads(text)["enterprise"]["uscc"] for _, _, text in alone}
        took, usccs, quarantined, letters = run_storm(
            container_factory, nameko_config, amqp_uri, alone, alone_run, len(applied_so_far))
        assert usccs - applied_so_far == alone_usccs and quarantined == [] and letters == 0
        applied_so_far, seconds["alone"] = usccs, [*seconds["alone"], took]

        storm = [message for number in range(VALID)
                 for message in (invalid(number, storm_run), valid(number, storm_run))]
        storm_usccs = {json.loads(text)["enterprise"]["uscc"] for event_id, _, text in storm if "-valid-" in event_id}
        took, usccs, quarantined, letters = run_storm(
            container_factory, nameko_config, amqp_uri, storm, storm_run, len(applied_so_far))
        invalid_ids = sorted(event_id for event_id, _, _ in storm if "-invalid-" in event_id)
        assert usccs - applied_so_far == storm_usccs      # 1,000 applied, no invalid one among them
        assert sorted(quarantined) == invalid_ids          # 1,000 quarantined, each once
        assert letters == 0
        applied_so_far, seconds["storm"] = usccs, [*seconds["storm"], took]

    alone_s, storm_s = statistics.median(seconds["alone"]), statistics.median(seconds["storm"])
    print(f"\npoison storm: {VALID} valid messages applied in {alone_s:.2f} s alone, {storm_s:.2f} s interleaved "
          f"with {VALID} invalid ones ({storm_s / alone_s:.2f}x; medians of {ROUNDS} rounds: "
          f"alone {[round(value, 2) for value in seconds['alone']]}, "
          f"storm {[round(value, 2) for value in seconds['storm']]})")
    # The bound is 2x; measured medians are 1.3x to 1.8x on the shared development machine
    # (docs/reliability.md), where one busy neighbour can add a second to any round. The test
    # asserts 3x so that it stays stable there, which still catches what matters: poison that
    # failed batches (and had them split to find it) would cost many times the valid messages' time.
    assert storm_s / alone_s <= 3.0
