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
from the definition's ``target`` (``response``/``resolution``) or else its name. Targets come
in metric order (first response before resolution), whatever order the rows had.

Below the normalisers, :class:`ServiceNowConnector` speaks the Table API over the shared HTTP
client. Names (``sys_user``, ``sys_user_group``, ``core_company``) and incidents are pulled by
``sys_updated_on`` watermark, ordered by ``sys_updated_on`` then ``sys_id``. Paging restarts
each page from the last page's newest ``sys_updated_on`` (keyset paging) and skips the rows
already seen at that instant (by ``sys_id`` and ``sys_mod_count``), so a row updated while we
page (which moves it to the end of the ordered result and shifts every later row back by one)
neither hides a neighbour nor comes twice. ``task_sla`` rows come for every incident of a page
in one ``taskIN`` query; journal entries (``sys_journal_field``) in one ``element_idIN`` query
per batch of wanted incidents, their authors (``sys_created_by`` is a login) resolved through
``sys_user.user_name``. The Table API reports no deletions, so the incident sys_ids are
compared with the cache after a pull that met them all, or by a scan of bare sys_ids once a
day. Writes are ``PATCH /table/incident/{sys_id}`` (``work_notes`` for an internal note,
``comments`` for a public reply, ``state`` — with ``hold_reason`` for on hold —,
``impact``/``urgency`` for priority, ``assigned_to``) after comparing the remote
``sys_updated_on`` with the time the user read.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from queuebench.connectors.base import (
    DELETIONS,
    Batch,
    ConnectorBase,
    OutboxAction,
    OutboxItem,
    PushOutcome,
    PushResult,
    ResourceState,
)
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
from queuebench.connectors.http import ConnectorError, TransientError
from queuebench.domain.models import (
    Comment,
    DirectoryEntry,
    DirectoryKind,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
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
    "ServiceNowConnector",
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
    # An incident's task_sla rows start together and their sys_ids are random, so the rows
    # come in no meaningful order: targets are given in metric order, then by breach instant.
    targets.sort(key=_target_order)
    return with_effective_stages(targets, now)


_METRIC_ORDER = {metric: index for index, metric in enumerate(SlaMetric)}


def _target_order(target: SlaTarget) -> tuple[int, datetime]:
    return (_METRIC_ORDER[target.metric], target.breach_at or datetime.max.replace(tzinfo=UTC))


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


# --- the connector --------------------------------------------------------------------------

TABLE = "/api/now/table"
DIRECTORY_TABLES = ("sys_user", "sys_user_group", "core_company")
RECONCILE_PAGE = 10_000
_MAX_SEEN = 5000  # rows sharing one sys_updated_on second we widen a page for

_STATE_CODES: dict[Status, dict[str, str]] = {
    Status.NEW: {"state": "1"},
    Status.OPEN: {"state": "2"},
    # On Hold needs a reason on a standard instance: waiting for the customer is "Awaiting
    # Caller", any other hold "Awaiting Vendor".
    Status.PENDING: {"state": "3", "hold_reason": "1"},
    Status.ON_HOLD: {"state": "3", "hold_reason": "4"},
    Status.SOLVED: {"state": "6"},
    Status.CLOSED: {"state": "7"},
}
_IMPACT_URGENCY = {"P1": ("1", "1"), "P2": ("1", "2"), "P3": ("2", "2"), "P4": ("2", "3")}


def _snow_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _version(row: Mapping[str, Any]) -> str:
    """``sys_id@sys_mod_count``: one row as of one update."""
    return f"{row.get('sys_id')}@{row.get('sys_mod_count') or ''}"


class ServiceNowConnector(ConnectorBase):
    """A ServiceNow instance's incidents over the Table API."""

    resources: tuple[str, ...] = (*DIRECTORY_TABLES, "tickets", DELETIONS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sla_definitions: dict[str, Mapping[str, Any]] = {}
        self._unknown_logins: set[str] = set()

    async def _rows(
        self, table: str, params: Mapping[str, Any], *, endpoint: str | None = None
    ) -> list[Mapping[str, Any]]:
        path = f"{TABLE}/{table}"
        body = await self.client.get(path, params, bucket="api", endpoint=endpoint or path)
        result = body.get("result") if isinstance(body, Mapping) else None
        if not isinstance(result, list) or not all(isinstance(r, Mapping) for r in result):
            raise self.client.shape_error(endpoint or path, "no 'result' list of records")
        return result

    async def check(self) -> str:
        user = self.account.user or ""
        rows = await self._rows(
            "sys_user",
            {"sysparm_query": f"user_name={user}", "sysparm_limit": 1, "sysparm_fields": "name"},
        )
        who = rows[0].get("name") if rows else user or "the OAuth user"
        return f"signed in to {self.account.base_url} as {who}"

    async def _keyset(
        self, table: str, saved: ResourceState, *, full: bool, fields: str | None = None
    ) -> AsyncIterator[tuple[list[Mapping[str, Any]], ResourceState, bool]]:
        """Pages of ``table`` updated since the watermark, robust to rows moving meanwhile.

        ``seen`` holds ``sys_id@sys_mod_count`` of the rows already read at the watermark
        second, so a row updated again within that same second still comes back.
        """
        memo: dict[str, Any] = {}
        if saved.cursor and not full:
            try:
                memo = json.loads(saved.cursor)
            except ValueError:
                memo = {}
        watermark = None if full else saved.watermark
        seen: set[str] = set(memo.get("seen") or []) if watermark is not None else set()
        size = int(self.account.options.get("page_size", 1000))
        endpoint = f"{TABLE}/{table}"
        for _ in range(1_000_000):
            query = "ORDERBYsys_updated_on^ORDERBYsys_id"
            if watermark is not None:
                query = f"sys_updated_on>={_snow_time(watermark)}^" + query
            limit = size + min(len(seen), _MAX_SEEN)
            params: dict[str, Any] = {
                "sysparm_query": query,
                "sysparm_limit": limit,
                "sysparm_exclude_reference_link": "true",
            }
            if fields:
                params["sysparm_fields"] = fields
            rows = await self._rows(table, params, endpoint=endpoint)
            fresh: list[Mapping[str, Any]] = []
            stamps: list[datetime] = []
            newest = watermark
            for row in rows:
                try:
                    stamp = parse_utc(row.get("sys_updated_on") or None)
                except NormalizationError:
                    stamp = None
                if stamp is None or not row.get("sys_id"):
                    raise self.client.shape_error(endpoint, "a row without sys_id/sys_updated_on")
                if watermark is not None and stamp == watermark and _version(row) in seen:
                    continue
                fresh.append(row)
                stamps.append(stamp)
                newest = stamp if newest is None else max(newest, stamp)
            last = len(rows) < limit
            at_newest = {_version(r) for r, t in zip(fresh, stamps, strict=True) if t == newest}
            seen = at_newest if newest != watermark else seen | at_newest
            watermark = newest
            if not fresh and not last:
                raise self.client.shape_error(
                    endpoint, f"more than {_MAX_SEEN} rows share one sys_updated_on second"
                )
            state = ResourceState(
                cursor=json.dumps({"seen": sorted(seen)}, separators=(",", ":")),
                watermark=watermark,
            )
            yield fresh, state, last
            if last:
                return

    def _learn_users(self, rows: Sequence[Mapping[str, Any]]) -> list[DirectoryEntry]:
        """Learn ``sys_user`` rows under their sys_id and their ``user_name`` (journal authors)."""
        built = build_directory(self.account.name, users=rows)
        fresh = self.learn(built.entries)
        for row in rows:
            login, sys_id = row.get("user_name"), row.get("sys_id")
            name = built.name(DirectoryKind.USER, sys_id)
            if isinstance(login, str) and login and name:
                self.directory.alias(DirectoryKind.USER, login, name)
        return fresh

    def _directory_entries(
        self, table: str, rows: Sequence[Mapping[str, Any]]
    ) -> list[DirectoryEntry]:
        if table == "sys_user":
            return self._learn_users(rows)
        if table == "sys_user_group":
            return self.learn(build_directory(self.account.name, groups=rows).entries)
        return self.learn(build_directory(self.account.name, companies=rows).entries)

    async def _load_sla_definitions(self) -> None:
        rows = await self._rows("contract_sla", {"sysparm_fields": "sys_id,name,target"})
        self.sla_definitions = {str(r.get("sys_id")): r for r in rows}

    async def _task_sla(self, sys_ids: Sequence[str]) -> dict[str, list[Mapping[str, Any]]]:
        found: dict[str, list[Mapping[str, Any]]] = {i: [] for i in sys_ids}
        for start in range(0, len(sys_ids), 100):
            chunk = sys_ids[start : start + 100]
            rows = await self._all(
                "task_sla",
                f"taskIN{','.join(chunk)}^ORDERBYsys_created_on^ORDERBYsys_id",
            )
            for row in rows:
                task = reference_id(row.get("task"), "task", "servicenow task_sla")
                if task in found:
                    found[task].append(row)
        return found

    async def _all(
        self, table: str, query: str, *, fields: str | None = None
    ) -> list[Mapping[str, Any]]:
        """Every row of an encoded query (offset paging; these rows do not move)."""
        out: list[Mapping[str, Any]] = []
        size = 1000
        for offset in range(0, 10_000_000, size):
            params: dict[str, Any] = {
                "sysparm_query": query,
                "sysparm_limit": size,
                "sysparm_offset": offset,
                "sysparm_exclude_reference_link": "true",
            }
            if fields:
                params["sysparm_fields"] = fields
            rows = await self._rows(table, params)
            out.extend(rows)
            if len(rows) < size:
                break
        return out

    def _normalize(
        self,
        raw: Mapping[str, Any],
        comments: Sequence[Any] | None,
        sla: Sequence[Any] | None,
    ) -> Ticket:
        return normalize_ticket(
            raw,
            account=self.account.name,
            base_url=self.account.base_url,
            directory=self.directory,
            comments=comments,
            sla=sla,
            sla_definitions=self.sla_definitions,
            maps=self.maps,
            now=self.now(),
        )

    async def pull(  # type: ignore[override]
        self, state: dict[str, ResourceState], *, full: bool = False
    ) -> AsyncIterator[Batch]:
        """Names first (so incidents resolve them), then incidents with their SLA rows, then
        the deletion check (see :meth:`_reconcile`)."""
        for table in DIRECTORY_TABLES:
            saved = state.get(table, ResourceState())
            async for rows, new_state, last in self._keyset(table, saved, full=full):
                entries = self._directory_entries(table, rows)
                yield Batch(table, [], new_state, directory=entries, done=last)
        await self._load_sla_definitions()
        saved = state.get("tickets", ResourceState())
        # A pull that starts from nothing and runs to its end has met every incident.
        met: set[str] | None = set() if full or saved.watermark is None else None
        async for rows, new_state, last in self._keyset("incident", saved, full=full):
            ids = [str(r["sys_id"]) for r in rows]
            slas = await self._task_sla(ids) if ids else {}
            tickets = [self._normalize(r, None, slas.get(str(r["sys_id"]), [])) for r in rows]
            if met is not None:
                met.update(ids)
            yield Batch("tickets", tickets, new_state, done=last)
        # The Table API reports no deletions: compare the incident sys_ids with the cache.
        batch = await self.reconciliation(
            state.get(DELETIONS, ResourceState()), met, self._incident_ids
        )
        if batch is not None:
            yield batch

    async def confirm_deleted(self, remote_ids: Sequence[str]) -> list[str]:
        """The sys_ids a ``sys_idIN`` query (100 a request) no longer finds."""
        gone: list[str] = []
        for start in range(0, len(remote_ids), 100):
            chunk = list(remote_ids[start : start + 100])
            rows = await self._all("incident", f"sys_idIN{','.join(chunk)}", fields="sys_id")
            found = {str(r.get("sys_id")) for r in rows}
            gone += [i for i in chunk if i not in found]
        return gone

    async def _incident_ids(self) -> frozenset[str]:
        """Every incident sys_id, paged by ``sys_id>last`` (deletions meanwhile shift nothing).

        The instance applies ``sysparm_limit`` before ACL filtering, so a short page need not
        be the last; the scan goes on until a page comes back empty.
        """
        endpoint = f"{TABLE}/incident"
        found: set[str] = set()
        after = ""
        for _ in range(1_000_000):
            query = f"sys_id>{after}^ORDERBYsys_id" if after else "ORDERBYsys_id"
            rows = await self._rows(
                "incident",
                {
                    "sysparm_query": query,
                    "sysparm_fields": "sys_id",
                    "sysparm_limit": RECONCILE_PAGE,
                    "sysparm_no_count": "true",
                },
                endpoint=endpoint,
            )
            page = [r.get("sys_id") for r in rows]
            if not all(isinstance(i, str) and i for i in page):
                raise self.client.shape_error(endpoint, "a row without sys_id")
            if not page:
                return frozenset(found)
            highest = max(str(i) for i in page)
            if highest <= after:
                raise self.client.shape_error(endpoint, "sys_id pages that do not advance")
            found.update(str(i) for i in page)
            after = highest
        raise self.client.shape_error(endpoint, "the sys_id scan never ended")

    async def _learn_logins(self, logins: Iterable[str]) -> None:
        """Names of journal authors (``sys_created_by`` is a ``user_name``) not yet known."""
        wanted = sorted(
            {
                login
                for login in logins
                if login
                and self.directory.name(DirectoryKind.USER, login) is None
                and login not in self._unknown_logins
                and not any(c in login for c in ",^")
            }
        )
        for start in range(0, len(wanted), 100):
            chunk = wanted[start : start + 100]
            rows = await self._all(
                "sys_user",
                f"user_nameIN{','.join(chunk)}",
                fields="sys_id,name,user_name,email",
            )
            self._learn_users(rows)
        # Logins with no user (``system``, ``admin`` on some instances) are shown as they are.
        self._unknown_logins.update(
            w for w in wanted if self.directory.name(DirectoryKind.USER, w) is None
        )

    async def fetch_details(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        """Journal entries (work notes and comments) of the tickets, in batched queries.

        The SLA targets the tickets already carry (from the pull's ``task_sla`` query, or the
        cache) are kept.
        """
        if not self.sla_definitions:
            await self._load_sla_definitions()
        ids = [t.remote_id for t in tickets]
        journal: dict[str, list[Mapping[str, Any]]] = {i: [] for i in ids}
        chunks = [ids[i : i + 50] for i in range(0, len(ids), 50)]

        def call(chunk: list[str]) -> Any:
            async def run() -> list[Mapping[str, Any]]:
                return await self._all(
                    "sys_journal_field",
                    f"element_idIN{','.join(chunk)}^elementINwork_notes,comments"
                    "^ORDERBYsys_created_on^ORDERBYsys_id",
                )

            return run

        for rows in await self.client.gather([call(c) for c in chunks]):
            for row in rows:
                owner = str(row.get("element_id") or "")
                if owner in journal:
                    journal[owner].append(row)
        await self._learn_logins(
            str(row.get("sys_created_by") or "") for rows in journal.values() for row in rows
        )
        return [
            dataclasses.replace(self._normalize(t.raw, journal[t.remote_id], None), sla=t.sla)
            for t in tickets
        ]

    async def _remote_updated(self, sys_id: str) -> datetime | None:
        path = f"{TABLE}/incident/{sys_id}"
        body = await self.client.get(
            path, {"sysparm_fields": "sys_updated_on,sys_id"}, bucket="api", endpoint=path
        )
        result = body.get("result") if isinstance(body, Mapping) else None
        if not isinstance(result, Mapping):
            raise self.client.shape_error(path, "no 'result' record")
        return parse_utc(result.get("sys_updated_on") or None)

    async def lookup_user(self, name_or_id: str) -> DirectoryEntry | None:
        """A ``sys_user`` by name, login or email (any user, not only the cached ones)."""
        if not name_or_id or any(c in name_or_id for c in "^,"):
            return None
        rows = await self._rows(
            "sys_user",
            {
                "sysparm_query": f"name={name_or_id}^ORuser_name={name_or_id}"
                f"^ORemail={name_or_id}^ORsys_id={name_or_id}",
                "sysparm_fields": "sys_id,name,user_name,email",
                "sysparm_limit": 2,
            },
        )
        if len(rows) != 1:  # nobody, or a name two users share
            return None
        entries = self._learn_users(rows)
        sys_id = str(rows[0].get("sys_id"))
        return next((e for e in entries if e.remote_id == sys_id), None) or next(
            (e for e in self.directory.entries if e.remote_id == sys_id), None
        )

    async def _change(self, item: OutboxItem) -> dict[str, str] | str:
        value = item.value.strip()
        if item.action is OutboxAction.NOTE_INTERNAL:
            return {"work_notes": item.value}
        if item.action is OutboxAction.REPLY_PUBLIC:
            return {"comments": item.value}
        if item.action is OutboxAction.STATUS:
            if value.isdigit():
                return {"state": value}
            try:
                return dict(_STATE_CODES[Status(value.lower())])
            except ValueError:
                return (
                    f"{value!r} is not a ServiceNow state; use 1-8 or new, open, pending, "
                    "on_hold, solved, closed."
                )
        if item.action is OutboxAction.PRIORITY:
            pair = _IMPACT_URGENCY.get(value.upper())
            if pair is None:
                return f"{value!r} is not a priority; use P1, P2, P3 or P4."
            return {"impact": pair[0], "urgency": pair[1]}
        user = await self.resolve_user(value)
        if user is None:
            return (
                f"No ServiceNow user named {value!r} was found for account "
                f"{self.account.name!r} (or the name is shared); use the login or email."
            )
        return {"assigned_to": user}

    async def push(self, item: OutboxItem) -> PushResult:
        """``PATCH`` the incident after checking it did not change since the user read it."""
        path = f"{TABLE}/incident/{item.remote_id}"
        try:
            change = await self._change(item)
            if isinstance(change, str):
                return PushResult(PushOutcome.FAILED, change)
            if item.base_updated_at is not None:
                remote = await self._remote_updated(item.remote_id)
                if remote is not None and remote > item.base_updated_at:
                    return PushResult(
                        PushOutcome.CONFLICT,
                        f"{item.display_key} changed in ServiceNow after you read it, so nothing "
                        "was written. Run `queuebench sync`, read the change, then "
                        f"`queuebench outbox --retry {item.id}` to send it anyway.",
                    )
            reply = await self.client.write("PATCH", path, change, endpoint=path)
        except TransientError:
            raise
        except ConnectorError as exc:
            return PushResult(PushOutcome.FAILED, str(exc))
        result = reply.get("result") if isinstance(reply, Mapping) else None
        updated = (
            parse_utc(result.get("sys_updated_on") or None) if isinstance(result, Mapping) else None
        )
        return PushResult(PushOutcome.SENT, remote_updated_at=updated)
