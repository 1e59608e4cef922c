"""The Prometheus metrics of one service process (contract section 14), served at `/metrics` on its
probe port (`shared.probes`).

Each Nameko container has its own registry (`of(container)`, kept on the container): tests start several services in one
process, and one's counters must not show in another's. Counters move where the work happens (the
queue handler, the RPC client, the gateway's WSGI app); the outbox and dead letters are read from the
service's database when Prometheus scrapes, so they are right also for what another replica left.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Connection, Engine, func, select

from shared import clock
from shared import messaging_tables as tables

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self, service: str):
        self.service = service
        self.registry = registry = CollectorRegistry()
        self.messages_handled = Counter(
            "huiqi_messages_handled", "Bus messages handled and acknowledged, by queue",
            ["service", "queue"], registry=registry)
        self.messages_failed = Counter(
            "huiqi_messages_failed", "Bus messages that became dead letters, by queue",
            ["service", "queue"], registry=registry)
        self.batch_retries = Counter(
            "huiqi_batch_retries", "Batches tried again in place (a dependency away, or a conflict)",
            ["service", "queue", "reason"], registry=registry)
        self.handler_seconds = Histogram(
            "huiqi_handler_duration_seconds", "Time to handle one batch of a queue (successful or not)",
            ["service", "queue"], buckets=_LATENCY_BUCKETS, registry=registry)
        self.rpc_seconds = Histogram(
            "huiqi_rpc_client_duration_seconds", "RPC calls this process made, until the reply (or the error)",
            ["service", "target", "method", "outcome"], buckets=_LATENCY_BUCKETS, registry=registry)
        self.http_requests = Counter(
            "huiqi_http_requests", "HTTP requests the gateway answered, by route and status",
            ["service", "route", "method", "status"], registry=registry)
        self.inbox_pruned = Counter(
            "huiqi_inbox_pruned", "Inbox rows deleted past their retention (HUIQI_INBOX_RETENTION_DAYS)",
            ["service"], registry=registry)
        self.http_seconds = Histogram(
            "huiqi_http_request_duration_seconds", "Time to answer an HTTP request, by route",
            ["service", "route"], buckets=_LATENCY_BUCKETS, registry=registry)

        # gauges read from the service's database at each scrape: (name, help, read(connection))
        self._database_gauges: list[tuple[str, str, Callable[[Connection], float]]] = [
            ("huiqi_outbox_depth", "Events committed and not yet published", _outbox_depth),
            ("huiqi_outbox_oldest_age_seconds", "Age of the oldest event still in the outbox (0: empty)",
             _outbox_oldest_age_s),
            ("huiqi_dead_letters", "Dead letters not replayed", _dead_letters_waiting)]

    def watch_database(self, engine: Engine) -> None:
        """Read the database gauges (the outbox's, dead letters, what `read_at_scrape` added) from
        `engine` at each scrape."""
        self.registry.register(_DatabaseCollector(self, engine))

    def watch_parking(self, amqp_uri: str) -> None:
        """Count the messages the broker parked for this service (`huiqi.parked.<service>`) at each scrape."""
        self.registry.register(_ParkingCollector(self.service, amqp_uri))

    def read_at_scrape(self, name: str, help_text: str, read: Callable[[Connection], float]) -> None:
        """One more gauge of this service, `read(connection)` from its database at each scrape."""
        self._database_gauges.append((name, help_text, read))

    def handled(self, queue: str, count: int) -> None:
        self.messages_handled.labels(self.service, queue).inc(count)

    def dead_lettered(self, queue: str) -> None:
        self.messages_failed.labels(self.service, queue).inc()

    def retried(self, queue: str, reason: str) -> None:
        self.batch_retries.labels(self.service, queue, reason).inc()

    def handler_took(self, queue: str, seconds: float) -> None:
        self.handler_seconds.labels(self.service, queue).observe(seconds)

    def rpc_took(self, target: str, method: str, outcome: str, seconds: float) -> None:
        self.rpc_seconds.labels(self.service, target, method, outcome).observe(seconds)

    def pruned_inbox(self, count: int) -> None:
        self.inbox_pruned.labels(self.service).inc(count)

    def http_answered(self, route: str, method: str, status: int, seconds: float) -> None:
        self.http_requests.labels(self.service, route, method, str(status)).inc()
        self.http_seconds.labels(self.service, route).observe(seconds)


def _outbox_depth(connection: Connection) -> float:
    return connection.execute(select(func.count()).select_from(tables.outbox)).scalar_one()


def _outbox_oldest_age_s(connection: Connection) -> float:
    oldest = connection.execute(select(func.min(tables.outbox.c.created_at))).scalar_one()
    return max((clock.now() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0


def _dead_letters_waiting(connection: Connection) -> float:
    return connection.execute(select(func.count()).select_from(tables.dead_letters)
                              .where(tables.dead_letters.c.replayed_at.is_(None))).scalar_one()


class _DatabaseCollector:
    def __init__(self, metrics: Metrics, engine: Engine):
        self.metrics = metrics
        self.engine = engine

    def describe(self) -> list:
        return []   # not read at registration: the database may not be there yet

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.engine.connect() as connection:
                values = [(name, help_text, read(connection))
                          for name, help_text, read in self.metrics._database_gauges]
        except Exception:  # noqa: BLE001 - a scrape while the database is away shows no database figures
            return
        for name, help_text, value in values:
            family = GaugeMetricFamily(name, help_text, labels=["service"])
            family.add_metric([self.metrics.service], float(value))
            yield family


class _ParkingCollector:
    """`huiqi_parked_messages`: read from the broker at each scrape, on a connection of its own (a few
    milliseconds every scrape interval; nothing when the broker does not answer)."""

    def __init__(self, service: str, amqp_uri: str):
        self.service = service
        self.amqp_uri = amqp_uri

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from shared import parking
        try:
            parked = parking.count(self.amqp_uri, self.service)
        except Exception:  # noqa: BLE001 - a scrape while the broker is away shows no parked figure
            return
        family = GaugeMetricFamily("huiqi_parked_messages", "Messages the broker parked for this service: "
                                   "delivered too often without being settled (`huiqi parked`)", labels=["service"])
        family.add_metric([self.service], float(parked))
        yield family


def of(container) -> Metrics:
    """The metrics of this container (made on first use, kept on the container: no global state)."""
    metrics = getattr(container, "huiqi_metrics", None)
    if metrics is None:
        metrics = container.huiqi_metrics = Metrics(container.service_name)
    return metrics
