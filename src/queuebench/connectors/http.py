"""The HTTP client every connector shares: one :class:`AccountClient` per account.

What it does for a connector:

- **Auth** in each vendor's own header format (:func:`auth_header`): Zendesk
  ``{email}/token:{token}`` basic or an OAuth bearer; JSM ``email:token`` basic or bearer;
  ServiceNow ``user:password`` basic or bearer. The secret is a :class:`Secret` that never
  prints itself; the header is never logged. An OAuth account's bearer token comes from its
  :class:`~queuebench.connectors.oauth.OAuthSession` for each request: renewed shortly before
  it expires, and on a 401 renewed once and the request retried once.
- **Retry-After**: a 429 (or a 5xx that carries ``Retry-After``) closes the account's gate
  until that instant; no request of the account is sent before it elapses.
- **Backoff**: 5xx, timeouts and connection failures are retried with exponential backoff and
  full jitter (:class:`RetryPolicy`). Writes are retried only when the vendor surely did not
  act on them (429, a connection that never opened), so a note is never posted twice.
- **Rate ceiling**: a sliding window per bucket (:class:`RateLimit`), e.g. Zendesk's
  incremental export allows 10 requests a minute.
- **Bounded concurrency** for per-ticket calls (:meth:`AccountClient.gather`).
- **Errors** as :class:`ConnectorError` subclasses whose message names the account, the
  endpoint and the fix, with the vendor's own error text parsed from its error body. A 200
  that is not JSON (an HTML proxy page, a truncated body) is a
  :class:`MalformedResponseError`.

The clock and sleep are injectable so tests can shrink time scales. A hand-written retry loop
is used rather than a retry library: the rules here (one gate per account fed by
``Retry-After``, writes retried only when they surely did not land, per-bucket windows) are
shorter to state directly than as tenacity predicates and wait strategies.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from queuebench.domain.models import Vendor

if TYPE_CHECKING:
    from queuebench.connectors.oauth import OAuthSession

__all__ = [
    "AccountClient",
    "AuthenticationError",
    "ConflictError",
    "ConnectorError",
    "MalformedResponseError",
    "NotFoundError",
    "RateLimit",
    "RetryPolicy",
    "Secret",
    "TransientError",
    "VendorRejectedError",
    "auth_header",
]

log = logging.getLogger("queuebench.http")

T = TypeVar("T")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


class Secret:
    """A credential that never shows itself in ``repr``, ``str`` or a traceback's locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that builds the auth header."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


# --- errors ---------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A vendor call failed; ``str()`` is one paragraph naming account, endpoint and the fix.

    ``retryable`` says whether the same call may succeed later unchanged (network, 5xx,
    rate limits) as opposed to needing the user to change something.
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        account: str,
        endpoint: str,
        status: int | None = None,
        vendor_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.account = account
        self.endpoint = endpoint
        self.status = status
        self.vendor_message = vendor_message


class AuthenticationError(ConnectorError):
    """401/403: the secret is wrong, expired, or lacks the needed role."""


class NotFoundError(ConnectorError):
    """404: the record does not exist (or the account may not see it)."""


class ConflictError(ConnectorError):
    """409: the record changed since it was read (Zendesk ``safe_update``)."""


class VendorRejectedError(ConnectorError):
    """Another 4xx: the vendor refused the request as made (validation, workflow)."""


class TransientError(ConnectorError):
    """Network failure, timeout, 5xx or rate limit that outlasted every retry."""

    retryable = True


class MalformedResponseError(ConnectorError):
    """A response that is not the JSON the endpoint promises (HTML, truncated, wrong shape)."""

    retryable = True


# --- auth -----------------------------------------------------------------------------------


def auth_header(vendor: Vendor, auth: str, user: str | None, secret: Secret) -> str:
    """The ``Authorization`` header value for an account.

    ``auth`` is ``token`` (API token: Zendesk ``{email}/token``, Atlassian ``email:token``),
    ``basic`` (user and password; ServiceNow's usual way) or ``oauth`` (bearer access token).
    """
    if auth == "oauth":
        return f"Bearer {secret.reveal()}"
    if not user:
        raise ValueError(f"{vendor.value} {auth} auth needs a user (--user)")
    login = f"{user}/token" if vendor is Vendor.ZENDESK and auth == "token" else user
    raw = f"{login}:{secret.reveal()}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


# --- policies -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt *n* waits ``uniform(0, min(cap, base·2ⁿ))``.

    ``max_attempts`` counts every try, the first included. ``max_retry_after`` caps how long a
    single ``Retry-After`` may make us wait before giving up (a vendor asking for an hour is
    better reported than silently waited on).
    """

    max_attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 900.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * (2**attempt)))


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` sends per ``period`` seconds (a sliding window)."""

    requests: int
    period: float = 60.0


@dataclass
class _Window:
    limit: RateLimit
    sent: deque[float] = field(default_factory=deque)


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


# --- the client -----------------------------------------------------------------------------


def _vendor_message(vendor: Vendor, body: Any) -> str | None:
    """The human part of a vendor error body (Zendesk, Jira/JSM or ServiceNow envelope)."""
    if not isinstance(body, Mapping):
        return None
    parts: list[str] = []
    if vendor is Vendor.ZENDESK:
        err = body.get("error")
        if isinstance(err, Mapping):
            parts += [str(err.get("title") or ""), str(err.get("message") or "")]
        elif err:
            parts.append(str(err))
        if body.get("description"):
            parts.append(str(body["description"]))
        details = body.get("details")
        if isinstance(details, Mapping):
            for name, items in details.items():
                for item in items if isinstance(items, list) else [items]:
                    text = item.get("description") if isinstance(item, Mapping) else item
                    parts.append(f"{name}: {text}")
    elif vendor is Vendor.JSM:
        if body.get("errorMessage"):
            parts.append(str(body["errorMessage"]))
        messages = body.get("errorMessages")
        if isinstance(messages, list):
            parts += [str(m) for m in messages]
        errors = body.get("errors")
        if isinstance(errors, Mapping):
            parts += [f"{k}: {v}" for k, v in errors.items()]
        if body.get("message"):
            parts.append(str(body["message"]))
    else:
        err = body.get("error")
        if isinstance(err, Mapping):
            parts += [str(err.get("message") or ""), str(err.get("detail") or "")]
        elif err:
            parts.append(str(err))
    text = " — ".join(p.strip() for p in parts if p and p.strip())
    return text[:400] or None


def _retry_after(response: httpx.Response, now_wall: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now_wall)


class AccountClient:
    """One account's connection to its vendor: auth, retries, rate ceiling, concurrency.

    ``base_url`` is the site (``https://acme.zendesk.com``); paths passed to :meth:`get` and
    friends start with ``/``. ``transport`` swaps the network for an in-process app (the
    demo and some tests); ``clock``/``sleep``/``rng`` make timing testable.
    """

    def __init__(
        self,
        *,
        account: str,
        vendor: Vendor,
        base_url: str,
        auth: str,
        user: str | None,
        secret: Secret,
        fix_hint: str,
        oauth: OAuthSession | None = None,
        retry: RetryPolicy | None = None,
        limits: Mapping[str, RateLimit] | None = None,
        concurrency: int = 4,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.account = account
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.fix_hint = fix_hint
        self.retry = retry or RetryPolicy()
        self._windows = {name: _Window(limit) for name, limit in (limits or {}).items()}
        self._concurrency = max(1, concurrency)
        self._semaphore: asyncio.Semaphore | None = None
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._not_before = 0.0  # clock value before which no request may be sent
        self._secret_text = secret.reveal()
        headers = {"Accept": "application/json", "User-Agent": "queuebench/0.1"}
        if auth == "oauth" and oauth is None:
            from queuebench.connectors.oauth import OAuthSession, TokenSet, default_token_url

            oauth = OAuthSession(
                account=account,
                vendor=vendor,
                token_url=default_token_url(vendor, base_url),
                client_id=None,
                tokens=TokenSet(access_token=secret),
                fix_hint=fix_hint,
            )
        self.oauth = oauth
        """The OAuth tokens of an ``oauth`` account (the bearer header is set per request)."""
        if oauth is None:
            headers["Authorization"] = auth_header(vendor, auth, user, secret)
        self._http = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            follow_redirects=False,
        )
        self.requests_sent = 0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AccountClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- public calls ------------------------------------------------------------------------

    async def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        bucket: str | None = None,
        endpoint: str | None = None,
    ) -> Any:
        """GET ``path`` and return its JSON body."""
        response = await self.send("GET", path, params=params, bucket=bucket, endpoint=endpoint)
        return self.json_of(response, endpoint or path)

    async def write(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        endpoint: str | None = None,
    ) -> Any:
        """A write (PUT/POST/PATCH) with a JSON body; returns the JSON reply or ``None``."""
        response = await self.send(method, path, json_body=body, endpoint=endpoint)
        if response.status_code == 204 or not response.content:
            return None
        return self.json_of(response, endpoint or path)

    async def gather(self, calls: Iterable[Callable[[], Awaitable[T]]]) -> list[T]:
        """Run per-ticket calls with at most ``concurrency`` in flight; results in order."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._concurrency)
        semaphore = self._semaphore

        async def one(call: Callable[[], Awaitable[T]]) -> T:
            async with semaphore:
                return await call()

        tasks = [asyncio.ensure_future(one(c)) for c in calls]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    # -- the engine --------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + path

    async def _wait_turn(self, bucket: str | None) -> None:
        """Sleep until the Retry-After gate is open and the bucket's window has room."""
        for _ in range(10_000):
            now = self._clock()
            wait = self._not_before - now
            window = self._windows.get(bucket) if bucket else None
            if window is not None:
                while window.sent and now - window.sent[0] >= window.limit.period:
                    window.sent.popleft()
                if len(window.sent) >= window.limit.requests:
                    wait = max(wait, window.sent[0] + window.limit.period - now)
            if wait <= 0:
                if window is not None:
                    window.sent.append(now)
                return
            await self._sleep(wait)
        raise RuntimeError("rate limiter failed to open")  # unreachable in practice

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form_body: Mapping[str, str] | None = None,
        bucket: str | None = None,
        endpoint: str | None = None,
        authorize: bool = True,
        client_errors: bool = False,
    ) -> httpx.Response:
        """Send with retries; returns a 2xx response or raises a :class:`ConnectorError`.

        ``authorize=False`` sends no ``Authorization`` header of an OAuth account (a token
        request); ``client_errors=True`` returns a 4xx response instead of raising.
        """
        endpoint = endpoint or path.split("?", 1)[0]
        idempotent = method.upper() in IDEMPOTENT
        policy = self.retry
        last: ConnectorError | None = None
        oauth = self.oauth if authorize else None
        renewed = False
        attempt = 0
        while attempt < policy.max_attempts:
            await self._wait_turn(bucket)
            headers: dict[str, str] | None = None
            bearer: str | None = None
            if oauth is not None:
                bearer = await oauth.current(self)
                headers = {"Authorization": f"Bearer {bearer}"}
            self.requests_sent += 1
            attempt += 1
            try:
                response = await self._http.request(
                    method,
                    self._url(path),
                    params=params,
                    json=json_body,
                    data=form_body,
                    headers=headers,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = self._transient(endpoint, f"could not connect ({type(exc).__name__})")
                await self._sleep(policy.backoff(attempt - 1, self._rng))
                continue
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = self._transient(endpoint, f"the connection failed ({type(exc).__name__})")
                if not idempotent:
                    raise last from None
                await self._sleep(policy.backoff(attempt - 1, self._rng))
                continue
            status = response.status_code
            log.debug("%s %s %s -> %s", self.account, method, endpoint, status)
            if status < 300:
                return response
            if status == 401 and oauth is not None and not renewed and oauth.can_refresh:
                # The token expired or was revoked early: renew it (once) and try again.
                renewed = True
                attempt -= 1
                await oauth.refresh(self, bearer)
                continue
            retry_after = _retry_after(response, time.time())
            if status == 429 or (status >= 500 and retry_after is not None):
                wait = (
                    retry_after
                    if retry_after is not None
                    else policy.backoff(attempt - 1, self._rng)
                )
                if wait > policy.max_retry_after:
                    raise self._transient(
                        endpoint,
                        f"the vendor asked to wait {wait:.0f} s (HTTP {status})",
                        status=status,
                    )
                self._not_before = max(self._not_before, self._clock() + wait)
                last = self._transient(endpoint, f"rate limited (HTTP {status})", status=status)
                if status == 429 or idempotent:
                    continue
                raise last
            if status >= 500:
                last = self._transient(
                    endpoint,
                    f"the vendor had a server error (HTTP {status}"
                    + (f": {m}" if (m := self._message_of(response)) else "")
                    + ")",
                    status=status,
                )
                if not idempotent:
                    raise last
                await self._sleep(policy.backoff(attempt - 1, self._rng))
                continue
            if client_errors:
                return response
            raise self._client_error(response, endpoint, renewed=renewed)
        assert last is not None
        raise last

    # -- error building ----------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        secrets = {self._secret_text}
        if self.oauth is not None:
            secrets |= self.oauth.known_secrets()
        for secret in sorted(secrets, key=len, reverse=True):
            if secret and secret in text:
                text = text.replace(secret, "**********")
        return text

    def _message_of(self, response: httpx.Response) -> str | None:
        try:
            body = json.loads(response.content)
        except ValueError:
            return None
        message = _vendor_message(self.vendor, body)
        return self._scrub(message) if message else None

    def _transient(self, endpoint: str, what: str, *, status: int | None = None) -> TransientError:
        return TransientError(
            self._scrub(
                f"Account {self.account!r}: {what} at {endpoint} after retrying. Nothing was "
                "lost: the cache and sync cursor stay where they were; run `queuebench sync` "
                "again later (check your network or the vendor's status page if it persists)."
            ),
            account=self.account,
            endpoint=endpoint,
            status=status,
        )

    def _client_error(
        self, response: httpx.Response, endpoint: str, *, renewed: bool = False
    ) -> ConnectorError:
        status = response.status_code
        vendor_text = self._message_of(response)
        said = f" The vendor said: {vendor_text}." if vendor_text else ""
        name = self.account
        if status == 401 and self.oauth is not None:
            if renewed:
                why = (
                    "even with a freshly renewed OAuth access token. The token may lack a scope "
                    "or the user may have lost access; store new tokens with "
                    f"`{self.fix_hint}`"
                )
            else:
                why = (
                    "because its OAuth access token was refused — it has most likely expired "
                    "(token expired), and the account has no refresh token to renew it. Run "
                    f"`{self.fix_hint}` again with a new token, or give it a refresh token and "
                    "--client-id so queuebench renews the token by itself"
                )
            return AuthenticationError(
                self._scrub(
                    f"Account {name!r} could not sign in to {self.vendor.value} at {endpoint} "
                    f"(HTTP 401){' ' + said.strip() if said else ''} {why}. The cache was "
                    "left as it was."
                ),
                account=name,
                endpoint=endpoint,
                status=status,
                vendor_message=vendor_text,
            )
        if status == 401:
            return AuthenticationError(
                self._scrub(
                    f"Account {name!r} could not sign in to {self.vendor.value} at {endpoint} "
                    f"(HTTP 401).{said} Check the secret for account {name}: "
                    f"`{self.fix_hint}` stores a new one; `queuebench account test {name}` "
                    "checks it. The cache was left as it was."
                ),
                account=name,
                endpoint=endpoint,
                status=status,
                vendor_message=vendor_text,
            )
        if status == 403:
            return AuthenticationError(
                self._scrub(
                    f"Account {name!r} is not allowed to call {endpoint} (HTTP 403).{said} Give "
                    f"the account's user the needed role (Zendesk exports need an admin; JSM "
                    f"SLAs need an agent), or use another user with `{self.fix_hint}`."
                ),
                account=name,
                endpoint=endpoint,
                status=status,
                vendor_message=vendor_text,
            )
        if status == 404:
            return NotFoundError(
                self._scrub(
                    f"Account {name!r}: {endpoint} was not found (HTTP 404).{said} The record "
                    "may have been deleted, or the account URL may be wrong "
                    f"(`queuebench account list` shows it)."
                ),
                account=name,
                endpoint=endpoint,
                status=status,
                vendor_message=vendor_text,
            )
        if status == 409:
            return ConflictError(
                self._scrub(
                    f"Account {name!r}: {endpoint} changed since it was read (HTTP 409).{said}"
                ),
                account=name,
                endpoint=endpoint,
                status=status,
                vendor_message=vendor_text,
            )
        return VendorRejectedError(
            self._scrub(
                f"Account {name!r}: {self.vendor.value} refused {endpoint} (HTTP {status}).{said}"
                " Check the value you set against what the vendor allows."
            ),
            account=name,
            endpoint=endpoint,
            status=status,
            vendor_message=vendor_text,
        )

    def json_of(self, response: httpx.Response, endpoint: str) -> Any:
        """The JSON body of a 2xx response, or :class:`MalformedResponseError`."""
        ctype = response.headers.get("content-type", "")
        problem: str | None = None
        body: Any = None
        if "html" in ctype.lower():
            problem = f"an HTML page ({ctype}) instead of JSON"
        else:
            try:
                body = json.loads(response.content)
            except ValueError as exc:
                problem = f"a body that is not valid JSON ({exc.__class__.__name__}: {exc})"
        if (
            problem is None
            and self.vendor is Vendor.SERVICENOW
            and isinstance(body, dict)
            and isinstance(body.get("error"), Mapping)
        ):
            problem = f"an error inside a 200 reply ({_vendor_message(self.vendor, body)})"
        if problem is not None:
            raise MalformedResponseError(
                self._scrub(
                    f"Account {self.account!r}: {endpoint} returned {problem} (HTTP "
                    f"{response.status_code}). Nothing from that page was stored and the sync "
                    "cursor did not move; run `queuebench sync` again (a proxy or the vendor "
                    "may have had a hiccup)."
                ),
                account=self.account,
                endpoint=endpoint,
                status=response.status_code,
            )
        return body

    def shape_error(self, endpoint: str, what: str) -> MalformedResponseError:
        """A :class:`MalformedResponseError` for JSON of the wrong shape."""
        return MalformedResponseError(
            self._scrub(
                f"Account {self.account!r}: {endpoint} returned JSON of an unexpected shape "
                f"({what}). Nothing from that page was stored and the sync cursor did not move."
            ),
            account=self.account,
            endpoint=endpoint,
        )
