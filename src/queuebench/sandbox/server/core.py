"""The framework-neutral core of the sandbox servers: requests, responses, routing, clock, auth.

A vendor server is a :class:`VendorApp` (see :mod:`.zendesk`, :mod:`.jsm`, :mod:`.servicenow`):
a plain object whose :meth:`VendorApp.handle` turns a :class:`SimRequest` into a
:class:`SimResponse`. The front ends (:mod:`.http` on a loopback socket, :mod:`.inprocess` as an
httpx transport or ASGI app) only move bytes; how a response is *delivered* (delayed, dripped,
stalled, cut off by a reset) travels with the response as :class:`Delivery` directives that each
front end carries out in its own way.

Every request except the control API (``/__sim/...``) goes through the same steps: fault
selection, authentication in the vendor's format, routing, the handler (under the app's lock, so
writes are atomic), post-handler faults, rate-limit headers, and an entry in the request log.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

import msgspec

from queuebench.domain.models import Vendor
from queuebench.sandbox.server.faults import Fault, FaultController
from queuebench.sandbox.server.log import RequestLog

if TYPE_CHECKING:
    from queuebench.sandbox.server.data import SharedAccount

__all__ = [
    "DEMO_CREDENTIALS",
    "JSON",
    "OAUTH_CLIENT",
    "Auth",
    "Credentials",
    "Delivery",
    "HttpError",
    "ManualClock",
    "SimClock",
    "SimRequest",
    "SimResponse",
    "VendorApp",
    "json_response",
]

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"

_ENCODER = msgspec.json.Encoder()


# --- clock ------------------------------------------------------------------------------------


class ManualClock:
    """A clock that only moves when told to: ``clock()``, ``clock.advance(s)``, ``clock.set(t)``."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` and return the new time."""
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, when: datetime) -> None:
        """Set the clock to ``when`` (timezone-aware)."""
        if when.tzinfo is None:
            raise ValueError("the clock time must be timezone-aware")
        with self._lock:
            self._now = when.astimezone(UTC)


class SimClock:
    """The server's notion of "now": a base clock plus an offset moved by ``/__sim/clock``.

    The base is the real UTC clock unless a test injects one (e.g. a :class:`ManualClock`).
    """

    def __init__(self, base: Callable[[], datetime] | None = None) -> None:
        self._base = base or (lambda: datetime.now(UTC))
        self._offset = timedelta()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            offset = self._offset
        return self._base().astimezone(UTC) + offset

    def timestamp(self) -> int:
        """Now as whole Unix seconds."""
        return int(self().timestamp())

    def advance(self, seconds: float) -> datetime:
        """Move "now" forward by ``seconds`` (also when the base clock is the real one)."""
        base = self._base
        if isinstance(base, ManualClock):
            base.advance(seconds)
        else:
            with self._lock:
                self._offset += timedelta(seconds=seconds)
        return self()

    def set(self, when: datetime) -> None:
        """Make "now" read ``when`` from here on (the base clock keeps ticking from there)."""
        if when.tzinfo is None:
            raise ValueError("the clock time must be timezone-aware")
        base = self._base
        if isinstance(base, ManualClock):
            base.set(when)
            return
        with self._lock:
            self._offset = when.astimezone(UTC) - base().astimezone(UTC)


# --- requests and responses -------------------------------------------------------------------


@dataclass(slots=True)
class SimRequest:
    """One HTTP request as the vendor apps see it (header names lower-case)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    base_url: str

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        for key, value in self.query:
            if key == name:
                return value
        return default

    def args(self, name: str) -> list[str]:
        """Every value of query parameter ``name``, in order."""
        return [value for key, value in self.query if key == name]

    def has_arg(self, name: str) -> bool:
        """Whether query parameter ``name`` was sent at all."""
        return any(key == name for key, _ in self.query)

    @property
    def url(self) -> str:
        """The absolute URL of the request as the client addressed it."""
        query = urlencode(self.query)
        return f"{self.base_url}{self.path}" + (f"?{query}" if query else "")

    def json(self) -> Any:
        """The body parsed as JSON (``msgspec.DecodeError`` when it is not JSON)."""
        return msgspec.json.decode(self.body)


@dataclass(slots=True)
class Delivery:
    """How a front end delivers a response (set by faults; the default is "normally")."""

    delay: float = 0.0
    """Seconds to wait before sending anything."""
    stall: float | None = None
    """Send nothing for this many seconds, then close the connection without a response."""
    drip: tuple[int, float] | None = None
    """Send the body in chunks of ``[0]`` bytes, ``[1]`` seconds apart."""
    reset_at: int | None = None
    """Reset the connection (RST) after this many body bytes; ``-1`` before the status line."""


@dataclass(slots=True)
class SimResponse:
    """A response: status, headers, body bytes and delivery directives."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    delivery: Delivery = field(default_factory=Delivery)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    def all_headers(self) -> list[tuple[str, str]]:
        """Headers as sent, with ``Content-Type`` first when there is one."""
        head = [("Content-Type", self.content_type)] if self.content_type else []
        return head + self.headers


def json_response(
    status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()
) -> SimResponse:
    """A JSON response (UTF-8, no ASCII escaping, as the vendors send)."""
    return SimResponse(status, _ENCODER.encode(payload), JSON, list(headers))


class HttpError(Exception):
    """Raised by a handler to answer with an error response (already in the vendor's shape)."""

    def __init__(self, response: SimResponse) -> None:
        super().__init__(response.status)
        self.response = response


# --- auth -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credentials:
    """The credentials a sandbox server accepts (fake ones: printing them is fine).

    ``user`` is the Zendesk agent email (sent as ``{user}/token`` with an API token), the
    Atlassian account email, or the ServiceNow ``user_name``. ``secret`` is the API token or
    password; ``bearer`` an OAuth access token sent as ``Authorization: Bearer ...``.
    """

    vendor: Vendor
    user: str
    secret: str
    bearer: str

    @property
    def basic_username(self) -> str:
        """The basic-auth user name the vendor expects (Zendesk appends ``/token``)."""
        return f"{self.user}/token" if self.vendor is Vendor.ZENDESK else self.user

    def basic_auth(self) -> tuple[str, str]:
        """``(username, password)`` for ``httpx.BasicAuth`` / ``curl -u``."""
        return self.basic_username, self.secret

    def headers(self, *, bearer: bool = False) -> dict[str, str]:
        """An ``Authorization`` header for basic auth, or for the bearer token."""
        if bearer:
            return {"Authorization": f"Bearer {self.bearer}"}
        raw = f"{self.basic_username}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}

    def as_dict(self) -> dict[str, str]:
        """A JSON-friendly description (what ``sandbox serve`` prints)."""
        return {
            "user": self.user,
            "basic_username": self.basic_username,
            "secret": self.secret,
            "bearer": self.bearer,
        }


@dataclass(frozen=True, slots=True)
class Auth:
    """The outcome of checking a request's ``Authorization`` header."""

    ok: bool
    scheme: str | None
    user: str | None
    reason: str

    def summary(self) -> str | None:
        """What the request log keeps: scheme and user name, never the secret."""
        if self.scheme is None:
            return None
        if self.user is not None:
            return f"{self.scheme} {self.user}"
        return self.scheme


def check_auth(header: str | None, credentials: Credentials, bearer_ok: bool = True) -> Auth:
    """Check an ``Authorization`` header against ``credentials`` in the vendor's format."""
    if not header:
        return Auth(False, None, None, "missing")
    scheme, _, value = header.strip().partition(" ")
    kind = scheme.lower()
    if kind == "bearer":
        ok = bearer_ok and value.strip() == credentials.bearer
        return Auth(ok, "bearer", None, "ok" if ok else "bad-token")
    if kind == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return Auth(False, "basic", None, "malformed")
        user, sep, secret = decoded.partition(":")
        if not sep:
            return Auth(False, "basic", user, "malformed")
        ok = user == credentials.basic_username and secret == credentials.secret
        return Auth(ok, "basic", user, "ok" if ok else "bad-credentials")
    return Auth(False, kind, None, "unsupported-scheme")


# --- routing ----------------------------------------------------------------------------------

Handler = Callable[..., SimResponse]


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint: method, path pattern (named groups become handler arguments), handler."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    public: bool = False
    """Answered without authentication (e.g. ServiceNow's ``/oauth_token.do``)."""


def route_pattern(template: str) -> re.Pattern[str]:
    """``/api/v2/tickets/{id:int}(.json)?`` → a compiled, anchored regex."""

    def group(match: re.Match[str]) -> str:
        name, _, kind = match.group(1).partition(":")
        body = {"int": r"\d+", "": r"[^/]+", "path": r".+"}[kind]
        return f"(?P<{name}>{body})"

    return re.compile("^" + re.sub(r"\{([a-z_]+(?::[a-z]+)?)\}", group, template) + "$")


# --- the base vendor app ----------------------------------------------------------------------


class VendorApp(ABC):
    """A vendor's API over one account's records. Subclasses add routes and vendor shapes.

    Thread-safe: handlers run under :attr:`lock`; faults, the log and the clock have their own
    locks. Control API under ``/__sim/`` (no auth, never faulted, never logged).
    """

    vendor: ClassVar[Vendor]
    rate_limit: ClassVar[int] = 700
    """Requests per rate-limit window reported in the headers (see :meth:`rate_headers`)."""
    rate_window: ClassVar[int] = 60
    """The rate-limit window in seconds (real time)."""
    token_lifetime_default: ClassVar[int | None] = 3600
    """Seconds an issued OAuth access token lives (``token_lifetime`` per server)."""
    rotates_refresh_tokens: ClassVar[bool] = True
    """Whether a refresh grant disables the refresh token it used and returns a new one."""
    refresh_revokes_access: ClassVar[bool] = False
    """Whether a refresh grant also revokes the access token issued with the old refresh token."""

    def __init__(
        self,
        shared: SharedAccount,
        *,
        clock: Callable[[], datetime] | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        self.shared = shared
        self.account_name = shared.name
        self.credentials = credentials or DEMO_CREDENTIALS[self.vendor]
        self.clock = clock if isinstance(clock, SimClock) else SimClock(clock)
        self.faults = FaultController()
        self.requests = RequestLog()
        self.lock = threading.RLock()
        self._routes: list[Route] = []
        self._window_start = time.monotonic()
        self._window_count = 0
        self._rate_lock = threading.Lock()
        self.token_lifetime: int | None = self.token_lifetime_default
        """Lifetime of the access tokens the token endpoint issues (``None``: no expiry)."""
        self.oauth_client = OAUTH_CLIENT
        self._tokens = _IssuedTokens()

    # -- registration --------------------------------------------------------------------------

    def add_route(
        self, method: str, template: str, handler: Handler, *, public: bool = False
    ) -> None:
        """Register ``handler`` for ``method`` on paths matching ``template``."""
        self._routes.append(Route(method, route_pattern(template), handler, public))

    # -- vendor hooks --------------------------------------------------------------------------

    @abstractmethod
    def unauthorized(self, request: SimRequest, auth: Auth) -> SimResponse:
        """The vendor's 401 response."""

    @abstractmethod
    def error(self, status: int, request: SimRequest, message: str | None = None) -> SimResponse:
        """A generic error response in the vendor's JSON error shape."""

    def not_found_route(self, request: SimRequest) -> SimResponse:
        """The vendor's answer to a path it does not serve."""
        return self.error(404, request)

    @abstractmethod
    def rate_headers(self, remaining: int, reset_in: int) -> list[tuple[str, str]]:
        """Rate-limit headers the vendor puts on every response."""

    @abstractmethod
    def throttled(self, request: SimRequest, retry_after: int) -> SimResponse:
        """The vendor's 429 response (headers and body)."""

    @abstractmethod
    def invalid_cursor(self, request: SimRequest, status: int) -> SimResponse:
        """The vendor's answer to an invalid or expired page cursor."""

    def check_request(self, request: SimRequest) -> SimResponse | None:
        """Vendor-wide request checks before routing (e.g. ServiceNow's Accept header)."""
        return None

    @abstractmethod
    def touch(self, remote_id: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        """A remote edit by someone else: apply ``changes``, bump the ticket's timestamps."""

    @abstractmethod
    def delete(self, remote_id: str) -> None:
        """Delete a ticket the way the vendor does (``KeyError`` when there is no such ticket)."""

    # -- OAuth tokens -----------------------------------------------------------------------

    def issue_tokens(self, lifetime: int | None = None) -> dict[str, Any]:
        """A new access and refresh token pair, as the token endpoint grants it.

        ``lifetime`` overrides :attr:`token_lifetime` for this grant (Zendesk's
        ``expires_in`` parameter). Tests use this to start an account with a refresh token.
        """
        life = self.token_lifetime if lifetime is None else lifetime
        return self._tokens.issue(self.clock(), life, refresh=None)

    def refresh_grant(self, refresh_token: str, lifetime: int | None = None) -> dict[str, Any]:
        """Exchange a refresh token (``KeyError`` when it is unknown, used up or revoked)."""
        life = self.token_lifetime if lifetime is None else lifetime
        return self._tokens.refresh(
            refresh_token,
            self.clock(),
            life,
            rotate=self.rotates_refresh_tokens,
            revoke_access=self.refresh_revokes_access,
        )

    def expire_tokens(self) -> None:
        """Every issued access token expires now (refresh tokens stay valid)."""
        self._tokens.expire_all(self.clock())

    def revoke_tokens(self) -> None:
        """Every issued access and refresh token stops working (an admin revoked the grant)."""
        self._tokens.revoke_all()

    def client_ok(self, client_id: str | None, client_secret: str | None) -> bool:
        """Whether the OAuth client id and secret are the ones this server knows."""
        return (client_id, client_secret) == self.oauth_client

    def authenticate(self, header: str | None) -> Auth:
        """Check an ``Authorization`` header: the fixed credentials, then issued tokens."""
        auth = check_auth(header, self.credentials)
        if auth.ok or auth.scheme != "bearer" or not header:
            return auth
        state = self._tokens.state(header.strip().partition(" ")[2].strip(), self.clock())
        if state is None:
            return auth
        return Auth(state == "ok", "bearer", None, state)

    def info(self) -> dict[str, Any]:
        """What ``GET /__sim/info`` reports (vendor apps add their counts)."""
        return {
            "vendor": self.vendor.value,
            "account": self.account_name,
            "credentials": self.credentials.as_dict(),
            "oauth_client": {
                "client_id": self.oauth_client[0],
                "client_secret": self.oauth_client[1],
            },
            "token_lifetime": self.token_lifetime,
            "now": self.clock().isoformat(),
        }

    # -- the request pipeline ------------------------------------------------------------------

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one request: control API, or faults + auth + routing + logging."""
        if request.path.startswith("/__sim/") or request.path == "/__sim":
            from queuebench.sandbox.server.control import handle_control

            return handle_control(self, request)
        fault = self.faults.pick(request.method, request.path)
        if fault is not None and fault.kind == "expire_token":
            self.expire_tokens()
        auth = self.authenticate(request.headers.get("authorization"))
        entry = self.requests.begin(request, auth.summary(), self.clock())
        response = None
        if fault is not None:
            response = self._pre_fault(fault, request)
        dispatched = response is None
        if response is None:
            response = self._dispatch(request, auth)
        response.headers.extend(self._rate_headers(exhausted=response.status == 429))
        response.headers.append(("Date", formatdate(usegmt=True)))
        if dispatched and fault is not None:
            self._post_fault(fault, request, response)
        self.requests.finish(entry, response.status, fault.kind if fault else None)
        return response

    def _dispatch(self, request: SimRequest, auth: Auth) -> SimResponse:
        allowed = False
        for route in self._routes:
            match = route.pattern.match(request.path)
            if match is None:
                continue
            if route.method != request.method:
                allowed = True
                continue
            if not (route.public or auth.ok):
                return self.unauthorized(request, auth)
            problem = self.check_request(request)
            if problem is not None:
                return problem
            try:
                with self.lock:
                    return route.handler(request, **match.groupdict())
            except HttpError as exc:
                return exc.response
        if not auth.ok:
            return self.unauthorized(request, auth)
        if allowed:
            return self.error(405, request)
        return self.not_found_route(request)

    def _rate_headers(self, *, exhausted: bool = False) -> list[tuple[str, str]]:
        with self._rate_lock:
            now = time.monotonic()
            if now - self._window_start >= self.rate_window:
                elapsed = int((now - self._window_start) // self.rate_window)
                self._window_start += elapsed * self.rate_window
                self._window_count = 0
            self._window_count += 1
            remaining = 0 if exhausted else max(0, self.rate_limit - self._window_count)
            reset_in = max(1, int(self._window_start + self.rate_window - now + 0.999))
        return self.rate_headers(remaining, reset_in)

    def _pre_fault(self, fault: Fault, request: SimRequest) -> SimResponse | None:
        kind = fault.kind
        if kind == "rate_limit":
            retry = fault.retry_after_now()
            return self.throttled(request, retry)
        if kind == "error":
            status = fault.status or 500
            if fault.body == "html":
                response = SimResponse(status, proxy_page(status), HTML)
            else:
                response = self.error(status, request)
            if fault.retry_after is not None:
                response.headers.append(("Retry-After", str(int(fault.retry_after))))
            return response
        if kind == "bad_cursor":
            return self.invalid_cursor(request, fault.status or 400)
        return None

    def _post_fault(self, fault: Fault, request: SimRequest, response: SimResponse) -> None:
        kind = fault.kind
        delivery = response.delivery
        if kind == "slow":
            delivery.delay = fault.delay if fault.delay is not None else 2.0
        elif kind == "stall":
            delivery.stall = fault.delay if fault.delay is not None else 3600.0
        elif kind == "drip":
            delivery.drip = (fault.chunk or 64, fault.interval if fault.interval else 0.1)
        elif kind == "reset":
            delivery.reset_at = fault.at if fault.at is not None else len(response.body) // 2
        elif kind == "drop_header":
            names = {h.lower() for h in (fault.headers or [])}
            response.headers = [(k, v) for k, v in response.headers if k.lower() not in names]
        elif kind == "malformed":
            malform(response, fault.variant or "truncated")


# --- issued OAuth tokens ----------------------------------------------------------------------


class _IssuedTokens:
    """The access and refresh tokens a server's token endpoint has granted (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, datetime | None] = {}  # token -> expiry (None: never)
        self._refresh: dict[str, str] = {}  # refresh token -> the access token granted with it

    def issue(self, now: datetime, lifetime: int | None, *, refresh: str | None) -> dict[str, Any]:
        access = "sandbox-access-" + secrets.token_urlsafe(24)
        refresh = refresh or "sandbox-refresh-" + secrets.token_urlsafe(24)
        with self._lock:
            self._access[access] = None if lifetime is None else now + timedelta(seconds=lifetime)
            self._refresh[refresh] = access
        grant: dict[str, Any] = {"access_token": access, "refresh_token": refresh}
        if lifetime is not None:
            grant["expires_in"] = lifetime
        return grant

    def refresh(
        self,
        token: str,
        now: datetime,
        lifetime: int | None,
        *,
        rotate: bool,
        revoke_access: bool,
    ) -> dict[str, Any]:
        with self._lock:
            previous = self._refresh[token]  # KeyError: unknown, used up or revoked
            if rotate:
                del self._refresh[token]
            if revoke_access:
                self._access.pop(previous, None)
        return self.issue(now, lifetime, refresh=None if rotate else token)

    def state(self, token: str, now: datetime) -> str | None:
        """``"ok"``, ``"expired"``, or ``None`` for a token this server never issued."""
        with self._lock:
            if token not in self._access:
                return None
            expires = self._access[token]
        return "ok" if expires is None or now < expires else "expired"

    def expire_all(self, now: datetime) -> None:
        with self._lock:
            for token in self._access:
                self._access[token] = now

    def revoke_all(self) -> None:
        with self._lock:
            self._access.clear()
            self._refresh.clear()


def form_or_json(request: SimRequest) -> dict[str, str]:
    """A token request's parameters: a JSON object or a form-urlencoded body."""
    from urllib.parse import parse_qsl

    if "json" in request.headers.get("content-type", ""):
        try:
            data = request.json()
        except msgspec.DecodeError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items() if v is not None}
    return dict(parse_qsl(request.body.decode("utf-8", errors="replace")))


# --- helpers shared by the fault kinds --------------------------------------------------------


def proxy_page(status: int) -> bytes:
    """The HTML error page a proxy or load balancer sends instead of the vendor's JSON."""
    reason = {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Temporarily Unavailable",
        504: "Gateway Time-out",
    }.get(status, "Error")
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def malform(response: SimResponse, variant: str) -> None:
    """Spoil a response body the way broken proxies and half-written pages do."""
    body = response.body
    if variant == "truncated":
        response.body = body[: max(1, len(body) // 2)]
    elif variant == "garbage":
        response.body = b'{"tickets": [ {"id": 1,, ]' + b"\x00 not json"
    elif variant == "invalid_utf8":
        cut = max(1, len(body) // 2)
        response.body = body[:cut] + b"\xff\xfe\xc3(" + body[cut:]
    elif variant == "html":
        response.status = 200
        response.content_type = HTML
        response.body = b"<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>"
    elif variant == "empty":
        response.body = b""
    elif variant == "error_in_200":
        response.status = 200
        response.content_type = JSON
        response.body = _ENCODER.encode(
            {
                "error": {"message": "Transaction cancelled", "detail": "maximum execution time"},
                "status": "failure",
            }
        )
    else:
        raise ValueError(f"unknown malformed variant {variant!r}")


def utc_from_timestamp(ts: float) -> datetime:
    """An aware UTC datetime from Unix seconds."""
    return datetime.fromtimestamp(ts, UTC)


OAUTH_CLIENT = ("sandbox-client", "sandbox-client-secret")
"""The OAuth client id and secret every sandbox token endpoint accepts."""

DEMO_CREDENTIALS: dict[Vendor, Credentials] = {
    Vendor.ZENDESK: Credentials(
        Vendor.ZENDESK,
        "maya.lindqvist@acme.example",
        "sandbox-zendesk-api-token",
        "sandbox-zendesk-oauth-token",
    ),
    Vendor.JSM: Credentials(
        Vendor.JSM,
        "maya.lindqvist@acme.example",
        "sandbox-atlassian-api-token",
        "sandbox-atlassian-oauth-token",
    ),
    Vendor.SERVICENOW: Credentials(
        Vendor.SERVICENOW,
        "maya.lindqvist",
        "sandbox-servicenow-password",
        "sandbox-servicenow-oauth-token",
    ),
}
"""What each sandbox server accepts unless told otherwise: the demo agent Maya Lindqvist."""
