"""ServiceNow: pure normalisers from Table API JSON to the queuebench contract.

Inputs are Table API records as returned with ``sysparm_display_value=false`` (the default):
every value is a string, date-times are ``YYYY-MM-DD HH:MM:SS`` in UTC, and reference fields
are ``{"link": ..., "value": <sys_id>}`` (or ``""`` when empty, or a bare sys_id with
``sysparm_exclude_reference_link=true``). References given as
``{"display_value", "value", "link"}`` (``sysparm_display_value=all``) are read too.

- ``incident`` records;
- ``sys_journal_field`` rows of an incident (``element`` ``work_notes`` = internal note,
  ``comments`` = public "additional comment"); ``value`` may wrap HTML in ``[code]...[/code]``,
  which is reduced to plain text;
- ``task_sla`` rows of an incident, with the ``contract_sla`` definitions they reference;
- ``sys_user``, ``sys_user_group`` and ``core_company`` for names.

Public API::

    build_directory(account, *, users=(), groups=(), companies=()) -> Directory
    normalize_comment(raw, *, directory) -> Comment | None
    normalize_sla(rows, *, definitions=None, now) -> tuple[SlaTarget, ...]
    normalize_ticket(raw, *, account, base_url, directory, comments=None, sla=None,
                     sla_definitions=None, maps=None, now) -> Ticket
    journal_text(value) -> str

SLA rules: ``planned_end_time`` is the breach instant (TC17: never derived from the stored
``time_left``, which scheduled jobs refresh late and clamp at zero). ``stage`` ``in_progress``
→ active (breached when ``has_breached`` is true or the instant has passed), ``paused`` →
paused without an instant (``business_time_left`` kept as ``remaining_seconds``, frozen while
paused), ``completed`` → achieved (or breached when ``has_breached``), ``breached`` (2010
engine / compatibility mode) → breached, ``cancelled`` targets are dropped. The metric comes
from the definition's ``target`` (``response``/``resolution``) or else its name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from queuebench.connectors.common import (
    Directory,
    as_bool,
    as_mapping,
    field_of,
    map_priority_strict,
    opt_str,
    req_str,
    req_time,
    show,
)
from queuebench.domain.models import (
    Comment,
    DirectoryEntry,
    DirectoryKind,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Ticket,
    Vendor,
)
from queuebench.domain.normalize import (
    NormalizationError,
    VendorMaps,
    parse_utc,
    with_effective_stages,
)

__all__ = [
    "JOURNAL_ELEMENTS",
    "build_directory",
    "duration_seconds",
    "journal_text",
    "normalize_comment",
    "normalize_sla",
    "normalize_ticket",
    "reference_id",
    "ticket_url",
]

JOURNAL_ELEMENTS: dict[str, bool] = {"comments": True, "work_notes": False}
"""Journal ``element`` → public? (``comments`` is customer-visible, ``work_notes`` internal)."""

_DEFAULT_MAPS = VendorMaps.default(Vendor.SERVICENOW)
_CODE_BLOCK = re.compile(r"\[code\](.*?)\[/code\]", re.DOTALL | re.IGNORECASE)
_BREAKS = re.compile(r"<\s*br\s*/?\s*>|</\s*(?:p|div|li|tr|h[1-6]|pre)\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ticket_url(base_url: str, sys_id: str) -> str:
    """The web page of an incident: ``{base}/nav_to.do?uri=incident.do?sys_id={sys_id}``."""
    return f"{base_url.rstrip('/')}/nav_to.do?uri=incident.do?sys_id={sys_id}"


def journal_text(value: str) -> str:
    """Journal text with ``[code]<html>[/code]`` segments reduced to plain text."""
    if "[code]" not in value.lower():
        return value
    return _CODE_BLOCK.sub(lambda m: _html_to_text(m.group(1)), value).strip()


def _html_to_text(fragment: str) -> str:
    text = _BREAKS.sub("\n", fragment)
    text = _TAGS.sub("", text)
    text = html.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def reference_id(value: Any, field: str, context: str) -> str | None:
    """The sys_id a reference field points at, or ``None`` when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    ref = as_mapping(value, field, context)
    target = ref.get("value")
    if target is None or target == "":
        return None
    if not isinstance(target, str):
        raise NormalizationError(f"{context}: field '{field}.value' is {show(target)}")
    return target


def _reference_name(
    value: Any, field: str, context: str, kind: DirectoryKind, directory: Directory
) -> str | None:
    if isinstance(value, Mapping):
        display = value.get("display_value")
        if isinstance(display, str) and display:
            return display
    return directory.name(kind, reference_id(value, field, context))


def duration_seconds(value: Any, field: str, context: str) -> int | None:
    """A ServiceNow duration (``"1970-01-02 03:04:05"``, an offset from the epoch) in seconds."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise NormalizationError(f"{context}: duration field {field!r} is {show(value)}")
    try:
        parsed = parse_utc(value)
    except NormalizationError as exc:
        raise NormalizationError(f"{context}: duration field {field!r}: {exc}") from exc
    assert parsed is not None
    return int((parsed - _EPOCH).total_seconds())


def build_directory(
    account: str,
    *,
    users: Iterable[Mapping[str, Any]] = (),
    groups: Iterable[Mapping[str, Any]] = (),
    companies: Iterable[Mapping[str, Any]] = (),
) -> Directory:
    """A :class:`Directory` from ``sys_user``, ``sys_user_group`` and ``core_company`` rows.

    Users are also registered under their ``user_name``, which journal rows use as author.
    """
    directory = Directory(account)
    for user in users:
        context = f"servicenow sys_user {field_of(user, 'sys_id')!r}"
        user_name = opt_str(user, "user_name", context)
        name = opt_str(user, "name", context) or user_name
        if name is None:
            raise NormalizationError(f"{context}: neither 'name' nor 'user_name' is set")
        directory.add(
            DirectoryEntry(
                account=account,
                kind=DirectoryKind.USER,
                remote_id=req_str(user, "sys_id", context),
                name=name,
                email=opt_str(user, "email", context),
            ),
            user_name or "",
        )
    for kind, rows, table in (
        (DirectoryKind.GROUP, groups, "sys_user_group"),
        (DirectoryKind.ORGANIZATION, companies, "core_company"),
    ):
        for row in rows:
            context = f"servicenow {table} {field_of(row, 'sys_id')!r}"
            directory.add(
                DirectoryEntry(
                    account=account,
                    kind=kind,
                    remote_id=req_str(row, "sys_id", context),
                    name=req_str(row, "name", context),
                    email=opt_str(row, "email", context),
                )
            )
    return directory


def normalize_comment(raw: Mapping[str, Any], *, directory: Directory) -> Comment | None:
    """One ``sys_journal_field`` row to a :class:`Comment`; ``None`` for other journal fields.

    The author is the name of the user whose ``user_name`` is ``sys_created_by``, or that
    login itself when the directory does not know it (``admin``, ``system``...).
    """
    context = (
        f"servicenow sys_journal_field {raw.get('sys_id')!r}"
        if isinstance(raw, Mapping)
        else "servicenow sys_journal_field"
    )
    element = req_str(raw, "element", context)
    public = JOURNAL_ELEMENTS.get(element)
    if public is None:
        return None
    value = raw.get("value")
    if not isinstance(value, str):
        raise NormalizationError(f"{context}: field 'value' should be text, got {show(value)}")
    created_by = opt_str(raw, "sys_created_by", context)
    author = directory.name(DirectoryKind.USER, created_by) or created_by
    return Comment(
        remote_id=req_str(raw, "sys_id", context),
        author=author,
        public=public,
        body=journal_text(value),
        created_at=req_time(raw, "sys_created_on", context),
    )


def _metric(definition: Mapping[str, Any] | None, name: str | None) -> SlaMetric:
    target = str(definition.get("target", "")).lower() if definition else ""
    if target == "response":
        return SlaMetric.FIRST_RESPONSE
    if target == "resolution":
        return SlaMetric.RESOLUTION
    lowered = (name or "").lower()
    if "response" in lowered:
        return SlaMetric.FIRST_RESPONSE
    if "update" in lowered:
        return SlaMetric.PERIODIC_UPDATE
    return SlaMetric.RESOLUTION


def normalize_sla(
    rows: Sequence[Mapping[str, Any]] | None,
    *,
    definitions: Mapping[str, Mapping[str, Any]] | None = None,
    now: datetime,
) -> tuple[SlaTarget, ...]:
    """``task_sla`` rows of one task to SLA targets, stages corrected for ``now``.

    ``definitions`` maps ``contract_sla`` sys_ids to their rows (for ``name`` and ``target``).
    """
    if not rows:
        return ()
    definitions = definitions or {}
    targets: list[SlaTarget] = []
    for row in rows:
        context = (
            f"servicenow task_sla {row.get('sys_id')!r}"
            if isinstance(row, Mapping)
            else "servicenow task_sla"
        )
        row = as_mapping(row, "task_sla", context)
        stage_raw = req_str(row, "stage", context).strip().lower().replace(" ", "_")
        if stage_raw == "cancelled":
            continue
        sla_ref = row.get("sla")
        sla_id = reference_id(sla_ref, "sla", context)
        definition = definitions.get(sla_id) if sla_id else None
        name: str | None = None
        if isinstance(sla_ref, Mapping) and isinstance(sla_ref.get("display_value"), str):
            name = sla_ref["display_value"] or None
        if name is None and definition is not None:
            name = opt_str(definition, "name", context)
        has_breached = as_bool(row.get("has_breached", "false"), "has_breached", context)
        planned = row.get("planned_end_time")
        try:
            breach_at = parse_utc(planned) if isinstance(planned, str) else None
        except NormalizationError as exc:
            raise NormalizationError(f"{context}: field 'planned_end_time': {exc}") from exc
        remaining: int | None = None
        if stage_raw == "in_progress":
            stage = SlaStage.BREACHED if has_breached else SlaStage.ACTIVE
        elif stage_raw == "paused":
            if has_breached:
                stage = SlaStage.BREACHED
            else:
                stage, breach_at = SlaStage.PAUSED, None
                remaining = duration_seconds(
                    row.get("business_time_left") or row.get("time_left"),
                    "business_time_left",
                    context,
                )
        elif stage_raw == "completed":
            stage = SlaStage.BREACHED if has_breached else SlaStage.ACHIEVED
        elif stage_raw == "breached":
            stage = SlaStage.BREACHED
        else:
            raise NormalizationError(
                f"{context}: unknown stage {row.get('stage')!r} (expected in_progress, paused, "
                "completed, cancelled or breached)"
            )
        targets.append(
            SlaTarget(
                metric=_metric(definition, name),
                breach_at=breach_at,
                stage=stage,
                source=SlaSource.VENDOR,
                policy=name,
                remaining_seconds=remaining,
            )
        )
    return with_effective_stages(targets, now)


def normalize_ticket(
    raw: Mapping[str, Any],
    *,
    account: str,
    base_url: str,
    directory: Directory,
    comments: Sequence[Mapping[str, Any]] | None = None,
    sla: Sequence[Mapping[str, Any]] | None = None,
    sla_definitions: Mapping[str, Mapping[str, Any]] | None = None,
    maps: VendorMaps | None = None,
    now: datetime,
) -> Ticket:
    """One ``incident`` record (with its journal and ``task_sla`` rows) to a :class:`Ticket`.

    ``comments=None`` means "not fetched". Names come from the directory (or from
    ``display_value`` when references carry one). Tags are the non-empty ``category`` and
    ``subcategory`` values, the closest thing an incident has to labels.
    """
    if not isinstance(raw, Mapping):
        raise NormalizationError(f"servicenow incident: expected an object, got {show(raw)}")
    maps = maps or _DEFAULT_MAPS
    sys_id = req_str(raw, "sys_id", "servicenow incident")
    number = req_str(raw, "number", f"servicenow incident {sys_id}")
    context = f"servicenow incident {number} (sys_id {sys_id})"
    state = req_str(raw, "state", context)
    try:
        status = maps.map_status(state)
    except NormalizationError as exc:
        raise NormalizationError(f"{context}: {exc}") from exc
    priority_raw = opt_str(raw, "priority", context)
    priority = map_priority_strict(maps, priority_raw, context)
    subject = raw.get("short_description") or ""
    description = raw.get("description") or ""
    if not isinstance(subject, str) or not isinstance(description, str):
        raise NormalizationError(f"{context}: short_description/description must be text")
    created_field = "opened_at" if raw.get("opened_at") else "sys_created_on"
    tags = tuple(
        t for t in (opt_str(raw, "category", context), opt_str(raw, "subcategory", context)) if t
    )
    try:
        targets = normalize_sla(sla, definitions=sla_definitions, now=now)
        normalized_comments: tuple[Comment, ...] | None = None
        if comments is not None:
            items = [
                c
                for c in (normalize_comment(row, directory=directory) for row in comments)
                if c is not None
            ]
            items.sort(key=lambda c: (c.created_at, c.remote_id))
            normalized_comments = tuple(items)
    except NormalizationError as exc:
        raise NormalizationError(f"{context}: {exc}") from exc
    return Ticket(
        account=account,
        vendor=Vendor.SERVICENOW,
        remote_id=sys_id,
        display_key=number,
        subject=subject,
        status=status,
        status_raw=state,
        priority=priority,
        priority_raw=priority_raw,
        requester=_reference_name(
            raw.get("caller_id"), "caller_id", context, DirectoryKind.USER, directory
        ),
        organization=_reference_name(
            raw.get("company"), "company", context, DirectoryKind.ORGANIZATION, directory
        ),
        assignee=_reference_name(
            raw.get("assigned_to"), "assigned_to", context, DirectoryKind.USER, directory
        ),
        group=_reference_name(
            raw.get("assignment_group"), "assignment_group", context, DirectoryKind.GROUP, directory
        ),
        created_at=req_time(raw, created_field, context),
        updated_at=req_time(raw, "sys_updated_on", context),
        url=ticket_url(base_url, sys_id),
        description=description,
        description_format="text",
        tags=tags,
        sla=targets,
        comments=normalized_comments,
        raw=raw if isinstance(raw, dict) else dict(raw),
    )
