"""The platform under measurement: its own vhost, its own databases, its own service processes.

    with BenchPlatform(progress) as platform:
        platform.rpc.tagging.counts()
        platform.peek["notification"].appended("notifications")

Entering creates the vhost (`rabbitmqctl add_vhost`, guest permissions), a fresh folder
var/bench/run-<timestamp>/ for the SQLite files and logs, declares the topology and starts the
services with `tools.launcher.ServiceProcesses`; leaving stops them and removes the vhost and
(unless BENCH_KEEP=1) the folder. The gateway is not started with them: a measurement that needs
HTTP calls `start_extra("gateway")` and reaches it at `gateway_url` with `admin_token` (this run's
own `HUIQI_ADMIN_TOKEN`).

`BenchPlatform(progress, database_url=..., replicas={"policy": 2})` runs the same platform on
PostgreSQL (a `{service}` template naming fresh databases, dropped on leaving unless BENCH_KEEP=1),
with several processes of a service (`policy-1`, `policy-2`; the first of each started first, as
`huiqi run --replicas` does). Its CPU accounting then includes the PostgreSQL server processes
serving its databases (`postgresql_<service>`), which would otherwise hide among `other`.
"""
from __future__ import annotations

import os
import resource
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu
from nameko.standalone.rpc import ClusterRpcProxy

from bench.probes import DatabasePeek, PostgresPeek, peek_for
from bench.progress import Progress
from shared import topology
from shared.config import settings
from shared.database import drop_database
from tools import launcher
from tools.launcher import ROOT, ServiceProcesses

PLATFORM_SERVICES = ("tagging", "policy", "notification", "application", "evaluation", "counselling")
# what an extra process cannot serve without: the gateway asks the accounts service who holds each token
EXTRA_NEEDS = {"gateway": ("accounts",)}
HOP_SERVICE = "bench_hop"
BROKER = os.environ.get("BENCH_BROKER", "amqp://guest:guest@127.0.0.1:5672")
BENCH_DIR = ROOT / "var" / "bench"
RPC_TIMEOUT_S = 300.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")



class ServiceFailed(RuntimeError):
    """A service process died or dead-lettered a message."""


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _queues_of(consumer: str) -> set[str]:
    return {route.queue for route in topology.ROUTES.values() if route.consumer == consumer}


def _pid_of(command: str) -> int | None:
    """The first process whose name is `command` (the broker's Erlang VM, for CPU accounting)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == command:
                    return int(entry.name)
            except OSError:
                continue
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far (children not included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (user, nice, system, irq, softirq, steal)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _status_mb(pid: int, field: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) since it started or since `reset_peak_rss`, in MiB."""
    return _status_mb(pid, "VmHWM")


def rss_mb(pid: int) -> float | None:
    """The process's resident set now (VmRSS), in MiB."""
    return _status_mb(pid, "VmRSS")


def reset_peak_rss(pid: int) -> bool:
    """Set the process's VmHWM back to its resident set now (`5` to /proc/<pid>/clear_refs, Linux 4.0
    and later; the bench starts the services, so it may). False when the kernel refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class BenchPlatform:
    def __init__(self, progress: Progress, *, keep: bool = False, database_url: str | None = None,
                 replicas: dict[str, int] | None = None, tag: str = ""):
        self.progress = progress
        self.keep = keep
        stamp = time.strftime("%Y%m%d-%H%M%S") + (f"-{tag}" if tag else "")
        self.run_dir = BENCH_DIR / f"run-{stamp}"
        self.vhost = f"huiqi-bench-{stamp}-{os.getpid()}"
        self.database_url = database_url or f"sqlite:///{self.run_dir}/{{service}}.sqlite3"
        self.replicas = dict(replicas or {})
        self.amqp_uri = f"{BROKER}/{self.vhost}"
        self.admin_token = f"bench-{secrets.token_urlsafe(24)}"   # this run's city administrator
        gateway_bind = f"127.0.0.1:{_free_port()}"
        self.gateway_url = f"http://{gateway_bind}"             # once `start_extra("gateway")`
        self.env = {
            "HUIQI_AMQP_URI": self.amqp_uri,
            "HUIQI_DATABASE_URL": self.database_url,
            "HUIQI_VAR_DIR": str(self.run_dir),
            "HUIQI_GATEWAY_BIND": gateway_bind,
            "HUIQI_ADMIN_TOKEN": self.admin_token,
        }
        self.processes: ServiceProcesses | None = None
        self.peek: dict[str, DatabasePeek] = {name: peek_for(self.database_url.format(service=name))
                                              for name in PLATFORM_SERVICES}
        self._environ_before: dict[str, str | None] = {}
        self._rpc_proxy: ClusterRpcProxy | None = None
        self.rpc = None
        self._vhost_created = False
        self.keep_logs = False     # set when a measurement failed: the logs outlive the run folder
        self.broker_pid = _pid_of("beam.smp")
        self._earlier_peaks: dict[str, float] = {}   # VmHWM before `reset_peak_rss`

    # lifecycle ------------------------------------------------------------------------------------
    def __enter__(self) -> BenchPlatform:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        # ServiceProcesses starts what tools.launcher.SERVICES names; the bench's own trivial service
        # joins that table in this process only, once a platform starts (it is no part of the
        # platform, and importing the bench must not change the table for anyone else)
        launcher.SERVICES.setdefault(HOP_SERVICE, "bench.hop_service:HopService")
        self.run_dir.mkdir(parents=True)
        _rabbitmqctl("add_vhost", self.vhost)
        self._vhost_created = True
        _rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        # for anything in this process that reads settings(); put back on leaving (a platform of a
        # measurement's own runs inside the run's platform)
        self._environ_before = {key: os.environ.get(key) for key in self.env}
        os.environ.update(self.env)
        settings.cache_clear()
        topology.declare(self.amqp_uri)
        where = (f"databases in {self.run_dir.relative_to(ROOT)}/" if not self.on_postgres
                 else f"databases {self.database_url.rsplit('/', 1)[-1]}")
        self.progress.say("platform", f"vhost {self.vhost}, {where}")
        self.processes = ServiceProcesses(self.run_dir / "logs", self.env, services=PLATFORM_SERVICES,
                                          replicas=self.replicas)
        started = time.monotonic()
        # the first process of each service first, so it is the active consumer of the ordered queues
        self.processes.start_ready(*PLATFORM_SERVICES, timeout_s=120)
        self.progress.say("platform", f"{', '.join(self.instances)} ready in {time.monotonic() - started:.1f} s "
                                      f"(pids {', '.join(str(self.pid(name)) for name in self.instances)})")
        self._rpc_proxy = ClusterRpcProxy(self.nameko_config(), timeout=RPC_TIMEOUT_S)
        self.rpc = self._rpc_proxy.start()

    def __exit__(self, *exc_info) -> None:
        if self._rpc_proxy is not None:
            try:
                self._rpc_proxy.stop()
            except Exception:  # noqa: BLE001 - the broker may be gone; nothing left to release
                pass
            self._rpc_proxy = None
        for peek in self.peek.values():
            peek.close()
        if self.processes is not None:
            self.processes.stop(timeout_s=30)
        if self._vhost_created:
            try:
                _rabbitmqctl("delete_vhost", self.vhost)
            except subprocess.SubprocessError as error:
                self.progress.say("platform", f"could not delete vhost {self.vhost}: {error}")
        for key, value in self._environ_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        settings.cache_clear()
        if self.on_postgres and not self.keep:
            for name in PLATFORM_SERVICES:
                drop_database(self.database_url.format(service=name))
        if self.keep:
            self.progress.say("platform", f"kept {self.run_dir} (BENCH_KEEP=1)")
            return
        if self.keep_logs and (self.run_dir / "logs").exists():
            kept = BENCH_DIR / f"logs-{self.run_dir.name.removeprefix('run-')}"
            shutil.copytree(self.run_dir / "logs", kept, dirs_exist_ok=True)
            self.progress.say("platform", f"a measurement failed: service logs kept in {kept.relative_to(ROOT)}/")
        if self.run_dir.exists():
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def nameko_config(self) -> dict:
        return {"AMQP_URI": self.amqp_uri, "serializer": "json"}

    @property
    def on_postgres(self) -> bool:
        return isinstance(self.peek[PLATFORM_SERVICES[0]], PostgresPeek)

    @property
    def instances(self) -> list[str]:
        """The platform services' process names: `policy`, or `policy-1`, `policy-2` with replicas."""
        return self.processes.instances(*PLATFORM_SERVICES)

    @contextmanager
    def vhost_of_its_own(self, name: str) -> Iterator[str]:
        """A further vhost with the platform's topology and none of its consumers, for a measurement
        that must see one service alone (its events pile up unread, as in the tests); yields its
        AMQP URI and deletes it on leaving."""
        vhost = f"{self.vhost}-{name}"
        _rabbitmqctl("add_vhost", vhost)
        try:
            _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
            topology.declare(f"{BROKER}/{vhost}")
            yield f"{BROKER}/{vhost}"
        finally:
            _rabbitmqctl("delete_vhost", vhost)

    # the bench's own service ------------------------------------------------------------------------
    def start_extra(self, name: str) -> None:
        needed = [*EXTRA_NEEDS.get(name, ()), name]
        self.processes.start(*needed)
        self.processes.wait_ready(*needed, timeout_s=60)

    def stop_extra(self, name: str) -> None:
        self.processes.stop(name, *EXTRA_NEEDS.get(name, ()))

    def check_extra(self, name: str) -> None:
        """Raise ServiceFailed if a process started with `start_extra` has exited."""
        if not self.processes.alive(name):
            raise ServiceFailed(f"{name} exited with {self.processes.processes[name].returncode}; "
                                f"see its log in {self.run_dir / 'logs'}")

    # observing ------------------------------------------------------------------------------------
    def running(self) -> list[str]:
        """The services whose processes are up now (the platform's, and any extra such as the gateway)."""
        return [name for name in list(self.processes.processes) if self.processes.alive(name)]

    def pid(self, name: str) -> int:
        return self.processes.processes[name].pid

    def check(self) -> None:
        """Raise ServiceFailed if a service died or dead-lettered a message."""
        for name in self.instances:
            if not self.processes.alive(name):
                log = self.run_dir / "logs" / f"{name}.log"
                tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-3:] if log.exists() else []
                raise ServiceFailed(f"{name} exited with {self.processes.processes[name].returncode}; "
                                    f"last lines of its log: {' | '.join(line[:300] for line in tail)}")
        for name in PLATFORM_SERVICES:
            dead = self.peek[name].rows("SELECT routing_key, error FROM dead_letters ORDER BY id LIMIT 3")
            if dead:
                total = self.peek[name].scalar("SELECT count(*) FROM dead_letters")
                raise ServiceFailed(f"{name} dead-lettered {total} message(s), first: "
                                    + "; ".join(f"{key}: {error}" for key, error in dead))

    def leftovers(self) -> dict[str, dict[str, int]]:
        """Per service: dead letters (must be 0) and events still in its outbox (0 when settled)."""
        return {name: {"dead_letters": self.peek[name].scalar("SELECT count(*) FROM dead_letters"),
                       "outbox": self.peek[name].outbox()} for name in PLATFORM_SERVICES}

    def ready(self, consumer: str) -> int:
        """Messages waiting in the queues `consumer` consumes, not counting those delivered and not yet
        acknowledged (a passive declare of each: cheap enough to poll)."""
        with kombu.Connection(self.amqp_uri, connect_timeout=5) as connection:
            channel = connection.channel()
            return sum(channel.queue_declare(queue, passive=True)[1] for queue in _queues_of(consumer))

    def queued(self, consumer: str) -> int:
        """Messages in the queues `consumer` consumes, ready or delivered and not yet acknowledged
        (`rabbitmqctl list_queues`: about half a second a call, and an Erlang VM's start in CPU)."""
        mine = _queues_of(consumer)
        listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", self.vhost, "--no-table-headers",
                                 "name", "messages"], check=True, capture_output=True, text=True, timeout=120)
        return sum(int(count) for name, count in (line.split("\t") for line in listed.stdout.splitlines()
                                                  if "\t" in line) if name in mine)

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each service, the broker and the bench itself."""
        used = {name: cpu_seconds(process.pid) for name, process in self.processes.processes.items()}
        used.update(self._database_cpu())
        if self.broker_pid:
            used["rabbitmq"] = cpu_seconds(self.broker_pid)
        own = resource.getrusage(resource.RUSAGE_SELF)
        used["bench"] = own.ru_utime + own.ru_stime
        return {name: seconds for name, seconds in used.items() if seconds is not None}

    def _database_cpu(self) -> dict[str, float | None]:
        """On PostgreSQL, `postgresql <service> <pid>`: CPU seconds of each server process now serving
        one of the platform's databases (`CpuWindow` adds them up per service)."""
        if not self.on_postgres:
            return {}
        names = {self.database_url.format(service=name).rsplit("/", 1)[-1]: name for name in PLATFORM_SERVICES}
        serving = self.peek[PLATFORM_SERVICES[0]].rows(
            "SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY(?)", list(names))
        return {f"postgresql {names[database]} {pid}": cpu_seconds(pid) for pid, database in serving}

    def wait_for_quiet(self, phase: str, *, busy_cores: float = 0.3, patience_s: float = 180.0) -> float:
        """Before a measurement: wait (up to `patience_s`) until processes other than the bench's use
        less than `busy_cores` of CPU over a second. Returns the last reading."""
        deadline = time.monotonic() + patience_s
        said = False
        while True:
            window = CpuWindow(self).start()
            time.sleep(1.0)
            others = window.stop()["other"] / window.wall
            if others < busy_cores or time.monotonic() > deadline:
                if said or others >= busy_cores:
                    self.progress.say(phase, f"other processes use {others:.2f} cores; measuring anyway"
                                      if others >= busy_cores else f"machine quiet ({others:.2f} cores busy elsewhere)")
                return others
            if not said:
                self.progress.say(phase, f"other processes on this machine use {others:.2f} cores; "
                                         f"waiting up to {patience_s:.0f} s for them to finish")
                said = True

    def peak_rss(self) -> dict[str, float]:
        """Each service's peak resident set over the whole run, marks from before `reset_peak_rss` included."""
        peaks = {name: peak_rss_mb(self.pid(name)) for name in self.instances}
        return {name: None if peak is None else max(peak, self._earlier_peaks.get(name, 0.0))
                for name, peak in peaks.items()}

    def reset_peak_rss(self) -> bool:
        """Set every service's VmHWM back to its resident set now, keeping the run's peak so far for
        `peak_rss`. False when the kernel refused (the marks then still run from the start)."""
        for name, peak in self.peak_rss().items():
            if peak is not None:
                self._earlier_peaks[name] = peak
        return all([reset_peak_rss(self.pid(name)) for name in self.instances])


class PhasePeaks:
    """Each service's peak resident set over one phase: `start()` sets the kernel's high-water marks
    back to the resident sets now (`BenchPlatform.reset_peak_rss`) and notes those; `stop()` reads
    the marks. Where the kernel refuses the reset, the peak is the highest VmRSS `sample()` saw
    (call it while polling)."""

    def __init__(self, platform: BenchPlatform):
        self.platform = platform
        self.before: dict[str, float] = {}
        self.peak: dict[str, float] = {}
        self.reset = False

    def start(self) -> PhasePeaks:
        self.reset = self.platform.reset_peak_rss()
        self.before = {name: rss_mb(self.platform.pid(name)) or 0.0 for name in self.platform.instances}
        self.peak = dict(self.before)
        return self

    def sample(self) -> None:
        for name in self.platform.instances:
            self.peak[name] = max(self.peak[name], rss_mb(self.platform.pid(name)) or 0.0)

    def stop(self) -> dict[str, float]:
        self.sample()
        if self.reset:
            for name in self.platform.instances:
                self.peak[name] = max(self.peak[name], peak_rss_mb(self.platform.pid(name)) or 0.0)
        return self.peak

    def describe(self) -> str:
        how = "VmHWM after a reset" if self.reset else "highest VmRSS sampled (the kernel refused a VmHWM reset)"
        return "peak RSS over the phase (" + how + "): " + ", ".join(
            f"{name} {self.peak[name]:.0f} MiB (from {self.before[name]:.0f})" for name in self.platform.instances)


class CpuWindow:
    """CPU seconds each process spent between `start()` and `stop()`; `other` is every process on
    the machine that is not the bench's (other people's work on a shared machine)."""

    def __init__(self, platform: BenchPlatform):
        self.platform = platform
        self.before: dict[str, float] = {}
        self.used: dict[str, float] = {}
        self.wall = 0.0
        self._started = 0.0
        self._machine = 0.0

    def start(self) -> CpuWindow:
        self.before = self.platform.cpu()
        self._machine = machine_busy_seconds()
        self._started = time.monotonic()
        return self

    def stop(self) -> dict[str, float]:
        self.wall = time.monotonic() - self._started
        machine = machine_busy_seconds() - self._machine
        after = self.platform.cpu()
        self.used = {name: round(after[name] - self.before.get(name, 0.0), 2) for name in after
                     if not name.startswith("postgresql ")}
        # a server process that ended meanwhile is lost to the count; one that began counts whole
        for name in after:
            if name.startswith("postgresql "):
                service = "postgresql_" + name.split()[1]
                self.used[service] = round(self.used.get(service, 0.0) + after[name] - self.before.get(name, 0.0), 2)
        self.used["other"] = round(max(0.0, machine - sum(self.used.values())), 2)
        return self.used

    def describe(self) -> str:
        busy = ", ".join(f"{name} {seconds:.1f}" for name, seconds in
                         sorted(self.used.items(), key=lambda item: -item[1]) if seconds >= 0.05)
        return f"CPU s over {self.wall:.1f} s wall ({os.cpu_count()} cores): {busy}"
