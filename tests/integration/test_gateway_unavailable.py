"""A service that is not running gives 503 JSON naming it, within about the RPC timeout, never a hang."""
import time

import pytest

from tests.integration.gateway_stand_ins import RPC_TIMEOUT_S, USCC
from tests.polling import until

MARGIN_S = 1.5  # connection set-up and scheduling on a busy CI machine


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_service_that_never_ran_is_503_at_once(api, rpc_queues):
    rpc_queues.never_started("tagging")
    response, took = timed(lambda: api.get("/api/v1/tags"))
    assert response.status_code == 503
    assert response.json()["error"] == {"code": "service_unavailable",
                                        "message": "the tagging service is not running",
                                        "details": {"service": "tagging"}}
    assert took < RPC_TIMEOUT_S + MARGIN_S


@pytest.mark.parametrize(("service", "path"), [
    ("tagging", f"/api/v1/enterprises/{USCC}"),
    ("policy", "/api/v1/policies/3"),
    ("notification", f"/api/v1/enterprises/{USCC}/notifications"),
])
def test_a_stopped_service_is_503_after_the_timeout(api, rpc_queues, service, path):
    rpc_queues.stopped(service)  # its queue is there, nobody consumes it
    response, took = timed(lambda: api.get(path))
    assert response.status_code == 503
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("service_unavailable", {"service": service})
    assert f"within {RPC_TIMEOUT_S:g} s" in error["message"]
    assert RPC_TIMEOUT_S <= took < RPC_TIMEOUT_S + MARGIN_S
    # The request expires with the deadline: a service that comes back does not act on it.
    until(lambda: rpc_queues.depth(service) == 0, timeout=RPC_TIMEOUT_S + 3, interval=0.05)


def test_health_is_503_naming_every_silent_service_within_one_timeout(anonymous, rpc_queues):
    rpc_queues.never_started("tagging")
    rpc_queues.stopped("policy")
    rpc_queues.stopped("notification")
    response, took = timed(lambda: anonymous.get("/health"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert set(body["failed"]) == {"tagging", "policy", "notification", "application", "accounts", "evaluation",
                                   "counselling"}
    assert "not running" in body["failed"]["tagging"]
    assert body["error"]["code"] == "service_unavailable"
    assert took < RPC_TIMEOUT_S + MARGIN_S  # the services are asked at once, not one after another


def test_a_token_is_503_naming_accounts_while_it_cannot_be_looked_up_and_the_administrators_works(
        api, anonymous, rpc_queues):
    rpc_queues.stopped("accounts")
    response, took = timed(lambda: anonymous.get("/api/v1/me", headers={"Authorization": "Bearer hq_someone"}))
    assert response.status_code == 503
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("service_unavailable", {"service": "accounts"})
    assert took < RPC_TIMEOUT_S + MARGIN_S
    assert api.get("/api/v1/me").json()["role"] == "city_admin"   # the administrator's token is no account
