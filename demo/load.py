"""Loading the demo data into a running platform, the way outside systems would:
enterprise data as bulk batches on `gov.events`, policies through the gateway's HTTP API.

Runs once: if the platform already holds policies, it loads nothing.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import kombu
import requests

from demo import load_policies
from demo.counselling import form_teams
from demo.enterprises import contact_phone, generate, split_by_source
from shared.clock import CHINA
from shared.config import settings
from shared.contracts.actors import Role
from shared.contracts.gov import BULK_ROUTING_KEY, GOV_EXCHANGE, MAX_BATCH
from shared.publisher import ConfirmingPublisher, Outgoing
from shared.topology import ROUTES

DEMO_ENTERPRISES = 1000


def bulk_batches(profiles: list[dict], sequence: int = 1) -> list[dict]:
    """`enterprise.profiles_synced` bodies, one series per source, at most 1,000 items each."""
    by_source: dict[str, list[dict]] = defaultdict(list)
    for profile in profiles:
        for source, fields in split_by_source(profile):
            by_source[source].append({"sequence": sequence, "enterprise": fields})
    return [{"event_id": str(uuid.uuid4()), "source": source, "occurred_at": datetime.now(CHINA).isoformat(),
             "profiles": items[start:start + MAX_BATCH]}
            for source, items in by_source.items() for start in range(0, len(items), MAX_BATCH)]


def publish_batches(amqp_uri: str, batches: list[dict]) -> None:
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.publish([Outgoing(GOV_EXCHANGE, BULK_ROUTING_KEY, json.dumps(batch, ensure_ascii=False),
                                    batch["event_id"]) for batch in batches])
    finally:
        publisher.close()


# each signs in with its login and the demo password (HUIQI_DEMO_PASSWORD, or the development default)
DEMO_STAFF = (
    {"name": "市营商环境局 管理员", "role": Role.city_admin, "login": "admin"},
    {"name": "市工信局 张科长", "role": Role.department_staff, "department": "industry_it", "login": "industry"},
    {"name": "博兴县 李主任", "role": Role.county_staff, "county": "371625", "login": "boxing"},
    {"name": "一窗受理 王专员", "role": Role.window_clerk, "login": "window"},
    {"name": "第三方评估 赵老师", "role": Role.assessor, "login": "assessor"},
    {"name": "惠企顾问 陈顾问", "role": Role.counsellor, "login": "counsellor"},
)
# where the demo's staff alarms and the registered enterprise's notices reach (the SMS sink, a mail catcher)
DEMO_MAIL_DOMAIN = "huiqi.example"
DEMO_STAFF_PHONE = "1390000{:04d}"
# the demo enterprises that register themselves as the demo loads (the first); the rest are left for
# a newcomer to register (`newcomer`)
REGISTERED_ENTERPRISES = 1
CODE_IN_SMS = re.compile(r"验证码为(\d{6})")


def demo_usccs() -> list[str]:
    """The demo enterprises' codes, in the order they were generated."""
    return [profile["uscc"] for profile in generate(DEMO_ENTERPRISES)]


def create_demo_accounts(session: requests.Session, gateway_url: str, uscc: str, password: str,
                         team_id: int | None = None) -> list[dict]:
    """One account per staff role, each with its login and `password`, and one for a demo enterprise;
    their tokens are in the answer. The counsellor belongs to the demo county team (`team_id`)."""
    accounts = []
    for staff in DEMO_STAFF:
        team = {"team_id": team_id} if staff["role"] == Role.counsellor and team_id is not None else {}
        contacts = {"phone": DEMO_STAFF_PHONE.format(len(accounts) + 1),
                    "email": f"{staff['login']}@{DEMO_MAIL_DOMAIN}"}
        created = session.post(f"{gateway_url}/api/v1/staff",
                               json={**staff, **team, **contacts, "password": password}, timeout=30)
        created.raise_for_status()
        accounts.append({**created.json(), "password": password})
    created = session.post(f"{gateway_url}/api/v1/enterprises/{uscc}/accounts", json={}, timeout=30)
    created.raise_for_status()
    accounts.append(created.json())
    return accounts


def register_enterprise(gateway_url: str, uscc: str, password: str, read_sms: Callable[[str], list[str]]) -> dict:
    """Register `uscc` as the enterprise itself would (no token): ask for a code, read it from the SMS
    its phone on file received (`read_sms(phone)`: the texts sent to it), confirm with `password`."""
    started = requests.post(f"{gateway_url}/api/v1/registrations", json={"uscc": uscc}, timeout=30)
    started.raise_for_status()
    texts = read_sms(contact_phone(uscc))
    if not texts or not (found := CODE_IN_SMS.search(texts[-1])):
        raise RuntimeError(f"no registration code reached the phone of {uscc}")
    confirmed = requests.post(f"{gateway_url}/api/v1/registrations/{started.json()['id']}/confirm",
                              json={"code": found[1], "password": password}, timeout=30)
    confirmed.raise_for_status()
    return {**confirmed.json()["account"], "login": uscc, "password": password}


def choose_every_channel(gateway_url: str, token: str, uscc: str) -> None:
    """The demo enterprise gives its phone on file and an e-mail address, and asks for every notice by SMS
    and e-mail besides its inbox: a newcomer sees them reach the SMS sink and a mail catcher."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    contacts = session.put(f"{gateway_url}/api/v1/enterprises/{uscc}/contacts",
                           json={"phone": contact_phone(uscc), "email": f"{uscc.lower()}@{DEMO_MAIL_DOMAIN}"},
                           timeout=30)
    contacts.raise_for_status()
    current = session.get(f"{gateway_url}/api/v1/enterprises/{uscc}/notification-preferences", timeout=30)
    current.raise_for_status()
    every = {kind: ["in_app", "sms", "email"] for kind in current.json()["kinds"]}
    chosen = session.put(f"{gateway_url}/api/v1/enterprises/{uscc}/notification-preferences",
                         json={"kinds": every}, timeout=30)
    chosen.raise_for_status()


def newcomer() -> dict:
    """A demo enterprise nobody registered, with its phone on file: for trying registration."""
    profile = generate(DEMO_ENTERPRISES)[REGISTERED_ENTERPRISES]
    return {"uscc": profile["uscc"], "name": profile["name"], "contact_phone": profile["contact_phone"]}


def load(gateway_url: str, token: str, amqp_uri: str, *, say=print, accounts_file: Path | None = None,
         password: str | None = None, read_sms: Callable[[str], list[str]] | None = None) -> bool:
    """Load the demo unless the platform has policies already; True if it loaded. Demo staff sign in with
    `password` (HUIQI_DEMO_PASSWORD by default); with `read_sms` (the development SMS sink's texts to a
    phone), the first demo enterprise registers itself with it too."""
    password = password or settings().demo_password
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    existing = session.get(f"{gateway_url}/api/v1/policies", params={"limit": 1}, timeout=30)
    existing.raise_for_status()
    if existing.json()["total"] > 0:
        say("demo data already loaded; keeping what is there")
        return False
    batches = bulk_batches(generate(DEMO_ENTERPRISES))
    publish_batches(amqp_uri, batches)
    say(f"published {DEMO_ENTERPRISES} demo enterprises in {len(batches)} batches to {GOV_EXCHANGE}")
    uscc = enterprise_with_file(session, gateway_url, batches[0]["profiles"][0]["enterprise"]["uscc"])
    teams = form_teams(gateway_url, token)
    accounts = create_demo_accounts(session, gateway_url, uscc, password, team_id=teams["county"])
    if read_sms is not None:
        accounts.append(register_enterprise(gateway_url, uscc, password, read_sms))
    enterprise = next(account for account in accounts if account.get("uscc") == uscc and "token" in account)
    choose_every_channel(gateway_url, enterprise["token"], uscc)
    # the policies last: the registered enterprise's first matches already go by SMS and e-mail
    policies = load_policies()
    for policy in policies:
        created = session.post(f"{gateway_url}/api/v1/policies", json=policy, timeout=30)
        if created.status_code != 201:
            raise RuntimeError(f"demo policy {policy['title']!r} refused: {created.status_code} {created.text}")
        published = session.post(f"{gateway_url}/api/v1/policies/{created.json()['id']}/publish", timeout=30)
        published.raise_for_status()
    say(f"created and published {len(policies)} demo policies")
    if accounts_file is not None:
        # a development convenience: these tokens act on demo data on this machine only
        accounts_file.parent.mkdir(parents=True, exist_ok=True)
        accounts_file.write_text(json.dumps(accounts, ensure_ascii=False, indent=2), encoding="utf-8")
    for account in accounts:
        scope = account.get("department") or account.get("county") or account.get("uscc") or ""
        way_in = f"token {account['token']}" if "token" in account else f"login {account['login']}"
        say(f"demo account {account['role']:<16} {scope:<18} {way_in}")
    return True


def sign_in_lines(accounts: list[dict]) -> list[str]:
    """How each demo person signs in at the portal, as `make run` prints it."""
    return [f"  {account['login']:<20} {account['password']:<12} {account['role']} {account['name']}"
            for account in accounts if account.get("login") and account.get("password")]


def wait_until_settled(gateway_url: str, amqp_uri: str, *, say=print, timeout_s: float = 600.0,
                       poll_s: float = 0.5) -> None:
    """Until the platform has nothing left to do with the demo: every queue of the platform empty,
    and every service ready, holding no bus message unsettled and no event unpublished, at two
    looks `poll_s` apart (a message between two hops is in one of those places)."""
    deadline = time.monotonic() + timeout_s
    quiet, last_said = 0, 0.0
    while quiet < 2:
        pending = platform_work(gateway_url, amqp_uri)
        quiet = quiet + 1 if not pending else 0
        if pending and time.monotonic() - last_said > 5:
            say("the demo data are still being worked: " + ", ".join(f"{name} {count:,}"
                                                                       for name, count in pending.items()))
            last_said = time.monotonic()
        if time.monotonic() > deadline:
            raise RuntimeError(f"the demo data did not settle within {timeout_s:g} s: {pending}")
        time.sleep(poll_s)


def platform_work(gateway_url: str, amqp_uri: str) -> dict[str, int]:
    """What the platform still has to do: messages per queue, and per service what it holds
    (`backlog`) or has to publish (`outbox`); empty when idle. A service not ready counts as work."""
    pending: dict[str, int] = {}
    with kombu.Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        for name in ROUTES:
            waiting = channel.queue_declare(name, passive=True).message_count
            if waiting:
                pending[name] = waiting
    answer = requests.get(f"{gateway_url}/health", timeout=30)
    body = answer.json()
    for service, health in body.get("services", {}).items():
        work = int(health.get("backlog") or 0) + int(health.get("outbox") or 0)
        if work:
            pending[service] = work
    for service in body.get("failed", {}):
        pending.setdefault(service, 1)
    return pending


def enterprise_with_file(session: requests.Session, gateway_url: str, uscc: str, timeout_s: float = 60) -> str:
    """Wait until the demo enterprise's file exists (the demo batches are being tagged)."""
    deadline = time.monotonic() + timeout_s
    while session.get(f"{gateway_url}/api/v1/enterprises/{uscc}", timeout=30).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"demo enterprise {uscc} has no file after {timeout_s:g} s")
        time.sleep(0.5)
    return uscc
