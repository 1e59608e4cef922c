"""Tooling for people and test harnesses: the `huiqi` command and what it runs (the launcher, the
AsyncAPI writer, the job progress bar, broker users). No service imports it, and neither does shared/."""
