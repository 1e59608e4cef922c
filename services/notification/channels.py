"""The channels beyond the inbox (contract section 11), one interface: `send(message) -> Receipt`, or
`ProviderFailed` saying why and whether trying again may help.

- `sms`: the HTTP SMS gateway at HUIQI_SMS_URL (POST JSON {"phone", "text"}; the client of
  `shared.sms`, which the accounts service uses too), with the delivery's idempotency key in
  the `Idempotency-Key` header;
- `email`: a mail server at HUIQI_SMTP_URL (`smtp://user:password@host:port`, `smtps://` for TLS
  from the start, `?starttls=1` to upgrade, `?from=address` for the sender), with the standard
  library; the idempotency key is the message's `Message-ID`;
- `wechat`: a WeChat Work group robot's webhook at HUIQI_WECHAT_WEBHOOK_URL (POST
  {"msgtype": "text", "text": {"content"}}, answered {"errcode": 0} when taken).

A channel whose provider is not configured is off: `configured()` leaves it out.
"""
from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from shared.config import Settings
from shared.errors import SmsUnavailable
from shared.json_post import JsonPoster, Unreachable
from shared.sms import SmsClient

SMS, EMAIL, WECHAT = "sms", "email", "wechat"
DEFAULT_SENDER = "noreply@huiqi.local"
EMAIL_SUBJECT = "惠企政策平台通知"


@dataclass(frozen=True)
class Message:
    recipient: str          # a phone, an e-mail address, or the robot's group (`group`)
    text: str
    idempotency_key: str


@dataclass(frozen=True)
class Receipt:
    answer: str             # what the provider said, as it said it (cut to 500 characters)
    provider_id: str | None = None


class ProviderFailed(Exception):
    """The provider did not take the message. `permanent`: sending it again will not help (a refused
    recipient), so the delivery fails at once instead of being retried."""

    def __init__(self, reason: str, answer: str = "", *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.answer = answer[:500]
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> Receipt: ...


def _permanent_status(status: int) -> bool:
    """A 4xx answer other than 408 and 429 refuses the message itself; anything else may pass later."""
    return 400 <= status < 500 and status not in (408, 429)


class SmsChannel:
    name = SMS

    def __init__(self, url: str, timeout_s: float, connections: int = 1):
        self.client = SmsClient(url, timeout_s, connections)

    def send(self, message: Message) -> Receipt:
        try:
            answer = self.client.post(message.recipient, message.text, message.idempotency_key)
        except SmsUnavailable as error:
            details = error.details or {}
            raise ProviderFailed(details.get("reason", error.message), details.get("answer", ""),
                                 permanent=_permanent_status(details.get("status", 0))) from None
        provider_id = None
        try:
            body = answer.json()
            provider_id = body.get("id") if isinstance(body, dict) else None
        except ValueError:
            pass
        return Receipt(answer.text[:500], provider_id and str(provider_id))


class EmailChannel:
    name = EMAIL

    def __init__(self, url: str, timeout_s: float):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("HUIQI_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://...")
        query = parse_qs(parts.query)
        self.ssl = parts.scheme == "smtps"
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.host, self.port = parts.hostname, parts.port or (465 if self.ssl else 25)
        self.user = parts.username and unquote(parts.username)
        self.password = parts.password and unquote(parts.password)
        self.sender = query.get("from", [None])[0] or (self.user if self.user and "@" in self.user else DEFAULT_SENDER)
        self.timeout_s = timeout_s

    def send(self, message: Message) -> Receipt:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, message.recipient, EMAIL_SUBJECT
        mail["Date"] = formatdate(localtime=False)
        # the key as the Message-ID: a mail sent twice after a crash is recognisably the same mail
        provider_id = f"<{re.sub(r'[^A-Za-z0-9._-]', '.', message.idempotency_key)}@huiqi>"
        mail["Message-ID"] = provider_id
        mail.set_content(message.text)
        connect = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        try:
            with connect(self.host, self.port, timeout=self.timeout_s) as server:
                if self.starttls:
                    server.starttls()
                if self.user:
                    server.login(self.user, self.password or "")
                refused = server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise ProviderFailed("the mail server refused the recipient", str(error.recipients), permanent=True) \
                from None
        except smtplib.SMTPResponseException as error:
            raise ProviderFailed(f"the mail server answered {error.smtp_code}", str(error.smtp_error),
                                 permanent=500 <= error.smtp_code < 600) from None
        except (smtplib.SMTPException, OSError) as error:
            raise ProviderFailed(f"the mail server could not be reached: {type(error).__name__}", str(error)) \
                from None
        if refused:
            raise ProviderFailed("the mail server refused the recipient", str(refused), permanent=True)
        return Receipt("250 accepted", provider_id)


class WechatChannel:
    name = WECHAT

    def __init__(self, url: str, timeout_s: float, connections: int = 1):
        self.poster = JsonPoster(url, timeout_s, connections)

    def send(self, message: Message) -> Receipt:
        try:
            answer = self.poster.post({"msgtype": "text", "text": {"content": message.text}})
        except Unreachable as error:
            raise ProviderFailed(f"the WeChat webhook could not be reached: {error.reason}") from None
        if not answer.ok:
            raise ProviderFailed(f"the WeChat webhook answered {answer.status}", answer.text,
                                 permanent=_permanent_status(answer.status))
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("errcode") != 0:
            # errcode 45009: the robot's rate limit; worth another try, as is any other refusal we cannot read
            raise ProviderFailed(f"the WeChat webhook refused the message: {answer.text[:200]}", answer.text)
        return Receipt(answer.text[:500], None)


def configured(config: Settings, *, connections: int = 1) -> dict[str, Channel]:
    """The channels whose provider is configured, by name; the others are off. `connections`: how many messages
    go to one provider at once, the connections an HTTP channel keeps open to it."""
    timeout = config.sms_timeout_s
    channels: list[Channel] = []
    if config.sms_url:
        channels.append(SmsChannel(config.sms_url, timeout, connections))
    if config.smtp_url:
        channels.append(EmailChannel(config.smtp_url, timeout * 2))
    if config.wechat_webhook_url:
        channels.append(WechatChannel(config.wechat_webhook_url, timeout, connections))
    return {channel.name: channel for channel in channels}


def describe(config: Settings) -> list[str]:
    """One line per channel for `huiqi run`: on (and where to) or off (which variable turns it on)."""
    lines = ["in_app: on (the inbox)"]
    for name, variable, value in ((SMS, "HUIQI_SMS_URL", config.sms_url), (EMAIL, "HUIQI_SMTP_URL", config.smtp_url),
                                  (WECHAT, "HUIQI_WECHAT_WEBHOOK_URL", config.wechat_webhook_url)):
        lines.append(f"{name}: on ({_shown(value)})" if value else f"{name}: off (set {variable})")
    return lines


def _shown(url: str) -> str:
    """A provider's address without its password or query (a webhook's key is in its query)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"
