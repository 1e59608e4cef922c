"""The gateway refuses to listen beyond the loopback interface with a guessable administrator's token."""
import pytest
import requests

from services.gateway.auth import MIN_ADMIN_TOKEN_LENGTH
from services.gateway.service import GatewayService
from services.gateway.web import UnsafeAdminToken
from shared.config import settings
from tests.integration.gateway_stand_ins import ADMIN_TOKEN
from tests.tcp_proxy import free_port


@pytest.fixture
def public_config(amqp_uri):
    port = free_port()
    return {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"0.0.0.0:{port}", "serializer": "json"}, port


@pytest.mark.parametrize("token", [None, ADMIN_TOKEN])
def test_on_every_interface_the_default_or_a_short_token_stops_the_start(
        token, monkeypatch, quick_consumers, container_factory, gateway_settings, public_config):
    if token is None:
        monkeypatch.delenv("HUIQI_ADMIN_TOKEN")
        settings.cache_clear()
    assert len(settings().admin_token) < MIN_ADMIN_TOKEN_LENGTH
    config, port = public_config
    container = container_factory(GatewayService, config)
    with pytest.raises(UnsafeAdminToken, match="HUIQI_ADMIN_TOKEN"):
        container.start()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)


def test_on_every_interface_a_long_token_serves(monkeypatch, quick_consumers, container_factory, gateway_settings,
                                                 public_config):
    token = "t" * MIN_ADMIN_TOKEN_LENGTH
    monkeypatch.setenv("HUIQI_ADMIN_TOKEN", token)
    settings.cache_clear()
    config, port = public_config
    container_factory(GatewayService, config).start()
    answer = requests.get(f"http://127.0.0.1:{port}/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                          timeout=5)
    assert answer.status_code == 200 and answer.json()["role"] == "city_admin"


def test_on_the_loopback_interface_a_short_token_serves(api):
    assert len(ADMIN_TOKEN) < MIN_ADMIN_TOKEN_LENGTH
    assert api.get("/api/v1/me").json()["role"] == "city_admin"
