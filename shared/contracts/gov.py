"""Events other government systems publish to `gov.events` (contract section 1).

These models are the validation rules: a message that fails them is quarantined with the
error pydantic gives, which names the field and the rule.
"""
from __future__ import annotations

import enum
import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shared import phones, storable_text
from shared import uscc as uscc_rules
from shared.contracts.bounds import MAX_INT64, in_utc

CHINA_TZ = timezone(timedelta(hours=8))

GOV_EXCHANGE = "gov.events"
SINGLE_ROUTING_KEYS = ("enterprise.registered", "enterprise.profile_changed", "enterprise.deregistered")
BULK_ROUTING_KEY = "enterprise.profiles_synced"
ROUTING_KEYS = SINGLE_ROUTING_KEYS + (BULK_ROUTING_KEY,)
MAX_BATCH = 1000


class Ownership(enum.StrEnum):
    state_owned = "state_owned"
    collective = "collective"
    private = "private"
    foreign_invested = "foreign_invested"
    hmt_invested = "hmt_invested"
    individual_business = "individual_business"


class Status(enum.StrEnum):
    active = "active"
    deregistered = "deregistered"


class QuarantineState(enum.StrEnum):
    """What became of a message that failed validation: it waits until staff replay or discard it."""

    waiting = "waiting"
    replayed = "replayed"
    discarded = "discarded"


COUNTIES = {
    "371602": "滨城区",
    "371603": "沾化区",
    "371621": "惠民县",
    "371622": "阳信县",
    "371623": "无棣县",
    "371625": "博兴县",
    "371681": "邹平市",
}

INDUSTRY_CODE = re.compile(r"^[A-T](\d{2}|\d{3}|\d{4})?$")
CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


def _valid_uscc(value: str) -> str:
    try:
        return uscc_rules.validate(value)
    except uscc_rules.UsccError as error:
        raise ValueError(f"not a valid unified social credit code: {error}") from None


def _known_county(value: str) -> str:
    if value not in COUNTIES:
        raise ValueError(f"must be a Binzhou county code, one of {', '.join(COUNTIES)}")
    return value


def _industry_code(value: str) -> str:
    if not INDUSTRY_CODE.match(value):
        raise ValueError("must be a GB/T 4754-2017 code: a section letter A-T, "
                         "optionally 2 to 4 digits (C, C30, C3011)")
    return value


def _mobile(value: str) -> str:
    if not phones.is_mobile(value):
        raise ValueError(phones.PHONE_RULE)
    return value


def _codes(values: list[str]) -> list[str]:
    for value in values:
        if not CODE.match(value):
            raise ValueError(f"{value!r} is not a code: lowercase letters, digits and _, starting with a letter")
    return sorted(set(values))


def _storable(value: Any) -> Any:
    """Strings (and lists of strings) PostgreSQL can store; checked before any other rule."""
    for position, item in enumerate(value if isinstance(value, list) else [value]):
        if isinstance(item, str) and (rule := storable_text.problem(item)) is not None:
            raise ValueError(rule if not isinstance(value, list) else f"item {position}: {rule}")
    return value


class _GovModel(BaseModel):
    """Every string field of a government message must be text the platform can store: a NUL
    accepted here would fail the whole transaction that writes it (a bulk batch with it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        return _storable(value)


Uscc = Annotated[str, AfterValidator(_valid_uscc)]
Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class EnterpriseProfile(_GovModel):
    """A partial profile: only the fields one source knows. Unset fields are absent, not null."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=True)

    uscc: Uscc
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    registered_on: date | None = None
    ownership: Ownership | None = None
    industry_code: Annotated[str, AfterValidator(_industry_code)] | None = None
    county: Annotated[str, AfterValidator(_known_county)] | None = None
    employees: Annotated[int, Field(ge=0, le=MAX_INT64, strict=True)] | None = None
    annual_revenue: Money | None = None
    total_assets: Money | None = None
    rd_expense: Money | None = None
    qualifications: Annotated[list[str], AfterValidator(_codes)] | None = None
    interests: Annotated[list[str], AfterValidator(_codes)] | None = None
    status: Status | None = None
    # personal data (contract section 1): merged and kept like any field, but never a rule's input
    contact_phone: Annotated[str, AfterValidator(_mobile)] | None = None

    @field_validator("registered_on")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > datetime.now(CHINA_TZ).date():
            raise ValueError("must not be in the future")
        return value

    def known_fields(self) -> dict[str, Any]:
        """The fields this source sent, JSON-ready, without `uscc`."""
        fields = self.model_dump(mode="json", exclude_unset=True)
        fields.pop("uscc")
        return fields


PROFILE_FIELDS = tuple(name for name in EnterpriseProfile.model_fields if name != "uscc")
# Fields about a person, not the enterprise: kept in its file, shown to staff masked, and never a fact a
# tag or eligibility rule may name (shared.facts leaves them out; tagging drops them before deriving).
PERSONAL_FIELDS = ("contact_phone",)


class _GovEvent(_GovModel):
    event_id: Annotated[str, Field(min_length=1, max_length=100)]
    source: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
    occurred_at: datetime

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-11-27T09:30:00+08:00")
        return in_utc(value)


class EnterpriseEvent(_GovEvent):
    """`enterprise.registered`, `enterprise.profile_changed`, `enterprise.deregistered`."""

    sequence: Annotated[int, Field(ge=0, le=MAX_INT64, strict=True)]
    enterprise: EnterpriseProfile


class SyncedProfile(_GovModel):
    """One item of a bulk batch; validated on its own so a bad item rejects only itself."""

    sequence: Annotated[int, Field(ge=0, le=MAX_INT64, strict=True)]
    enterprise: EnterpriseProfile


class ProfilesSynced(_GovEvent):
    """`enterprise.profiles_synced`: items arrive raw and are validated one by one."""

    profiles: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_BATCH)]
