"""The job progress bar: what it draws, and that it follows a job to its end."""
import io

from tools.job_progress import bar, follow


def job(done, total=1000, state="running", changed=0, error=None):
    return {"id": 7, "done": done, "total": total, "state": state, "changed": changed, "error": error}


def test_the_bar_fills_with_the_share_done():
    assert bar(job(0)).startswith("job 7 [" + "." * 30 + "] 0/1,000   0%  running")
    assert "[" + "#" * 15 + "." * 15 + "] 500/1,000  50%" in bar(job(500, changed=12))
    assert bar(job(1000, state="done")).count("#") == 30
    assert bar(job(0, total=0, state="done")).count("#") == 30        # nothing to do is done
    assert "error: boom" in bar(job(3, state="failed", error="boom"))


def test_follow_writes_a_line_per_change_until_the_job_ends():
    states = iter([job(0), job(0), job(400, changed=3), job(1000, state="done", changed=9)])
    out = io.StringIO()
    last = follow(lambda: next(states), out, sleep=lambda _s: None)
    lines = out.getvalue().splitlines()
    assert last["state"] == "done"
    assert len(lines) == 3 and lines[-1].endswith("9 changed")   # the repeated 0% is written once


def test_follow_stops_at_a_failure():
    states = iter([job(10), job(20, state="failed", error="database gone")])
    out = io.StringIO()
    assert follow(lambda: next(states), out, sleep=lambda _s: None)["state"] == "failed"
    assert "database gone" in out.getvalue()
