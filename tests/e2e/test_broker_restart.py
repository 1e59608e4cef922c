"""RabbitMQ restarted (`rabbitmqctl stop_app`, `start_app`) while events flow: the services reconnect
and every input still has exactly one effect. The broker is restarted whatever happens."""
from __future__ import annotations

import threading
import time

import pytest

from demo.enterprises import generate, split_by_source
from shared.clock import today_in_china
from tests.broker import rabbitmqctl
from tests.e2e.harness import (
    DATABASE_SERVICES,
    GovPublisher,
    enterprise_event,
    expected_effects,
    publish_monotone_policies,
    quiescent,
    sync_batches,
)
from tests.polling import eventually

pytestmark = pytest.mark.e2e

BULK_ENTERPRISES = 800     # synced in batches before the restart: the services are busy with them
STREAMED_ENTERPRISES = 400  # one event per source and enterprise, flowing while the broker goes away
HELD_BACK = 100             # streamed events published only once the broker is stopped


def single_events(profiles: list[dict]) -> list[tuple[str, dict]]:
    """Each enterprise's parts as the sources send them one by one: registered, then changes."""
    events = []
    for profile in profiles:
        for source, fields in split_by_source(profile):
            key = "enterprise.registered" if source == "market-regulation" else "enterprise.profile_changed"
            events.append((key, enterprise_event(fields.pop("uscc"), fields, source=source, sequence=1)))
    return events


class BackgroundPublisher(threading.Thread):
    """An outside system that keeps publishing at its own pace, retrying while the broker is away."""

    def __init__(self, amqp_uri: str, events: list[tuple[str, dict]], *, pause_s: float):
        super().__init__(daemon=True)
        self.publisher = GovPublisher(amqp_uri, retry_for_s=120)
        self.events = events
        self.pause_s = pause_s
        self.broker_stopped = threading.Event()
        self.published = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for number, (routing_key, body) in enumerate(self.events):
                if number == len(self.events) - HELD_BACK:
                    # the rest goes out once the broker is stopped, however long stopping it takes
                    self.broker_stopped.wait(timeout=180)
                self.publisher.publish(routing_key, body)
                self.published += 1
                time.sleep(self.pause_s)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error
        finally:
            self.publisher.close()


def test_rabbitmq_restarted_while_events_flow_loses_nothing_and_duplicates_nothing(fresh_platform):
    platform = fresh_platform
    rules = publish_monotone_policies(platform)
    profiles = generate(BULK_ENTERPRISES + STREAMED_ENTERPRISES, seed=505)
    batches = sync_batches(profiles[:BULK_ENTERPRISES], batch_size=250)
    stream = single_events(profiles[BULK_ENTERPRISES:])
    expected = expected_effects(profiles, rules, today_in_china())

    half = len(stream) // 2
    before = GovPublisher(platform.amqp_uri)
    for batch in batches:
        before.publish("enterprise.profiles_synced", batch)
    for routing_key, body in stream[:half]:
        before.publish(routing_key, body)
    before.close()
    # Live events overtake the bulk batches and drain at once, so the rest keep coming at an outside
    # system's pace: the restart meets events being published, handled and acknowledged.
    flowing = BackgroundPublisher(platform.amqp_uri, stream[half:], pause_s=0.02)
    flowing.start()
    eventually(lambda: _handled(platform, at_least=len(batches) + half + 30), timeout=60,
               what="the streamed events to be flowing through tagging")
    assert flowing.is_alive() and flowing.published < len(stream) - half - HELD_BACK, "events must still be flowing"

    stopped = False
    try:
        rabbitmqctl("stop_app", timeout=120)
        stopped = True
        flowing.broker_stopped.set()
        # publishing while the broker is away: it must retry, never give up or lose any
        eventually(lambda: _retrying(flowing), timeout=30, what="the publisher to meet the stopped broker")
        rabbitmqctl("start_app", timeout=120)
        stopped = False
        rabbitmqctl("await_startup", timeout=120)
    finally:
        if stopped:  # whatever failed above, leave the broker running
            rabbitmqctl("start_app", timeout=120)
            rabbitmqctl("await_startup", timeout=120)
    flowing.join(timeout=150)
    assert not flowing.is_alive() and flowing.error is None, f"publisher: {flowing.error!r}"
    assert flowing.published == len(stream) - half

    eventually(lambda: _healthy(platform), timeout=60, what="every service to answer again")
    counts = quiescent(platform, expected, timeout=120)
    _all_alive(platform)
    assert counts.enterprises == expected.enterprises
    assert counts.versions == expected.versions, "a partial profile was lost or applied twice"
    assert counts.stale == 0, "an event was applied twice (the second time it was found stale)"
    assert platform.matched_pairs() == expected.matches
    notified = platform.notified_pairs()
    assert len(notified) == len(set(notified)) and set(notified) == expected.matches
    assert counts.dead_letters == {service: 0 for service in DATABASE_SERVICES}


def _handled(platform, *, at_least: int) -> None:
    _all_alive(platform)
    done = platform.scalar("tagging", "SELECT count(*) FROM inbox")
    assert done >= at_least, f"tagging handled {done} messages"


def _retrying(publisher: BackgroundPublisher) -> None:
    assert publisher.error is None, publisher.error
    assert publisher.publisher.retries > 0, "no publish attempt has met the stopped broker yet"


def _all_alive(platform) -> None:
    """A service process that exited fails the test at once (no point waiting for it to answer)."""
    for name in platform.processes.services:
        if not platform.processes.alive(name):
            pytest.fail(f"the {name} process exited (code {platform.processes.processes[name].returncode}) "
                        f"instead of reconnecting to the broker:\n{platform.crash_summary(name)}")


def _healthy(platform) -> None:
    _all_alive(platform)
    try:
        answer = platform.get("/health")
    except Exception as error:  # noqa: BLE001 - the gateway may still be reconnecting
        raise AssertionError(repr(error)) from error
    assert answer.status_code == 200, answer.text[:300]
