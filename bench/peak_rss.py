"""`peak_rss_mb_<service>`: each service process's peak resident memory over the whole run.

Read at the end of the run, before the services stop, from /proc/<pid>/status `VmHWM` (the
kernel's high-water mark of the resident set), so it covers every phase that ran before (a
phase that resets the mark to see its own peak, `retag_all`, keeps the earlier mark for this).
"""
from __future__ import annotations

from bench.platform import BenchPlatform
from bench.progress import Progress

PHASE = "peak_rss"


def run(platform: BenchPlatform, progress: Progress) -> tuple[dict, dict]:
    peaks = platform.peak_rss()
    progress.say(PHASE, ", ".join(f"{name} {mb:.0f} MiB" for name, mb in peaks.items() if mb is not None))
    return ({f"peak_rss_mb_{name}": round(mb, 1) for name, mb in peaks.items() if mb is not None},
            {"source": "/proc/<pid>/status VmHWM"})
