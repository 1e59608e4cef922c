"""`poison_storm_slowdown_x`: how much 1,000 invalid government messages interleaved with 1,000 valid
ones slow the valid ones down (issue 12's drill: at most 2x), with `poison_storm_alone_s` and
`poison_storm_interleaved_s`, the two medians it divides.

The messages are the drill test's (bench.poison_messages): the invalid ones are a wrong check
character, U+0000, a lone surrogate, a negative count, an unknown field, a body that is not JSON and
a missing sequence, in turn. A run queues its messages on `gov.events` before the tagging service
starts, then starts tagging as its own `nameko run` process and times from the first message handled
(an enterprise applied or a message quarantined) to the last valid one applied: the service's time,
not the publisher's nor the start's. Rounds alternate a run of the 1,000 valid messages alone and a
run of the storm; the key is the median storm time over the median alone time (every round is in
meta.json, with the CPU seconds of each process: the run's tagging, the PostgreSQL processes serving
its database, and `other`, everyone else's on the machine).

As in the test, tagging runs alone: on a vhost of its own (`BenchPlatform.vhost_of_its_own`, so the
platform's services never see its events) and on PostgreSQL at BENCH_POSTGRES, a fresh database for
every run. Each run's ledger is checked before its time counts: exactly the run's valid enterprises
applied, exactly its invalid event ids quarantined (each once), no dead letter.
"""
from __future__ import annotations

import statistics
import time
import uuid

from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from bench.overdue_scan import BENCH_POSTGRES
from bench.platform import BenchPlatform, CpuWindow, ServiceFailed, cpu_seconds
from bench.poison_messages import VALID, alone, expected_ledger, handled_counts, ledger, publish, storm
from bench.progress import Progress, wait_until
from shared import dead_letters
from shared.database import drop_database, engine_for
from tools.launcher import ServiceProcesses

PHASE = "poison_storm"
ROUNDS = 5
TARGET_X = 2.0
START_STALL_S = 120.0   # a `nameko run` start on a busy machine; nothing is handled meanwhile


class LedgerMismatch(RuntimeError):
    """A run applied or quarantined something else than its messages call for."""


def run(platform: BenchPlatform, progress: Progress, *, rounds: int = ROUNDS) -> tuple[dict, dict]:
    measured: list[dict] = []
    with platform.vhost_of_its_own(PHASE) as amqp_uri:
        for number in range(1, rounds + 1):
            measured.append({kind: _run(platform, progress, amqp_uri, kind, number) for kind in ("alone", "storm")})
            shown, others = ({kind: measured[-1][kind][key] for kind in ("alone", "storm")}
                             for key in ("valid_s", "other_cores"))
            progress.say(PHASE, f"round {number}: {VALID:,} valid messages applied in {shown['alone']:.2f} s alone, "
                                f"{shown['storm']:.2f} s interleaved with {VALID:,} invalid ones "
                                f"({shown['storm'] / shown['alone']:.2f}x); other processes used "
                                f"{others['alone']:.2f} and {others['storm']:.2f} cores meanwhile")
    alone_s = statistics.median(entry["alone"]["valid_s"] for entry in measured)
    storm_s = statistics.median(entry["storm"]["valid_s"] for entry in measured)
    slowdown = storm_s / alone_s
    progress.say(PHASE, f"median of {rounds} rounds: {alone_s:.2f} s alone, {storm_s:.2f} s interleaved: "
                        f"{slowdown:.2f}x (target <= {TARGET_X:g}x)")
    return ({"poison_storm_slowdown_x": round(slowdown, 2), "poison_storm_alone_s": round(alone_s, 3),
             "poison_storm_interleaved_s": round(storm_s, 3)},
            {"valid": VALID, "invalid": VALID, "database": "postgresql", "rounds": measured})


def _backends(engine) -> list[int]:
    """The PostgreSQL server processes serving the run's database (the bench's own poll among them)."""
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
                    .scalars())


def _run(platform: BenchPlatform, progress: Progress, amqp_uri: str, kind: str, number: int) -> dict:
    """One run: queue, start tagging, time it, check the ledger, stop it; its times and CPU seconds."""
    name = f"{kind}{number}"
    messages = alone(name) if kind == "alone" else storm(name)
    valid_usccs, invalid_ids = expected_ledger(messages)
    url = f"{BENCH_POSTGRES}/huiqi_bench_{uuid.uuid4().hex[:8]}_tagging"
    try:
        engine = engine_for(url, pool_size=1)   # creates the database; the launcher migrates it
    except OperationalError as error:
        raise RuntimeError(f"PostgreSQL does not answer at {BENCH_POSTGRES} (BENCH_POSTGRES): {error}") from error
    processes = ServiceProcesses(platform.run_dir / "logs" / PHASE, {
        "HUIQI_AMQP_URI": amqp_uri, "HUIQI_DATABASE_URL": url,
        "HUIQI_VAR_DIR": str(platform.run_dir / PHASE)}, services=("tagging",))
    try:
        publish(amqp_uri, messages)
        cpu = CpuWindow(platform).start()
        started = time.monotonic()
        processes.start("tagging")

        def counts() -> tuple[int, int]:
            try:
                return handled_counts(engine, name)
            except ProgrammingError:     # its tables are not created yet
                return 0, 0

        def check() -> None:
            if not processes.alive("tagging"):
                raise ServiceFailed(f"tagging ({name}) exited with {processes.processes['tagging'].returncode}; "
                                    f"see {processes.log_dir / 'tagging.log'}")

        def describe(value: tuple[int, int]) -> str:
            return f"{name}: {value[0]:,}/{len(valid_usccs):,} applied, {value[1]:,}/{len(invalid_ids):,} quarantined"

        waiting = {"progress": progress, "phase": PHASE, "describe": describe, "started": started, "check": check,
                   "poll_s": 0.05}
        _, first_at = wait_until(counts, lambda value: value != (0, 0), stall_s=START_STALL_S, **waiting)
        _, valid_at = wait_until(counts, lambda value: value[0] >= len(valid_usccs), **waiting)
        wait_until(counts, lambda value: value[1] >= len(invalid_ids), **waiting)
        # The window counts this run's tagging process and its database's server processes among
        # everyone else's (they are not the platform's): read before they exit, and moved out of `other`.
        ours = {"poison_storm_tagging": cpu_seconds(processes.processes["tagging"].pid) or 0.0,
                "postgresql": sum(cpu_seconds(pid) or 0.0 for pid in _backends(engine))}
        used = cpu.stop()
        used["other"] = round(max(0.0, used["other"] - sum(ours.values())), 2)
        used.update({key: round(seconds, 2) for key, seconds in ours.items()})

        usccs, quarantined = ledger(engine, name)
        letters = dead_letters.summary(engine)["total"]
        if usccs != valid_usccs or sorted(quarantined) != invalid_ids or letters:
            raise LedgerMismatch(
                f"{name}: {len(usccs & valid_usccs):,}/{len(valid_usccs):,} valid applied, "
                f"{len(usccs - valid_usccs):,} others applied, {len(quarantined):,} quarantined "
                f"({len(set(quarantined)):,} distinct) of {len(invalid_ids):,}, {letters} dead letters")
    finally:
        processes.stop(timeout_s=30)
        engine.dispose()
        drop_database(url)
    return {"valid_s": round(valid_at - first_at, 3), "first_handled_after_start_s": round(first_at - started, 2),
            "other_cores": round(used["other"] / cpu.wall, 2), "cpu_s": used}
