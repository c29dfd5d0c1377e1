"""From settings to the SLA setup in force: the user's calendars and policies, then the demo's.

:func:`sla_setup` is what every writer of SLA state uses (the demo loader, the sync, the
recompute after a configuration change): the user's ``[calendars]`` and ``[[sla.policies]]``
first, then the built-in policies of the sandbox account without vendor SLA
(:mod:`queuebench.sandbox.demo_sla`), which match that account only. Its ``fingerprint``
changes whenever the configuration (or :data:`ENGINE_VERSION`) does, so the cache knows when
its computed clocks must be recomputed (:func:`queuebench.store.sla_state.ensure_sla_current`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from queuebench.config import ConfigError, Settings, calendar_values, policy_values
from queuebench.domain.sla_clocks import SlaSetup
from queuebench.sandbox.demo_sla import DEMO_CALENDARS, DEMO_POLICIES

if TYPE_CHECKING:
    from queuebench.store.engine import Store

__all__ = ["ENGINE_VERSION", "ensure_current", "sla_setup"]

ENGINE_VERSION = "1"
"""Bump when the clock rules change, so caches recompute their computed targets."""


def _fingerprint(calendars: dict[str, Any], policies: list[dict[str, Any]]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"unexpected config value {value!r}")

    blob = msgspec.json.encode(
        {"engine": ENGINE_VERSION, "calendars": calendars, "policies": policies},
        enc_hook=plain,
        order="sorted",
    )
    return hashlib.sha256(blob).hexdigest()[:16]


def sla_setup(settings: Settings, *, check_years: Iterable[int] = ()) -> SlaSetup:
    """The SLA setup in force for ``settings`` (user policies first, then the demo's).

    ``check_years`` resolves the calendars' country holidays for those years up front, so an
    unknown country or subdivision is a :class:`~queuebench.config.ConfigError` naming the
    fix instead of a failure in the middle of a write.
    """
    calendars = {name: calendar_values(cal) for name, cal in settings.calendars.items()}
    for name, spec in DEMO_CALENDARS.items():
        calendars.setdefault(name, spec)
    policies = [policy_values(p) for p in settings.sla.policies]
    user_names = {p["name"] for p in policies}
    policies += [p for p in DEMO_POLICIES if p["name"] not in user_names]
    try:
        setup = SlaSetup.from_config(
            calendars, policies, fingerprint=_fingerprint(calendars, policies)
        )
        setup.check_holidays(check_years)
    except ValueError as exc:
        raise ConfigError(
            f"The SLA settings in the config file cannot be used: {exc}. Fix it (the README's "
            "configuration reference lists every setting); nothing was changed."
        ) from None
    return setup


def ensure_current(store: Store, settings: Settings, now: datetime) -> int | None:
    """Recompute the cache's computed clocks if the SLA configuration changed since they were
    made (see :func:`queuebench.store.sla_state.ensure_sla_current`); returns how many tickets
    were recomputed, or ``None`` when nothing was done.

    A cache whose clocks were never computed from a configuration (synced or seeded without
    one) is left alone unless the user has policies of their own. Holidays are resolved only
    when a recompute is due, so the common case costs one indexed read.
    """
    from queuebench.store.sla_state import ensure_sla_current, stored_fingerprint

    setup = sla_setup(settings)
    with store.read() as con:
        stored = stored_fingerprint(con)
    if stored == setup.fingerprint or (stored is None and not settings.sla.policies):
        return None
    try:
        setup.check_holidays([now.year])
    except ValueError as exc:
        raise ConfigError(
            f"The SLA settings in the config file cannot be used: {exc}. Fix it (the README's "
            "configuration reference lists every setting); nothing was changed."
        ) from None
    return ensure_sla_current(store, setup, now)
