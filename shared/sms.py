"""The HTTP SMS gateway of contract section 11: POST JSON {"phone", "text"} to HUIQI_SMS_URL.

One client for every service that sends SMS: the accounts service (registration codes) and the
notification service (its `sms` channel, which keeps `connections` open to the gateway).
"""
from __future__ import annotations

from shared.errors import SmsUnavailable
from shared.json_post import Answer, JsonPoster, Unreachable

IDEMPOTENCY_HEADER = "Idempotency-Key"


class SmsClient:
    def __init__(self, url: str | None, timeout_s: float, connections: int = 1):
        self.url = url
        self.timeout_s = timeout_s
        self.poster = JsonPoster(url, timeout_s, connections) if url else None

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def post(self, phone: str, text: str, idempotency_key: str | None = None) -> Answer:
        """The gateway's answer once it took the message (a 2xx answer); SmsUnavailable (503) otherwise,
        with the reason in its details. A gateway that honours `Idempotency-Key` takes a message sent again
        with the same key once."""
        if self.poster is None:
            raise SmsUnavailable("短信服务未配置，暂时无法发送短信", {"reason": "HUIQI_SMS_URL is not set"})
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        try:
            answer = self.poster.post({"phone": phone, "text": text}, headers)
        except Unreachable as error:
            raise SmsUnavailable("短信发送失败，请稍后重试", {"reason": error.reason}) from None
        if not answer.ok:
            raise SmsUnavailable("短信发送失败，请稍后重试",
                                 {"reason": f"the SMS gateway answered {answer.status}",
                                  "status": answer.status, "answer": answer.text[:500]})
        return answer

    def send(self, phone: str, text: str) -> None:
        """SmsUnavailable (503) unless the gateway took the message (a 2xx answer)."""
        self.post(phone, text)
