"""Jira Service Management Cloud: pure normalisers from Jira/JSM JSON to the queuebench contract.

Inputs are the records exactly as Atlassian returns them:

- issues (``IssueBean``) from the platform search ``/rest/api/3/search/jql`` with ``fields``:
  ``summary``, ``status`` (with ``statusCategory``), ``priority``, ``reporter``, ``assignee``,
  ``created``/``updated`` (``2022-10-25T20:21:33.277+0000``), ``labels``, ``description``
  (Atlassian Document Format) and the Organizations custom field (a list of
  ``OrganizationDTO``; its id is per site, ``customfield_10002`` by default);
- comments (``CommentDTO``) from ``/rest/servicedeskapi/request/{key}/comment``: plain-text
  ``body``, ``public`` (false = internal), ``author`` (``UserDTO``), ``created`` (``DateDTO``);
- SLA records (``SlaInformationDTO``) from ``/rest/servicedeskapi/request/{key}/sla``.

Public API::

    build_directory(account, *, users=(), organizations=()) -> Directory
    normalize_comment(raw) -> Comment
    normalize_sla(values, *, now) -> tuple[SlaTarget, ...]
    normalize_ticket(raw, *, account, base_url, directory, comments=None, sla=None, maps=None,
                     now, organization_field="customfield_10002") -> Ticket

Identity: ``remote_id`` is the Jira issue **id** (stable across project moves), the display
key is the issue key. Status maps by name first (``Waiting for customer`` → pending,
``Closed`` → closed), then by status category (``new`` → new, ``indeterminate`` → open,
``done`` → solved). JSM has no assignment group on a request, so ``Ticket.group`` is ``None``.

SLA rules: a name containing "first response" → first_response, "next response" →
next_response, "resolution" → resolution, "update" → periodic_update; other SLAs (e.g. "Time
to approve") are skipped. An ongoing cycle is breached when ``breached`` is true (TC18, even if
``breachTime`` is still ahead), paused when ``paused`` (no instant; ``remainingTime`` is kept as
``remaining_seconds``), else active at ``breachTime.epochMillis``. Without an ongoing cycle the
last completed cycle decides: breached if it breached, else achieved.

Below the normalisers, :class:`JsmConnector` speaks the API over the shared HTTP client:
``/rest/api/3/search/jql`` with ``nextPageToken`` and a JQL window on ``updated`` that
overlaps the last run (JQL dates have minute precision, are read in the user's time zone, and
search is eventually consistent), de-duplicated by issue id and ``updated``; per-request
comments (public and internal) and SLA records from servicedeskapi; writes through
servicedeskapi comments (``public: false`` for an internal note) and the platform's
transitions, issue edit and assignee endpoints, each after comparing the issue's remote
``updated`` with the time the user read it (Jira has no server-side conflict check).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from queuebench.connectors.adf import adf_to_markdown
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
    Priority,
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
    "DEFAULT_ORGANIZATION_FIELD",
    "JsmConnector",
    "build_directory",
    "normalize_comment",
    "normalize_sla",
    "normalize_ticket",
    "sla_metric",
    "strip_wiki_blocks",
    "ticket_url",
]

DEFAULT_ORGANIZATION_FIELD = "customfield_10002"
"""The Organizations custom field id most JSM Cloud sites use; configurable per account."""

_DEFAULT_MAPS = VendorMaps.default(Vendor.JSM)
_WIKI_BLOCK = re.compile(r"\{(?:code|noformat)(?::[^}\n]*)?\}")


def ticket_url(base_url: str, key: str) -> str:
    """The agent web page of an issue: ``{base}/browse/{key}``."""
    return f"{base_url.rstrip('/')}/browse/{key}"


def strip_wiki_blocks(text: str) -> str:
    """Remove Jira wiki ``{code}``/``{code:lang}``/``{noformat}`` markers, keeping their content."""
    if "{" not in text:
        return text
    stripped = _WIKI_BLOCK.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", stripped).strip("\n")


def sla_metric(name: str) -> SlaMetric | None:
    """The metric an SLA measures, from its name (``Time to first response`` → first_response)."""
    lowered = name.lower()
    if "first response" in lowered:
        return SlaMetric.FIRST_RESPONSE
    if "next response" in lowered:
        return SlaMetric.NEXT_RESPONSE
    if "resolution" in lowered:
        return SlaMetric.RESOLUTION
    if "update" in lowered:
        return SlaMetric.PERIODIC_UPDATE
    return None


def build_directory(
    account: str,
    *,
    users: Iterable[Mapping[str, Any]] = (),
    organizations: Iterable[Mapping[str, Any]] = (),
) -> Directory:
    """A :class:`Directory` from Jira users (``accountId``) and JSM organizations (``id``)."""
    directory = Directory(account)
    for user in users:
        context = f"jsm user {field_of(user, 'accountId')!r}"
        directory.add(
            DirectoryEntry(
                account=account,
                kind=DirectoryKind.USER,
                remote_id=req_str(user, "accountId", context),
                name=req_str(user, "displayName", context),
                email=opt_str(user, "emailAddress", context),
            )
        )
    for org in organizations:
        context = f"jsm organization {field_of(org, 'id')!r}"
        directory.add(
            DirectoryEntry(
                account=account,
                kind=DirectoryKind.ORGANIZATION,
                remote_id=req_str(org, "id", context),
                name=req_str(org, "name", context),
            )
        )
    return directory


def _date_dto(value: Any, field: str, context: str) -> datetime:
    """A servicedeskapi ``DateDTO`` to UTC: ``epochMillis`` first, then ``iso8601``/``jira``."""
    dto = as_mapping(value, field, context)
    for key in ("epochMillis", "iso8601", "jira"):
        raw = dto.get(key)
        if raw is None or raw == "" or isinstance(raw, bool):
            continue
        if not isinstance(raw, str | int | float):
            raise NormalizationError(f"{context}: field '{field}.{key}' is {show(raw)}")
        try:
            parsed = parse_utc(raw)
        except NormalizationError as exc:
            raise NormalizationError(f"{context}: field '{field}.{key}': {exc}") from exc
        if parsed is not None:
            return parsed
    raise NormalizationError(f"{context}: field {field!r} has no usable date: {show(value)}")


def _duration_seconds(value: Any, field: str, context: str) -> int | None:
    if value is None:
        return None
    dto = as_mapping(value, field, context)
    millis = dto.get("millis")
    if isinstance(millis, bool) or not isinstance(millis, int):
        raise NormalizationError(f"{context}: field '{field}.millis' is {show(millis)}")
    return millis // 1000


def normalize_comment(raw: Mapping[str, Any]) -> Comment:
    """One ``CommentDTO`` to a :class:`Comment` (``public`` kept exactly; wiki code markers
    stripped)."""
    context = f"jsm comment {raw.get('id')!r}" if isinstance(raw, Mapping) else "jsm comment"
    remote_id = req_str(raw, "id", context)
    if "public" not in raw:
        raise NormalizationError(f"{context}: required field 'public' is missing")
    body = raw.get("body")
    if not isinstance(body, str):
        raise NormalizationError(f"{context}: field 'body' should be text, got {show(body)}")
    author = raw.get("author")
    author_name: str | None = None
    if author is not None:
        author_name = opt_str(as_mapping(author, "author", context), "displayName", context)
    if "created" not in raw:
        raise NormalizationError(f"{context}: required field 'created' is missing")
    return Comment(
        remote_id=remote_id,
        author=author_name,
        public=as_bool(raw["public"], "public", context),
        body=strip_wiki_blocks(body),
        created_at=_date_dto(raw["created"], "created", context),
    )


def _one_sla(value: Mapping[str, Any]) -> SlaTarget | None:
    context = f"jsm sla {field_of(value, 'id')!r}"
    name = req_str(value, "name", context)
    metric = sla_metric(name)
    if metric is None:
        return None
    ongoing = value.get("ongoingCycle")
    if ongoing is not None:
        cycle = as_mapping(ongoing, "ongoingCycle", context)
        breach_at = (
            _date_dto(cycle["breachTime"], "ongoingCycle.breachTime", context)
            if cycle.get("breachTime") is not None
            else None
        )
        remaining = _duration_seconds(
            cycle.get("remainingTime"), "ongoingCycle.remainingTime", context
        )
        breached = as_bool(cycle.get("breached", False), "ongoingCycle.breached", context)
        paused = as_bool(cycle.get("paused", False), "ongoingCycle.paused", context)
        if breached:
            stage = SlaStage.BREACHED
        elif paused:
            stage, breach_at = SlaStage.PAUSED, None
        else:
            stage = SlaStage.ACTIVE
        return SlaTarget(metric, breach_at, stage, SlaSource.VENDOR, name, remaining)
    completed = value.get("completedCycles") or []
    if not isinstance(completed, list):
        raise NormalizationError(f"{context}: field 'completedCycles' is {show(completed)}")
    if not completed:
        return None
    last = as_mapping(completed[-1], "completedCycles[]", context)
    breach_at = (
        _date_dto(last["breachTime"], "completedCycles[].breachTime", context)
        if last.get("breachTime") is not None
        else None
    )
    breached = as_bool(last.get("breached", False), "completedCycles[].breached", context)
    stage = SlaStage.BREACHED if breached else SlaStage.ACHIEVED
    return SlaTarget(metric, breach_at, stage, SlaSource.VENDOR, name)


def normalize_sla(
    values: Sequence[Mapping[str, Any]] | None, *, now: datetime
) -> tuple[SlaTarget, ...]:
    """``SlaInformationDTO`` records of one request to SLA targets, stages corrected for ``now``."""
    if not values:
        return ()
    if not isinstance(values, Sequence):
        raise NormalizationError(f"jsm sla: expected a list of SLA records, got {show(values)}")
    targets: list[SlaTarget] = []
    for value in values:
        target = _one_sla(as_mapping(value, "values[]", "jsm sla"))
        if target is not None:
            targets.append(target)
    return with_effective_stages(targets, now)


def _user_name(value: Any, field: str, context: str, directory: Directory) -> str | None:
    if value is None:
        return None
    user = as_mapping(value, field, context)
    name = opt_str(user, "displayName", context)
    return name or directory.name(DirectoryKind.USER, user.get("accountId"))


def _organization(value: Any, field: str, context: str, directory: Directory) -> str | None:
    if value is None or value == []:
        return None
    if not isinstance(value, list):
        raise NormalizationError(f"{context}: field {field!r} should be a list, got {show(value)}")
    first = as_mapping(value[0], field, context)
    name = opt_str(first, "name", context)
    return name or directory.name(DirectoryKind.ORGANIZATION, first.get("id"))


def normalize_ticket(
    raw: Mapping[str, Any],
    *,
    account: str,
    base_url: str,
    directory: Directory,
    comments: Sequence[Mapping[str, Any]] | None = None,
    sla: Sequence[Mapping[str, Any]] | None = None,
    maps: VendorMaps | None = None,
    now: datetime,
    organization_field: str = DEFAULT_ORGANIZATION_FIELD,
) -> Ticket:
    """One Jira ``IssueBean`` (with its request's comments and SLA records) to a :class:`Ticket`.

    ``comments=None`` means "not fetched" (``Ticket.comments`` stays ``None``); ``sla=None``
    or ``[]`` gives no SLA targets. The ADF description becomes Markdown.
    """
    if not isinstance(raw, Mapping):
        raise NormalizationError(f"jsm issue: expected an object, got {show(raw)}")
    maps = maps or _DEFAULT_MAPS
    remote_id = req_str(raw, "id", "jsm issue")
    key = req_str(raw, "key", f"jsm issue {remote_id}")
    context = f"jsm issue {key} (id {remote_id})"
    fields = as_mapping(raw.get("fields"), "fields", context)

    status_obj = as_mapping(fields.get("status"), "fields.status", context)
    status_raw = req_str(status_obj, "name", f"{context} fields.status")
    category_obj = status_obj.get("statusCategory")
    category = (
        opt_str(as_mapping(category_obj, "fields.status.statusCategory", context), "key", context)
        if category_obj is not None
        else None
    )
    try:
        status = maps.map_status(status_raw, category)
    except NormalizationError as exc:
        raise NormalizationError(f"{context}: {exc}") from exc

    priority_obj = fields.get("priority")
    priority_raw = (
        opt_str(as_mapping(priority_obj, "fields.priority", context), "name", context)
        if priority_obj is not None
        else None
    )
    priority = map_priority_strict(maps, priority_raw, context)

    summary = fields.get("summary") or ""
    if not isinstance(summary, str):
        raise NormalizationError(f"{context}: field 'fields.summary' is {show(summary)}")
    description_raw = fields.get("description")
    if isinstance(description_raw, Mapping):
        description, description_format = adf_to_markdown(description_raw), "markdown"
    elif isinstance(description_raw, str):
        description, description_format = strip_wiki_blocks(description_raw), "text"
    elif description_raw is None:
        description, description_format = "", "markdown"
    else:
        raise NormalizationError(
            f"{context}: field 'fields.description' is {show(description_raw)}"
        )
    labels = fields.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise NormalizationError(f"{context}: field 'fields.labels' is {show(labels)}")

    try:
        targets = normalize_sla(sla, now=now)
        normalized_comments: tuple[Comment, ...] | None = None
        if comments is not None:
            items = [normalize_comment(c) for c in comments]
            items.sort(key=_comment_order)
            normalized_comments = tuple(items)
    except NormalizationError as exc:
        raise NormalizationError(f"{context}: {exc}") from exc

    return Ticket(
        account=account,
        vendor=Vendor.JSM,
        remote_id=remote_id,
        display_key=key,
        subject=summary,
        status=status,
        status_raw=status_raw,
        priority=priority,
        priority_raw=priority_raw,
        requester=_user_name(fields.get("reporter"), "fields.reporter", context, directory),
        organization=_organization(
            fields.get(organization_field), f"fields.{organization_field}", context, directory
        ),
        assignee=_user_name(fields.get("assignee"), "fields.assignee", context, directory),
        group=None,
        created_at=req_time(fields, "created", f"{context} fields"),
        updated_at=req_time(fields, "updated", f"{context} fields"),
        url=ticket_url(base_url, key),
        description=description,
        description_format=description_format,
        tags=tuple(labels),
        sla=targets,
        comments=normalized_comments,
        raw=raw if isinstance(raw, dict) else dict(raw),
    )


def _comment_order(comment: Comment) -> tuple[datetime, int, str]:
    rid = comment.remote_id
    return (comment.created_at, int(rid) if rid.isdigit() else 0, rid)


# --- the connector --------------------------------------------------------------------------

SEARCH_PATH = "/rest/api/3/search/jql"
ID_PAGE = 5000
"""Issues a page of an id-only search returns (Jira allows more when only ids are asked)."""
OVERLAP = timedelta(minutes=2)
"""How far each incremental JQL window reaches back before the last ``updated`` seen."""

_PRIORITY_NAMES = {
    Priority.P1: "Highest",
    Priority.P2: "High",
    Priority.P3: "Medium",
    Priority.P4: "Low",
}
_STATUS_NAMES = {
    Status.NEW: ("open", "to do", "new"),
    Status.OPEN: ("in progress", "work in progress"),
    Status.PENDING: ("waiting for customer", "pending"),
    Status.ON_HOLD: ("waiting for support", "on hold", "pending"),
    Status.SOLVED: ("resolved", "done"),
    Status.CLOSED: ("closed", "canceled", "cancelled"),
}


def _paged_values(page: Any) -> tuple[list[Any], bool] | None:
    if not isinstance(page, Mapping) or not isinstance(page.get("values"), list):
        return None
    return page["values"], bool(page.get("isLastPage", True))


class JsmConnector(ConnectorBase):
    """A Jira Service Management Cloud site (platform REST v3 + servicedeskapi)."""

    resources: tuple[str, ...] = ("tickets", DELETIONS)
    sla_per_ticket = True

    @property
    def _org_field(self) -> str:
        return str(self.account.options.get("organization_field", DEFAULT_ORGANIZATION_FIELD))

    @property
    def _fields(self) -> str:
        return ",".join(
            [
                "summary",
                "status",
                "priority",
                "reporter",
                "assignee",
                "created",
                "updated",
                "labels",
                "description",
                self._org_field,
            ]
        )

    async def _myself(self) -> Mapping[str, Any]:
        body = await self.client.get("/rest/api/3/myself", bucket="api")
        if not isinstance(body, Mapping) or not body.get("accountId"):
            raise self.client.shape_error("/rest/api/3/myself", "no 'accountId'")
        return body

    async def lookup_user(self, name_or_id: str) -> DirectoryEntry | None:
        """The account's own user, when that is who is named (``/rest/api/3/myself``)."""
        me = await self._myself()
        if not self.same_user(
            name_or_id, me.get("accountId"), me.get("displayName"), me.get("emailAddress")
        ):
            return None
        entries = build_directory(self.account.name, users=[me]).entries
        return entries[0] if entries else None

    async def check(self) -> str:
        me = await self._myself()
        who = me.get("emailAddress") or me.get("displayName") or me.get("accountId")
        return f"signed in to {self.account.base_url} as {who}"

    def _jql(
        self, since: datetime | None, tz: ZoneInfo, order: str = "updated ASC, key ASC"
    ) -> str:
        clauses = []
        project = self.account.options.get("project")
        if project:
            clauses.append(f'project = "{project}"')
        if since is not None:
            local = (since - OVERLAP).astimezone(tz)
            clauses.append(f'updated >= "{local:%Y-%m-%d %H:%M}"')
        else:
            # Jira refuses unbounded searches: a full sync is bounded by the epoch.
            clauses.append('updated >= "1970-01-01 00:00"')
        return " AND ".join(clauses) + f" ORDER BY {order}"

    def _entries(self, raw: Mapping[str, Any]) -> list[DirectoryEntry]:
        fields = raw.get("fields")
        if not isinstance(fields, Mapping):
            return []
        users = [
            u
            for u in (fields.get("reporter"), fields.get("assignee"))
            if isinstance(u, Mapping) and u.get("accountId") and u.get("displayName")
        ]
        orgs = fields.get(self._org_field)
        orgs = [o for o in orgs if isinstance(o, Mapping)] if isinstance(orgs, list) else []
        return build_directory(self.account.name, users=users, organizations=orgs).entries

    def _normalize(
        self,
        raw: Mapping[str, Any],
        comments: Sequence[Any] | None = None,
        sla: Sequence[Any] | None = None,
    ) -> Ticket:
        return normalize_ticket(
            raw,
            account=self.account.name,
            base_url=self.account.base_url,
            directory=self.directory,
            comments=comments,
            sla=sla,
            maps=self.maps,
            now=self.now(),
            organization_field=self._org_field,
        )

    async def pull(  # type: ignore[override]
        self, state: dict[str, ResourceState], *, full: bool = False
    ) -> AsyncIterator[Batch]:
        """Issues updated since the watermark (minus the overlap), oldest first, page by page.

        The cursor keeps the user's time zone and the ids seen in the overlap window, so an
        up-to-date site costs exactly one search request.
        """
        saved = state.get("tickets", ResourceState())
        memo: dict[str, Any] = {}
        if saved.cursor and not full:
            try:
                memo = json.loads(saved.cursor)
            except ValueError:
                memo = {}
        tz_name = memo.get("tz")
        if not tz_name:
            tz_name = (await self._myself()).get("timeZone") or "UTC"
        try:
            tz = ZoneInfo(str(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        watermark = None if full else saved.watermark
        recent: dict[str, str] = {} if full else dict(memo.get("recent") or {})
        # A pull that starts from nothing and runs to its end has met every issue.
        met: set[str] | None = set() if watermark is None else None
        jql = self._jql(watermark, tz)
        token: str | None = None
        page_size = int(self.account.options.get("page_size", 100))
        for _ in range(1_000_000):
            params: dict[str, Any] = {"jql": jql, "maxResults": page_size, "fields": self._fields}
            if token:
                params["nextPageToken"] = token
            page = await self.client.get(SEARCH_PATH, params, bucket="api", endpoint=SEARCH_PATH)
            if not isinstance(page, Mapping) or not isinstance(page.get("issues"), list):
                raise self.client.shape_error(SEARCH_PATH, "no 'issues' list")
            token = page.get("nextPageToken") or None
            last = bool(page.get("isLast")) or token is None
            tickets: list[Ticket] = []
            entries: list[DirectoryEntry] = []
            for raw in page["issues"]:
                if not isinstance(raw, Mapping):
                    raise self.client.shape_error(SEARCH_PATH, "an issue is not an object")
                fields = raw.get("fields")
                updated_raw = fields.get("updated") if isinstance(fields, Mapping) else None
                rid = str(raw.get("id"))
                if met is not None:
                    met.add(rid)
                if recent.get(rid) == updated_raw:
                    continue  # seen in the overlap window of an earlier page or run
                entries.extend(self.learn(self._entries(raw)))
                ticket = self._normalize(raw)
                tickets.append(ticket)
                recent[rid] = str(updated_raw)
                if watermark is None or ticket.updated_at > watermark:
                    watermark = ticket.updated_at
            if watermark is not None:
                floor = watermark - OVERLAP - timedelta(minutes=1)
                recent = {k: v for k, v in recent.items() if (parse_utc(v) or watermark) >= floor}
            cursor = json.dumps({"tz": str(tz_name), "recent": recent}, separators=(",", ":"))
            yield Batch(
                resource="tickets",
                tickets=tickets,
                directory=entries,
                state=ResourceState(cursor=cursor, watermark=watermark),
                done=last,
            )
            if last:
                break
        else:
            raise self.client.shape_error(SEARCH_PATH, "the search never reached its last page")
        # Search reports no deletions: compare the issue ids with the cache.
        batch = await self.reconciliation(
            state.get(DELETIONS, ResourceState()), met, lambda: self._issue_ids(tz)
        )
        if batch is not None:
            yield batch

    async def _issue_ids(self, tz: ZoneInfo) -> frozenset[str]:
        """Every issue id (searches for ids alone return up to 5,000 a page)."""
        jql = self._jql(None, tz, order="key ASC")
        found: set[str] = set()
        token: str | None = None
        for _ in range(1_000_000):
            params: dict[str, Any] = {"jql": jql, "maxResults": ID_PAGE, "fields": "id"}
            if token:
                params["nextPageToken"] = token
            page = await self.client.get(SEARCH_PATH, params, bucket="api", endpoint=SEARCH_PATH)
            issues = page.get("issues") if isinstance(page, Mapping) else None
            if not isinstance(issues, list) or not all(
                isinstance(i, Mapping) and i.get("id") for i in issues
            ):
                raise self.client.shape_error(SEARCH_PATH, "no 'issues' list of ids")
            found.update(str(i["id"]) for i in issues)
            token = page.get("nextPageToken") or None
            if page.get("isLast") or token is None:
                return frozenset(found)
        raise self.client.shape_error(SEARCH_PATH, "the id search never reached its last page")

    async def confirm_deleted(self, remote_ids: Sequence[str]) -> list[str]:
        """The ids an ``id in (...)`` search (100 a request) no longer finds."""
        gone: list[str] = []
        for start in range(0, len(remote_ids), 100):
            chunk = [i for i in remote_ids[start : start + 100] if i.isdigit()]
            if not chunk:
                continue
            jql = f"id in ({', '.join(chunk)}) ORDER BY key ASC"
            page = await self.client.get(
                SEARCH_PATH,
                {"jql": jql, "maxResults": 100, "fields": "id"},
                bucket="api",
                endpoint=SEARCH_PATH,
            )
            issues = page.get("issues") if isinstance(page, Mapping) else None
            if not isinstance(issues, list):
                raise self.client.shape_error(SEARCH_PATH, "no 'issues' list")
            found = {str(i.get("id")) for i in issues if isinstance(i, Mapping)}
            gone += [i for i in chunk if i not in found]
        return gone

    async def _paged(self, path: str, params: dict[str, Any]) -> list[Any]:
        values: list[Any] = []
        start = 0
        for _ in range(10_000):
            page = await self.client.get(
                path, {**params, "start": start, "limit": 100}, bucket="api", endpoint=path
            )
            got = _paged_values(page)
            if got is None:
                raise self.client.shape_error(path, "no 'values' list")
            items, is_last = got
            values.extend(items)
            if is_last or not items:
                return values
            start += len(items)
        raise self.client.shape_error(path, "the list never reached its last page")

    async def fetch_details(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        """Each request's comments (public and internal) and SLA records."""

        def call(ticket: Ticket) -> Any:
            async def run() -> Ticket:
                key = ticket.display_key
                comments = await self._paged(
                    f"/rest/servicedeskapi/request/{key}/comment",
                    {"public": "true", "internal": "true"},
                )
                sla = await self._paged(f"/rest/servicedeskapi/request/{key}/sla", {})
                return self._normalize(ticket.raw, comments, sla)

            return run

        return await self.client.gather([call(t) for t in tickets])

    async def _remote_updated(self, key: str) -> datetime | None:
        path = f"/rest/api/3/issue/{key}"
        body = await self.client.get(path, {"fields": "updated"}, bucket="api", endpoint=path)
        fields = body.get("fields") if isinstance(body, Mapping) else None
        if not isinstance(fields, Mapping):
            raise self.client.shape_error(path, "no 'fields'")
        return parse_utc(fields.get("updated"))

    async def _transition(self, key: str, wanted: str) -> str | None:
        """Run the transition leading to status ``wanted``; an error text if there is none."""
        path = f"/rest/api/3/issue/{key}/transitions"
        body = await self.client.get(path, bucket="api", endpoint=path)
        options = body.get("transitions") if isinstance(body, Mapping) else None
        if not isinstance(options, list):
            raise self.client.shape_error(path, "no 'transitions' list")
        names = {wanted.strip().lower()}
        with contextlib.suppress(ValueError):
            names.update(_STATUS_NAMES[Status(wanted.strip().lower())])
        for option in options:
            if not isinstance(option, Mapping):
                continue
            to = option.get("to") if isinstance(option.get("to"), Mapping) else {}
            if (
                str((to or {}).get("name", "")).lower() in names
                or str(option.get("name", "")).lower() in names
            ):
                await self.client.write(
                    "POST", path, {"transition": {"id": str(option.get("id"))}}, endpoint=path
                )
                return None
        available = ", ".join(
            str((o.get("to") or {}).get("name") or o.get("name"))
            for o in options
            if isinstance(o, Mapping)
        )
        return (
            f"{key} has no transition to {wanted!r} from its current status (available: "
            f"{available or 'none'}). Queue one of those instead."
        )

    async def push(self, item: OutboxItem) -> PushResult:
        """Write one item after checking the issue did not change since the user read it."""
        key = item.display_key
        try:
            if item.base_updated_at is not None:
                remote = await self._remote_updated(key)
                if remote is not None and remote > item.base_updated_at:
                    return PushResult(
                        PushOutcome.CONFLICT,
                        f"{key} changed in Jira after you read it, so nothing was written. Run "
                        f"`queuebench sync`, read the change, then `queuebench outbox --retry "
                        f"{item.id}` to send it anyway.",
                    )
            if item.action in (OutboxAction.NOTE_INTERNAL, OutboxAction.REPLY_PUBLIC):
                path = f"/rest/servicedeskapi/request/{key}/comment"
                body = {"body": item.value, "public": item.action is OutboxAction.REPLY_PUBLIC}
                await self.client.write("POST", path, body, endpoint=path)
            elif item.action is OutboxAction.STATUS:
                problem = await self._transition(key, item.value)
                if problem:
                    return PushResult(PushOutcome.FAILED, problem)
            elif item.action is OutboxAction.PRIORITY:
                try:
                    name = _PRIORITY_NAMES[Priority(item.value.upper())]
                except ValueError:
                    name = item.value
                path = f"/rest/api/3/issue/{key}"
                await self.client.write(
                    "PUT", path, {"fields": {"priority": {"name": name}}}, endpoint=path
                )
            elif item.action is OutboxAction.ASSIGNEE:
                user = await self.resolve_user(item.value)
                if user is None:
                    return PushResult(
                        PushOutcome.FAILED,
                        f"No Jira user named {item.value!r} is cached for account "
                        f"{self.account.name!r}; run `queuebench sync` and try again.",
                    )
                path = f"/rest/api/3/issue/{key}/assignee"
                await self.client.write("PUT", path, {"accountId": user}, endpoint=path)
            updated = await self._remote_updated(key)
        except TransientError:
            raise
        except ConnectorError as exc:
            return PushResult(PushOutcome.FAILED, str(exc))
        return PushResult(PushOutcome.SENT, remote_updated_at=updated)
