"""`huiqi job ID`: follow a re-tag job through the gateway with a progress bar on the terminal."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

import requests

WIDTH = 30
FINAL = ("done", "failed")


def bar(job: dict) -> str:
    """One line: `[#######.......]  23,000/100,000  23%  running  1,204 changed`."""
    total, done = max(job["total"], 1), job["done"]
    share = min(done / total, 1.0) if job["total"] else (1.0 if job["state"] == "done" else 0.0)
    filled = round(share * WIDTH)
    line = (f"job {job['id']} [{'#' * filled}{'.' * (WIDTH - filled)}] {done:,}/{job['total']:,} "
            f"{share:4.0%}  {job['state']}  {job['changed']:,} changed")
    if job.get("error"):
        line += f"  error: {job['error']}"
    return line


def follow(fetch: Callable[[], dict], out: TextIO = sys.stdout, interval_s: float = 0.5,
           sleep: Callable[[float], None] = time.sleep) -> dict:
    """Draw the bar until the job is done or failed; returns the last state. On a terminal the bar
    redraws in place, elsewhere (a log) a line is written only when the state or progress moved."""
    in_place = out.isatty()
    last = None
    while True:
        job = fetch()
        line = bar(job)
        if in_place:
            out.write("\r" + line.ljust(len(last or "")))
        elif line != last:
            out.write(line + "\n")
        out.flush()
        last = line
        if job["state"] in FINAL:
            if in_place:
                out.write("\n")
            return job
        sleep(interval_s)


def fetcher(gateway_url: str, token: str, job_id: int) -> Callable[[], dict]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def fetch() -> dict:
        answer = session.get(f"{gateway_url}/api/v1/jobs/{job_id}", timeout=30)
        if answer.status_code != 200:
            raise SystemExit(f"job {job_id}: HTTP {answer.status_code}: {answer.text[:300]}")
        return answer.json()
    return fetch
