"""Settings read from the environment (prefix `HUIQI_`); secrets never come from files in the repo."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_ADMIN_TOKEN = "huiqi-dev-admin"
DEVELOPMENT_DEMO_PASSWORD = "huiqi2026"
# Below a week, a producer down over a long holiday could re-send, at its start, events whose inbox rows
# are gone (docs/reliability.md, "How long the inbox remembers").
MIN_INBOX_RETENTION_DAYS = 7


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUIQI_", extra="ignore")

    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672//"
    var_dir: Path = Path("var")
    # `{service}` is replaced by the service name, so one template gives each service its own database.
    database_url: str = Field(default="sqlite:///{var_dir}/{service}.sqlite3")
    admin_token: str = DEVELOPMENT_ADMIN_TOKEN
    gateway_bind: str = "127.0.0.1:8000"  # host:port; deploy/nameko.yaml reads the same variable
    # Where people reach the gateway (what gift-pack QR codes point at); the bind address by default.
    public_url: str | None = None
    rpc_timeout_s: float = 10.0
    # Calls between services: long enough for a slow answer (a big batch during a bulk sync), so
    # that only a reply lost for good (a broker restart loses transient replies) ends in Unavailable.
    service_rpc_timeout_s: float = 60.0
    time_travel: bool = False
    # How long the application service trusts its list of published proactive policies.
    proactive_cache_s: float = 10.0
    materials_dir: Path | None = None   # application materials; var_dir/materials by default
    log_level: str = "INFO"
    # The built web portal the gateway serves at `/` (`make run` builds it); portal/dist by default.
    portal_dir: Path | None = None
    # An HTTP SMS gateway: POST JSON {"phone", "text"} (contract section 11). Without it, enterprises
    # cannot register themselves (503 sms_unavailable); `make run` starts a local sink instead.
    sms_url: str | None = None
    sms_timeout_s: float = 5.0
    # The e-mail and WeChat group-robot providers of notifications (contract section 11); a channel
    # without its provider is off (enterprises see it as not available).
    smtp_url: str | None = None
    wechat_webhook_url: str | None = None
    # At most this many notification messages a second to each provider (SMS gateway, mail server, robot);
    # 0: no limit.
    notification_rate_per_s: float = 100.0
    # Addresses of reverse proxies whose X-Forwarded-For the gateway believes (comma-separated); by
    # default none, so the client address of a rate limit is the connection's own.
    trusted_proxies: str = ""
    # The password of the demo people `make run` creates (staff logins, a registered enterprise).
    demo_password: str = DEVELOPMENT_DEMO_PASSWORD
    # Where each process answers GET /health/live, /health/ready and /metrics (shared.probes): 0 is
    # off. Several services on one host need one port each: `HUIQI_<SERVICE>_PROBE_PORT` wins.
    probe_port: int = 0
    probe_host: str = "0.0.0.0"
    # How long each service remembers an event id it handled (shared.inbox_pruning deletes older rows).
    inbox_retention_days: int = 30

    @field_validator("inbox_retention_days")
    @classmethod
    def _inbox_retention_safe(cls, days: int) -> int:
        if days < MIN_INBOX_RETENTION_DAYS:
            raise ValueError(f"HUIQI_INBOX_RETENTION_DAYS must be at least {MIN_INBOX_RETENTION_DAYS} (days), got "
                             f"{days}: a message sent again after a longer outage would be handled a second time")
        return days

    def public_base_url(self) -> str:
        return (self.public_url or f"http://{self.gateway_bind}").rstrip("/")

    def portal_path(self) -> Path:
        return self.portal_dir or Path(__file__).resolve().parent.parent / "portal" / "dist"

    def database_url_for(self, service: str) -> str:
        """`HUIQI_<SERVICE>_DATABASE_URL` wins over the template `HUIQI_DATABASE_URL`."""
        own = os.environ.get(f"HUIQI_{service.upper()}_DATABASE_URL")
        if own:
            return own
        return self.database_url.format(service=service, var_dir=self.var_dir.resolve())

    def probe_port_for(self, service: str) -> int:
        """`HUIQI_<SERVICE>_PROBE_PORT` wins over `HUIQI_PROBE_PORT`."""
        own = os.environ.get(f"HUIQI_{service.upper()}_PROBE_PORT")
        return int(own) if own else self.probe_port


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()
