"""The session cookie, its CSRF token and the client's address (contract section 12). Pure: header
values in, header values and decisions out; `read_inputs` and the service's sign-in routes use them.

- `huiqi_session` holds the session id: HttpOnly (no script reads it), SameSite=Strict (no other
  site's page sends it), Path=/, and Secure when people reach the platform over https
  (HUIQI_PUBLIC_URL). Only the accounts service can tell whose it is (`session_holder`).
- A request authenticated by the cookie with an unsafe method must carry `X-CSRF-Token`, the
  session's token (`shared.contracts.accounts.csrf_token`), else 403 `csrf`. Bearer requests need
  none: no browser sends a bearer token by itself.
- The client's address (for rate limits) is the connection's own; `X-Forwarded-For` is believed only
  from a proxy listed in HUIQI_TRUSTED_PROXIES.
"""
from __future__ import annotations

import hmac
from http.cookies import SimpleCookie

from shared.contracts.accounts import SESSION_LONGEST, token_digest
from shared.errors import Forbidden

COOKIE = "huiqi_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Forbidden):
    code = "csrf"


def session_cookie(session_id: str, *, secure: bool) -> str:
    """The Set-Cookie value that signs the browser in; it lasts as long as a session can (7 days)."""
    return _cookie(session_id, secure=secure, max_age=int(SESSION_LONGEST.total_seconds()))


def cleared_cookie(*, secure: bool) -> str:
    """The Set-Cookie value that makes the browser forget the session."""
    return _cookie("", secure=secure, max_age=0)


def _cookie(value: str, *, secure: bool, max_age: int) -> str:
    parts = [f"{COOKIE}={value}", "HttpOnly", "SameSite=Strict", "Path=/", f"Max-Age={max_age}"]
    return "; ".join(parts + (["Secure"] if secure else []))


def is_secure(public_url: str) -> bool:
    return public_url.lower().startswith("https://")


def session_of(cookie_header: str | None) -> str | None:
    """The session id the Cookie header carries, or None (no header, no such cookie, or unreadable)."""
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # noqa: BLE001 - a malformed Cookie header carries no session
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def check_csrf(method: str, given: str | None, csrf_digest: str | None) -> None:
    """CsrfRefused (403 `csrf`) unless `method` is safe or `given` is the session's CSRF token."""
    if method.upper() in SAFE_METHODS:
        return
    if not given:
        raise CsrfRefused(f"a request signed in by the session cookie must send the {CSRF_HEADER} header "
                          "(from the sign-in or GET /api/v1/me)", {"header": CSRF_HEADER})
    if csrf_digest is None or not hmac.compare_digest(token_digest(given), csrf_digest):
        raise CsrfRefused(f"the {CSRF_HEADER} header is not this session's token", {"header": CSRF_HEADER})


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted_proxies: str) -> str | None:
    """Who is asking, for rate limits: the connection's address, or, when the connection comes from a
    trusted proxy, the last address that proxy appended to X-Forwarded-For."""
    trusted = {address.strip() for address in trusted_proxies.split(",") if address.strip()}
    if remote_addr in trusted and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return remote_addr
