"""Zendesk Support: pure normalisers from Zendesk JSON to the queuebench contract.

Inputs are the records exactly as Zendesk returns them:

- tickets from the incremental export (``/api/v2/incremental/tickets/cursor.json``) or the
  ticket endpoints, optionally with the ``slas`` sideload inside each ticket
  (``ticket["slas"]["policy_metrics"]``);
- the ``users``, ``organizations`` and ``groups`` sideload arrays;
- comment objects from ``/api/v2/tickets/{id}/comments`` (``public: false`` is an internal note;
  ``body`` is plain text).

Public API::

    build_directory(account, *, users=(), organizations=(), groups=()) -> Directory
    normalize_comment(raw, *, directory) -> Comment
    normalize_sla(slas, *, now) -> tuple[SlaTarget, ...]
    normalize_ticket(raw, *, account, base_url, directory, comments=None, sla=None, maps=None,
                     now) -> Ticket

SLA rules: ``first_reply_time`` → first_response, ``next_reply_time`` → next_response,
``periodic_update_time``/``pausable_update_time`` → periodic_update,
``total_resolution_time``/``requester_wait_time``/``agent_work_time`` → resolution. Only
``breach_at`` and ``stage`` are read; the ``days``/``hours``/``minutes`` key is the time from
the response to ``breach_at``, not the target, and is ignored (TC16). Metrics Zendesk may add
later are skipped rather than failing the ticket. The sideload names no policy, so
``SlaTarget.policy`` carries the Zendesk metric name.

Below the normalisers, :class:`ZendeskConnector` speaks the API over the shared HTTP client
(:mod:`queuebench.connectors.http`): the cursor-based incremental ticket export with
``users,groups,organizations,slas`` side-loads (deleted tickets come back with status
``deleted`` and are removed from the cache), comments per ticket (cursor pagination, with the
``users`` side-load for author names), and writes through ``PUT /api/v2/tickets/{id}`` with
``safe_update`` so a ticket changed since it was read gives a 409 conflict, not a lost update.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from queuebench.connectors.base import (
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
from queuebench.connectors.http import (
    ConflictError,
    ConnectorError,
    NotFoundError,
    RateLimit,
    TransientError,
    VendorRejectedError,
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
    iso_z,
    parse_utc,
    with_effective_stages,
)

__all__ = [
    "EXPORT_BUCKET",
    "METRIC_MAP",
    "STAGE_MAP",
    "ZendeskConnector",
    "build_directory",
    "default_limits",
    "normalize_comment",
    "normalize_sla",
    "normalize_ticket",
    "ticket_url",
]

METRIC_MAP: dict[str, SlaMetric] = {
    "first_reply_time": SlaMetric.FIRST_RESPONSE,
    "next_reply_time": SlaMetric.NEXT_RESPONSE,
    "periodic_update_time": SlaMetric.PERIODIC_UPDATE,
    "pausable_update_time": SlaMetric.PERIODIC_UPDATE,
    "total_resolution_time": SlaMetric.RESOLUTION,
    "requester_wait_time": SlaMetric.RESOLUTION,
    "agent_work_time": SlaMetric.RESOLUTION,
}
"""Zendesk ``policy_metrics[].metric`` names to normalised metrics."""

STAGE_MAP: dict[str, SlaStage] = {
    "active": SlaStage.ACTIVE,
    "paused": SlaStage.PAUSED,
    "achieved": SlaStage.ACHIEVED,
    "breached": SlaStage.BREACHED,
}
"""Zendesk ``policy_metrics[].stage`` values to normalised stages."""

_DEFAULT_MAPS = VendorMaps.default(Vendor.ZENDESK)


def ticket_url(base_url: str, ticket_id: str | int) -> str:
    """The agent web page of a ticket: ``{base}/agent/tickets/{id}``."""
    return f"{base_url.rstrip('/')}/agent/tickets/{ticket_id}"


def build_directory(
    account: str,
    *,
    users: Iterable[Mapping[str, Any]] = (),
    organizations: Iterable[Mapping[str, Any]] = (),
    groups: Iterable[Mapping[str, Any]] = (),
) -> Directory:
    """A :class:`Directory` from Zendesk ``users``/``organizations``/``groups`` records."""
    directory = Directory(account)
    for kind, records in (
        (DirectoryKind.USER, users),
        (DirectoryKind.ORGANIZATION, organizations),
        (DirectoryKind.GROUP, groups),
    ):
        for record in records:
            context = f"zendesk {kind.value} {field_of(record, 'id')!r}"
            directory.add(
                DirectoryEntry(
                    account=account,
                    kind=kind,
                    remote_id=req_str(record, "id", context),
                    name=req_str(record, "name", context),
                    email=opt_str(record, "email", context),
                )
            )
    return directory


def normalize_comment(raw: Mapping[str, Any], *, directory: Directory) -> Comment:
    """One Zendesk comment object to a :class:`Comment` (``public`` kept exactly)."""
    context = f"zendesk comment {raw.get('id')!r}" if isinstance(raw, Mapping) else "comment"
    remote_id = req_str(raw, "id", context)
    if "public" not in raw:
        raise NormalizationError(f"{context}: required field 'public' is missing")
    body = raw.get("body")
    if body is None:
        body = raw.get("plain_body")
    if not isinstance(body, str):
        raise NormalizationError(f"{context}: field 'body' should be text, got {show(body)}")
    author_id = raw.get("author_id")
    author = directory.name(DirectoryKind.USER, author_id)
    return Comment(
        remote_id=remote_id,
        author=author,
        public=as_bool(raw["public"], "public", context),
        body=body,
        created_at=req_time(raw, "created_at", context),
    )


def normalize_sla(slas: Mapping[str, Any] | None, *, now: datetime) -> tuple[SlaTarget, ...]:
    """The ``slas`` sideload of one ticket to SLA targets, stages corrected for ``now``.

    ``None`` (no sideload, e.g. a plan without SLA policies) and an empty ``policy_metrics``
    list both give ``()``.
    """
    if slas is None:
        return ()
    slas = as_mapping(slas, "slas", "zendesk ticket")
    metrics = slas.get("policy_metrics", [])
    if not isinstance(metrics, list):
        raise NormalizationError(
            f"zendesk slas: field 'policy_metrics' should be a list, got {show(metrics)}"
        )
    targets: list[SlaTarget] = []
    for entry in metrics:
        context = "zendesk slas.policy_metrics entry"
        entry = as_mapping(entry, "policy_metrics[]", context)
        metric_raw = req_str(entry, "metric", context)
        metric = METRIC_MAP.get(metric_raw)
        if metric is None:
            continue
        stage_raw = req_str(entry, "stage", context)
        stage = STAGE_MAP.get(stage_raw.lower())
        if stage is None:
            raise NormalizationError(
                f"{context} {metric_raw!r}: unknown stage {stage_raw!r} "
                f"(expected one of {', '.join(STAGE_MAP)})"
            )
        breach_raw = entry.get("breach_at")
        if breach_raw is not None and not isinstance(breach_raw, str):
            raise NormalizationError(
                f"{context} {metric_raw!r}: field 'breach_at' is {show(breach_raw)}"
            )
        try:
            breach_at = parse_utc(breach_raw)
        except NormalizationError as exc:
            raise NormalizationError(f"{context} {metric_raw!r}: field 'breach_at': {exc}") from exc
        targets.append(
            SlaTarget(
                metric=metric,
                breach_at=breach_at,
                stage=stage,
                source=SlaSource.VENDOR,
                policy=metric_raw,
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
    sla: Mapping[str, Any] | None = None,
    maps: VendorMaps | None = None,
    now: datetime,
) -> Ticket:
    """One Zendesk ticket (with its ``slas`` sideload, if any) to a :class:`Ticket`.

    ``comments`` are the ticket's comment objects; ``None`` means "not fetched" and leaves
    ``Ticket.comments`` as ``None``. ``sla`` is an ``slas`` sideload fetched separately; by
    default the one inside ``raw`` is used. Names come from ``directory``; an id the directory
    does not know gives ``None``. ``raw`` is kept as ``Ticket.raw``.
    """
    if not isinstance(raw, Mapping):
        raise NormalizationError(f"zendesk ticket: expected an object, got {show(raw)}")
    maps = maps or _DEFAULT_MAPS
    remote_id = req_str(raw, "id", "zendesk ticket")
    context = f"zendesk ticket {remote_id}"
    status_raw = req_str(raw, "status", context)
    status = maps.map_status(status_raw)
    priority_value = raw.get("priority")
    if priority_value is not None and not isinstance(priority_value, str):
        raise NormalizationError(f"{context}: field 'priority' is {show(priority_value)}")
    priority = map_priority_strict(maps, priority_value, context)
    subject = raw.get("subject")
    if subject is None:
        subject = raw.get("raw_subject") or ""
    if not isinstance(subject, str):
        raise NormalizationError(f"{context}: field 'subject' is {show(subject)}")
    description = raw.get("description") or ""
    if not isinstance(description, str):
        raise NormalizationError(f"{context}: field 'description' is {show(description)}")
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise NormalizationError(
            f"{context}: field 'tags' should be a list of text, got {show(tags)}"
        )
    try:
        targets = normalize_sla(sla if sla is not None else raw.get("slas"), now=now)
    except NormalizationError as exc:
        raise NormalizationError(f"{context}: {exc}") from exc
    normalized_comments: tuple[Comment, ...] | None = None
    if comments is not None:
        try:
            items = [normalize_comment(c, directory=directory) for c in comments]
        except NormalizationError as exc:
            raise NormalizationError(f"{context}: {exc}") from exc
        items.sort(key=_comment_order)
        normalized_comments = tuple(items)
    return Ticket(
        account=account,
        vendor=Vendor.ZENDESK,
        remote_id=remote_id,
        display_key=f"#{remote_id}",
        subject=subject,
        status=status,
        status_raw=status_raw,
        priority=priority,
        priority_raw=priority_value,
        requester=directory.name(DirectoryKind.USER, raw.get("requester_id")),
        organization=directory.name(DirectoryKind.ORGANIZATION, raw.get("organization_id")),
        assignee=directory.name(DirectoryKind.USER, raw.get("assignee_id")),
        group=directory.name(DirectoryKind.GROUP, raw.get("group_id")),
        created_at=req_time(raw, "created_at", context),
        updated_at=req_time(raw, "updated_at", context),
        url=ticket_url(base_url, remote_id),
        description=description,
        description_format="text",
        tags=tuple(tags),
        sla=targets,
        comments=normalized_comments,
        raw=raw if isinstance(raw, dict) else dict(raw),
    )


def _comment_order(comment: Comment) -> tuple[datetime, int, str]:
    rid = comment.remote_id
    return (comment.created_at, int(rid) if rid.isdigit() else 0, rid)


# --- the connector --------------------------------------------------------------------------

EXPORT_BUCKET = "export"
"""Rate-limit bucket of the incremental export endpoints (10 requests a minute by default)."""

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
SIDELOADS = "users,groups,organizations,slas"
_PRIORITY_VALUES = {"P1": "urgent", "P2": "high", "P3": "normal", "P4": "low"}
"""queuebench priorities as Zendesk writes them (Zendesk's own values pass through)."""
_STATUS_VALUES = {"on_hold": "hold"}
"""queuebench statuses Zendesk spells differently (the others are the same word)."""
_CURSOR_OVERLAP = 60  # seconds re-read when a cursor is refused and the watermark restarts


def default_limits(export_per_minute: int = 10, per_minute: int = 700) -> dict[str, RateLimit]:
    """Zendesk's documented ceilings: the export's own, and the plan's account-wide one."""
    return {
        EXPORT_BUCKET: RateLimit(export_per_minute, 60.0),
        "api": RateLimit(per_minute, 60.0),
    }


def _list_of(page: Mapping[str, Any], key: str) -> list[Any]:
    value = page.get(key) or []
    return value if isinstance(value, list) else []


class ZendeskConnector(ConnectorBase):
    """A Zendesk Support account over the Ticketing API v2."""

    resources: tuple[str, ...] = ("tickets",)

    async def lookup_user(self, name_or_id: str) -> DirectoryEntry | None:
        """The account's own user, when that is who is named (``/api/v2/users/me``)."""
        body = await self.client.get("/api/v2/users/me.json", bucket="api")
        user = body.get("user") if isinstance(body, Mapping) else None
        if not isinstance(user, Mapping) or not user.get("id"):
            raise self.client.shape_error("/api/v2/users/me.json", "no 'user' object")
        if not self.same_user(name_or_id, user.get("id"), user.get("name"), user.get("email")):
            return None
        return DirectoryEntry(
            self.account.name,
            DirectoryKind.USER,
            str(user["id"]),
            str(user.get("name") or user.get("email") or user["id"]),
            user.get("email") if isinstance(user.get("email"), str) else None,
        )

    async def check(self) -> str:
        body = await self.client.get("/api/v2/users/me.json", bucket="api")
        user = body.get("user") if isinstance(body, Mapping) else None
        if not isinstance(user, Mapping) or not user.get("id"):
            raise self.client.shape_error("/api/v2/users/me.json", "no 'user' object")
        role = user.get("role") or "unknown role"
        who = user.get("email") or user.get("name") or user.get("id")
        note = "" if role == "admin" else " (the incremental export needs an admin)"
        return f"signed in to {self.account.base_url} as {who}, {role}{note}"

    def _sideload(self, page: Mapping[str, Any]) -> list[DirectoryEntry]:
        try:
            directory = build_directory(
                self.account.name,
                users=_list_of(page, "users"),
                organizations=_list_of(page, "organizations"),
                groups=_list_of(page, "groups"),
            )
        except NormalizationError as exc:
            raise NormalizationError(f"account {self.account.name!r}: {exc}") from exc
        return self.learn(directory.entries)

    def _normalize(self, raw: Mapping[str, Any], comments: Sequence[Any] | None) -> Ticket:
        return normalize_ticket(
            raw,
            account=self.account.name,
            base_url=self.account.base_url,
            directory=self.directory,
            comments=comments,
            maps=self.maps,
            now=self.now(),
        )

    async def pull(  # type: ignore[override]
        self, state: dict[str, ResourceState], *, full: bool = False
    ) -> AsyncIterator[Batch]:
        """The incremental export from the saved cursor (or from the start), page by page."""
        saved = state.get("tickets", ResourceState())
        per_page = int(self.account.options.get("page_size", 1000))
        params: dict[str, Any] = {"include": SIDELOADS, "per_page": per_page}
        if saved.cursor and not full:
            params["cursor"] = saved.cursor
        else:
            params["start_time"] = 0
        watermark = None if full else saved.watermark
        cursor = None if full else saved.cursor
        for _ in range(1_000_000):
            try:
                page = await self.client.get(
                    EXPORT_PATH, params, bucket=EXPORT_BUCKET, endpoint=EXPORT_PATH
                )
            except (VendorRejectedError, NotFoundError):
                if "cursor" not in params or watermark is None:
                    raise
                # The cursor was refused (expired?): restart from the watermark, overlapping.
                start = max(0, int(watermark.timestamp()) - _CURSOR_OVERLAP)
                params = {"include": SIDELOADS, "per_page": per_page, "start_time": start}
                continue
            if not isinstance(page, Mapping) or not isinstance(page.get("tickets"), list):
                raise self.client.shape_error(EXPORT_PATH, "no 'tickets' list")
            end = page.get("end_of_stream")
            after = page.get("after_cursor")
            if not isinstance(end, bool) or (after is not None and not isinstance(after, str)):
                raise self.client.shape_error(EXPORT_PATH, "no 'end_of_stream'/'after_cursor'")
            entries = self._sideload(page)
            latest: dict[str, Mapping[str, Any]] = {}
            for raw in page["tickets"]:
                if not isinstance(raw, Mapping):
                    raise self.client.shape_error(EXPORT_PATH, "a ticket is not an object")
                latest[str(raw.get("id"))] = raw
                stamp = raw.get("generated_timestamp")
                if isinstance(stamp, int | float) and not isinstance(stamp, bool):
                    when = datetime.fromtimestamp(stamp, UTC)
                    watermark = when if watermark is None else max(watermark, when)
            tickets: list[Ticket] = []
            deleted: list[str] = []
            for rid, raw in latest.items():
                if raw.get("status") == "deleted":
                    deleted.append(rid)
                else:
                    tickets.append(self._normalize(raw, None))
            cursor = after or cursor
            yield Batch(
                resource="tickets",
                tickets=tickets,
                deleted=deleted,
                directory=entries,
                state=ResourceState(cursor=cursor, watermark=watermark),
                done=end,
            )
            if end:
                return
            params = {"include": SIDELOADS, "per_page": per_page, "cursor": cursor}
        raise self.client.shape_error(EXPORT_PATH, "the export never reached end_of_stream")

    async def _comments(self, remote_id: str) -> list[Mapping[str, Any]]:
        path = f"/api/v2/tickets/{remote_id}/comments.json"
        params: dict[str, Any] | None = {"page[size]": 100, "include": "users"}
        url = path
        comments: list[Mapping[str, Any]] = []
        for _ in range(10_000):
            page = await self.client.get(url, params, bucket="api", endpoint=path)
            if not isinstance(page, Mapping) or not isinstance(page.get("comments"), list):
                raise self.client.shape_error(path, "no 'comments' list")
            self._sideload(page)
            comments.extend(page["comments"])
            meta = page.get("meta") if isinstance(page.get("meta"), Mapping) else {}
            links = page.get("links") if isinstance(page.get("links"), Mapping) else {}
            nxt = links.get("next") if links else None
            if not (meta or {}).get("has_more") or not nxt:
                return comments
            url, params = str(nxt), None
        raise self.client.shape_error(path, "comments never ended")

    async def fetch_details(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        """Each ticket with its comments (one paginated call per ticket, bounded concurrency)."""

        def call(ticket: Ticket) -> Any:
            async def run() -> Ticket:
                comments = await self._comments(ticket.remote_id)
                return self._normalize(ticket.raw, comments)

            return run

        return await self.client.gather([call(t) for t in tickets])

    async def push(self, item: OutboxItem) -> PushResult:
        """``PUT /api/v2/tickets/{id}`` with ``safe_update`` against the time the user read."""
        change: dict[str, Any] = {}
        if item.action in (OutboxAction.NOTE_INTERNAL, OutboxAction.REPLY_PUBLIC):
            change["comment"] = {
                "body": item.value,
                "public": item.action is OutboxAction.REPLY_PUBLIC,
            }
        elif item.action is OutboxAction.STATUS:
            value = item.value.strip().lower()
            change["status"] = _STATUS_VALUES.get(value, value)
        elif item.action is OutboxAction.PRIORITY:
            value = item.value.strip()
            change["priority"] = _PRIORITY_VALUES.get(value.upper(), value.lower())
        elif item.action is OutboxAction.ASSIGNEE:
            try:
                user = await self.resolve_user(item.value)
            except TransientError:
                raise
            except ConnectorError as exc:
                return PushResult(PushOutcome.FAILED, str(exc))
            if user is None:
                return PushResult(
                    PushOutcome.FAILED,
                    f"No Zendesk user named {item.value!r} is cached for account "
                    f"{self.account.name!r}; run `queuebench sync` and try again.",
                )
            change["assignee_id"] = int(user) if user.isdigit() else user
        if item.base_updated_at is not None:
            change["safe_update"] = True
            change["updated_stamp"] = iso_z(item.base_updated_at)
        path = f"/api/v2/tickets/{item.remote_id}.json"
        try:
            reply = await self.client.write("PUT", path, {"ticket": change}, endpoint=path)
        except ConflictError as exc:
            return PushResult(
                PushOutcome.CONFLICT,
                f"{item.display_key} changed in Zendesk after you read it, so nothing was "
                f"written ({exc.vendor_message or 'HTTP 409'}). Run `queuebench sync`, read the "
                f"change, then `queuebench outbox --retry {item.id}` to send it anyway.",
            )
        except TransientError:
            raise
        except ConnectorError as exc:
            return PushResult(PushOutcome.FAILED, str(exc))
        ticket = reply.get("ticket") if isinstance(reply, Mapping) else None
        updated = parse_utc(ticket.get("updated_at")) if isinstance(ticket, Mapping) else None
        return PushResult(PushOutcome.SENT, remote_updated_at=updated)
