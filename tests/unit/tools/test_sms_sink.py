"""The development SMS gateway `make run` starts: a real HTTP server taking {"phone", "text"}."""
from __future__ import annotations

import requests

from tools.sms_sink import SmsSink

TEXT = "【惠企政策平台】验证码123456"


def test_it_takes_messages_logs_them_and_tells(tmp_path):
    told = []
    with SmsSink(tmp_path / "var" / "sms.log", say=told.append) as sink:
        answer = requests.post(sink.url, json={"phone": "13812341234", "text": TEXT}, timeout=5)
        assert answer.status_code == 200 and answer.json() == {"accepted": True, "id": "sink-1"}
        requests.post(sink.url, json={"phone": "13900001111", "text": "第二条"}, timeout=5)
        assert sink.sent_to("13812341234") == [TEXT]
    lines = (tmp_path / "var" / "sms.log").read_text(encoding="utf-8").splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [f"13812341234 {TEXT}", "13900001111 第二条"]
    assert told == [f"SMS to 13812341234: {TEXT}", "SMS to 13900001111: 第二条"]


def test_it_refuses_what_is_no_message_and_fails_when_told(tmp_path):
    with SmsSink() as sink:
        for body in ({"phone": "13812341234"}, {"phone": 1, "text": "x"}):
            assert requests.post(sink.url, json=body, timeout=5).status_code == 400
        assert requests.post(sink.url, data=b"not json", timeout=5).status_code == 400
        sink.failing = True
        assert requests.post(sink.url, json={"phone": "1", "text": "x"}, timeout=5).status_code == 503
        assert sink.messages == []


def test_it_takes_a_message_sent_again_with_the_same_key_once_and_plays_a_wechat_robot():
    with SmsSink() as sink:
        for _ in range(2):
            answer = requests.post(sink.url, json={"phone": "13812341234", "text": TEXT}, timeout=5,
                                   headers={"Idempotency-Key": "k1"})
            assert answer.json() == {"accepted": True, "id": "sink-1"}
        robot = requests.post(sink.url, json={"msgtype": "text", "text": {"content": "有新政策"}}, timeout=5)
        assert robot.json() == {"errcode": 0, "errmsg": "ok"}
        assert sink.sent_to("13812341234") == [TEXT] and sink.sent_to("wechat") == ["有新政策"]
