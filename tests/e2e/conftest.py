"""End-to-end fixtures: a failing test's report carries the tail of every running service's log."""
import pytest

from tests.e2e import harness


@pytest.fixture(scope="module")
def gov(platform):
    """An outside government system publishing to the module's platform (`platform` is per module)."""
    publisher = harness.GovPublisher(platform.amqp_uri)
    yield publisher
    publisher.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for platform in harness.ACTIVE:
            for name in platform.processes.services:
                report.sections.append((f"{name} log (last lines, {platform.processes.log_dir})",
                                        platform.log(name, 25)))


# The cheap, fundamental flows first; the disruptive ones (killing services, restarting the broker) last.
ORDER = ("test_flows", "test_quarantine", "test_enterprise_file", "test_policy_hall", "test_policy_services",
         "test_tag_management", "test_application_hall", "test_downtime", "test_crashes",
         "test_broker_restart")


def pytest_collection_modifyitems(items):
    """Reorder only this directory's tests, in the slots they already hold (the rest stay put)."""
    def module_of(item):
        return item.module.__name__.rsplit(".", 1)[-1] if item.module.__name__.startswith("tests.e2e.") else None

    slots = [position for position, item in enumerate(items) if module_of(item) in ORDER]
    ordered = sorted((items[position] for position in slots), key=lambda item: ORDER.index(module_of(item)))
    for position, item in zip(slots, ordered, strict=True):
        items[position] = item
