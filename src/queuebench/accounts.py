"""Accounts and their secrets: the config file holds the account, the keyring holds the secret.

- :func:`add_account` / :func:`remove_account` edit ``[accounts.NAME]`` in the config file with
  tomlkit, so the user's other settings, comments and layout survive the round trip.
- The secret is stored only in the OS keyring (service ``queuebench``, username = account
  name). Where no keyring backend exists, :func:`resolve_secret` reads
  ``QUEUEBENCH_SECRET_<ACCOUNT>`` or runs the account's ``password_command``; a plaintext
  file is never offered.
- An OAuth account keeps up to three keyring entries: the access token under the account name
  (with its expiry, as a small JSON object, once queuebench has renewed it), the refresh token
  under ``NAME#refresh_token`` and the client secret under ``NAME#client_secret``
  (:func:`store_tokens`, :func:`resolve_tokens`). A renewal saves the new refresh token before
  anything else, so a crash can never lose the only valid one.
- :func:`make_connector` builds the right connector with its HTTP client
  (:func:`build_connector` when the account and client are made elsewhere, as in the demo).

A secret is held as :class:`~queuebench.connectors.http.Secret` and never reaches the config
file, the database, a log line or an error message.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queuebench.config import AccountSettings, ConfigError, Settings, config_file_path
from queuebench.connectors.base import Account, account_fix_hint, secret_env_var
from queuebench.connectors.http import Secret
from queuebench.connectors.oauth import SECRET_KEYS, TokenSet, default_token_url
from queuebench.domain.models import Vendor
from queuebench.domain.normalize import VendorMaps

if TYPE_CHECKING:
    import httpx

    from queuebench.connectors.base import Connector
    from queuebench.connectors.http import AccountClient
    from queuebench.connectors.oauth import OAuthSession

KEYRING_SERVICE = "queuebench"

ZENDESK_TOKEN_WARNING = (
    "Zendesk is retiring API tokens: no new ones can be created since 2026-10-27, and all stop "
    "working on 2027-04-30. Switch this account to OAuth before then (`--auth oauth` with an "
    "OAuth access token)."
)


class AccountError(Exception):
    """An account command cannot proceed; ``str()`` is one paragraph naming the fix."""


# --- config -----------------------------------------------------------------------------------


def to_account(name: str, settings: AccountSettings) -> Account:
    """The connector's view of a configured account."""
    options: dict[str, Any] = {"organization_field": settings.organization_field}
    if settings.project:
        options["project"] = settings.project
    if settings.page_size:
        options["page_size"] = settings.page_size
    api_base: str | None = None
    if settings.auth == "oauth":
        options.update(
            {
                k: v
                for k, v in (
                    ("client_id", settings.client_id),
                    ("token_url", settings.token_url),
                    ("api_url", settings.api_url),
                )
                if v
            }
        )
        if settings.vendor == Vendor.JSM.value and settings.cloud_id:
            from queuebench.connectors.atlassian import DEFAULT_API_URL, gateway_base

            api_base = gateway_base(settings.api_url or DEFAULT_API_URL, settings.cloud_id)
    return Account(
        name=name,
        vendor=Vendor(settings.vendor),
        base_url=settings.url.rstrip("/"),
        user=settings.user,
        auth=settings.auth,
        options=options,
        api_base=api_base,
    )


def get_account(settings: Settings, name: str) -> AccountSettings:
    """The configured account ``name`` or an :class:`AccountError` listing the known ones."""
    try:
        return settings.accounts[name]
    except KeyError:
        known = ", ".join(sorted(settings.accounts)) or "none yet"
        raise AccountError(
            f"There is no account named {name!r} (accounts: {known}). Add it with `queuebench "
            f"account add {name} --vendor zendesk|jsm|servicenow --url URL --user USER`."
        ) from None


def _load_document(path: Path) -> Any:
    import tomlkit

    if not path.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise ConfigError(
            f"The config file {path} is not valid TOML ({exc}); fix it before adding or "
            "removing accounts. Nothing was changed."
        ) from None


def _write_document(path: Path, document: Any) -> None:
    import tomlkit

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(tomlkit.dumps(document).rstrip("\n") + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_account(name: str, values: dict[str, Any], path: Path | None = None) -> None:
    """Create or replace ``[accounts.NAME]`` in the config file, keeping everything else."""
    import tomlkit

    path = path or config_file_path()
    document = _load_document(path)
    if "accounts" not in document:
        document["accounts"] = tomlkit.table(is_super_table=True)
    table = tomlkit.table()
    for key, value in values.items():
        if value is not None:
            table[key] = value
    document["accounts"][name] = table
    _write_document(path, document)


def delete_account(name: str, path: Path | None = None) -> bool:
    """Remove ``[accounts.NAME]`` from the config file; ``False`` if it was not there."""
    path = path or config_file_path()
    document = _load_document(path)
    accounts = document.get("accounts")
    if accounts is None or name not in accounts:
        return False
    del accounts[name]
    if not accounts:
        del document["accounts"]
    _write_document(path, document)
    return True


# --- secrets ----------------------------------------------------------------------------------


def keyring_available() -> bool:
    """Whether an OS keyring backend is usable (the ``fail`` backend does not count)."""
    try:
        import keyring
        from keyring.backends import fail
    except Exception:
        return False
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    priority = getattr(backend, "priority", 1)
    try:
        return float(priority) > 0
    except (TypeError, ValueError):
        return True


def no_keyring_message(name: str, *, oauth: bool = False) -> str:
    """Plain words for a machine without a keyring backend, with the alternatives."""
    tokens = (
        " For OAuth with renewal the value is a one-line JSON object "
        '{"access_token": "...", "refresh_token": "...", "client_secret": "..."}; renewed '
        "tokens then live only for the run and cannot be saved (a rotated refresh token in it "
        "stops working)."
        if oauth
        else ""
    )
    return (
        f"No OS keyring is available on this machine, so the secret of account {name!r} cannot "
        f"be stored. Give it to queuebench another way: set {secret_env_var(name)} in the "
        "environment of the commands that need it, or set password_command for the account in "
        f'the config file (e.g. `password_command = "pass show queuebench/{name}"`).{tokens} '
        "queuebench never keeps secrets in a plain file."
    )


def store_secret(name: str, secret: Secret) -> None:
    """Put the secret in the OS keyring, or raise :class:`AccountError` if there is none."""
    if not keyring_available():
        raise AccountError(no_keyring_message(name))
    import keyring

    keyring.set_password(KEYRING_SERVICE, name, secret.reveal())


def keyring_entry(name: str, key: str = "access_token") -> str:
    """The keyring user name of one of an account's secrets (the access token: the name)."""
    return name if key == "access_token" else f"{name}#{key}"


def forget_secret(name: str, keep: tuple[str, ...] = ()) -> None:
    """Drop the account's secrets from the keyring (quietly where there are none), but
    ``keep`` (keys of :data:`~queuebench.connectors.oauth.SECRET_KEYS`)."""
    if not keyring_available():
        return
    import keyring
    from keyring.errors import PasswordDeleteError

    for key in SECRET_KEYS:
        if key not in keep:
            with contextlib.suppress(PasswordDeleteError):
                keyring.delete_password(KEYRING_SERVICE, keyring_entry(name, key))


def store_tokens(name: str, tokens: TokenSet) -> None:
    """Put an OAuth account's tokens in the keyring, one entry each; drop entries it lacks.

    The refresh token goes before the access token (:func:`save_renewed`): when a vendor
    rotates it, the new one is the only valid one.
    """
    if not keyring_available():
        raise AccountError(no_keyring_message(name, oauth=True))
    import keyring

    if tokens.client_secret:
        keyring.set_password(
            KEYRING_SERVICE, keyring_entry(name, "client_secret"), tokens.client_secret.reveal()
        )
    save_renewed(name)(tokens)
    held = tuple(k for k in SECRET_KEYS if getattr(tokens, k) is not None)
    forget_secret(name, keep=held)


def save_renewed(name: str) -> Callable[[TokenSet], None]:
    """What an OAuth session calls with renewed tokens: refresh token first, then access."""

    def save(tokens: TokenSet) -> None:
        import keyring

        if tokens.refresh_token:
            keyring.set_password(
                KEYRING_SERVICE, keyring_entry(name, "refresh_token"), tokens.refresh_token.reveal()
            )
        if tokens.access_token:
            keyring.set_password(KEYRING_SERVICE, keyring_entry(name), tokens.access_entry())

    return save


def _parse_tokens(name: str, text: str, source: str) -> TokenSet:
    try:
        return TokenSet.parse(text)
    except ValueError as exc:
        raise AccountError(
            f"The OAuth secrets of account {name!r} from {source} cannot be read: {exc}. Give "
            'a bare access token, or a one-line JSON object such as {"access_token": "...", '
            '"refresh_token": "...", "client_secret": "..."}.'
        ) from None


def keyring_tokens(name: str) -> TokenSet | None:
    """The OAuth tokens the OS keyring holds for account ``name`` (``None``: none, or no
    keyring)."""
    if not keyring_available():
        return None
    import keyring

    found = {k: keyring.get_password(KEYRING_SERVICE, keyring_entry(name, k)) for k in SECRET_KEYS}
    if not any(found.values()):
        return None
    tokens = _parse_tokens(name, found["access_token"] or "", "the OS keyring")
    refresh, client = found["refresh_token"], found["client_secret"]
    return replace(
        tokens,
        refresh_token=Secret(refresh) if refresh else None,
        client_secret=Secret(client) if client else None,
    )


def resolve_tokens(
    name: str, settings: AccountSettings
) -> tuple[TokenSet, Callable[[TokenSet], None] | None]:
    """An OAuth account's tokens, and where renewed ones are saved (``None``: nowhere).

    From ``QUEUEBENCH_SECRET_<ACCOUNT>``, the keyring or the ``password_command``, as
    :func:`resolve_secret`; only the keyring can keep renewed tokens.
    """
    env_var = secret_env_var(name)
    env = os.environ.get(env_var)
    if env:
        return _parse_tokens(name, env, env_var), None
    kept = keyring_tokens(name)
    if kept is not None:
        return kept, save_renewed(name)
    secret = resolve_secret(name, settings)
    return _parse_tokens(name, secret.reveal(), "its password_command"), None


def resolve_secret(name: str, settings: AccountSettings) -> Secret:
    """The account's secret: ``QUEUEBENCH_SECRET_<ACCOUNT>``, the keyring, or the command."""
    env = os.environ.get(secret_env_var(name))
    if env:
        return Secret(env)
    if keyring_available():
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, name)
        if value:
            return Secret(value)
    if settings.password_command:
        try:
            done = subprocess.run(
                shlex.split(settings.password_command),
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AccountError(
                f"The password_command of account {name!r} could not run ({type(exc).__name__})."
                " Check the command in the config file."
            ) from None
        value = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
        if done.returncode != 0 or not value:
            raise AccountError(
                f"The password_command of account {name!r} exited with status "
                f"{done.returncode} and printed no secret. Check the command in the config file."
            )
        return Secret(value)
    fix = account_fix_hint(to_account(name, settings))
    if keyring_available():
        raise AccountError(
            f"No secret is stored for account {name!r}. Store one with `{fix}` (it asks for the "
            f"secret), or set {secret_env_var(name)}."
        )
    raise AccountError(no_keyring_message(name))


def password_grant(
    name: str,
    values: dict[str, Any],
    client_secret: str | None,
    password: Secret,
    options: ClientOptions | None = None,
) -> TokenSet:
    """ServiceNow's first tokens from the user's password (which is never kept)."""
    import asyncio

    from queuebench.connectors.http import ConnectorError
    from queuebench.connectors.oauth import (
        oauth_error_text,
        password_grant_form,
        token_request,
        tokens_from_response,
    )

    vendor = Vendor(values["vendor"])
    url = values["url"]
    token_url = values.get("token_url") or default_token_url(vendor, url)
    secret = Secret(client_secret) if client_secret else None
    form = password_grant_form(values["client_id"], secret, values["user"], password)

    async def grant() -> TokenSet:
        async with _setup_client(name, vendor, url, password, options) as client:
            response = await token_request(client, vendor, token_url, form)
            if response.status_code >= 400:
                said = oauth_error_text(response)
                raise AccountError(
                    f"ServiceNow refused the password grant for account {name!r} at {token_url} "
                    f"(HTTP {response.status_code}{': ' + said if said else ''}). Check the user "
                    "name, the password, and the OAuth client id and secret (System OAuth > "
                    "Application Registry), then run the command again. Nothing was saved."
                )
            return replace(
                tokens_from_response(client, token_url, response, TokenSet(), time.time()),
                client_secret=secret,
            )

    try:
        tokens = asyncio.run(grant())
    except ConnectorError as exc:
        raise AccountError(f"{exc} Nothing was saved.") from None
    return tokens


def _setup_client(
    name: str,
    vendor: Vendor,
    url: str,
    secret: Secret,
    options: ClientOptions | None,
    oauth: OAuthSession | None = None,
) -> AccountClient:
    """A short-lived client for the calls ``account add`` makes before anything is saved."""
    from queuebench.connectors.http import AccountClient, RetryPolicy

    options = options or ClientOptions()
    return AccountClient(
        account=name,
        vendor=vendor,
        base_url=url,
        auth="oauth",
        user=None,
        secret=secret,
        fix_hint=oauth.fix_hint if oauth is not None else "",
        oauth=oauth,
        retry=RetryPolicy(max_attempts=3, base=options.retry_base, cap=options.retry_cap),
        timeout=options.timeout,
        transport=options.transport,
    )


@dataclass(frozen=True)
class JsmSite:
    """Where ``account add`` found a JSM OAuth account's site (see :func:`locate_jsm_site`)."""

    values: dict[str, Any]
    """The account's config values: ``url`` the site, with ``cloud_id`` and ``api_url``."""
    tokens: TokenSet
    """The tokens to store (renewed when the account came with a refresh token only)."""
    note: str | None = None
    """Something the user should know (the site could not be worked out)."""


def locate_jsm_site(
    name: str,
    values: dict[str, Any],
    tokens: TokenSet,
    options: ClientOptions | None = None,
) -> JsmSite:
    """A JSM OAuth account's site and cloud id, from Atlassian's accessible-resources.

    ``values`` are what ``account add`` is about to write. With a Cloud site URL (or an
    ``api_url``), the token must reach that site: its cloud id is stored, else
    :class:`AccountError` lists the sites the token reaches and nothing is written to the
    config file. With the gateway URL (``https://api.atlassian.com/ex/jira/ID``), the site's
    own URL is worked out when the token lists that cloud id; otherwise the gateway URL stays
    the account URL. Any other URL (Jira Data Center) is called directly, as it is.
    """
    import asyncio

    from queuebench.connectors.atlassian import (
        DEFAULT_API_URL,
        SiteResource,
        accessible_resources,
        find_cloud,
        find_site,
        is_cloud_site,
        no_site_message,
        parse_gateway_url,
    )
    from queuebench.connectors.http import ConnectorError
    from queuebench.connectors.oauth import OAuthSession

    url = str(values["url"]).rstrip("/")
    gateway = parse_gateway_url(url)
    api_url = (gateway[0] if gateway else values.get("api_url")) or DEFAULT_API_URL
    if gateway is None and not (values.get("api_url") or is_cloud_site(url)):
        return JsmSite(values, tokens)
    account = to_account(name, AccountSettings(**values))
    session = OAuthSession(
        account=name,
        vendor=Vendor.JSM,
        token_url=values.get("token_url") or default_token_url(Vendor.JSM, url),
        client_id=values.get("client_id"),
        tokens=tokens,
        fix_hint=account_fix_hint(account),
    )

    async def ask() -> list[SiteResource]:
        secret = tokens.access_token or Secret("")
        async with _setup_client(name, Vendor.JSM, api_url, secret, options, session) as client:
            return await accessible_resources(client, api_url)

    try:
        resources = asyncio.run(ask())
    except ConnectorError as exc:
        if gateway is None:
            raise AccountError(_keep_renewed(name, session, str(exc))) from None
        resources = []
        found = None
        why = f" ({type(exc).__name__})"
    else:
        found = find_cloud(resources, gateway[1]) if gateway else find_site(resources, url)
        why = ""
    renewed = session.tokens
    extra = {"api_url": api_url if api_url != DEFAULT_API_URL else None}
    if found is not None:
        site = {"url": found.url, "cloud_id": found.cloud_id, **extra}
        return JsmSite({**values, **site}, renewed)
    if gateway is not None:
        return JsmSite(
            values,
            renewed,
            f"The site's own address could not be worked out{why}, so ticket links point at "
            f"{url}. Run `queuebench account add {name}` again with the site URL "
            "(https://SITE.atlassian.net) to fix the links.",
        )
    raise AccountError(_keep_renewed(name, session, no_site_message(name, url, resources)))


def _keep_renewed(name: str, session: OAuthSession, message: str) -> str:
    """``message`` ending ``account add`` with nothing in the config file; tokens renewed on
    the way are kept in the keyring (Atlassian rotates refresh tokens: the given one is spent)."""
    message += " Nothing was written to the config file."
    if session.refreshes:
        store_tokens(name, session.tokens)
        message += (
            " The refresh token you gave is used up (Atlassian rotates them); the renewed tokens "
            "are in the OS keyring, so give no tokens when you run the command again."
        )
    return message


# --- connectors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientOptions:
    """Knobs tests, the demo and the benchmark turn (time scales, in-process transport)."""

    transport: httpx.AsyncBaseTransport | None = None
    retry_base: float = 0.5
    retry_cap: float = 30.0
    max_attempts: int = 6
    timeout: float = 30.0
    rate_limits: bool = True
    sleep: Callable[[float], Any] | None = None


def vendor_maps(settings: Settings, vendor: Vendor) -> VendorMaps:
    """Default maps of ``vendor`` with the user's ``[maps.*]`` overrides."""
    overrides = getattr(settings.maps, vendor.value)
    return VendorMaps.default(vendor).with_overrides(overrides.priority, overrides.status)


def make_connector(
    settings: Settings,
    name: str,
    *,
    now: Callable[[], datetime],
    secret: Secret | None = None,
    options: ClientOptions | None = None,
) -> Connector:
    """The connector of account ``name`` with its own HTTP client."""
    from queuebench.connectors.http import AccountClient, RateLimit, RetryPolicy

    options = options or ClientOptions()
    conf = get_account(settings, name)
    account = to_account(name, conf)
    oauth: OAuthSession | None = None
    if conf.auth == "oauth":
        from queuebench.connectors.oauth import OAuthSession

        tokens, save = (
            (TokenSet.parse(secret.reveal()), None)
            if secret is not None
            else resolve_tokens(name, conf)
        )
        oauth = OAuthSession(
            account=name,
            vendor=account.vendor,
            token_url=conf.token_url or default_token_url(account.vendor, account.base_url),
            client_id=conf.client_id,
            tokens=tokens,
            fix_hint=account_fix_hint(account),
            save=save,
        )
        secret = tokens.access_token or Secret("")
    secret = secret if secret is not None else resolve_secret(name, conf)
    limits: dict[str, RateLimit] = {}
    if options.rate_limits:
        limits["api"] = RateLimit(conf.requests_per_minute, 60.0)
        if account.vendor is Vendor.ZENDESK:
            from queuebench.connectors.zendesk import EXPORT_BUCKET

            limits[EXPORT_BUCKET] = RateLimit(conf.export_requests_per_minute, 60.0)
    extra: dict[str, Any] = {}
    if options.sleep is not None:
        extra["sleep"] = options.sleep
    client = AccountClient(
        account=name,
        vendor=account.vendor,
        base_url=account.api_base or account.base_url,
        auth=account.auth,
        user=account.user,
        secret=secret,
        fix_hint=account_fix_hint(account),
        oauth=oauth,
        retry=RetryPolicy(
            max_attempts=options.max_attempts, base=options.retry_base, cap=options.retry_cap
        ),
        limits=limits,
        concurrency=conf.concurrency,
        timeout=options.timeout,
        transport=options.transport,
        **extra,
    )
    return build_connector(account, client, now=now, maps=vendor_maps(settings, account.vendor))


def build_connector(
    account: Account,
    client: AccountClient,
    *,
    now: Callable[[], datetime],
    maps: VendorMaps | None = None,
) -> Connector:
    """The vendor's connector class over an account and its client."""
    if account.vendor is Vendor.ZENDESK:
        from queuebench.connectors.zendesk import ZendeskConnector

        return ZendeskConnector(account, client, now=now, maps=maps)
    if account.vendor is Vendor.JSM:
        from queuebench.connectors.jsm import JsmConnector

        return JsmConnector(account, client, now=now, maps=maps)
    from queuebench.connectors.servicenow import ServiceNowConnector

    return ServiceNowConnector(account, client, now=now, maps=maps)
