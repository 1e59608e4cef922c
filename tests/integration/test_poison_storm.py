"""Drill (issue 12): a poison storm. 1,000 invalid government messages interleaved with 1,000 valid
ones reach the tagging service: exactly the 1,000 invalid ones are quarantined, each once, and the
1,000 valid ones applied (a ledger of the ids, nothing lost, nothing doubled, no dead letter); so
are the same 1,000 valid messages alone. Both runs queue their messages before the service starts.

How much the storm slows the valid ones down is measured by the bench (`python -m bench --only
poison_storm`, key `poison_storm_slowdown_x`), on the same messages (bench/poison_messages.py)."""

import pytest

from bench.poison_messages import alone, expected_ledger, handled_counts, ledger, publish, storm
from shared import dead_letters
from shared.store import Store
from tests.polling import eventually


def handle(container_factory, nameko_config, amqp_uri, messages, run: str, enterprises_before: int):
    """Queue `messages`, start the tagging service, wait until every one is applied or quarantined;
    returns the ledger (every enterprise, this run's quarantined ids) and the dead letters."""
    from services.tagging.service import TaggingService
    publish(amqp_uri, messages)
    container = container_factory(TaggingService, nameko_config)
    container.start()
    engine = next(dep for dep in container.dependencies if isinstance(dep, Store)).engine
    expected_valid, expected_invalid = (len(found) for found in expected_ledger(messages))

    def all_handled() -> None:
        applied, quarantined = handled_counts(engine, run)
        assert applied - enterprises_before >= expected_valid and quarantined >= expected_invalid, \
            (applied - enterprises_before, quarantined)

    eventually(all_handled, timeout=180, interval=0.05, what="every valid message applied, every poison one kept")
    usccs, kept = ledger(engine, run)
    letters = dead_letters.summary(engine)["total"]
    container.stop()
    return usccs, kept, letters


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_poison_storm_quarantines_exactly_the_poison_and_applies_the_rest(
        container_factory, nameko_config, platform_env, amqp_uri, purge_queues, database_url):
    clean = alone("alone")
    usccs, quarantined, letters = handle(container_factory, nameko_config, amqp_uri, clean, "alone", 0)
    assert usccs == expected_ledger(clean)[0] and quarantined == [] and letters == 0

    poisoned = storm("storm")
    valid_usccs, invalid_ids = expected_ledger(poisoned)
    applied_before = usccs
    usccs, quarantined, letters = handle(container_factory, nameko_config, amqp_uri, poisoned, "storm",
                                         len(applied_before))
    assert usccs - applied_before == valid_usccs      # 1,000 applied, no invalid one among them
    assert sorted(quarantined) == invalid_ids          # 1,000 quarantined, each once
    assert letters == 0
