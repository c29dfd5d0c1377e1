"""Settings: one typed model read from a TOML file and ``QUEUEBENCH_*`` environment variables.

The file lives in the platform config directory (``queuebench locate config``) unless
``QUEUEBENCH_CONFIG_FILE`` names another; the cache lives in the platform data directory
unless ``QUEUEBENCH_DATA_DIR`` names another. Nothing is computed at import time: call
:func:`load_settings`. The README's configuration reference is generated from this model
(``python -m queuebench.config``), so every field carries a docstring.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from queuebench.domain.query import QueryError, parse_filter, parse_sort

APP_NAME = "queuebench"


class ConfigError(Exception):
    """The config file cannot be used; ``str()`` is one paragraph that names the fix."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class UserSettings(_Section):
    """Who you are in the vendors' systems."""

    names: list[str] = Field(default_factory=list)
    """Assignee names that are you, in any vendor (``is:mine`` and the "mine" quick filter)."""

    timezone: str | None = None
    """IANA time zone for displayed times (default: the machine's local zone)."""


class ViewSettings(_Section):
    """A named view: a saved filter (and sort) shown as a tab on the queue screen."""

    name: str
    """The tab's label."""

    filter: str = ""
    """A filter in the queue's filter language, e.g. ``"is:breached prio:P1,P2"``."""

    sort: str = "risk"
    """Sort order: risk, priority, updated, created or key; prefix ``-`` to reverse."""

    @field_validator("filter")
    @classmethod
    def _check_filter(cls, value: str) -> str:
        try:
            parse_filter(value)
        except QueryError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("sort")
    @classmethod
    def _check_sort(cls, value: str) -> str:
        try:
            parse_sort(value)
        except QueryError as exc:
            raise ValueError(str(exc)) from None
        return value


class VendorMapSettings(_Section):
    """Overrides of one vendor's priority and status maps (vendor value → normalised value)."""

    priority: dict[str, str] = Field(default_factory=dict)
    """Vendor priority → ``P1``..``P4``, e.g. ``{ "Critical" = "P1" }``."""

    status: dict[str, str] = Field(default_factory=dict)
    """Vendor status → new, open, pending, on_hold, solved or closed."""


class MapSettings(_Section):
    """Per-vendor overrides of the default priority and status maps."""

    zendesk: VendorMapSettings = Field(default_factory=VendorMapSettings)
    """Zendesk overrides."""

    jsm: VendorMapSettings = Field(default_factory=VendorMapSettings)
    """Jira Service Management overrides (status names; categories map by default)."""

    servicenow: VendorMapSettings = Field(default_factory=VendorMapSettings)
    """ServiceNow overrides (state and priority numbers as strings)."""


def default_views() -> list[ViewSettings]:
    """The views every new user gets."""
    return [
        ViewSettings(name="All", filter=""),
        ViewSettings(name="Open", filter="is:open"),
        ViewSettings(name="Mine", filter="is:mine is:open"),
        ViewSettings(name="Breached", filter="is:breached is:open"),
        ViewSettings(name="Unassigned", filter="is:unassigned is:open"),
    ]


class Settings(BaseSettings):
    """All queuebench settings."""

    model_config = SettingsConfigDict(
        env_prefix="QUEUEBENCH_",
        env_nested_delimiter="__",
        extra="forbid",
        use_attribute_docstrings=True,
    )

    data_dir: Path | None = None
    """Where the cache lives (default: the platform data directory). Env: QUEUEBENCH_DATA_DIR."""

    user: UserSettings = Field(default_factory=UserSettings)
    """Who you are."""

    views: list[ViewSettings] = Field(default_factory=default_views)
    """Named views shown as tabs on the queue screen, in order."""

    keymap: dict[str, str] = Field(default_factory=dict)
    """Rebind keys: binding id → comma-separated keys, e.g. ``"queue.open" = "enter,l"``."""

    maps: MapSettings = Field(default_factory=MapSettings)
    """Overrides of the vendor priority/status maps."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment beats the file (passed as init values); no .env or secrets dir: secrets
        # belong in the keyring.
        return (env_settings, init_settings)


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


def _describe(exc: ValidationError, path: Path) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "is not a setting queuebench knows (a typo?)"
        problems.append(f"`{where}` {msg}")
    return (
        f"The config file {path} has {len(problems)} problem(s): "
        + "; ".join(problems)
        + ". Fix them (the README's configuration reference lists every setting), or move "
        "the file aside to start from the defaults; nothing was changed."
    )


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file and the environment into :class:`Settings`.

    Raises :class:`ConfigError` with one plain paragraph for a broken file.
    """
    path = path or config_file_path()
    data = _read_toml(path)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
    return settings


def resolve_data_dir(settings: Settings) -> Path:
    """The data directory in force: env, then config, then the platform default."""
    env = os.environ.get("QUEUEBENCH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if settings.data_dir is not None:
        return settings.data_dir.expanduser()
    return default_data_dir()


def config_reference() -> str:
    """Markdown reference of every setting, generated from the model's docstrings."""
    lines = ["| setting | type | default | meaning |", "| --- | --- | --- | --- |"]

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            ann = info.annotation
            key = f"{prefix}{name}"
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                lines.append(f"| `[{key}]` | table | | {info.description or ''} |")
                walk(ann, key + ".")
                continue
            tname = getattr(ann, "__name__", None) or str(ann).replace("typing.", "")
            default = (
                "" if info.is_required() else repr(info.get_default(call_default_factory=True))
            )
            if len(default) > 40:
                default = "see below"
            lines.append(f"| `{key}` | {tname} | {default} | {info.description or ''} |")

    walk(Settings, "")
    lines.append("")
    lines.append("Each `[[views]]` entry:")
    lines.append("")
    lines.append("| key | type | default | meaning |")
    lines.append("| --- | --- | --- | --- |")
    for name, info in ViewSettings.model_fields.items():
        default = "" if info.is_required() else repr(info.get_default())
        lines.append(f"| `{name}` | {info.annotation} | {default} | {info.description} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - doc generator
    print(config_reference())
