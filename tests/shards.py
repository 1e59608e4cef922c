"""Run a pytest selection as several pytest processes at once, each a shard of it (pytest-split).

    python -m tests.shards 3 -m "not postgres" tests/unit tests/integration

Most of the suite waits on the broker and the databases rather than computing, so shards overlap
well even on two cores. Not pytest-xdist: its workers talk to the controller over execnet threads,
which hang once eventlet has monkey-patched the worker (tests/conftest.py must patch). Each shard
is a whole pytest session of its own (its own RabbitMQ virtual host and databases, as any test
session), balanced by the durations in `tests/durations.json` (`--store` writes them anew).
The output of each shard is shown when it ends; the exit code is the worst of theirs.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DURATIONS = Path(__file__).with_name("durations.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shards", type=int, help="how many pytest processes")
    parser.add_argument("--store", action="store_true", help="write tests/durations.json from this run")
    options, pytest_args = parser.parse_known_args(argv)
    if options.shards < 1:
        parser.error("shards must be at least 1")

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="huiqi-shards-") as folder:
        runs = []
        for group in range(1, options.shards + 1):
            log = open(Path(folder, f"shard-{group}.log"), "w+")  # noqa: SIM115 - closed below
            stored = Path(folder, f"durations-{group}.json")
            command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                       "--splits", str(options.shards), "--group", str(group),
                       # balanced by duration, not contiguous runs of the suite's order: the slow integration
                       # modules (mostly waiting on timers and the broker) spread over every shard
                       "--splitting-algorithm", "least_duration",
                       "--durations-path", str(stored if options.store else DURATIONS), *pytest_args]
            if options.store:
                command += ["--store-durations"]
                if DURATIONS.exists():   # split by the durations known so far; this run's replace them
                    stored.write_text(DURATIONS.read_text())
            runs.append((group, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), log, stored))

        worst = 0
        pending = list(runs)
        while pending:
            for run in list(pending):
                group, process, log, _ = run
                if process.poll() is None:
                    continue
                pending.remove(run)
                # killed by a signal is a negative code: a failure too, as a shell would report it
                code = process.returncode if process.returncode >= 0 else 128 - process.returncode
                worst = max(worst, code)
                log.seek(0)
                print(f"--- shard {group} of {options.shards}: exit {process.returncode}, "
                      f"{time.monotonic() - started:.0f} s ---", flush=True)
                sys.stdout.write(log.read())
                log.close()
            time.sleep(0.5)

        if options.store and worst == 0:
            _merge([stored for *_, stored in runs])
    print(f"--- {options.shards} shards in {time.monotonic() - started:.0f} s ---")
    return worst


def _merge(paths: list[Path]) -> None:
    import json

    merged: dict[str, float] = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
    for path in paths:
        if path.exists():
            merged.update(json.loads(path.read_text()))
    rounded = {test: round(seconds, 2) for test, seconds in sorted(merged.items())}
    DURATIONS.write_text(json.dumps(rounded, indent=0, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
