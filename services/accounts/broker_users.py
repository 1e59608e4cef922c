"""Broker users for other government systems (contract section 14): each may write to `gov.events`
and nothing else: it declares nothing (configure), reads no queue (read), publishes to no other
exchange, not even the default one, so it cannot put messages into a platform queue directly.

`huiqi broker-user SOURCE` creates one with `rabbitmqctl` on the platform's virtual host (the one
in HUIQI_AMQP_URI); the password goes to rabbitmqctl on its standard input, never on a command line.
"""
from __future__ import annotations

import re
import secrets
import subprocess
from dataclasses import dataclass

import kombu

from shared.topology import GOV_EVENTS

USER_PREFIX = "gov-"
_SOURCE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")
NOTHING = "^$"   # matches no resource: RabbitMQ names the default exchange `amq.default`


@dataclass(frozen=True)
class Permissions:
    """RabbitMQ's three permission patterns, each a regular expression over resource names."""

    configure: str
    write: str
    read: str


SYSTEM_PERMISSIONS = Permissions(configure=NOTHING, write=f"^{re.escape(GOV_EVENTS.name)}$", read=NOTHING)


def user_name(source: str) -> str:
    """The broker user of the system whose events name `source`; ValueError for a malformed source."""
    if not _SOURCE.fullmatch(source):
        raise ValueError(f"a source is 1 to 100 of a-z, 0-9, _ . - and starts with a letter or digit: {source!r}")
    return USER_PREFIX + source


def vhost_of(amqp_uri: str) -> str:
    return kombu.Connection(amqp_uri).virtual_host


class BrokerUserFailed(Exception):
    """rabbitmqctl refused; the message is its own."""


def _rabbitmqctl(*args: str, stdin: str | None = None) -> None:
    try:
        subprocess.run(["rabbitmqctl", "-q", *args], input=stdin, text=True, check=True, capture_output=True,
                       timeout=60)
    except subprocess.CalledProcessError as error:
        raise BrokerUserFailed(f"rabbitmqctl {args[0]} failed: {(error.stderr or error.stdout).strip()}") from None


def create_system_user(source: str, vhost: str) -> tuple[str, str]:
    """Create the system's broker user with SYSTEM_PERMISSIONS on `vhost`; (user, password), the
    password shown this once. BrokerUserFailed if it exists already (delete it first to rotate)."""
    user = user_name(source)
    password = secrets.token_urlsafe(24)
    _rabbitmqctl("add_user", user, stdin=password + "\n")
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, user, SYSTEM_PERMISSIONS.configure, SYSTEM_PERMISSIONS.write,
                     SYSTEM_PERMISSIONS.read)
    except BrokerUserFailed:
        _rabbitmqctl("delete_user", user)   # a user without its permissions is of no use to anyone
        raise
    return user, password


def delete_system_user(source: str) -> str:
    user = user_name(source)
    _rabbitmqctl("delete_user", user)
    return user
