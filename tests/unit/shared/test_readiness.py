"""A service is ready when none of its extensions waits for anything; its backlog is what they hold."""
from types import SimpleNamespace

from shared.readiness import Readiness


class Part:
    """An extension that may wait for something at start."""

    def __init__(self, waiting=None):
        self.waiting = waiting

    def waiting_for(self):
        return self.waiting


class Consumer(Part):
    """One that also holds bus messages."""

    def __init__(self, held, waiting=None):
        super().__init__(waiting)
        self.held = held

    def backlog(self):
        return self.held


class Plain:
    """An extension that takes no part (Nameko's own)."""


def readiness(*parts) -> Readiness:
    provider = Readiness()
    provider.container = SimpleNamespace(extensions={provider, *parts})
    return provider


def test_ready_once_nothing_waits_and_each_waiting_part_is_named_once():
    assert readiness(Part(), Consumer(0), Plain()).waiting_for() == []
    assert readiness(Part("tag catalogue"), Part("bus consumers"), Part("bus consumers"), Part()).waiting_for() == \
        ["bus consumers", "tag catalogue"]


def test_the_backlog_adds_what_each_consumer_holds_and_does_not_count_itself():
    assert readiness(Consumer(3), Consumer(0), Consumer(2, "bus consumers"), Part(), Plain()).backlog() == 5
    assert readiness().backlog() == 0
