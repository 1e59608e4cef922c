"""Driving a started platform the way outside systems and operators do.

- `Platform`: every service as its own `nameko run` process (tools.launcher.ServiceProcesses),
  on a RabbitMQ virtual host and databases of its own, with HTTP helpers for the gateway;
- `checked_session`: HTTP to the gateway, every JSON answer checked against its route's answer
  model (tests/e2e/answer_models.py);
- `GovPublisher`: an outside government system publishing to `gov.events` with kombu only
  (persistent, publisher confirms, retrying on connection errors);
- `Counts` and `quiescent`: the effects, counted in the service databases opened read-only;
- `expected_effects`: the same effects computed independently from the generated profiles and
  the policies' rules, with the pure domain functions (derive, catalogue, eligibility).

Everything waits with a deadline (`eventually`); nothing sleeps a fixed time to let work happen.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import kombu
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from shared.clock import CHINA
from shared.topology import GOV_EVENTS, ROUTES
from shared.uscc import complete
from tests.broker import fresh_vhost, queue_totals
from tests.e2e import answer_models
from tests.polling import eventually
from tests.tcp_proxy import free_port
from tools.launcher import ServiceProcesses

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
ADMIN_TOKEN = "e2e-admin-token-7f3a"
API = "/api/v1"
DATABASE_SERVICES = ("tagging", "policy", "notification", "application", "evaluation", "accounts", "counselling")
HUIQI = str(Path(sys.executable).parent / "huiqi")


# --- broker and databases --------------------------------------------------------------------------
def huiqi(*args: str, env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess:
    """The operations command, as deployment and operators run it."""
    return subprocess.run([HUIQI, *args], env={**os.environ, "PYTHONWARNINGS": "ignore", **env},
                          capture_output=True, text=True, timeout=timeout)


def declare(amqp_uri: str) -> str:
    """`huiqi declare`: deployment's step before any service starts."""
    done = huiqi("declare", env={"HUIQI_AMQP_URI": amqp_uri})
    assert done.returncode == 0, done.stderr
    return done.stdout


def queue_depths(amqp_uri: str) -> dict[str, int]:
    """Ready messages per platform queue (unacknowledged ones are not counted here)."""
    with kombu.Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        return {name: channel.queue_declare(name, passive=True)[1] for name in ROUTES}


def drained(platform: Platform, timeout: float = 20.0) -> None:
    """Until every message on the platform's queues has been handled and acked, and no outbox
    holds an event still to be published (so whatever those messages caused has happened)."""
    def empty() -> None:
        outboxes = {service: platform.scalar(service, "SELECT count(*) FROM outbox") for service in DATABASE_SERVICES}
        waiting = {name: count for name, count in queue_totals(platform.amqp_uri).items() if count}
        assert not waiting and not any(outboxes.values()), f"queued: {waiting}, in outboxes: {outboxes}"
    eventually(empty, timeout=timeout, interval=0.2, what="queues and outboxes to drain")


def sqlite_template(directory: Path) -> str:
    return f"sqlite:///{directory}/{{service}}.sqlite3"


def postgres_template() -> str:
    return f"{POSTGRES}/huiqi_e2e_{uuid.uuid4().hex[:8]}_{{service}}"


def read_only_engine(url: str) -> Engine:
    """The service's database opened read-only: tests count, the services never read each other's."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return create_engine(f"sqlite:///file:{parsed.database}?mode=ro&uri=true", poolclass=NullPool)
    return create_engine(url, poolclass=NullPool,
                         connect_args={"options": "-c default_transaction_read_only=on"})


def drop_databases(template: str) -> None:
    from shared.database import drop_database
    for service in DATABASE_SERVICES:
        drop_database(template.format(service=service))


def postgres_answers() -> bool:
    try:
        engine = create_engine(f"{POSTGRES}/postgres", poolclass=NullPool)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


# --- the platform ----------------------------------------------------------------------------------
ACTIVE: list[Platform] = []  # platforms running now, whose logs a failing test's report shows


@contextmanager
def running_platform(label: str, backend: str, directory: Path, *, start: bool = True,
                     env: dict[str, str] | None = None, replicas: dict[str, int] | None = None):
    """A platform as deployment makes it: a virtual host of its own, `huiqi declare`, empty
    databases (SQLite files in `directory`, or fresh PostgreSQL databases) that `huiqi migrate` brings to
    head (the launcher runs it), then every service (`replicas`: some as several processes, `huiqi run
    --replicas`)."""
    if backend == "postgresql" and not postgres_answers():
        raise RuntimeError("PostgreSQL does not answer on 127.0.0.1:5432 (see README.md: the tests need it running)")
    with fresh_vhost(f"huiqi-e2e-{label}") as amqp_uri:
        declare(amqp_uri)
        template = sqlite_template(directory) if backend == "sqlite" else postgres_template()
        platform = Platform(amqp_uri, template, directory, env, replicas)
        ACTIVE.append(platform)
        try:
            if start:
                platform.start()
            yield platform
        finally:
            ACTIVE.remove(platform)
            platform.close()
            if backend == "postgresql":
                drop_databases(template)


def checked_session(token: str | None = None) -> requests.Session:
    """A session whose every answer is checked against its route's answer model; with `token`'s
    bearer authorization."""
    session = requests.Session()
    session.hooks["response"].append(answer_models.check)
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def ok(answer: requests.Response, status: int = 200) -> Any:
    """The answer's JSON, once its status is the one expected (else the status and text, to read)."""
    assert answer.status_code == status, f"{answer.status_code} {answer.text[:500]}"
    return answer.json()


class As:
    """Calls to the API with one account's token; every answer checked against its route's model."""

    def __init__(self, platform: Platform, token: str):
        self.url = f"{platform.url}{API}"
        self.http = checked_session(token)

    def get(self, path: str, params: dict | None = None, **query) -> requests.Response:
        return self.http.get(f"{self.url}{path}", params={**(params or {}), **query}, timeout=30)

    def post(self, path: str, body: Any = None) -> requests.Response:
        return self.http.post(f"{self.url}{path}", json=body, timeout=30)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.http.put(f"{self.url}{path}", json=body, timeout=30)

    def act(self, application_id: int, action: str, **extra) -> requests.Response:
        return self.post(f"/applications/{application_id}/actions", {"action": action, **extra})


def account(platform: Platform, body: dict, path: str = "/staff") -> As:
    """A new account (a staff member by default; `path` `/enterprises/{uscc}/accounts` for an enterprise)."""
    return As(platform, ok(platform.post(f"{API}{path}", body), 201)["token"])


def firm(platform: Platform, gov: GovPublisher, name: str, marker: str) -> tuple[str, As]:
    """A new enterprise with the interest `marker`, registered by government data, and a token of its own."""
    uscc = new_uscc()
    gov.publish("enterprise.registered", enterprise_event(uscc, {"name": name, "employees": 40,
                                                                 "interests": [marker]}))
    eventually(lambda: platform.enterprise(uscc), what=f"{uscc} to be registered")
    return uscc, account(platform, {}, f"/enterprises/{uscc}/accounts")


class Platform:
    """Every service as a separate process, and the gateway's HTTP API."""

    def __init__(self, amqp_uri: str, database_url: str, var_dir: Path, env: dict[str, str] | None = None,
                 replicas: dict[str, int] | None = None):
        self.amqp_uri = amqp_uri
        self.database_url = database_url
        self.var_dir = Path(var_dir)
        bind = f"127.0.0.1:{free_port()}"
        self.env = {"HUIQI_AMQP_URI": amqp_uri, "HUIQI_DATABASE_URL": database_url,
                    "HUIQI_VAR_DIR": str(self.var_dir), "HUIQI_GATEWAY_BIND": bind,
                    "HUIQI_ADMIN_TOKEN": ADMIN_TOKEN, **(env or {})}
        self.processes = ServiceProcesses(self.var_dir / "log", self.env, replicas=replicas)
        self.url = f"http://{bind}"
        self.http = checked_session(ADMIN_TOKEN)
        self._engines: dict[str, Engine] = {}

    # processes
    def start(self, *names: str, timeout_s: float = 90.0) -> None:
        self.processes.start_ready(*names, timeout_s=timeout_s)

    def stop(self, *names: str) -> None:
        self.processes.stop(*names)

    def kill(self, name: str) -> None:
        self.processes.kill(name)

    def close(self) -> None:
        self.processes.stop(timeout_s=10.0)  # a healthy service stops in about a second
        self.http.close()
        for engine in self._engines.values():
            engine.dispose()

    def log(self, name: str, lines: int = 40) -> str:
        path = self.processes.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(line[:400] for line in path.read_text(errors="replace").splitlines()[-lines:])

    def crash_summary(self, name: str) -> str:
        """The project's own frames and the exception lines of the tracebacks in a service's log."""
        path = self.processes.log_dir / f"{name}.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        picked: list[str] = []
        for number, line in enumerate(lines):
            if 'File "' in line and "site-packages" not in line and "<frozen" not in line:
                picked += [line.strip(), lines[number + 1].strip() if number + 1 < len(lines) else ""]
            elif re.match(r"^[A-Za-z_.]*(Error|Exception|Exit)\b", line):
                picked.append(line.strip())
        return "\n".join(dict.fromkeys(picked)) or self.log(name, 10)

    # HTTP
    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{self.url}{path}", timeout=30, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs) -> requests.Response:
        return self.http.post(f"{self.url}{path}", json=body, timeout=30, **kwargs)

    def department(self, code: str | None = None) -> str:
        """A department in the register (a new one unless `code` is given), as the administrator adds it."""
        code = code or f"dept_{uuid.uuid4().hex[:8]}"
        answer = self.http.put(f"{self.url}{API}/departments/{code}", json={"name": f"测试部门 {code}"}, timeout=30)
        assert answer.status_code in (200, 201), f"PUT department {code}: {answer.status_code} {answer.text[:300]}"
        return code

    def enterprise(self, uscc: str) -> dict:
        """The merged profile; AssertionError (so `eventually` retries) until it exists."""
        answer = self.get(f"{API}/enterprises/{uscc}")
        assert answer.status_code == 200, f"GET enterprise {uscc}: {answer.status_code} {answer.text[:300]}"
        return answer.json()

    def policies_of(self, uscc: str) -> list[dict]:
        answer = self.get(f"{API}/enterprises/{uscc}/policies")
        assert answer.status_code == 200, f"GET policies of {uscc}: {answer.status_code} {answer.text[:300]}"
        return answer.json()

    def notifications_of(self, uscc: str) -> list[dict]:
        answer = self.get(f"{API}/enterprises/{uscc}/notifications", params={"limit": 200})
        assert answer.status_code == 200, f"GET notifications of {uscc}: {answer.status_code} {answer.text[:300]}"
        return answer.json()

    def create_policy(self, draft: dict) -> dict:
        answer = self.post(f"{API}/policies", draft)
        assert answer.status_code == 201, f"POST policy: {answer.status_code} {answer.text[:500]}"
        return answer.json()

    def publish_policy(self, policy_id: int) -> requests.Response:
        return self.post(f"{API}/policies/{policy_id}/publish")

    def create_and_publish(self, draft: dict) -> int:
        policy_id = self.create_policy(draft)["id"]
        published = self.publish_policy(policy_id)
        assert published.status_code == 200, f"publish {policy_id}: {published.status_code} {published.text[:300]}"
        return policy_id

    def quarantine(self) -> list[dict]:
        answer = self.get(f"{API}/quarantine", params={"limit": 200, "state": "all"})
        assert answer.status_code == 200, f"GET quarantine: {answer.status_code} {answer.text[:300]}"
        return answer.json()["items"]

    # the databases, read-only
    def engine(self, service: str) -> Engine:
        if service not in self._engines:
            self._engines[service] = read_only_engine(self.database_url.format(service=service))
        return self._engines[service]

    def scalar(self, service: str, sql: str, **params) -> Any:
        with self.engine(service).connect() as connection:
            return connection.execute(text(sql), params).scalar_one()

    def rows(self, service: str, sql: str, **params) -> list:
        with self.engine(service).connect() as connection:
            return connection.execute(text(sql), params).all()

    def counts(self) -> Counts:
        count = self.scalar
        return Counts(
            enterprises=count("tagging", "SELECT count(*) FROM enterprises"),
            versions=count("tagging", "SELECT count(*) FROM profile_versions"),
            stale=count("tagging", "SELECT count(*) FROM stale_messages"),
            quarantined=count("tagging", "SELECT count(*) FROM quarantine"),
            read_model=count("policy", "SELECT count(*) FROM enterprise_facts"),
            matches=count("policy", "SELECT count(*) FROM matches"),
            # match pushes only: proactive offers and application outcomes are other kinds
            notifications=count("notification", "SELECT count(*) FROM notifications WHERE kind = 'policy_matched'"),
            outbox={service: count(service, "SELECT count(*) FROM outbox") for service in DATABASE_SERVICES},
            dead_letters={service: count(service, "SELECT count(*) FROM dead_letters")
                          for service in DATABASE_SERVICES},
        )

    def matched_pairs(self) -> set[tuple[str, int]]:
        rows = self.rows("policy", "SELECT uscc, policy_id FROM matches")
        return {(uscc, int(policy_id)) for uscc, policy_id in rows}

    def notified_pairs(self) -> list[tuple[str, int]]:
        return [(uscc, int(policy_id)) for uscc, policy_id in
                self.rows("notification", "SELECT uscc, subject_id FROM notifications WHERE kind = 'policy_matched'")]

    def profile_versions(self) -> dict[str, int]:
        return dict(self.rows("tagging", "SELECT uscc, version FROM enterprises"))


@dataclass(frozen=True)
class Counts:
    enterprises: int
    versions: int
    stale: int
    quarantined: int
    read_model: int
    matches: int
    notifications: int
    outbox: dict[str, int]
    dead_letters: dict[str, int]


class Stalled(Exception):
    """Nothing moved for too long: waiting longer would not help (not an AssertionError, so polling stops)."""


def quiescent(platform: Platform, expected: Expected, *, timeout: float, stall_s: float = 20.0) -> Counts:
    """Wait until every effect is counted, no queue holds a message and every outbox is empty,
    and the counts stay so for a second (so a late duplicate would still show); returns the counts.

    Fails early, with what the databases are waiting for, when nothing has moved for `stall_s`."""
    settled: list = []   # [counts, since when] while the platform looks settled
    last_seen, last_change = None, time.monotonic()

    def steady() -> Counts:
        nonlocal last_seen, last_change
        try:
            counts = _settled_once(platform, expected)
        except AssertionError as error:
            settled.clear()
            now = time.monotonic()
            seen = (platform.counts(), tuple(sorted(queue_totals(platform.amqp_uri).items())))
            if seen != last_seen:
                last_seen, last_change = seen, now
            if now - last_change > stall_s:
                raise Stalled(f"stalled: nothing moved for {stall_s:g} s: {error}\n"
                              f"{database_waits(platform)}") from None
            raise
        if not settled or settled[0] != counts:
            settled[:] = [counts, time.monotonic()]
        assert time.monotonic() - settled[1] >= 1.0, f"settled at {counts}: checking that nothing more arrives"
        return counts

    return eventually(steady, timeout=timeout, interval=0.5, what="the platform to settle")


def database_waits(platform: Platform) -> str:
    """For PostgreSQL: every connection to the platform's databases, and who blocks whom."""
    if not platform.database_url.startswith("postgresql"):
        return ""
    prefix = make_url(platform.database_url).database.split("{")[0]
    engine = create_engine(f"{POSTGRES}/postgres", poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT datname, pid, state, wait_event_type, wait_event, pg_blocking_pids(pid), left(query, 90) "
            "FROM pg_stat_activity WHERE datname LIKE :prefix AND state <> 'idle' ORDER BY datname, pid"),
            {"prefix": f"{prefix}%"}).all()
    return "PostgreSQL sessions not idle (database, pid, state, wait, blocked by, query):\n" + "\n".join(
        f"  {row[0]} {row[1]} {row[2]} {row[3]}/{row[4]} blocked by {row[5]}: {row[6]}" for row in rows)


def _settled_once(platform: Platform, expected: Expected) -> Counts:
    counts = platform.counts()
    depths = queue_depths(platform.amqp_uri)
    assert not any(depths.values()), f"messages still queued: {depths}; counts {counts}"
    assert not any(counts.outbox.values()), f"outboxes not empty: {counts.outbox}; counts {counts}"
    assert counts.enterprises >= expected.enterprises and counts.notifications >= len(expected.matches), \
        f"not there yet: {counts}"
    return counts


# --- an outside system publishing to gov.events ---------------------------------------------------
class GovPublisher:
    """kombu only, like ../shared/examples/publish_enterprise.py, plus publisher confirms and a
    retry on connection errors (what a careful outside system does while the broker restarts)."""

    def __init__(self, amqp_uri: str, *, retry_for_s: float = 90.0):
        self.amqp_uri = amqp_uri
        self.retry_for_s = retry_for_s
        self.connection: kombu.Connection | None = None
        self.retries = 0
        probe = kombu.Connection(amqp_uri)
        self.retry_on = (OSError, *probe.connection_errors, *probe.channel_errors)

    def _producer(self) -> kombu.Producer:
        if self.connection is None:
            self.connection = kombu.Connection(self.amqp_uri, connect_timeout=5,
                                               transport_options={"confirm_publish": True})
            self.connection.connect()
        return kombu.Producer(self.connection.default_channel)

    def publish(self, routing_key: str, body: dict | str) -> None:
        payload = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)

        def published() -> None:
            try:
                self._producer().publish(payload, exchange=GOV_EVENTS.name, routing_key=routing_key,
                                         delivery_mode=2, content_type="application/json",
                                         content_encoding="utf-8")
            except self.retry_on as error:
                self.close()
                self.retries += 1   # counted at once: a test waits for an attempt to meet a stopped broker
                raise AssertionError(f"could not publish: {error!r}") from error

        # a pause between attempts, as a careful system reconnects to a broker that is away
        eventually(published, timeout=self.retry_for_s, interval=0.3)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.release()
            except Exception:  # noqa: BLE001 - the connection is already broken
                pass
            self.connection = None


def publish_sync(amqp_uri: str, batches: list[dict]) -> None:
    """A bulk synchronisation's batches, published to gov.events by an outside system, in order."""
    publisher = GovPublisher(amqp_uri)
    try:
        for batch in batches:
            publisher.publish("enterprise.profiles_synced", batch)
    finally:
        publisher.close()


def now_in_china() -> str:
    return datetime.now(CHINA).isoformat()


def enterprise_event(uscc: str, fields: dict, *, source: str = "market-regulation", sequence: int = 1,
                     event_id: str | None = None) -> dict:
    return {"event_id": event_id or str(uuid.uuid4()), "source": source, "occurred_at": now_in_china(),
            "sequence": sequence, "enterprise": {"uscc": uscc, **fields}}


def bulk_event(source: str, items: list[dict], *, event_id: str | None = None) -> dict:
    return {"event_id": event_id or str(uuid.uuid4()), "source": source, "occurred_at": now_in_china(),
            "profiles": items}


def new_uscc(kind: str = "91", division: str = "371602") -> str:
    """A valid, never-seen code: 91 + division + 9 random characters, completed with its check character."""
    body = "".join("0123456789ABCDEFGHJKLMNPQRTUWXY"[byte % 31] for byte in os.urandom(9))
    return complete(f"{kind}{division}{body}")


def with_wrong_check_character(uscc: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return uscc[:17] + alphabet[(alphabet.index(uscc[17]) + 1) % 31]


def policy_draft(title: str, eligibility: dict, **extra) -> dict:
    return {"title": title, "department": "industry_it", "department_name": "滨州市工业和信息化局",
            "summary": f"{title}：符合条件的企业可享受。", "eligibility": eligibility,
            "valid_from": "2026-01-01", "valid_to": "2027-12-31", **extra}


def new_marker() -> str:
    """An interest code only one test's enterprises carry; that test's policies ask for it, so tests
    sharing a platform never match each other's enterprises."""
    return f"e2e_{uuid.uuid4().hex[:10]}"


def has_interest(code: str) -> dict:
    return {"field": "interests", "op": "==", "value": code}


def expected_tags(profile: dict, today: date) -> set[str]:
    """The tags the default catalogue gives a merged profile, computed from the domain rules."""
    from services.tagging.domain import catalogue, derived
    facts = derived.derive({name: value for name, value in profile.items() if name != "uscc"}, today)
    return set(catalogue.load_default().assign(facts))


# --- bulk synchronisation and what it should do ---------------------------------------------------
def sync_batches(profiles: list[dict], batch_size: int = 500, sequence: int = 1) -> list[dict]:
    """`enterprise.profiles_synced` bodies: each source's partial profiles (demo.split_by_source),
    `batch_size` items a batch, market-regulation's first."""
    from demo.enterprises import split_by_source

    by_source: dict[str, list[dict]] = defaultdict(list)
    for profile in profiles:
        for source, fields in split_by_source(profile):
            by_source[source].append({"sequence": sequence, "enterprise": fields})
    return [bulk_event(source, items[start:start + batch_size])
            for source, items in by_source.items() for start in range(0, len(items), batch_size)]


@dataclass(frozen=True)
class Expected:
    enterprises: int
    versions: int
    matches: frozenset[tuple[str, int]]


def expected_effects(profiles: Iterable[dict], rules: dict[int, dict], today: date) -> Expected:
    """What syncing `profiles` (each source once, sequence 1) must leave behind, computed from the
    domain rules alone: one file per enterprise, one version per source that sent fields, and a
    match for each published policy whose rule holds for the merged profile and its tags."""
    from demo.enterprises import split_by_source
    from services.tagging.domain import catalogue, derived
    from shared import eligibility

    tag_catalogue = catalogue.load_default()
    parsed = {policy_id: eligibility.parse(rule, None) for policy_id, rule in rules.items()}
    count, versions, matches = 0, 0, set()
    for profile in profiles:
        count += 1
        versions += len(split_by_source(profile))
        facts = derived.derive({name: value for name, value in profile.items() if name != "uscc"}, today)
        tags = set(tag_catalogue.assign(facts))
        if facts.get("status", "active") != "active":
            continue
        matches.update((profile["uscc"], policy_id) for policy_id, rule in parsed.items()
                       if eligibility.evaluate(rule, facts, tags))
    return Expected(count, versions, frozenset(matches))


# Rules that only ask for data to be present and large enough (no `not`, no `!=`), so a partial
# profile that matches on the way keeps matching once every source has sent its part: whatever
# order the batches are applied in, each enterprise is notified exactly for its final matches.
MONOTONE_POLICIES = (
    ("制造业企业技术改造奖补", {"all": [{"tag": "industry.c"},
                                {"field": "annual_revenue", "op": ">=", "value": 20_000_000}]}),
    ("小微企业融资贴息", {"all": [{"tag": "interest.financing"}, {"field": "employees", "op": ">=", "value": 10}]}),
    ("邹平市纺织产业升级补助", {"all": [{"tag": "county.371681"}, {"tag": "industry_group.textiles"}]}),
    ("科技型企业研发后补助", {"any": [{"tag": "qualification.high_tech_enterprise"}, {"tag": "qualification.tech_sme"},
                                 {"field": "rd_expense", "op": ">=", "value": 1_000_000}]}),
    ("稳岗扩岗补贴", {"field": "employees", "op": ">=", "value": 50}),
)


def publish_monotone_policies(platform: Platform) -> dict[int, dict]:
    """Create and publish MONOTONE_POLICIES; their ids and rules."""
    rules = {}
    for title, rule in MONOTONE_POLICIES:
        rules[platform.create_and_publish(policy_draft(title, rule))] = rule
    return rules
