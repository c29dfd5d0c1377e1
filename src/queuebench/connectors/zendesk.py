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

The HTTP client for Zendesk is added to this module by a later change; everything here stays
free of I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
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
    "METRIC_MAP",
    "STAGE_MAP",
    "build_directory",
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
