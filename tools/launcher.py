"""Starting and stopping the platform's services as separate `nameko run` processes, each service's
database migrated first (`huiqi migrate`).

Used by `huiqi run` (what `make run` calls), the end-to-end tests and the benchmarks, so all
three run the platform the same way.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import kombu
import requests

from shared.config import settings

ROOT = Path(__file__).resolve().parent.parent
NAMEKO_CONFIG = ROOT / "deploy" / "nameko.yaml"
SERVICES = {
    "tagging": "services.tagging.service:TaggingService",
    "policy": "services.policy.service:PolicyService",
    "notification": "services.notification.service:NotificationService",
    "application": "services.application.service:ApplicationService",
    "evaluation": "services.evaluation.service:EvaluationService",
    "counselling": "services.counselling.service:CounsellingService",
    "accounts": "services.accounts.service:AccountsService",
    "gateway": "services.gateway.service:GatewayService",
}


def probe_port_of(name: str, env: dict[str, str], replica: int = 0) -> dict[str, str]:
    """On one host each process needs a probe port of its own (`shared.probes`): `HUIQI_PROBE_PORT`
    is the first, each service the next in `SERVICES` order, unless `HUIQI_<SERVICE>_PROBE_PORT` says;
    replica `i` (from 0) of a service adds `i * len(SERVICES)` to its first replica's port."""
    own, first = f"HUIQI_{name.upper()}_PROBE_PORT", int(env.get("HUIQI_PROBE_PORT") or 0)
    if own in env:
        return {own: str(int(env[own]) + replica * len(SERVICES))} if replica and int(env[own]) else {}
    if not first:
        return {}
    return {own: str(first + list(SERVICES).index(name) + replica * len(SERVICES))}


def parse_replicas(text: str) -> dict[str, int]:
    """`policy=2,tagging=2` -> {"policy": 2, "tagging": 2}; ValueError naming what is wrong."""
    replicas: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, equals, count = part.partition("=")
        if not equals or name not in SERVICES:
            raise ValueError(f"{part!r} is not SERVICE=COUNT with SERVICE one of {', '.join(SERVICES)}")
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"the count of {name} must be a whole number of at least 1, not {count!r}")
        replicas[name] = int(count)
    return replicas


def refuse_replicas_on_sqlite(replicas: dict[str, int], env: dict[str, str]) -> None:
    """ValueError for a service with a database asked to run more than once on SQLite: a SQLite file
    has one writer at a time, and the services serialise on it inside their process only (its writer
    lock, the policy matcher's lock), so a second process would wait on `database is locked` or, for
    matching, decide from what the other has not committed. The gateway keeps no database."""
    for name, count in replicas.items():
        if count < 2 or name == "gateway":
            continue
        url = env.get(f"HUIQI_{name.upper()}_DATABASE_URL") or env.get("HUIQI_DATABASE_URL") or "sqlite"
        if url.startswith("sqlite"):
            raise ValueError(f"--replicas: {name}={count} needs PostgreSQL (HUIQI_DATABASE_URL or "
                             f"HUIQI_{name.upper()}_DATABASE_URL): on SQLite a service runs as one process, "
                             f"since one SQLite file has one writer at a time and only one process's locks "
                             f"serialise its writes and its matching")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServiceProcesses:
    """The platform's processes; each service is its own OS process with its own log file, or several
    (`replicas={"policy": 2}`): then its processes are named `policy-1`, `policy-2` (their logs
    `policy-1.log`, ...), and each answers its probes on a port of its own (chosen free here when no
    probe port is configured), which is how readiness is told apart per process. Replicas of the
    gateway listen on the one `HUIQI_GATEWAY_BIND` together (SO_REUSEPORT: the kernel spreads the
    connections over them)."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None, services=tuple(SERVICES),
                 replicas: dict[str, int] | None = None):
        self.log_dir = Path(log_dir)
        self.env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
        self.services = tuple(services)
        self.replicas = {name: (replicas or {}).get(name, 1) for name in self.services}
        refuse_replicas_on_sqlite(self.replicas, self.env)
        self.processes: dict[str, subprocess.Popen] = {}
        self.probe_ports: dict[str, int] = {}   # process name -> its probe port, where it has one
        self.migrated: set[str] = set()

    def instances(self, *names: str) -> list[str]:
        """The process names of services (all of them without `names`); a process name stays itself."""
        found = []
        for name in names or self.services:
            count = self.replicas.get(name)
            if count is None:
                found.append(name)   # already a process name, `policy-2`
            else:
                found.extend([name] if count == 1 else [f"{name}-{index}" for index in range(1, count + 1)])
        return found

    @staticmethod
    def service_of(instance: str) -> str:
        return instance if instance in SERVICES else instance.rsplit("-", 1)[0]

    def _environment(self, instance: str) -> dict[str, str]:
        service = self.service_of(instance)
        replica = 0 if instance == service else int(instance.rsplit("-", 1)[1]) - 1
        own = f"HUIQI_{service.upper()}_PROBE_PORT"
        env = {**self.env, **probe_port_of(service, self.env, replica)}
        if instance != service and not int(env.get(own) or 0):
            env[own] = str(_free_port())   # a replica is told ready by its own probes
        if int(env.get(own) or 0):
            self.probe_ports[instance] = int(env[own])
        return env

    def start(self, *names: str) -> None:
        """Start the services (all by default), their databases migrated first, as deployment does."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        instances = self.instances(*names)
        self.migrate(*dict.fromkeys(self.service_of(instance) for instance in instances))
        for instance in instances:
            if instance in self.processes and self.processes[instance].poll() is None:
                continue
            log = open(self.log_dir / f"{instance}.log", "ab")
            self.processes[instance] = subprocess.Popen(
                [str(Path(sys.executable).parent / "nameko"), "run", SERVICES[self.service_of(instance)],
                 "--config", str(NAMEKO_CONFIG)],
                cwd=ROOT, env=self._environment(instance), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
            log.close()

    def start_ready(self, *names: str, timeout_s: float = 60.0) -> None:
        """Start the services and wait until every process is ready: the first process of each first, then
        the other replicas. So the first process of a service is the active consumer of its queues with a
        single active consumer (shared.topology `Route.ordered`), and a drill knows which one to kill."""
        first = [instances[0] for instances in (self.instances(name) for name in names or self.services)]
        self.start(*first)
        self.wait_ready(*first, timeout_s=timeout_s)
        self.start(*names)
        self.wait_ready(*names, timeout_s=timeout_s)

    def migrate(self, *names: str) -> None:
        """`huiqi migrate` for those of `names` with a database not migrated by this launcher yet, in a
        process of its own with the services' environment (so the same databases, settings and code)."""
        from shared.migrations import histories

        pending = [name for name in names if name in histories() and name not in self.migrated]
        if not pending:
            return
        done = subprocess.run([sys.executable, "-m", "tools.cli", "migrate", *pending], cwd=ROOT, env=self.env,
                              capture_output=True, text=True)
        with open(self.log_dir / "migrate.log", "a", encoding="utf-8") as log:
            log.write(done.stdout + done.stderr)
        if done.returncode != 0:
            raise RuntimeError(f"huiqi migrate {' '.join(pending)} failed, so no service started:\n{done.stderr}")
        self.migrated.update(pending)

    def stop(self, *names: str, timeout_s: float = 20.0) -> None:
        """SIGTERM (Nameko finishes the workers in flight), then SIGKILL after `timeout_s`."""
        chosen = [self.processes[name] for name in (self.instances(*names) if names else list(self.processes))
                  if name in self.processes]
        for process in chosen:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for process in chosen:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def kill(self, name: str) -> None:
        """`kill -9` one process (`policy-2`, or a service run once): no goodbye, messages in flight
        stay unacked on the broker."""
        instances = self.instances(name)
        if len(instances) != 1:
            raise ValueError(f"{name} runs as {', '.join(instances)}: name the one to kill")
        process = self.processes[instances[0]]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def alive(self, name: str) -> bool:
        """Whether the process runs (for a service: every one of its processes)."""
        return all(instance in self.processes and self.processes[instance].poll() is None
                   for instance in self.instances(name))

    def wait_ready(self, *names: str, timeout_s: float = 60.0) -> None:
        """Until each process is ready: its probes say so where it has a probe port, else its service
        consumes its RPC queue (and the gateway answers /health)."""
        deadline = time.monotonic() + timeout_s
        pending = self.instances(*names)
        while pending:
            pending = [name for name in pending if not self._ready(name)]
            if not pending:
                return
            for name in pending:
                if name in self.processes and self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited with {self.processes[name].returncode}; "
                                       f"see {self.log_dir / (name + '.log')}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout_s:.0f} s: {', '.join(pending)}")
            time.sleep(0.2)

    def _ready(self, instance: str) -> bool:
        name = self.service_of(instance)
        if instance in self.probe_ports:
            try:
                answer = requests.get(f"http://127.0.0.1:{self.probe_ports[instance]}/health/ready", timeout=2)
            except requests.RequestException:
                return False
            if answer.status_code != 200:
                return False
        return self._service_ready(name)

    def _service_ready(self, name: str) -> bool:
        config = settings()
        if name == "gateway":
            try:
                url = f"http://{self.env.get('HUIQI_GATEWAY_BIND', config.gateway_bind)}"
                return requests.get(f"{url}/health", timeout=2).status_code == 200
            except requests.RequestException:
                return False
        try:
            with kombu.Connection(self.env.get("HUIQI_AMQP_URI", config.amqp_uri), connect_timeout=2) as connection:
                channel = connection.channel()
                _, _, consumers = channel.queue_declare(f"rpc-{name}", passive=True)
                return consumers > 0
        except Exception:  # noqa: BLE001 - "not declared yet" and "broker away" both mean not ready
            return False
