"""Starting and stopping the platform's services as separate `nameko run` processes, each service's
database migrated first (`huiqi migrate`).

Used by `huiqi run` (what `make run` calls), the end-to-end tests and the benchmarks, so all
three run the platform the same way.
"""
from __future__ import annotations

import os
import signal
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


def probe_port_of(name: str, env: dict[str, str]) -> dict[str, str]:
    """On one host each process needs a probe port of its own (`shared.probes`): `HUIQI_PROBE_PORT`
    is the first, each service the next in `SERVICES` order, unless `HUIQI_<SERVICE>_PROBE_PORT` says."""
    own, first = f"HUIQI_{name.upper()}_PROBE_PORT", int(env.get("HUIQI_PROBE_PORT") or 0)
    if own in env or not first:
        return {}
    return {own: str(first + list(SERVICES).index(name))}


class ServiceProcesses:
    """The platform's processes; each service is its own OS process with its own log file."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None, services=tuple(SERVICES)):
        self.log_dir = Path(log_dir)
        self.env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
        self.services = tuple(services)
        self.processes: dict[str, subprocess.Popen] = {}
        self.migrated: set[str] = set()

    def start(self, *names: str) -> None:
        """Start the services (all by default), their databases migrated first, as deployment does."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.migrate(*(names or self.services))
        for name in names or self.services:
            if name in self.processes and self.processes[name].poll() is None:
                continue
            log = open(self.log_dir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                [str(Path(sys.executable).parent / "nameko"), "run", SERVICES[name], "--config", str(NAMEKO_CONFIG)],
                cwd=ROOT, env={**self.env, **probe_port_of(name, self.env)}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
            log.close()

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
        chosen = [self.processes[name] for name in names or list(self.processes) if name in self.processes]
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
        """`kill -9`: no goodbye, messages in flight stay unacked on the broker."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def alive(self, name: str) -> bool:
        return name in self.processes and self.processes[name].poll() is None

    def wait_ready(self, *names: str, timeout_s: float = 60.0) -> None:
        """Until each service consumes its RPC queue (and the gateway answers /health)."""
        deadline = time.monotonic() + timeout_s
        pending = list(names or self.services)
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

    def _ready(self, name: str) -> bool:
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
