"""Every service process answers /health/live, /health/ready and /metrics on its probe port
(`shared.probes`): counters move by what it handled, and ready follows its broker connection."""
import json
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared import queue_consumer
from shared.consumer import handles
from shared.probes import Probes
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.store import Store
from tests.polling import until
from tests.tcp_proxy import TcpProxy, free_port, url_through

QUEUE = "notification.matches_changed"
ROUTING_KEY = "policy.matches_changed"


class ProbedService:
    name = "notification"   # a service name the database fixtures know (and drop afterwards)
    store = Store()
    probes = Probes()
    handled: list[str] = []

    @handles(QUEUE)
    def on_messages(self, deliveries):
        for delivery in deliveries:
            if delivery.body.get("refused"):
                raise ValueError("refused: the message asks to be")
        ProbedService.handled.extend(delivery.event_id for delivery in deliveries)


def publish(amqp_uri: str, *, count: int, refused: bool = False) -> list[str]:
    ids = [f"probe-{uuid.uuid4().hex[:8]}" for _ in range(count)]
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        assert publisher.publish([Outgoing("huiqi.events", ROUTING_KEY,
                                           json.dumps({"event_id": event_id, "refused": refused}), event_id)
                                  for event_id in ids]) == []
    finally:
        publisher.close()
    return ids


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    answer = requests.get(f"{base}/metrics", timeout=5)
    assert answer.status_code == 200, answer.text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def sample(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def probed(container_factory, nameko_config, platform_env, purge_queues):
    def start(amqp_uri: str) -> str:
        ProbedService.handled = []
        port = free_port()
        container = container_factory(ProbedService, {**nameko_config, "AMQP_URI": amqp_uri, "PROBE_PORT": port})
        container.start()
        return f"http://127.0.0.1:{port}"
    return start


def test_metrics_count_what_the_service_handled_and_dead_lettered(probed, amqp_uri):
    base = probed(amqp_uri)
    until(lambda: requests.get(f"{base}/health/ready", timeout=5).status_code == 200, timeout=10)
    before = scrape(base)
    assert sample(before, "huiqi_messages_handled_total", service="notification", queue=QUEUE) == 0

    good = publish(amqp_uri, count=5)
    refused = publish(amqp_uri, count=1, refused=True)
    until(lambda: set(good) <= set(ProbedService.handled), timeout=10)
    until(lambda: sample(scrape(base), "huiqi_messages_failed_total", service="notification", queue=QUEUE) == 1,
          timeout=10, what="the refused message counted as failed")

    after = scrape(base)
    assert sample(after, "huiqi_messages_handled_total", service="notification", queue=QUEUE) == len(good)
    assert sample(after, "huiqi_dead_letters", service="notification") == len(refused)
    assert sample(after, "huiqi_outbox_depth", service="notification") == 0
    assert ("huiqi_parked_messages", (("service", "notification"),)) in after   # 0: the broker parked none
    assert sample(after, "huiqi_parked_messages", service="notification") == 0
    assert sample(after, "huiqi_outbox_oldest_age_seconds", service="notification") == 0
    batches = sample(after, "huiqi_handler_duration_seconds_count", service="notification", queue=QUEUE)
    assert batches >= 2   # at least the refused message alone, and a batch of the others
    live = requests.get(f"{base}/health/live", timeout=5)
    assert live.status_code == 200 and live.json()["live"] is True


def test_ready_follows_the_broker_connection(probed, amqp_uri):
    proxy = TcpProxy(5672).start()
    try:
        base = probed(url_through(amqp_uri, proxy))

        def ready() -> requests.Response:
            return requests.get(f"{base}/health/ready", timeout=5)
        until(lambda: ready().status_code == 200, timeout=10, what="ready once consuming")
        assert ready().json() == {"service": "notification", "ready": True, "waiting_for": []}

        proxy.cut()
        until(lambda: ready().status_code == 503, timeout=10, what="not ready without the broker")
        assert "bus consumers" in ready().json()["waiting_for"]
        assert requests.get(f"{base}/health/live", timeout=5).status_code == 200

        proxy.restore()
        until(lambda: ready().status_code == 200, timeout=queue_consumer.RECONNECT_MAX_PAUSE_S + 10,
              what="ready again once the broker is back")
    finally:
        proxy.close()


def test_the_application_service_counts_its_overdue_stages(container_factory, nameko_config, platform_env,
                                                            purge_queues, service_engine):
    from datetime import timedelta

    from services.application import hall
    from services.application.service import ApplicationService
    from shared import clock, workdays
    from shared.contracts.actors import Actor, Role
    from shared.uscc import complete
    from tests.integration.test_staff_alarms import terms

    clerk, calendar = Actor(role=Role.window_clerk, id="clerk"), workdays.seeded()
    engine = service_engine("application")
    with engine.begin() as connection:
        for number, days_ago in enumerate((21, 30, 0)):   # accepted: a review of 5 working days, two overdue
            entered = clock.now() - timedelta(days=days_ago)
            asked = {**terms(), "uscc": complete(f"91371600000000{number:03d}")}
            opened = hall.open_application(connection, asked, note=None, checked_materials=[], actor=clerk,
                                           now=entered, calendar=calendar).application_id
            hall.act(connection, opened, "accept", clerk, comment=None, amount=None,
                     now=entered + timedelta(minutes=1), calendar=calendar)
    port = free_port()
    container_factory(ApplicationService, {**nameko_config, "PROBE_PORT": port}).start()
    base = f"http://127.0.0.1:{port}"

    until(lambda: requests.get(f"{base}/health/ready", timeout=5).status_code == 200, timeout=20)
    assert sample(scrape(base), "huiqi_overdue_stages", service="application") == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_ready_gives_up_on_a_database_that_does_not_answer(probed, amqp_uri, database_url, monkeypatch):
    """A database host gone silent (no refusal, no answer) makes the service unready within the
    probe's own limit, instead of holding every probe as long as TCP would."""
    from shared.config import settings
    from shared.probes import DATABASE_TIMEOUT_S

    proxy = TcpProxy(5432).start()
    try:
        monkeypatch.setenv("HUIQI_DATABASE_URL", url_through(database_url, proxy))
        settings.cache_clear()
        base = probed(amqp_uri)
        until(lambda: requests.get(f"{base}/health/ready", timeout=5).status_code == 200, timeout=20,
              what="ready with the database answering")

        proxy.black_hole()
        answer = requests.get(f"{base}/health/ready", timeout=DATABASE_TIMEOUT_S + 5)
        assert answer.status_code == 503
        assert answer.json()["waiting_for"] == [f"database (no answer in {DATABASE_TIMEOUT_S:g} s)"]
        assert requests.get(f"{base}/health/live", timeout=5).status_code == 200

        proxy.restore()
        until(lambda: requests.get(f"{base}/health/ready", timeout=5).status_code == 200, timeout=20,
              what="ready again once the database answers")
    finally:
        proxy.close()
