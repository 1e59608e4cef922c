"""The accounts service's two outside resources beyond its database: the tagging service (who may
be sent a registration code: `contact_phone`) and the SMS gateway (HUIQI_SMS_URL).

Neither waits long: a person is waiting at the other end of a registration.
"""
from __future__ import annotations

from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider

from shared.config import settings
from shared.errors import Unavailable
from shared.rpc import RpcProxy
from shared.sms import SmsClient

PHONE_LOOKUP_S = 5.0


class PhoneDirectory(RpcProxy):
    """`contact_phone(uscc)` of the tagging service, within PHONE_LOOKUP_S; Unavailable (503) when
    tagging does not answer in time or is not running."""

    def __init__(self):
        super().__init__("tagging")

    def setup(self):
        super().setup()
        self.deadline_s = PHONE_LOOKUP_S

    def get_dependency(self, worker_ctx):
        return _Phones(super().get_dependency(worker_ctx))


class _Phones:
    def __init__(self, tagging):
        self._tagging = tagging

    def contact_phone(self, uscc: str) -> str | None:
        try:
            return self._tagging.contact_phone(uscc)
        except UnknownService:
            raise Unavailable("the tagging service is not running", {"service": "tagging"}) from None


class SmsGateway(DependencyProvider):
    """The HTTP SMS gateway of contract section 11: POST JSON {"phone", "text"} to HUIQI_SMS_URL."""

    def get_dependency(self, worker_ctx):
        return SmsClient(settings().sms_url, settings().sms_timeout_s)
