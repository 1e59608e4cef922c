"""Inbox rows past their retention are deleted in short batches; recent ones, and what they refuse, stay."""
from contextlib import contextmanager, nullcontext
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.orm import Session

from shared import clock, inbox_pruning, metrics
from shared import messaging_tables as tables
from shared.inbox_pruning import InboxPruner, prune, prune_batch
from shared.metrics import Metrics
from shared.store import Transaction
from tests.polling import until

CONSUMER = "policy.on_enterprises_tagged"
RETENTION = timedelta(days=30)


def handled(engine, event_ids, days_ago: float, consumer: str = CONSUMER) -> None:
    at = clock.now() - timedelta(days=days_ago)
    with engine.begin() as connection:
        connection.execute(insert(tables.inbox), [
            {"consumer": consumer, "event_id": event_id, "handled_at": at + timedelta(microseconds=number)}
            for number, event_id in enumerate(event_ids)])


def remembered(engine) -> set[tuple[str, str]]:
    with engine.connect() as connection:
        return set(connection.execute(select(tables.inbox.c.consumer, tables.inbox.c.event_id)).all())


def first_delivery(engine, event_id: str, consumer: str = CONSUMER) -> bool:
    with Session(engine) as session, session.begin():
        return Transaction(session, None, consumer, _dialect=engine.dialect.name).first_delivery(event_id)


class RecordedLog:
    def __init__(self):
        self.events: list[tuple[str, dict]] = []

    def info(self, event: str, **fields) -> None:
        self.events.append((event, fields))

    warning = info


def test_rows_past_the_retention_go_and_recent_ones_still_refuse_a_redelivery(service_engine):
    engine = service_engine("policy")
    handled(engine, ["old-1", "old-2"], days_ago=45)
    handled(engine, ["old-3"], days_ago=31, consumer="policy.on_policy_changed")
    handled(engine, ["recent-1"], days_ago=29)
    handled(engine, ["recent-2"], days_ago=0)

    assert prune(engine, nullcontext, inbox_pruning.cutoff(RETENTION)) == (3, 1)

    assert remembered(engine) == {(CONSUMER, "recent-1"), (CONSUMER, "recent-2")}
    assert first_delivery(engine, "recent-1") is False   # a redelivery within the retention: no second effect
    assert first_delivery(engine, "recent-2") is False
    assert first_delivery(engine, "new") is True
    # what the retention gives up: an event sent again after it is handled again
    assert first_delivery(engine, "old-1") is True
    assert prune(engine, nullcontext, inbox_pruning.cutoff(RETENTION)) == (0, 1)


def test_batches_delete_the_oldest_first_until_one_comes_back_short(service_engine):
    engine = service_engine("tagging")
    handled(engine, [f"old-{number:02d}" for number in range(12)], days_ago=40)
    handled(engine, ["recent"], days_ago=1)
    older_than = inbox_pruning.cutoff(RETENTION)

    assert prune_batch(engine, nullcontext, older_than, limit=5) == 5
    assert {event_id for _, event_id in remembered(engine)} == {f"old-{number:02d}" for number in range(5, 12)} | {
        "recent"}
    assert prune(engine, nullcontext, older_than, limit=5, pause_s=0) == (7, 2)
    assert remembered(engine) == {(CONSUMER, "recent")}


def test_a_pass_stops_between_batches_when_the_service_stops(service_engine):
    engine = service_engine("tagging")
    handled(engine, [f"old-{number}" for number in range(10)], days_ago=40)
    passes = iter([True, True])   # two batches, then the service is stopping

    assert prune(engine, nullcontext, inbox_pruning.cutoff(RETENTION), limit=3, pause_s=0,
                 running=lambda: next(passes, False)) == (6, 2)
    assert len(remembered(engine)) == 4


def test_a_pass_that_deleted_rows_logs_one_line_and_counts_them(service_engine):
    engine = service_engine("notification")
    handled(engine, [f"old-{number}" for number in range(7)], days_ago=60)
    log, metrics = RecordedLog(), Metrics("notification")
    pruner = InboxPruner(engine, nullcontext, log, RETENTION, metrics.pruned_inbox)

    assert pruner.run_pass() == 7
    assert pruner.run_pass() == 0   # nothing to delete: no line

    [(event, fields)] = log.events
    assert event == "inbox_pruned"
    assert fields["rows"] == 7 and fields["batches"] == 1 and fields["retention_days"] == 30
    assert metrics.registry.get_sample_value("huiqi_inbox_pruned_total", {"service": "notification"}) == 7


def test_a_pass_that_fails_is_logged_and_leaves_the_rows_for_the_next(service_engine, tmp_path):
    engine = service_engine("notification")
    handled(engine, ["old"], days_ago=60)
    away = create_engine(f"sqlite:///{tmp_path}/missing/nothing.sqlite3")   # a database that cannot be opened
    log = RecordedLog()

    assert InboxPruner(away, nullcontext, log, RETENTION, lambda count: None).run_pass() == 0
    assert [event for event, _ in log.events] == ["inbox_prune_failed"]
    assert InboxPruner(engine, nullcontext, log, RETENTION, lambda count: None).run_pass() == 1


def test_a_pass_that_fails_after_some_batches_still_reports_what_they_deleted(service_engine):
    engine = service_engine("notification")
    handled(engine, [f"old-{number}" for number in range(inbox_pruning.BATCH + 10)], days_ago=60)
    turns = []

    @contextmanager
    def writing(bulk):
        turns.append(bulk)
        if len(turns) == 2:   # the database loses the table between the first batch and the second
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE inbox RENAME TO inbox_away"))
        yield

    log, metrics = RecordedLog(), Metrics("notification")
    assert InboxPruner(engine, writing, log, RETENTION, metrics.pruned_inbox).run_pass() == inbox_pruning.BATCH

    assert turns == [True, True]   # bulk work, for SQLite's writer lock
    assert [(event, fields["rows"]) for event, fields in log.events] == [
        ("inbox_prune_failed", inbox_pruning.BATCH), ("inbox_pruned", inbox_pruning.BATCH)]
    assert metrics.registry.get_sample_value(
        "huiqi_inbox_pruned_total", {"service": "notification"}) == inbox_pruning.BATCH
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE inbox_away RENAME TO inbox"))
    assert len(remembered(engine)) == 10


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_replicas_pruning_at_once_neither_waits_nor_deletes_a_row_twice(service_engine, database_url):
    engine = service_engine("tagging")
    handled(engine, [f"old-{number:02d}" for number in range(10)], days_ago=40)
    older_than = inbox_pruning.cutoff(RETENTION)
    # the second replica gives up at once on a row lock instead of waiting: waiting would fail the test
    impatient = create_engine(database_url.format(service="tagging"), connect_args={"options": "-c lock_timeout=2000"})
    try:
        with engine.begin() as first:   # the first replica's batch, not yet committed
            assert inbox_pruning.delete_oldest(first, older_than, 4) == 4
            second = prune(impatient, nullcontext, older_than, limit=4, pause_s=0)
        assert second == (6, 2)
        assert remembered(engine) == set()
    finally:
        impatient.dispose()


def test_each_service_prunes_its_own_inbox_with_the_retention_it_is_given(
        container_factory, nameko_config, platform_env, purge_queues, schema_templates, monkeypatch):
    from services.notification.service import NotificationService
    from shared.config import settings

    monkeypatch.setenv("HUIQI_INBOX_RETENTION_DAYS", "10")
    settings.cache_clear()
    monkeypatch.setattr(inbox_pruning, "FIRST_PASS_DELAY_S", 0)   # not a minute after the start
    url = settings().database_url_for("notification")
    schema_templates("notification", url)
    engine = create_engine(url)
    try:
        handled(engine, ["eleven-days"], days_ago=11, consumer="notification.on_matches_changed")
        handled(engine, ["nine-days"], days_ago=9, consumer="notification.on_matches_changed")
        container = container_factory(NotificationService, nameko_config)
        container.start()
        until(lambda: remembered(engine) == {("notification.on_matches_changed", "nine-days")},
              what="the service's first pass to delete the row older than 10 days")
        assert metrics.of(container).registry.get_sample_value(
            "huiqi_inbox_pruned_total", {"service": "notification"}) == 1
        container.stop()
    finally:
        engine.dispose()
