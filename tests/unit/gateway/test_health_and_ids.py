"""GET /health waits for every service under one deadline; request ids are kept or made up."""
import time
import uuid

import pytest

from services.gateway.errors import ServiceFailed, ServiceUnavailable
from services.gateway.health import check_services
from services.gateway.web import correlation_id_for


class FakeCall:
    def __init__(self, outcome):
        self.outcome = outcome

    def result(self, deadline):
        assert deadline > time.monotonic()
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


class FakeService:
    timeout_s = 5.0

    def __init__(self, outcome, refuse=None):
        self.outcome, self.refuse = outcome, refuse

    def start(self, method):
        assert method == "health"
        if self.refuse:
            raise self.refuse
        return FakeCall(self.outcome)


def test_healthy_when_every_service_answers():
    report = check_services({"tagging": FakeService({"ok": True}), "policy": FakeService({"ok": True})})
    assert report.ok
    assert report.body() == {"status": "ok", "services": {"tagging": {"ok": True}, "policy": {"ok": True}}}


def test_unavailable_names_each_failed_service():
    report = check_services({
        "tagging": FakeService({"ok": True}),
        "policy": FakeService(None, refuse=ServiceUnavailable("policy", "the policy service is not running")),
        "notification": FakeService(ServiceUnavailable("notification", "did not answer health within 5 s")),
    })
    body = report.body()
    assert not report.ok
    assert body["status"] == "unavailable"
    assert body["services"] == {"tagging": {"ok": True}}
    assert body["failed"] == {"policy": "the policy service is not running",
                              "notification": "did not answer health within 5 s"}
    assert body["error"]["code"] == "service_unavailable"
    assert "notification, policy" in body["error"]["message"]


def test_a_service_that_answers_but_is_not_ready_makes_the_platform_not_ready():
    waiting = {"ok": True, "ready": False, "waiting_for": ["bus consumers", "tag catalogue"]}
    report = check_services({"tagging": FakeService(waiting), "policy": FakeService({"ok": True, "ready": True})})
    body = report.body()
    assert not report.ok
    assert body["services"]["tagging"] == waiting, "its answer is still shown"
    assert body["failed"] == {"tagging": "not ready: waiting for bus consumers, tag catalogue"}
    assert body["error"]["message"] == "not ready: tagging"


def test_a_failing_health_check_is_reported_not_raised():
    report = check_services({"tagging": FakeService(ServiceFailed("tagging", "OperationalError", "db")),
                             "policy": FakeService(RuntimeError("odd"))})
    assert set(report.failed) == {"tagging", "policy"}


@pytest.mark.parametrize("given", ["abc-123", "9b2f3c1e-0000-4000-8000-000000000000", "req:42.7_x", "a" * 128])
def test_a_sane_request_id_is_kept(given):
    assert correlation_id_for({"HTTP_X_REQUEST_ID": given}) == given


@pytest.mark.parametrize("given", [None, "", " ", "a" * 129, "has space", "new\nline", "café", "<script>", "-leading"])
def test_otherwise_one_is_made_up(given):
    environ = {} if given is None else {"HTTP_X_REQUEST_ID": given}
    made = correlation_id_for(environ)
    assert made != given
    assert uuid.UUID(made).version == 4
