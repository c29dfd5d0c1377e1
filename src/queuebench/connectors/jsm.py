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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from queuebench.connectors.adf import adf_to_markdown
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
    "DEFAULT_ORGANIZATION_FIELD",
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
