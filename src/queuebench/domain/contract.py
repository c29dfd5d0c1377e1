"""The JSON contract of ``list --json`` and ``show --json``: plain dicts from domain values.

Every instant is ISO 8601 UTC ending in ``Z``; SLA stages are the effective stages at ``now``
(a target not achieved whose breach instant has passed is ``breached``); ``next_breach_at``
is the earliest breach instant among active or breached targets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from queuebench.domain.models import QueueRow, SlaTarget, Ticket
from queuebench.domain.normalize import iso_z, next_breach_at, with_effective_stages


def sla_json(targets: tuple[SlaTarget, ...], now: datetime) -> list[dict[str, Any]]:
    """SLA targets as contract objects, stages corrected for ``now``."""
    return [
        {
            "metric": t.metric.value,
            "breach_at": iso_z(t.breach_at),
            "stage": t.stage.value,
            "source": t.source.value,
        }
        for t in with_effective_stages(targets, now)
    ]


def _common(item: QueueRow | Ticket, now: datetime) -> dict[str, Any]:
    return {
        "id": item.id,
        "account": item.account,
        "vendor": item.vendor.value,
        "remote_id": item.remote_id,
        "display_key": item.display_key,
        "subject": item.subject,
        "status": item.status.value,
        "priority": item.priority.value if item.priority else None,
        "requester": item.requester,
        "organization": item.organization,
        "assignee": item.assignee,
        "group": item.group,
        "created_at": iso_z(item.created_at),
        "updated_at": iso_z(item.updated_at),
        "tags": list(item.tags),
        "url": item.url,
        "sla": sla_json(item.sla, now),
        "next_breach_at": iso_z(next_breach_at(item.sla, now)),
    }


def queue_row_json(row: QueueRow, now: datetime) -> dict[str, Any]:
    """One ``list --json`` object."""
    return _common(row, now)


def ticket_json(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """One ``show --json`` object: the list object plus description and comments.

    ``comments`` is ``null`` when the conversation is not cached yet (``conversation_cached``
    says so explicitly), otherwise every comment in time order.
    """
    out = _common(ticket, now)
    out["description"] = ticket.description
    out["conversation_cached"] = ticket.comments is not None
    out["comments"] = (
        None
        if ticket.comments is None
        else [
            {
                "author": c.author,
                "public": c.public,
                "body": c.body,
                "created_at": iso_z(c.created_at),
            }
            for c in sorted(ticket.comments, key=lambda c: c.created_at)
        ]
    )
    return out
