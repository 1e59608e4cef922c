"""`--profile`: sample each service with py-spy during a phase, and say where its CPU time went.

py-spy is not a project dependency; install it into the venv (`pip install py-spy`) to use
this. Samples are taken without pausing the process (`--nonblocking`) at 100 Hz, only while the
process is on the CPU (an idle eventlet hub waiting in epoll is not sampled), so shares are of
the service's busy time. Raw collapsed stacks and a summary land in var/bench/profiles/.

The summary gives, per service, the share of samples
- *in/below* each of Huiqi's own functions (shared/, services/): inclusive time, counted once
  per sample however deep the function recurs;
- *on CPU*: the leaf, the function actually executing (SQLite, JSON, pydantic, logging ...).

Caveat: py-spy counts a sample as busy when the OS thread is running *or runnable*; on a
saturated 2-core machine that includes time waiting for a core, so busy samples exceed the
kernel's CPU seconds (printed beside them). Read the shares as shares of busy time, and the
kernel's figure as the cost.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from bench.platform import BENCH_DIR, BenchPlatform
from bench.progress import Progress
from tools.launcher import ROOT

PROFILE_DIR = BENCH_DIR / "profiles"
PROJECT_DIRS = ("shared/", "services/", "bench/")
TOP = 10
WATCH_S = 0.5   # how often a phase looks for services started after it began


def py_spy() -> str | None:
    candidate = Path(sys.executable).parent / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


class Profiler:
    def __init__(self, platform: BenchPlatform, progress: Progress, *, enabled: bool, tag: str):
        self.platform = platform
        self.progress = progress
        self.tag = tag
        self.binary = py_spy() if enabled else None
        if enabled and self.binary is None:
            progress.say("profile", "py-spy not found: `.venv/bin/pip install py-spy` to profile; going on without")
        self.summaries: dict[str, dict[str, dict]] = {}

    @contextmanager
    def phase(self, name: str):
        if self.binary is None:
            yield
            return
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
        cpu_before = self.platform.cpu()
        recorders: dict[str, tuple[Path, subprocess.Popen]] = {}
        stopping = threading.Event()

        def record_new() -> None:
            for service in self.platform.running():
                if service not in recorders:
                    output = PROFILE_DIR / f"{self.tag}-{name}-{service}.txt"
                    recorders[service] = (output, subprocess.Popen(
                        [self.binary, "record", "--pid", str(self.platform.pid(service)), "--rate", "100",
                         "--format", "raw", "--function", "--nonblocking", "--output", str(output)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

        def watch() -> None:
            # a service the measurement starts itself (the gateway) is sampled from when it runs
            while not stopping.wait(WATCH_S):
                record_new()

        record_new()
        watcher = threading.Thread(target=watch, name="profile-watch", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stopping.set()
            watcher.join()
            for _output, recorder in recorders.values():
                recorder.send_signal(signal.SIGINT)
            for _output, recorder in recorders.values():
                try:
                    recorder.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    recorder.kill()
            cpu_after = self.platform.cpu()
            self.summaries[name] = {}
            lines = []
            for service, (output, _) in recorders.items():
                summary = summarise(output)
                after = cpu_after.get(service)   # None once the process has gone (the gateway, stopped)
                summary["cpu_s"] = None if after is None else round(after - cpu_before.get(service, 0.0), 2)
                self.summaries[name][service] = summary
                lines.append(describe(service, summary))
            text = "\n".join(lines)
            (PROFILE_DIR / f"{self.tag}-{name}-summary.txt").write_text(text + "\n", encoding="utf-8")
            self.progress.say("profile", f"{name}: where each service's CPU went "
                                         f"(raw stacks in {PROFILE_DIR.relative_to(ROOT)}/)\n{text}")


def _path(frame: str) -> str:
    """The file of a py-spy frame `name (path:line)`, relative to the project when inside it."""
    where = frame.rpartition(" (")[2].rstrip(")").rsplit(":", 1)[0]
    root = str(ROOT) + "/"
    if where.startswith(root):
        where = where[len(root):]
    return where.removeprefix("./")


def _is_project(frame: str) -> bool:
    return _path(frame).startswith(PROJECT_DIRS)


def summarise(path: Path) -> dict:
    """Samples, top project frames and top leaves (each as [frame, share])."""
    if not path.exists():
        return {"samples": 0, "project": [], "leaf": []}
    project, leaf, total = Counter(), Counter(), 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        frames = stack.split(";")
        total += samples
        leaf[_short(frames[-1])] += samples
        for frame in {_short(frame) for frame in frames if _is_project(frame)}:
            project[frame] += samples
    share = (lambda counter: [[frame, round(count / total, 3)] for frame, count in counter.most_common(TOP)]) \
        if total else (lambda counter: [])
    return {"samples": total, "project": share(project), "leaf": share(leaf)}


def _short(frame: str) -> str:
    """`name (/work/main/services/policy/matcher.py:40)` -> `name (services/policy/matcher.py)`."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("/site-packages/", str(ROOT) + "/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})" if where else name


def describe(service: str, summary: dict) -> str:
    counted = summary.get("cpu_s")
    kernel = "its CPU time went with the process" if counted is None else f"the kernel counted {counted:.1f} CPU s"
    lines = [f"  {service}: {summary['samples']:,} busy samples at 100 Hz ({kernel})"]
    lines += [f"    {share:6.1%}  in/below {frame}" for frame, share in summary["project"]]
    lines += [f"    {share:6.1%}  on CPU   {frame}" for frame, share in summary["leaf"][:4]]
    return "\n".join(lines)
