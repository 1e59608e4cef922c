"""POSTing JSON to a provider (shared/json_post.py) against real HTTP servers on this machine (tools/sms_sink.py):
the environment's proxy is honoured as requests honoured it, NO_PROXY included, and no answer is Unreachable."""
from __future__ import annotations

import pytest

from shared.json_post import JsonPoster, Unreachable
from tests.tcp_proxy import free_port
from tools.sms_sink import SmsSink

MESSAGE = {"phone": "13812341234", "text": "验证码123456"}


@pytest.fixture
def gateway_and_proxy():
    with SmsSink() as gateway, SmsSink() as proxy:
        yield gateway, proxy


def test_a_message_goes_through_the_proxy_the_environment_names(gateway_and_proxy, monkeypatch):
    gateway, proxy = gateway_and_proxy
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url.removesuffix("/sms"))
    answer = JsonPoster(gateway.url, 5).post(MESSAGE)
    assert answer.ok and answer.json() == {"accepted": True, "id": "sink-1"}
    assert proxy.messages[0]["phone"] == MESSAGE["phone"] and gateway.messages == []

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert JsonPoster(gateway.url, 5).post(MESSAGE).ok
    assert len(proxy.messages) == 1 and gateway.sent_to(MESSAGE["phone"]) == [MESSAGE["text"]]


def test_an_answer_of_any_status_is_returned_and_no_answer_is_unreachable(gateway_and_proxy):
    gateway, _ = gateway_and_proxy
    gateway.failing = True
    answer = JsonPoster(gateway.url, 5).post(MESSAGE)
    assert answer.status == 503 and not answer.ok and "failing" in answer.text
    with pytest.raises(Unreachable) as unreachable:
        JsonPoster(f"http://127.0.0.1:{free_port()}/sms", 2).post(MESSAGE)
    assert "Connection" in unreachable.value.reason
