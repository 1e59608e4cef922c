"""Whether a service can serve requests yet: `health` answers ready only once every part of it
that warms up at start has (the tagging catalogue seeded and compiled, the policy index built,
each bus queue consumed).

Nameko starts a container's extensions concurrently, so an RPC can arrive while another
extension is still starting; and a process that answers is not yet one that can serve. Any
extension of the container (a dependency, an entrypoint's shared consumer) takes part by having
a `waiting_for()` method: the name of what it still waits for, or None once it is ready.
"""
from __future__ import annotations

from nameko.extensions import DependencyProvider


class Readiness(DependencyProvider):
    """Each worker gets this provider: `waiting_for()`, what this process still waits for (empty
    once ready), and `backlog()`, the bus messages it holds unsettled (0 when it has no work)."""

    def get_dependency(self, worker_ctx):
        return self

    def waiting_for(self) -> list[str]:
        return waiting_for(self.container)

    def backlog(self) -> int:
        return sum(extension.backlog() for extension in self.container.extensions
                   if extension is not self and callable(getattr(extension, "backlog", None)))


def waiting_for(container) -> list[str]:
    """What the container's extensions still wait for, by name (empty once every one is ready)."""
    waiting = set()
    for extension in container.extensions:
        ask = getattr(extension, "waiting_for", None)
        if not isinstance(extension, Readiness) and callable(ask):
            what = ask()
            if what:
                waiting.add(what)
    return sorted(waiting)
