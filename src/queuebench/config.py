"""Settings: one typed model read from a TOML file and ``QUEUEBENCH_*`` environment variables.

The file lives in the platform config directory (``queuebench locate config``) unless
``QUEUEBENCH_CONFIG_FILE`` names another; the cache lives in the platform data directory
unless ``QUEUEBENCH_DATA_DIR`` (or ``data_dir`` in the file) names another. Any setting can be
overridden from the environment as ``QUEUEBENCH_<SECTION>__<FIELD>`` (a JSON value, or a plain
string), e.g. ``QUEUEBENCH_USER__NAMES='["Dana Whitfield"]'``.

The model is made of msgspec Structs: validation with exact error paths, and an import cost of
a few tens of milliseconds — every launch pays it, and the queue must draw within twice a bare
Textual app's start (pydantic-settings alone costs more than that budget's slack). Nothing is
computed at import time: call :func:`load_settings`. The README's configuration reference is
generated from the field descriptions here (``python -m queuebench.config``).
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin, get_type_hints

import msgspec
from msgspec import Meta, Struct, field

from queuebench.domain.models import Priority, Status
from queuebench.domain.query import QueryError, parse_filter, parse_sort

if TYPE_CHECKING:
    from queuebench.domain.sla_clocks import SlaSetup

APP_NAME = "queuebench"
ENV_PREFIX = "QUEUEBENCH_"


class ConfigError(Exception):
    """The config file cannot be used; ``str()`` is one paragraph that names the fix."""


def _doc(text: str) -> Meta:
    return Meta(description=text)


class UserSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Who you are in the vendors' systems."""

    names: Annotated[
        list[str],
        _doc('Assignee names that are you, in any vendor (`is:mine` and the "mine" filter).'),
    ] = field(default_factory=list)
    timezone: Annotated[
        str | None, _doc("IANA time zone for displayed times (default: the machine's zone).")
    ] = None

    def __post_init__(self) -> None:
        if self.timezone:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"{self.timezone!r} is not an IANA time zone (e.g. Europe/Berlin)"
                ) from None


class ViewSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """A named view: a saved filter (and sort) shown as a tab on the queue screen."""

    name: Annotated[str, _doc("The tab's label.")]
    filter: Annotated[
        str, _doc('A filter in the queue\'s filter language, e.g. `"is:breached prio:P1,P2"`.')
    ] = ""
    sort: Annotated[
        str, _doc("Sort order: risk, priority, updated, created or key; prefix `-` to reverse.")
    ] = "risk"

    def __post_init__(self) -> None:
        try:
            parse_filter(self.filter)
            parse_sort(self.sort)
        except QueryError as exc:
            raise ValueError(str(exc)) from None


class VendorMapSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Overrides of one vendor's priority and status maps (vendor value → normalised value)."""

    priority: Annotated[
        dict[str, str], _doc('Vendor priority → `P1`..`P4`, e.g. `{ "Critical" = "P1" }`.')
    ] = field(default_factory=dict)
    status: Annotated[
        dict[str, str], _doc("Vendor status → new, open, pending, on_hold, solved or closed.")
    ] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for raw, value in self.priority.items():
            if value not in {p.value for p in Priority}:
                raise ValueError(f"priority {raw!r} maps to {value!r}; use P1, P2, P3 or P4")
        for raw, value in self.status.items():
            if value not in {s.value for s in Status}:
                names = ", ".join(s.value for s in Status)
                raise ValueError(f"status {raw!r} maps to {value!r}; use one of {names}")


class MapSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Per-vendor overrides of the default priority and status maps."""

    zendesk: Annotated[VendorMapSettings, _doc("Zendesk overrides.")] = field(
        default_factory=VendorMapSettings
    )
    jsm: Annotated[
        VendorMapSettings,
        _doc("Jira Service Management overrides (status names; categories map by default)."),
    ] = field(default_factory=VendorMapSettings)
    servicenow: Annotated[
        VendorMapSettings, _doc("ServiceNow overrides (state and priority numbers as strings).")
    ] = field(default_factory=VendorMapSettings)


VENDORS = ("zendesk", "jsm", "servicenow")
AUTH_KINDS = ("token", "oauth", "basic")


class AccountSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """One vendor account (`[accounts.NAME]`); its secret lives in the OS keyring, never here."""

    vendor: Annotated[str, _doc("zendesk, jsm or servicenow.")]
    url: Annotated[str, _doc("The site, e.g. `https://acme.zendesk.com`.")]
    user: Annotated[
        str | None, _doc("Sign-in user (email for Zendesk/JSM tokens, user name for ServiceNow).")
    ] = None
    auth: Annotated[str, _doc("token (API token), basic (user + password) or oauth (bearer).")] = (
        "token"
    )
    password_command: Annotated[
        str | None,
        _doc(
            "A command printing the secret (e.g. `pass show queuebench/acme`), for machines "
            "without a keyring."
        ),
    ] = None
    client_id: Annotated[
        str | None,
        _doc("OAuth only: the OAuth client id, which lets queuebench renew expiring tokens."),
    ] = None
    token_url: Annotated[
        str | None,
        _doc(
            "OAuth only: the token endpoint (default: Zendesk `{url}/oauth/tokens`, ServiceNow "
            "`{url}/oauth_token.do`, JSM `https://auth.atlassian.com/oauth/token`)."
        ),
    ] = None
    cloud_id: Annotated[
        str | None,
        _doc(
            "JSM with OAuth only: the site's Atlassian cloud id; `account add` finds it (API "
            "calls then go to `{api_url}/ex/jira/{cloud_id}`, ticket links to `url`)."
        ),
    ] = None
    api_url: Annotated[
        str | None,
        _doc("JSM with OAuth only: Atlassian's API gateway (default `https://api.atlassian.com`)."),
    ] = None
    project: Annotated[str | None, _doc("JSM only: the project key to sync (default: all).")] = None
    organization_field: Annotated[str, _doc("JSM only: the Organizations custom field id.")] = (
        "customfield_10002"
    )
    page_size: Annotated[int | None, _doc("Records per page (default: the vendor's maximum).")] = (
        None
    )
    export_requests_per_minute: Annotated[
        int, _doc("Zendesk incremental-export ceiling (10 a minute; 30 with High Volume).")
    ] = 10
    requests_per_minute: Annotated[int, _doc("Ceiling for all other calls of this account.")] = 400
    concurrency: Annotated[int, _doc("Per-ticket calls (comments, SLA) in flight at once.")] = 4

    def __post_init__(self) -> None:
        if self.vendor not in VENDORS:
            raise ValueError(f"vendor {self.vendor!r} is not one of {', '.join(VENDORS)}")
        if self.auth not in AUTH_KINDS:
            raise ValueError(f"auth {self.auth!r} is not one of {', '.join(AUTH_KINDS)}")
        if not self.url.startswith(("https://", "http://")):
            raise ValueError(f"url {self.url!r} should start with https://")
        for name, value in (("token_url", self.token_url), ("api_url", self.api_url)):
            if value is not None and not value.startswith(("https://", "http://")):
                raise ValueError(f"{name} {value!r} should start with https://")
        if min(self.export_requests_per_minute, self.requests_per_minute, self.concurrency) < 1:
            raise ValueError("rate ceilings and concurrency must be at least 1")


class SyncSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Background sync in the TUI."""

    interval_seconds: Annotated[
        float, _doc("Seconds between the end of one background sync and the start of the next.")
    ] = 300.0
    background: Annotated[bool, _doc("Sync in the background while the TUI is open.")] = True


def default_views() -> list[ViewSettings]:
    """The views every new user gets."""
    return [
        ViewSettings(name="All", filter=""),
        ViewSettings(name="Open", filter="is:open"),
        ViewSettings(name="Mine", filter="is:mine is:open"),
        ViewSettings(name="Breached", filter="is:breached is:open"),
        ViewSettings(name="Unassigned", filter="is:unassigned is:open"),
    ]


class HolidaySettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """A calendar's holidays: a country's public holidays and/or explicit dates."""

    country: Annotated[
        str | None,
        _doc("ISO 3166 country code for the `holidays` package, e.g. `DE` or `US`."),
    ] = None
    subdiv: Annotated[str | None, _doc("Subdivision of that country, e.g. `BY` or `NY`.")] = None
    observed: Annotated[
        bool, _doc("Include observed-on days (the US Friday before a Saturday holiday).")
    ] = True
    extra: Annotated[
        list[date], _doc('More closed dates, e.g. `["2026-12-24"]` (local dates).')
    ] = field(default_factory=list)


class CalendarSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """A business calendar (`[calendars.NAME]`) that computed SLA clocks run on."""

    timezone: Annotated[
        str | None, _doc("IANA zone the hours are in, e.g. `Europe/Berlin` (required).")
    ] = None
    hours: Annotated[
        dict[str, str | list[str]] | str,
        _doc(
            'Working hours per weekday, e.g. `{ mon-fri = "09:00-17:00" }`; several ranges '
            '`"09:00-12:00, 13:00-17:00"`; overnight `"22:00-06:00+1"`; days left out are '
            "closed."
        ),
    ] = field(default_factory=dict)
    holidays: Annotated[HolidaySettings, _doc("Closed days.")] = field(
        default_factory=HolidaySettings
    )


class PolicyMatchSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Which tickets a policy covers; each list accepts any of its values, empty accepts all."""

    vendor: Annotated[list[str], _doc("zendesk, jsm, servicenow.")] = field(default_factory=list)
    priority: Annotated[list[str], _doc("P1..P4.")] = field(default_factory=list)
    organization: Annotated[list[str], _doc("Organisation names (case-insensitive).")] = field(
        default_factory=list
    )
    account: Annotated[list[str], _doc("Account names as in `[accounts]`.")] = field(
        default_factory=list
    )
    tags: Annotated[list[str], _doc("The ticket carries at least one of these tags.")] = field(
        default_factory=list
    )


class SlaTargetSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Targets in business time of the policy's calendar: `30m`, `4h`, `1h30m`, `2d` (d = 24 h)."""

    first_response: Annotated[str | None, _doc("Creation to the first public agent reply.")] = None
    next_response: Annotated[
        str | None, _doc("A customer comment to the next public agent reply.")
    ] = None
    resolution: Annotated[str | None, _doc("Creation to solved.")] = None
    periodic_update: Annotated[
        str | None, _doc("Between public agent replies while the ticket is open.")
    ] = None


class SlaPolicySettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """A computed SLA policy (`[[sla.policies]]`); the first matching policy applies."""

    name: Annotated[str, _doc("Shown as the policy of its targets.")]
    match: Annotated[PolicyMatchSettings, _doc("Which tickets it covers.")] = field(
        default_factory=PolicyMatchSettings
    )
    calendar: Annotated[str, _doc('A `[calendars.NAME]` name, or `"24x7"`.')] = "24x7"
    pause_statuses: Annotated[
        list[str], _doc("Statuses that pause the clocks (new, open, pending, on_hold).")
    ] = field(default_factory=lambda: ["pending"])
    targets: Annotated[SlaTargetSettings, _doc("Target per metric.")] = field(
        default_factory=SlaTargetSettings
    )

    def __post_init__(self) -> None:
        from queuebench.domain.sla_clocks import SlaSetup

        SlaSetup.from_config({}, [policy_values(self, calendar="24x7")])


def policy_values(policy: SlaPolicySettings, calendar: str | None = None) -> dict[str, Any]:
    """A policy as the plain values :meth:`SlaSetup.from_config` reads."""
    data = msgspec.structs.asdict(policy)
    data["match"] = msgspec.structs.asdict(policy.match)
    data["targets"] = msgspec.structs.asdict(policy.targets)
    if calendar is not None:
        data["calendar"] = calendar
    return data


class SlaSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Computed SLA clocks for tickets whose vendor gives none."""

    policies: Annotated[
        list[SlaPolicySettings], _doc("Policies in order; the first that matches applies.")
    ] = field(default_factory=list)


class AlertSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """Alerts when an SLA target of your tickets nears its breach."""

    enabled: Annotated[bool, _doc("Alert at all (needs `[user] names`).")] = True
    thresholds: Annotated[
        list[int], _doc("Minutes before breach to alert at; 0 is the breach itself.")
    ] = field(default_factory=lambda: [60, 15, 0])
    bell: Annotated[bool, _doc("Ring the terminal bell with each alert.")] = False

    def __post_init__(self) -> None:
        if any(t < 0 for t in self.thresholds):
            raise ValueError(
                "alert thresholds are minutes before the breach and cannot be negative; "
                "use e.g. thresholds = [60, 15, 0]"
            )
        self.thresholds = sorted(set(self.thresholds), reverse=True)


class Settings(Struct, forbid_unknown_fields=True, kw_only=True):
    """All queuebench settings."""

    def __post_init__(self) -> None:
        if self.calendars or self.sla.policies:
            self.sla_setup()

    def sla_setup(self) -> SlaSetup:
        """The configured calendars and SLA policies, validated (names a missing calendar
        with its fix). Imports the SLA engine only when called."""
        from queuebench.domain.sla_clocks import SlaSetup

        cals = {name: calendar_values(cal) for name, cal in self.calendars.items()}
        return SlaSetup.from_config(cals, [policy_values(p) for p in self.sla.policies])

    data_dir: Annotated[
        str | None,
        _doc("Where the cache lives (default: the platform data directory)."),
    ] = None
    user: Annotated[UserSettings, _doc("Who you are.")] = field(default_factory=UserSettings)
    calendars: Annotated[
        dict[str, CalendarSettings],
        _doc("Business calendars by name (`[calendars.NAME]`) for computed SLA clocks."),
    ] = field(default_factory=dict)
    sla: Annotated[SlaSettings, _doc("Computed SLA policies.")] = field(default_factory=SlaSettings)
    alerts: Annotated[AlertSettings, _doc("SLA breach alerts for your tickets.")] = field(
        default_factory=AlertSettings
    )
    views: Annotated[
        list[ViewSettings], _doc("Named views shown as tabs on the queue screen, in order.")
    ] = field(default_factory=default_views)
    keymap: Annotated[
        dict[str, str],
        _doc('Rebind keys: binding id → comma-separated keys, e.g. `"queue.open" = "enter,l"`.'),
    ] = field(default_factory=dict)
    maps: Annotated[MapSettings, _doc("Overrides of the vendor priority/status maps.")] = field(
        default_factory=MapSettings
    )
    accounts: Annotated[
        dict[str, AccountSettings],
        _doc("Vendor accounts by name (`queuebench account add` writes them)."),
    ] = field(default_factory=dict)
    sync: Annotated[SyncSettings, _doc("Background sync.")] = field(default_factory=SyncSettings)


def calendar_values(calendar: CalendarSettings) -> dict[str, Any]:
    """A calendar as the plain values :meth:`SlaSetup.from_config` reads."""
    data = msgspec.structs.asdict(calendar)
    data["holidays"] = msgspec.structs.asdict(calendar.holidays)
    return data


def config_file_path() -> Path:
    """The config file: ``QUEUEBENCH_CONFIG_FILE`` or the platform config directory."""
    override = os.environ.get("QUEUEBENCH_CONFIG_FILE")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_data_dir() -> Path:
    """The platform data directory (used when neither config nor env names one)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"The config file {path} is not valid TOML ({exc}). Fix that line, or move the "
            "file aside to start from the defaults; nothing was changed."
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"The config file {path} cannot be read ({exc.strerror}). Check its permissions, "
            "or set QUEUEBENCH_CONFIG_FILE to another file."
        ) from None


def _env_overrides(data: dict[str, Any]) -> list[str]:
    """Apply ``QUEUEBENCH_<SECTION>__<FIELD>`` variables onto ``data``; return their names."""
    used = []
    for name, value in os.environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        try:
            parsed: Any = json.loads(value)
        except ValueError:
            parsed = value
        target = data
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                break
        else:
            target[path[-1]] = parsed
            used.append(name)
    return used


def _describe(exc: msgspec.ValidationError, path: Path, env: list[str]) -> str:
    message = str(exc)
    where = ""
    if " - at `$." in message:
        message, _, loc = message.rpartition(" - at `$.")
        where = loc.rstrip("`")
    message = message.replace("Object contains unknown field", "unknown setting")
    if message.startswith("unknown setting"):
        message += " (a typo?)"
    origin = f"the config file {path}"
    if env:
        origin += f" (or the environment variable(s) {', '.join(sorted(env))})"
    at = f" at `{where}`" if where else ""
    return (
        f"There is a problem in {origin}{at}: {message.rstrip('.')}. Fix it (the README's "
        "configuration reference lists every setting), or move the file aside to start from "
        "the defaults; nothing was changed."
    )


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file and the environment into :class:`Settings`.

    Raises :class:`ConfigError` with one plain paragraph for a broken file.
    """
    path = path or config_file_path()
    data = _read_toml(path)
    env = _env_overrides(data)
    try:
        return msgspec.convert(data, Settings, strict=True)
    except msgspec.ValidationError as exc:
        raise ConfigError(_describe(exc, path, env)) from None


def resolve_data_dir(settings: Settings) -> Path:
    """The data directory in force: env, then config, then the platform default."""
    env = os.environ.get("QUEUEBENCH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if settings.data_dir:
        return Path(settings.data_dir).expanduser()
    return default_data_dir()


def _type_name(tp: Any) -> str:
    if get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def config_reference() -> str:
    """Markdown reference of every setting, generated from the field descriptions."""
    lines = ["| setting | type | default | meaning |", "| --- | --- | --- | --- |"]

    def walk(cls: type[Struct], prefix: str, rows: list[str]) -> None:
        hints = get_type_hints(cls, include_extras=True)
        defaults = (
            cls()
            if all(
                f.default is not msgspec.NODEFAULT or f.default_factory is not msgspec.NODEFAULT
                for f in msgspec.structs.fields(cls)
            )
            else None
        )
        for f in msgspec.structs.fields(cls):
            hint = hints[f.name]
            meta = [m for m in get_args(hint)[1:] if isinstance(m, Meta)]
            doc = meta[0].description if meta else ""
            inner = get_args(hint)[0] if get_origin(hint) is Annotated else hint
            key = f"{prefix}{f.name}"
            if isinstance(inner, type) and issubclass(inner, Struct):
                rows.append(f"| `[{key}]` | table | | {doc} |")
                walk(inner, key + ".", rows)
                continue
            default = "(required)" if defaults is None else repr(getattr(defaults, f.name))
            if len(default) > 30:
                default = "see below"
            type_name = _type_name(inner).replace("|", "or")
            rows.append(f"| `{key}` | {type_name} | `{default}` | {doc} |")

    walk(Settings, "", lines)
    lines += ["", "Each `[[views]]` entry:", ""]
    view_rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    hints = get_type_hints(ViewSettings, include_extras=True)
    for f in msgspec.structs.fields(ViewSettings):
        meta = [m for m in get_args(hints[f.name])[1:] if isinstance(m, Meta)]
        default = "(required)" if f.required else repr(f.default)
        view_rows.append(
            f"| `{f.name}` | {_type_name(hints[f.name])} | `{default}` | {meta[0].description} |"
        )
    return "\n".join(lines + view_rows + _entry_tables())


def _entry_tables() -> list[str]:
    """Reference tables of the calendar and SLA policy entries (issue 4 settings)."""
    out: list[str] = []
    for title, cls in (
        ("Each `[calendars.NAME]` table:", CalendarSettings),
        ("Its `holidays`:", HolidaySettings),
        ("Each `[[sla.policies]]` entry:", SlaPolicySettings),
        ("Its `match`:", PolicyMatchSettings),
        ("Its `targets`:", SlaTargetSettings),
    ):
        out += ["", title, "", "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
        hints = get_type_hints(cls, include_extras=True)
        for f in msgspec.structs.fields(cls):
            meta = [m for m in get_args(hints[f.name])[1:] if isinstance(m, Meta)]
            if f.required:
                default = "(required)"
            elif f.default_factory is not msgspec.NODEFAULT:
                value = f.default_factory()
                default = "" if isinstance(value, Struct) else repr(value)
            else:
                default = repr(f.default)
            inner = get_args(hints[f.name])[0]
            type_name = (
                "table"
                if isinstance(inner, type) and issubclass(inner, Struct)
                else (_type_name(inner).replace("|", "or"))
            )
            shown = f"`{default}`" if default else ""
            out.append(f"| `{f.name}` | {type_name} | {shown} | {meta[0].description} |")
    return out


if __name__ == "__main__":  # pragma: no cover - doc generator
    print(config_reference())
