"""Drill (issue 12, items 3 and 4): the database goes away for 30 s under a stream of messages.

Three sources publish sequences 1..N for each of a set of enterprises to `gov.events` (one as bulk
batches), interleaved, touching overlapping fields, so any reordering shows in the merged profile.
The tagging service reaches PostgreSQL through a TCP proxy that drops every connection and refuses
new ones for 30 s while the stream goes on. Afterwards, from a ledger of every event id published:
every profile equals the fold of all messages in publish order (the pure merge), every message is
claimed exactly once in the inbox, and there are 0 stale records, 0 quarantined, 0 dead letters.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from services.tagging import intake
from services.tagging.domain.merge import Applied, merge
from tests.broker import fresh_vhost
from tests.e2e import harness
from tests.polling import eventually, until
from tests.tcp_proxy import TcpProxy, url_through

pytestmark = pytest.mark.postgres

OUTAGE_S = 30.0
ENTERPRISES = 12
SEQUENCES = 12          # N: per (source, enterprise)
SINGLE_SOURCES = ("market-regulation", "social-security")
BULK_SOURCE = "tax"


def fields_for(source: str, sequence: int, number: int) -> dict:
    """Every source writes `employees` (so the last applied message wins it), and fields of its own."""
    common = {"employees": sequence * 100 + number}
    if source == "market-regulation":
        return {**common, "name": f"滨州企业{number}-第{sequence}版", "county": "371602" if sequence % 2 else "371625"}
    if source == "social-security":
        return {**common, "qualifications": ["tech_sme"] if sequence % 3 else []}
    return {**common, "annual_revenue": sequence * 1000 + number, "total_assets": sequence * 7 + number}


def the_stream(usccs: list[str]) -> list[tuple[str, dict]]:
    """(routing key, body) in publish order: round k carries sequence k of every source, sources
    interleaved enterprise by enterprise; the bulk source sends one batch per round."""
    stream = []
    for sequence in range(1, SEQUENCES + 1):
        for number, uscc in enumerate(usccs):
            for source in SINGLE_SOURCES:
                stream.append(("enterprise.profile_changed", harness.enterprise_event(
                    uscc, fields_for(source, sequence, number), source=source, sequence=sequence)))
        stream.append(("enterprise.profiles_synced", harness.bulk_event(BULK_SOURCE, [
            {"sequence": sequence, "enterprise": {"uscc": uscc, **fields_for(BULK_SOURCE, sequence, number)}}
            for number, uscc in enumerate(usccs)])))
    return stream


def folded(stream: list[tuple[str, dict]]) -> dict[str, dict]:
    """The profiles the messages make when applied one by one in publish order (no stale among them)."""
    states: dict = {}
    at = datetime.now(UTC)
    for routing_key, body in stream:
        received = intake.read(routing_key, body, "")
        assert not received.rejected, received.rejected
        for update in received.updates:
            result = merge(states.get(update.uscc), update.source, update.sequence, update.fields, at)
            assert isinstance(result, Applied), result
            states[update.uscc] = result.state
    return {uscc: {"profile": state.profile, "sequences": state.sequences} for uscc, state in states.items()}


def stored(platform: harness.Platform) -> dict[str, dict]:
    return {row.uscc: {"profile": row.profile, "sequences": row.sequences} for row in
            platform.rows("tagging", "SELECT uscc, profile, sequences FROM enterprises")}


def inbox_ids(platform: harness.Platform) -> list[str]:
    return [row[0] for row in platform.rows("tagging", "SELECT event_id FROM inbox WHERE consumer LIKE 'tagging.%'")]


@pytest.fixture
def tagging_behind_a_proxy(tmp_path):
    """A platform of the tagging service alone, its database reached through a proxy."""
    proxy = TcpProxy(5432).start()
    with fresh_vhost("huiqi-e2e-outage") as amqp_uri:
        harness.declare(amqp_uri)
        template = harness.postgres_template()
        platform = harness.Platform(amqp_uri, template, tmp_path,
                                    env={"HUIQI_DATABASE_URL": url_through(template, proxy)})
        harness.ACTIVE.append(platform)
        try:
            platform.start("tagging")
            yield platform, proxy
        finally:
            harness.ACTIVE.remove(platform)
            proxy.restore()
            platform.close()
            proxy.close()
            harness.drop_databases(template)


def test_a_30_s_database_outage_under_a_stream_loses_reorders_and_dead_letters_nothing(tagging_behind_a_proxy):
    platform, proxy = tagging_behind_a_proxy
    usccs = [harness.new_uscc() for _ in range(ENTERPRISES)]
    stream = the_stream(usccs)
    ledger = [body["event_id"] for _, body in stream]
    gov = harness.GovPublisher(platform.amqp_uri)
    started = time.monotonic()
    try:
        first_part, during, after = len(stream) // 4, len(stream) * 3 // 4, len(stream)
        for routing_key, body in stream[:first_part]:
            gov.publish(routing_key, body)
        until(lambda: platform.scalar("tagging", "SELECT count(*) FROM enterprises"),
                      what="the first messages applied")
        proxy.cut()
        cut_at = time.monotonic()
        # the stream goes on while the database is away, spread over the outage
        pace = (OUTAGE_S - 2) / (during - first_part)
        for routing_key, body in stream[first_part:during]:
            gov.publish(routing_key, body)
            time.sleep(pace)
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - cut_at)))  # the outage lasts its 30 s
        proxy.restore()
        for routing_key, body in stream[during:after]:
            gov.publish(routing_key, body)
    finally:
        gov.close()

    expected = folded(stream)
    eventually(lambda: _all_applied(platform, expected), timeout=120, interval=1.0,
                       what="every message applied")
    print(f"\n{len(stream)} messages ({len(ledger)} event ids), database away {OUTAGE_S:g} s; "
          f"all applied {time.monotonic() - started:.0f} s after the first was published")

    claimed = inbox_ids(platform)
    assert sorted(claimed) == sorted(ledger)                      # every one handled, none twice
    assert stored(platform) == expected
    assert platform.scalar("tagging", "SELECT count(*) FROM stale_messages") == 0
    assert platform.scalar("tagging", "SELECT count(*) FROM quarantine") == 0
    assert platform.scalar("tagging", "SELECT count(*) FROM dead_letters") == 0
    assert pauses(platform) >= 2, "the outage was not felt by the consumer"


def pauses(platform: harness.Platform) -> int:
    return (platform.processes.log_dir / "tagging.log").read_text(errors="replace").count('"consumer_paused"')


def _all_applied(platform: harness.Platform, expected: dict[str, dict]) -> None:
    letters = platform.scalar("tagging", "SELECT count(*) FROM dead_letters")
    stale = platform.scalar("tagging", "SELECT count(*) FROM stale_messages")
    assert letters == 0 and stale == 0, f"{letters} dead letters, {stale} stale: the drill failed already"
    sequences = {uscc: state["sequences"] for uscc, state in stored(platform).items()}
    assert sequences == {uscc: state["sequences"] for uscc, state in expected.items()}, "not all applied yet"
