"""SIGTERM stops a service within 10 s whatever is down: its database, its broker, or both, and
also a database that swallows everything without refusing (then by the stop deadline, 8 s).

The tagging service runs as its own process (as deployed, `nameko run`), reaching PostgreSQL and
RabbitMQ through TCP proxies this test cuts; the real servers are never touched. Messages are in
flight when the dependency goes, so a batch waits out its pauses and the outbox relay fails.
The last test does the same to every service at once, with both the database and the broker down."""
from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.broker import fresh_vhost
from tests.e2e import harness
from tests.polling import until
from tests.tcp_proxy import TcpProxy, free_port, url_through
from tools.launcher import SERVICES, ServiceProcesses

STOP_WITHIN_S = 10.0
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def vhost():
    with fresh_vhost("huiqi-e2e-shutdown") as amqp_uri:
        harness.declare(amqp_uri)
        yield amqp_uri


@pytest.fixture
def tagging(vhost, tmp_path):
    """`(processes, database proxy, broker proxy)`: tagging started through both proxies."""
    database, broker = TcpProxy(5432).start(), TcpProxy(5672).start()
    template = harness.postgres_template()
    env = {"HUIQI_AMQP_URI": url_through(vhost, broker), "HUIQI_DATABASE_URL": url_through(template, database),
           "HUIQI_VAR_DIR": str(tmp_path)}
    processes = ServiceProcesses(tmp_path / "log", env, services=("tagging",))
    processes.start("tagging")
    try:
        processes.wait_ready("tagging", timeout_s=60)
        # started: the catalogue is seeded (the RPC queue is consumed before that is done; a
        # database gone during the start is waited out, shared.warm_up, but this test is about stops)
        engine = harness.read_only_engine(template.format(service="tagging"))
        until(lambda: _seeded(engine), what="the catalogue seeded")
        engine.dispose()
        yield processes, database, broker
    finally:
        processes.stop(timeout_s=1)
        database.close()
        broker.close()
        harness.drop_databases(template)


def _seeded(engine) -> bool:
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM tag_definitions").scalar_one() > 0
    except Exception:  # noqa: BLE001 - the table is not there yet
        return False


def publish_some(amqp_uri: str, count: int = 50) -> None:
    publisher = harness.GovPublisher(amqp_uri)
    try:
        for _ in range(count):
            publisher.publish("enterprise.registered", harness.enterprise_event(harness.new_uscc(), {"employees": 5}))
    finally:
        publisher.close()


def stop_seconds(processes: ServiceProcesses) -> float:
    process = processes.processes["tagging"]
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass  # the test says so, with the service's log
    return time.monotonic() - started


@pytest.mark.parametrize("down", ["database", "broker", "both", "database-black-hole"])
def test_sigterm_stops_the_service_within_10_s_whatever_is_down(tagging, vhost, down):
    processes, database, broker = tagging
    if down in ("database", "both"):
        database.cut()
    if down == "database-black-hole":
        database.black_hole()
    publish_some(vhost)            # reaches the broker directly: messages wait for the service
    if down in ("broker", "both"):
        broker.cut()
    # the service has met the outage: a batch paused (database), the relay failed to publish (broker),
    # or a query is stuck in the black hole
    noticed = {"database": "consumer_paused", "both": "consumer_paused", "broker": "outbox_relay_failed"}
    if down == "database-black-hole":
        until(lambda: database.swallowed > 0, what="a query swallowed by the black hole")
    else:
        until(lambda: noticed[down] in processes.log_dir.joinpath("tagging.log").read_text(errors="replace"),
              what=f"the service noticing the {down} is down")
    assert processes.alive("tagging"), processes.log_dir.joinpath("tagging.log").read_text()[-3000:]
    seconds = stop_seconds(processes)
    print(f"\nSIGTERM with the {down} down: stopped in {seconds:.1f} s")
    log = (processes.log_dir / "tagging.log").read_text(errors="replace")
    assert processes.processes["tagging"].poll() is not None, f"still running after 30 s:\n{log[-3000:]}"
    assert seconds <= STOP_WITHIN_S, f"stopped in {seconds:.1f} s:\n{log[-3000:]}"
    # a refused connection lets the stop finish by itself; a black hole needs the deadline
    assert ("stop_deadline_passed" in log) == (down == "database-black-hole"), log[-3000:]


def test_sigterm_stops_every_service_within_10_s_with_the_database_and_the_broker_down(vhost, tmp_path):
    database, broker = TcpProxy(5432).start(), TcpProxy(5672).start()
    template = harness.postgres_template()
    env = {"HUIQI_AMQP_URI": url_through(vhost, broker), "HUIQI_DATABASE_URL": url_through(template, database),
           "HUIQI_VAR_DIR": str(tmp_path), "HUIQI_GATEWAY_BIND": f"127.0.0.1:{free_port()}",
           "HUIQI_ADMIN_TOKEN": harness.ADMIN_TOKEN}
    processes = ServiceProcesses(tmp_path / "log", env)
    try:
        processes.start()
        processes.wait_ready(timeout_s=90)
        publish_some(vhost)
        database.cut()
        broker.cut()
        until(lambda: "consumer_paused" in (processes.log_dir / "tagging.log").read_text(errors="replace"),
              what="tagging noticing the database is down")
        assert all(processes.alive(name) for name in SERVICES)
        started = time.monotonic()
        for process in processes.processes.values():
            process.send_signal(signal.SIGTERM)
        seconds = {}
        for name, process in processes.processes.items():
            try:
                process.wait(timeout=max(0.1, started + 30 - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass  # reported below, with the service's log
            seconds[name] = time.monotonic() - started if process.poll() is not None else float("inf")
        print(f"\nSIGTERM to every service with the database and the broker down: "
              f"{ {name: round(value, 1) for name, value in seconds.items()} }")
        late = {name: value for name, value in seconds.items() if value > STOP_WITHIN_S}
        assert not late, "\n\n".join(f"{name} ({value:.1f} s):\n"
                                      f"{(processes.log_dir / (name + '.log')).read_text(errors='replace')[-2000:]}"
                                      for name, value in late.items())
    finally:
        processes.stop(timeout_s=1)
        database.close()
        broker.close()
        harness.drop_databases(template)
