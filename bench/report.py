"""The keys, their units and targets; results.json, meta.json and the table printed at the end."""
from __future__ import annotations

import json
import os
import platform as host
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

STREAM_SHARE_OF_HOP = 0.4


@dataclass(frozen=True)
class KeySpec:
    key: str
    unit: str
    target: str
    met: Callable[[dict], bool | None] = lambda results: None


def _at_most(key: str, limit: float) -> Callable[[dict], bool | None]:
    return lambda results: results[key] <= limit if key in results else None


def _at_least(key: str, floor: float) -> Callable[[dict], bool | None]:
    return lambda results: results[key] >= floor if key in results else None


def _stream_met(results: dict) -> bool | None:
    if "stream_changes_per_s" not in results or "bus_hop_events_per_s" not in results:
        return None
    return results["stream_changes_per_s"] >= STREAM_SHARE_OF_HOP * results["bus_hop_events_per_s"]


def specs(label: str, services: tuple[str, ...]) -> list[KeySpec]:
    """Every key in table order. Size targets hold at 100k; a smaller run shows them unchecked."""
    full = label == "100k"
    bulk, publish, revise = f"bulk_sync_{label}_s", f"publish_match_{label}_s", f"revise_rematch_{label}_s"
    retag, close = f"retag_all_{label}_s", f"evaluation_close_{label}_s"
    return [
        KeySpec("bus_hop_events_per_s", "events/s", "baseline"),
        KeySpec("stream_changes_per_s", "changes/s", f">= {STREAM_SHARE_OF_HOP} x bus hop", _stream_met),
        KeySpec("change_to_inbox_p50_ms", "ms", "<= 50", _at_most("change_to_inbox_p50_ms", 50)),
        KeySpec("change_to_inbox_p99_ms", "ms", "<= 250", _at_most("change_to_inbox_p99_ms", 250)),
        KeySpec(bulk, "s", "<= 30" if full else "(<= 30 at 100k)", _at_most(bulk, 30) if full else lambda r: None),
        KeySpec(f"bulk_sync_{label}_matches", "matches", ""),
        KeySpec(f"bulk_sync_{label}_notifications", "notifications", ""),
        KeySpec(f"bulk_sync_{label}_evaluation_s", "s", ""),
        KeySpec(f"bulk_sync_{label}_pg_s", "s", ""),
        KeySpec(f"bulk_sync_{label}_pg_2x_s", "s", ""),
        KeySpec(f"bulk_sync_{label}_pg_2x_speedup_x", "x", "> 1", _at_least(f"bulk_sync_{label}_pg_2x_speedup_x", 1.0)),
        *(KeySpec(f"bulk_sync_{label}_peak_rss_mb_{name}", "MiB", "") for name in services),
        KeySpec("live_change_during_bulk_p50_ms", "ms", ""),
        KeySpec("live_change_during_bulk_p99_ms", "ms", "<= 1,000" if full else "(<= 1,000 at 100k)",
                _at_most("live_change_during_bulk_p99_ms", 1000) if full else lambda r: None),
        KeySpec(publish, "s", "<= 10" if full else "(<= 10 at 100k)",
                _at_most(publish, 10) if full else lambda r: None),
        KeySpec(f"publish_match_{label}_matched", "enterprises", ""),
        KeySpec(revise, "s", "<= 10" if full else "(<= 10 at 100k)", _at_most(revise, 10) if full else lambda r: None),
        *(KeySpec(f"revise_rematch_{label}_{count}", "enterprises", "") for count in ("gained", "lost", "pushed")),
        KeySpec(retag, "s", "<= 60" if full else "(<= 60 at 100k)", _at_most(retag, 60) if full else lambda r: None),
        *(KeySpec(f"retag_all_{label}_{count}", "enterprises", "") for count in ("gained", "lost")),
        KeySpec(f"retag_all_{label}_pushed", "notifications", ""),
        *(KeySpec(f"retag_all_{label}_peak_rss_mb_{name}", "MiB", "") for name in services),
        KeySpec("search_p50_ms", "ms", ""),
        KeySpec("search_p95_ms", "ms", ""),
        KeySpec("search_p99_ms", "ms", "<= 50" if full else "(<= 50 at 1,000 policies)",
                _at_most("search_p99_ms", 50) if full else lambda r: None),
        KeySpec("search_max_ms", "ms", ""),
        KeySpec("search_requests_per_s", "requests/s", ""),
        KeySpec("search_saturated_p50_ms", "ms", ""),
        KeySpec("search_saturated_p99_ms", "ms", ""),
        KeySpec("search_saturated_max_ms", "ms", ""),
        KeySpec("search_saturated_requests_per_s", "requests/s", ""),
        KeySpec("portal_first_load_p50_ms", "ms", ""),
        KeySpec("portal_first_load_p95_ms", "ms", "<= 1,500", _at_most("portal_first_load_p95_ms", 1_500)),
        KeySpec("portal_search_p50_ms", "ms", ""),
        KeySpec("portal_search_p95_ms", "ms", "<= 300", _at_most("portal_search_p95_ms", 300)),
        KeySpec("portal_first_page_gzip_kib", "KiB", "<= 585.9 (600 KB)",
                _at_most("portal_first_page_gzip_kib", 585.9)),
        KeySpec("applications_per_s", "applications/s", ">= 50", _at_least("applications_per_s", 50)),
        KeySpec("applications_path_p50_ms", "ms", ""),
        KeySpec("applications_path_p99_ms", "ms", ""),
        KeySpec("applications_batched_per_s", "applications/s", ">= 50", _at_least("applications_batched_per_s", 50)),
        KeySpec("applications_batched_path_p50_ms", "ms", ""),
        KeySpec("applications_batched_path_p99_ms", "ms", ""),
        KeySpec("ratings_per_s", "ratings/s", ">= 200", _at_least("ratings_per_s", 200)),
        KeySpec("ratings_p50_ms", "ms", ""),
        KeySpec("ratings_p99_ms", "ms", ""),
        KeySpec(close, "s", "<= 10" if full else "(<= 10 at 100k)", _at_most(close, 10) if full else lambda r: None),
        KeySpec("deliveries_per_s", "SMS/s", ">= 500", _at_least("deliveries_per_s", 500)),
        KeySpec(f"quiet_hours_release_{label}_s", "s", "<= 120" if full else "(<= 120 at 100k)",
                _at_most(f"quiet_hours_release_{label}_s", 120) if full else lambda r: None),
        *(spec for suffix in ("", "_pg") for spec in (
            KeySpec(f"overdue_scan_100k{suffix}_ms", "ms", "<= 500", _at_most(f"overdue_scan_100k{suffix}_ms", 500)),
            KeySpec(f"overdue_scan_100k{suffix}_max_ms", "ms", ""),
            KeySpec(f"raise_alarms_100k{suffix}_ms", "ms", ""),
            KeySpec(f"raise_alarms_100k{suffix}_max_ms", "ms", ""),
            KeySpec(f"overdue_listing_100k{suffix}_ms", "ms", ""))),
        KeySpec("poison_storm_slowdown_x", "x", "<= 2", _at_most("poison_storm_slowdown_x", 2)),
        KeySpec("poison_storm_alone_s", "s", ""),
        KeySpec("poison_storm_interleaved_s", "s", ""),
        *(KeySpec(f"peak_rss_mb_{name}", "MiB", "") for name in services),
    ]


def table(results: dict, label: str, services: tuple[str, ...], failures: dict[str, str]) -> str:
    rows = [("key", "value", "unit", "target", "met?")]
    known = specs(label, services)
    for spec in known + [KeySpec(key, "", "") for key in results if key not in {s.key for s in known}]:
        if spec.key not in results:
            continue
        value = results[spec.key]
        target = spec.target
        if spec.key == "stream_changes_per_s" and "bus_hop_events_per_s" in results:
            target += f" = {STREAM_SHARE_OF_HOP * results['bus_hop_events_per_s']:,.1f}"
        met = spec.met(results)
        shown = (f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}") if isinstance(value, float) else f"{value:,}"
        rows.append((spec.key, shown, spec.unit, target, "" if met is None else ("yes" if met else "NO")))
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join((cell.ljust(width) if column != 1 else cell.rjust(width))
                               for column, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    for name, reason in failures.items():
        lines.append(f"{name}: FAILED: {reason}")
    return "\n".join(lines)


def machine() -> dict:
    info = {"cpu_count": os.cpu_count(), "python": sys.version.split()[0], "platform": host.platform(),
            "sqlite": sqlite3.sqlite_version}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_mb"] = int(line.split()[1]) // 1024
                break
    except OSError:
        pass
    for package in ("nameko", "eventlet", "kombu", "SQLAlchemy", "pydantic"):
        try:
            info[package.lower()] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    try:
        version = subprocess.run(["rabbitmqctl", "-q", "version"], capture_output=True, text=True, timeout=30)
        info["rabbitmq"] = version.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def code_state(root: Path) -> dict:
    """The commit measured and the files that differed from it (others edit the tree meanwhile)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD").strip(),
            "modified": [line[3:] for line in git("status", "--porcelain").splitlines()
                         if line[:2].strip() and not line.startswith("??")]}


def write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
