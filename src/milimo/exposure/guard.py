"""Exposure: who may talk to the studio, under which name, from which page, and what browsers are told.

One pure-ASGI middleware (`Guard`), outermost, in this order:
1. security headers on every response, rejections included: nosniff (an uploaded PNG+HTML polyglot
   is never sniffed into a page), a CSP with `frame-ancestors 'none'`, a Referrer-Policy;
2. the Host header must be one of the configured names, so a DNS-rebinding page cannot reach us;
3. with MILIMO_AUTH_TOKEN set, everything but the public paths needs the token: an
   `Authorization: Bearer` header, or the HttpOnly SameSite=Strict cookie the /login page sets
   (EventSource cannot send headers; cookies it sends). Compared in constant time;
4. a state-changing request whose Origin (or Referer) is another site's is refused (CSRF).
Then milimo.limits caps the body. `install()` is the one call app.py makes.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import urlsplit

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from milimo.config import Settings

COOKIE = "milimo_session"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_BINDS = ("0.0.0.0", "::", "")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Needed by the web app before anyone logged in: its shell, its bundle, the login page, the health check.
PUBLIC_PATHS = frozenset({"/", "/index.html", "/favicon.ico", "/login", "/logout", "/health"})
PUBLIC_PREFIXES = ("/static/",)

APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from jsDelivr with an inline bootstrap script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; style-src 'self' "
    "'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; worker-src blob:; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


class ExposureError(RuntimeError):
    """The studio would be reachable from other machines without a token."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """Refuse to serve off loopback without a token (the studio can delete projects and fetch 44 GB models)."""
    if settings.auth_token is None and not is_loopback(settings.host):
        raise ExposureError(
            f"refusing to listen on {settings.host or 'every address'} without a token: anyone who can reach this "
            f"machine could use the studio. Set one, e.g.\n"
            f"  export MILIMO_AUTH_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')\n"
            f"and open the studio's /login page with it (or send `Authorization: Bearer <token>`); "
            f"or bind to 127.0.0.1 (the default). See docs/operations.md, Security."
        )


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def trusted_hosts(settings: Settings) -> frozenset[str] | None:
    """Host names requests may carry; None = any. Default: loopback names, the bind address, and for a
    wildcard bind this machine's name and addresses."""
    if settings.allowed_hosts:
        return None if "*" in settings.allowed_hosts else frozenset(_bracketed(h.lower()) for h in settings.allowed_hosts)
    names = set(LOOPBACK_NAMES)
    if settings.host not in WILDCARD_BINDS:
        names.add(_bracketed(settings.host.lower()))
    else:
        import socket

        import psutil

        names.update({socket.gethostname().lower(), socket.getfqdn().lower()})
        for addresses in psutil.net_if_addrs().values():
            names.update(
                _bracketed(a.address.split("%")[0].lower()) for a in addresses if a.family in (socket.AF_INET, socket.AF_INET6)
            )
    return frozenset(names)


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(allowed: frozenset[str] | None, host_header: str) -> bool:
    if allowed is None:
        return True
    name = _host_name(host_header)
    return name in allowed or any(a.startswith("*.") and name.endswith(a[1:]) for a in allowed)


def session_value(token: str) -> str:
    """What the cookie carries: derived from the token, so the cookie is not the token itself."""
    return hmac.new(token.encode(), b"milimo-session-v1", hashlib.sha256).hexdigest()


def token_matches(settings: Settings, given: str) -> bool:
    token = settings.auth_token.get_secret_value() if settings.auth_token else ""
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def is_authenticated(scope: Scope) -> bool:
    """Set by the Guard for every request (True when no token is configured)."""
    return bool(scope.get("state", {}).get("authenticated", False))


def _netloc(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    default = {"http": ":80", "https": ":443"}.get(parts.scheme)
    return netloc.removesuffix(default) if default else netloc


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


async def send_error(send: Send, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
    body = orjson.dumps({"detail": detail, "code": code})
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = trusted_hosts(settings)
        token = settings.auth_token.get_secret_value() if settings.auth_token else None
        self.session = session_value(token) if token else None
        self.cors = frozenset(o.rstrip("/").lower() for o in settings.cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        send = _with_security_headers(send, DOCS_CSP if path in ("/docs", "/redoc") else APP_CSP)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not host_allowed(self.hosts, host):
            await send_error(
                send,
                400,
                "invalid_host",
                f"this studio does not answer to the host name {_host_name(host)!r}; "
                f"add it to MILIMO_ALLOWED_HOSTS on the server",
            )
            return
        authenticated = self._authenticated(headers)
        scope.setdefault("state", {})["authenticated"] = authenticated
        if not authenticated and method != "OPTIONS" and not _public(path):
            if method == "GET" and "text/html" in headers.get("accept", ""):
                await send({"type": "http.response.start", "status": 303, "headers": [(b"location", b"/login")]})
                await send({"type": "http.response.body", "body": b""})
                return
            await send_error(
                send,
                401,
                "unauthorized",
                "this studio needs its access token: log in at /login, or send `Authorization: Bearer <MILIMO_AUTH_TOKEN>`",
                {"www-authenticate": 'Bearer realm="milimo"'},
            )
            return
        if method not in SAFE_METHODS and not self._same_site(headers, host):
            await send_error(
                send,
                403,
                "cross_site",
                "a state-changing request from another site's page was refused; "
                "use the studio's own page (or add its origin to MILIMO_CORS_ORIGINS)",
            )
            return
        await self.app(scope, receive, send)

    def _authenticated(self, headers: Headers) -> bool:
        if self.session is None:
            return True  # no token configured: loopback only (check_exposure)
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer " and token_matches(self.settings, auth[7:].strip()):
            return True
        cookie = cookie_parser(headers.get("cookie", "")).get(COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), self.session.encode())

    def _same_site(self, headers: Headers, host: str) -> bool:
        """Browsers send Origin on every cross-site POST/PUT/PATCH/DELETE (Referer as the fallback).
        Neither means a program, not a page: it passed the token check already when one is set."""
        origin = headers.get("origin") or headers.get("referer")
        if origin is None:
            return True
        if origin == "null":  # sandboxed frames, file:// pages, some redirects
            return False
        parts = urlsplit(origin)
        return _netloc(origin) == _netloc(f"http://{host.lower()}") or f"{parts.scheme}://{parts.netloc}".lower() in self.cors


def _with_security_headers(send: Send, csp: str) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for key, value in HEADERS.items():
                headers.setdefault(key, value)
            headers.setdefault("content-security-policy", csp)
        await send(message)

    return wrapped
