"""The channels beyond the inbox against real providers on this machine: a real SMTP server
(aiosmtpd) for e-mail, a real HTTP SMS gateway and WeChat robot (tools/sms_sink.py) that fail on
demand. What each answers becomes a receipt, or a failure saying whether to try again."""
from __future__ import annotations

from email.header import decode_header, make_header

import pytest

from services.notification import channels
from services.notification.channels import EmailChannel, Message, ProviderFailed, SmsChannel, WechatChannel
from shared.config import Settings
from tests.tcp_proxy import free_port
from tools.sms_sink import SmsSink

TEXT = "【惠企政策平台】您有1条新匹配政策：稳岗补贴，详情 http://127.0.0.1:8000/"


@pytest.fixture
def sink():
    with SmsSink() as running:
        yield running


def test_an_email_reaches_the_mail_server_with_the_key_as_its_message_id(mail_server):
    url, maildir = mail_server
    receipt = EmailChannel(url + "?from=notice@huiqi.example", 5).send(
        Message("office@example.com", TEXT, "policy_matched:7:913716000000000025:email"))
    assert receipt.provider_id == "<policy_matched.7.913716000000000025.email@huiqi>"
    (mail,) = list(maildir)
    assert mail["To"] == "office@example.com" and mail["From"] == "notice@huiqi.example"
    assert mail["Message-ID"] == receipt.provider_id
    assert str(make_header(decode_header(mail["Subject"]))) == channels.EMAIL_SUBJECT
    assert mail.get_payload(decode=True).decode(mail.get_content_charset()).strip() == TEXT


def test_a_mail_server_that_is_not_there_is_worth_another_try():
    with pytest.raises(ProviderFailed) as failed:
        EmailChannel(f"smtp://127.0.0.1:{free_port()}", 2).send(Message("a@example.com", TEXT, "k"))
    assert not failed.value.permanent and "could not be reached" in failed.value.reason


def test_an_sms_reaches_the_gateway_once_per_key_and_its_failures_say_whether_to_retry(sink):
    channel = SmsChannel(sink.url, 5)
    first = channel.send(Message("13812341234", TEXT, "key-1"))
    again = channel.send(Message("13812341234", TEXT, "key-1"))
    assert first.provider_id == again.provider_id == "sink-1" and sink.sent_to("13812341234") == [TEXT]
    sink.failing = True
    with pytest.raises(ProviderFailed) as failed:
        channel.send(Message("13812341234", TEXT, "key-2"))
    assert not failed.value.permanent and "503" in failed.value.reason
    sink.failing_status = 400
    with pytest.raises(ProviderFailed) as refused:
        channel.send(Message("13812341234", TEXT, "key-2"))
    assert refused.value.permanent and "400" in refused.value.reason


def test_the_http_channels_keep_their_connections_to_the_provider_open_between_messages(sink):
    """A sender of thousands pays for one TCP connection per message sent at a time, not per message: the same
    connection carries messages, a refusal and the messages after it."""
    sms, robot = SmsChannel(sink.url, 5, connections=2), WechatChannel(sink.url, 5, connections=2)
    for number in range(3):
        sms.send(Message(f"1381234000{number}", TEXT, f"key-{number}"))
    sink.failing = True
    with pytest.raises(ProviderFailed):
        sms.send(Message("13812340009", TEXT, "key-9"))
    sink.failing = False
    assert sms.send(Message("13812340009", TEXT, "key-9")).provider_id == "sink-4"
    for _ in range(2):
        robot.send(Message("group", TEXT, "key-robot"))
    assert sink.requests == 7 and len(sink.messages) == 6
    assert sink.connections == 2, "one kept open by each channel"


def test_a_wechat_message_reaches_the_group_robot(sink):
    channel = WechatChannel(sink.url, 5)
    assert '"errcode": 0' in channel.send(Message("group", TEXT, "key-1")).answer
    assert sink.sent_to("wechat") == [TEXT]
    sink.failing = True
    with pytest.raises(ProviderFailed) as failed:
        channel.send(Message("group", TEXT, "key-2"))
    assert not failed.value.permanent


def test_a_channel_without_its_provider_is_off():
    none = Settings(sms_url=None, smtp_url=None, wechat_webhook_url=None)
    assert channels.configured(none) == {}
    assert channels.describe(none) == ["in_app: on (the inbox)", "sms: off (set HUIQI_SMS_URL)",
                                       "email: off (set HUIQI_SMTP_URL)", "wechat: off (set HUIQI_WECHAT_WEBHOOK_URL)"]
    some = Settings(sms_url="http://127.0.0.1:9/sms", smtp_url="smtp://user:secret@mail.example:25",
                    wechat_webhook_url="https://qyapi.example/cgi-bin/webhook/send?key=secret")
    assert sorted(channels.configured(some)) == ["email", "sms", "wechat"]
    lines = channels.describe(some)
    assert lines[2] == "email: on (smtp://mail.example:25)" and not any("secret" in line for line in lines)
