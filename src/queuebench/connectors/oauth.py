"""OAuth access tokens that renew themselves: one :class:`OAuthSession` per account.

An OAuth account holds a :class:`TokenSet`: an access token, and — when it can renew itself —
a refresh token, the OAuth client's secret and the access token's expiry. The session hands the
access token to :class:`~queuebench.connectors.http.AccountClient` for each request and renews
it with the vendor's refresh grant:

- **proactively**, when the token is within :data:`EARLY` seconds of its expiry (or there is
  none yet), and
- **reactively**, when a request gets a 401 (the client then retries that request once).

Refreshes are single-flight: concurrent requests that find the same stale token wait for one
refresh and use its result, so per-ticket calls never stampede the token endpoint. A refresh
that fails is remembered, so the other waiters fail at once with the same error.

The new tokens are handed to ``save`` (the keyring, see :mod:`queuebench.accounts`) before
they are used. Vendors that rotate refresh tokens (Atlassian, Zendesk) disable the old one as
they answer, so the new one is saved first, before anything else can fail.

Token endpoints: Zendesk ``{url}/oauth/tokens`` and Atlassian
``https://auth.atlassian.com/oauth/token`` take JSON; ServiceNow ``{url}/oauth_token.do``
takes a form (and also the password grant, :func:`password_grant_form`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from queuebench.connectors.http import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    Secret,
)
from queuebench.domain.models import Vendor

if TYPE_CHECKING:
    import httpx

    from queuebench.connectors.http import AccountClient

__all__ = [
    "EARLY",
    "SECRET_KEYS",
    "OAuthSession",
    "TokenSet",
    "default_token_url",
    "parse_secret_fields",
    "password_grant_form",
]

log = logging.getLogger("queuebench.oauth")

EARLY = 60.0
"""Renew an access token this many seconds before it expires."""

SECRET_KEYS = ("access_token", "refresh_token", "client_secret")
"""The secrets of an OAuth account (each in its own keyring entry)."""


def default_token_url(vendor: Vendor, base_url: str) -> str:
    """Where the vendor's token endpoint is, unless the account sets ``token_url``."""
    if vendor is Vendor.JSM:
        return "https://auth.atlassian.com/oauth/token"
    if vendor is Vendor.SERVICENOW:
        return base_url.rstrip("/") + "/oauth_token.do"
    return base_url.rstrip("/") + "/oauth/tokens"


def parse_secret_fields(text: str, allowed: Iterable[str]) -> dict[str, str]:
    """The secrets in ``text``: a JSON object with string values, or one bare line (an access
    token). ``ValueError`` names what is wrong, never a value."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        line = stripped.splitlines()[0].strip() if stripped else ""
        return {"access_token": line} if line else {}
    try:
        data = json.loads(stripped)
    except ValueError:
        raise ValueError("the secrets are not a valid JSON object") from None
    if not isinstance(data, dict):
        raise ValueError("the secrets are not a JSON object")
    keys = tuple(allowed)
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise ValueError(
            f"unknown keys {', '.join(unknown)} in the secrets (known: {', '.join(keys)})"
        )
    out: dict[str, str] = {}
    for key, value in data.items():
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise ValueError(f"the value of {key} is not a string")
        out[key] = value.strip()
    return out


@dataclass(frozen=True)
class TokenSet:
    """An OAuth account's secrets (each a :class:`Secret`) and the access token's expiry."""

    access_token: Secret | None = None
    refresh_token: Secret | None = None
    client_secret: Secret | None = None
    expires_at: float | None = None
    """Unix time the access token expires (``None``: unknown)."""

    @classmethod
    def parse(cls, text: str) -> TokenSet:
        """From what a user gives: a bare access token, or a JSON object with
        ``access_token``, ``refresh_token``, ``client_secret`` (and ``expires_at``)."""
        stripped = text.strip()
        expires_at: float | None = None
        if stripped.startswith("{"):
            try:
                data = json.loads(stripped)
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("expires_at"), int | float):
                expires_at = float(data.pop("expires_at"))
                stripped = json.dumps(data)
        fields = parse_secret_fields(stripped, SECRET_KEYS)
        return cls.of(fields, expires_at=expires_at)

    @classmethod
    def of(cls, fields: Mapping[str, str], *, expires_at: float | None = None) -> TokenSet:
        """From plain strings (empty or missing ones are ``None``)."""

        def secret(key: str) -> Secret | None:
            value = fields.get(key)
            return Secret(value) if value else None

        return cls(
            access_token=secret("access_token"),
            refresh_token=secret("refresh_token"),
            client_secret=secret("client_secret"),
            expires_at=expires_at,
        )

    def access_entry(self) -> str:
        """The access token as kept in its keyring entry: bare, or with its expiry as JSON."""
        token = self.access_token.reveal() if self.access_token else ""
        if self.expires_at is None:
            return token
        return json.dumps({"access_token": token, "expires_at": round(self.expires_at)})

    def texts(self) -> list[str]:
        """Every secret's text (for scrubbing error messages)."""
        return [
            s.reveal() for s in (self.access_token, self.refresh_token, self.client_secret) if s
        ]


def password_grant_form(
    client_id: str, client_secret: Secret | None, username: str, password: Secret
) -> dict[str, str]:
    """ServiceNow's password grant: the first tokens from a user name and password."""
    form = {
        "grant_type": "password",
        "client_id": client_id,
        "username": username,
        "password": password.reveal(),
    }
    if client_secret:
        form["client_secret"] = client_secret.reveal()
    return form


class OAuthSession:
    """One account's OAuth tokens: the current access token, renewal, and saving new tokens.

    ``save`` is called with each new :class:`TokenSet` before it is used (``None``: the tokens
    came from the environment or a password command and live only in memory for the run).
    ``wall`` is the Unix clock the expiry is measured on.
    """

    def __init__(
        self,
        *,
        account: str,
        vendor: Vendor,
        token_url: str,
        client_id: str | None,
        tokens: TokenSet,
        fix_hint: str,
        save: Callable[[TokenSet], None] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.account = account
        self.vendor = vendor
        self.token_url = token_url
        self.client_id = client_id
        self.fix_hint = fix_hint
        self.save = save
        self._tokens = tokens
        self._wall = wall
        self._lock: asyncio.Lock | None = None
        self._failure: ConnectorError | None = None
        self._known: set[str] = set(tokens.texts())
        self.refreshes = 0
        """How many times the access token was renewed in this session."""
        self.save_failed: str | None = None
        """Why renewed tokens could not be saved (the error's type), if they could not."""

    @property
    def can_refresh(self) -> bool:
        """Whether the account has what a refresh grant needs (refresh token and client id)."""
        return bool(self._tokens.refresh_token and self.client_id)

    @property
    def access_token(self) -> str | None:
        """The current access token's text."""
        token = self._tokens.access_token
        return token.reveal() if token else None

    @property
    def tokens(self) -> TokenSet:
        """The current tokens."""
        return self._tokens

    def known_secrets(self) -> set[str]:
        """Every secret this session has held (old ones too), for scrubbing messages."""
        return set(self._known)

    def _expiring(self) -> bool:
        if self._tokens.access_token is None:
            return True
        expires = self._tokens.expires_at
        return expires is not None and self._wall() >= expires - EARLY

    async def current(self, client: AccountClient) -> str:
        """The access token to send now, renewed first when it is about to expire."""
        if self._expiring() and self.can_refresh:
            await self.refresh(client, self.access_token)
        token = self.access_token
        if token is None:  # no access token and nothing to renew it with
            raise self._refused_error(None, "there is no access token and no refresh token")
        return token

    async def refresh(self, client: AccountClient, stale: str | None) -> None:
        """Renew the access token unless another request already replaced ``stale``."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._failure is not None:
                raise self._failure
            if self.access_token != stale and self.access_token is not None:
                return  # someone else refreshed while we waited
            try:
                new = await self._grant(client)
            except ConnectorError as exc:
                self._failure = exc
                raise
            self._known.update(new.texts())
            if self.save is not None:
                try:
                    self.save(new)
                except Exception as exc:  # keyring backends raise their own error types
                    self.save_failed = type(exc).__name__
                    log.warning("%s: renewed tokens not saved (%s)", self.account, exc.__class__)
            self._tokens = new
            self.refreshes += 1

    async def _grant(self, client: AccountClient) -> TokenSet:
        tokens = self._tokens
        assert tokens.refresh_token is not None and self.client_id is not None
        form = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "refresh_token": tokens.refresh_token.reveal(),
        }
        if tokens.client_secret:
            form["client_secret"] = tokens.client_secret.reveal()
        response = await token_request(client, self.vendor, self.token_url, form)
        if response.status_code >= 400:
            raise self._refused_error(response, None)
        return tokens_from_response(client, self.token_url, response, tokens, self._wall())

    def _refused_error(self, response: httpx.Response | None, why: str | None) -> ConnectorError:
        if response is not None:
            why = f"HTTP {response.status_code}" + (
                f": {said}" if (said := oauth_error_text(response)) else ""
            )
        message = (
            f"Account {self.account!r} could not renew its OAuth access token at "
            f"{self.token_url} ({why}). The refresh token was revoked or has expired, or the "
            f"client id or secret changed. Store new tokens with `{self.fix_hint}` (it asks "
            "for them). The cache was left as it was."
        )
        for text in sorted(self._known, key=len, reverse=True):
            message = message.replace(text, "**********")
        return AuthenticationError(
            message,
            account=self.account,
            endpoint=self.token_url,
            status=response.status_code if response is not None else None,
        )


async def token_request(
    client: AccountClient, vendor: Vendor, token_url: str, form: Mapping[str, str]
) -> httpx.Response:
    """POST a grant to the token endpoint, as JSON or (ServiceNow) a form; 4xx are returned."""
    if vendor is Vendor.SERVICENOW:
        return await client.send(
            "POST", token_url, form_body=form, authorize=False, client_errors=True
        )
    return await client.send(
        "POST", token_url, json_body=dict(form), authorize=False, client_errors=True
    )


def oauth_error_text(response: httpx.Response) -> str | None:
    """``error — error_description`` of an OAuth error body (nothing else from it)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(body, Mapping):
        return None
    parts = [str(body[k]) for k in ("error", "error_description") if isinstance(body.get(k), str)]
    return " — ".join(parts)[:200] or None


def tokens_from_response(
    client: AccountClient,
    token_url: str,
    response: httpx.Response,
    previous: TokenSet,
    now: float,
) -> TokenSet:
    """The new tokens of a 2xx token response (a refresh token that is not sent back stays)."""
    body: Any = client.json_of(response, token_url)
    access = body.get("access_token") if isinstance(body, Mapping) else None
    if not isinstance(access, str) or not access:
        raise MalformedResponseError(
            f"Account {client.account!r}: {token_url} answered without an access token (HTTP "
            f"{response.status_code}). Check the account's token URL (`token_url` in the "
            "config file); the cache was left as it was.",
            account=client.account,
            endpoint=token_url,
            status=response.status_code,
        )
    refresh = body.get("refresh_token")
    expires_in = body.get("expires_in")
    lasts = isinstance(expires_in, int | float) and expires_in > 0
    new = replace(
        previous,
        access_token=Secret(access),
        expires_at=now + float(expires_in) if lasts else None,
    )
    if isinstance(refresh, str) and refresh:
        new = replace(new, refresh_token=Secret(refresh))
    return new
