"""End-to-end fixtures: the platform a test runs on, an outside system publishing to it, and a
failing test's report carrying the tail of every running service's log.

A test takes `platform` (one for its module, shared by the module's tests: each test's enterprises
carry a marker of their own) or `fresh_platform` (one for the test alone). A module or a test says
how its platform runs with `@pytest.mark.platform(...)`:

- `backends=("sqlite", "postgresql")`: the tests run once on each (default sqlite only; postgresql
  is marked `postgres`);
- `env={...}`: settings of the platform's processes (`HUIQI_TIME_TRAVEL`, ...);
- `start=False`: deployed (its virtual host declared, its databases empty) but no service started;
- `replicas={"policy": 2, ...}`: those services as several processes each (PostgreSQL only).

A test that parametrizes the fixture itself (`indirect=["fresh_platform"]`) names the backend.
"""
from __future__ import annotations

import pytest

from tests.e2e import harness
from tests.mail_server import running_mail_server
from tools.sms_sink import SmsSink

PLATFORM_FIXTURES = {"platform": "module", "fresh_platform": "function"}


def pytest_configure(config):
    config.addinivalue_line("markers", "platform(backends, env, start): how the e2e platform runs "
                                       "(tests/e2e/conftest.py)")


def pytest_generate_tests(metafunc):
    settings = metafunc.definition.get_closest_marker("platform")
    backends = tuple(settings.kwargs.get("backends", ("sqlite",))) if settings else ("sqlite",)
    for name, scope in PLATFORM_FIXTURES.items():
        if name not in metafunc.fixturenames or name in _parametrized(metafunc) or backends == ("sqlite",):
            continue
        metafunc.parametrize(name, [pytest.param(backend, marks=pytest.mark.postgres)
                                    if backend == "postgresql" else backend for backend in backends],
                             indirect=True, scope=scope)


def _parametrized(metafunc) -> set[str]:
    names: set[str] = set()
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0]
        names |= {name.strip() for name in argnames.split(",")} if isinstance(argnames, str) else set(argnames)
    return names


def _running(request, directory):
    settings = request.node.get_closest_marker("platform")
    options = settings.kwargs if settings else {}
    backend = getattr(request, "param", "sqlite")
    label = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    with harness.running_platform(label, backend, directory, start=options.get("start", True),
                                  env=options.get("env"), replicas=options.get("replicas")) as running:
        yield running


@pytest.fixture(scope="module")
def platform(request, tmp_path_factory):
    """Every service started on a platform of the module's own (see the module docstring)."""
    yield from _running(request, tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]))


@pytest.fixture
def fresh_platform(request, tmp_path):
    """Every service started on a platform of the test's own (see the module docstring)."""
    yield from _running(request, tmp_path)


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
            for name in platform.processes.instances():
                report.sections.append((f"{name} log (last lines, {platform.processes.log_dir})",
                                        platform.log(name, 25)))


# The cheap, fundamental flows first; the disruptive ones (killing services, restarting the broker) last.
ORDER = ("test_flows", "test_quarantine", "test_enterprise_file", "test_policy_hall", "test_policy_services",
         "test_tag_management", "test_application_hall", "test_downtime", "test_crashes", "test_replicas",
         "test_broker_restart")


def pytest_collection_modifyitems(items):
    """Reorder only this directory's tests, in the slots they already hold (the rest stay put)."""
    def module_of(item):
        return item.module.__name__.rsplit(".", 1)[-1] if item.module.__name__.startswith("tests.e2e.") else None

    slots = [position for position, item in enumerate(items) if module_of(item) in ORDER]
    ordered = sorted((items[position] for position in slots), key=lambda item: ORDER.index(module_of(item)))
    for position, item in zip(slots, ordered, strict=True):
        items[position] = item


@pytest.fixture(scope="module")
def sms(request):
    """The local SMS gateway on the module's `SMS_PORT`, which its platform's processes were told."""
    with SmsSink(port=request.module.SMS_PORT) as sink:
        yield sink


@pytest.fixture(scope="module")
def mail(request, tmp_path_factory):
    """A mail server on the module's `SMTP_PORT` keeping what it receives in a maildir."""
    with running_mail_server(request.module.SMTP_PORT, tmp_path_factory.mktemp("mail") / "maildir") as (_, maildir):
        yield maildir
