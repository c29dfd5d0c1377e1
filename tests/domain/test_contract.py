"""The JSON contract objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queuebench.domain.contract import ticket_json
from queuebench.domain.models import (
    Comment,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Ticket,
    Vendor,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_show_json_contract() -> None:
    t = Ticket(
        account="snow",
        vendor=Vendor.SERVICENOW,
        remote_id="9d385017c611228701d22104cc95c371",
        display_key="INC0010042",
        subject="502 from API gateway",
        status=Status.ON_HOLD,
        status_raw="3",
        priority=None,
        priority_raw="",
        requester="Kenji Tanaka",
        organization="東京システム株式会社",
        assignee=None,
        group="Network",
        created_at=NOW - timedelta(days=3),
        updated_at=NOW - timedelta(minutes=5),
        url="https://acme.service-now.com/nav_to.do?uri=incident.do?sys_id=9d38",
        description="It fails",
        tags=(),
        sla=(
            SlaTarget(SlaMetric.RESOLUTION, NOW - timedelta(minutes=1), SlaStage.ACTIVE),
            SlaTarget(SlaMetric.FIRST_RESPONSE, NOW - timedelta(days=2), SlaStage.ACHIEVED),
            SlaTarget(
                SlaMetric.NEXT_RESPONSE,
                NOW + timedelta(hours=1),
                SlaStage.ACTIVE,
                SlaSource.COMPUTED,
            ),
        ),
        comments=(
            Comment("2", "Dana", False, "internal", NOW - timedelta(hours=1)),
            Comment("1", "Kenji", True, "public", NOW - timedelta(hours=2)),
        ),
    )
    data = ticket_json(t, NOW)
    assert data["id"] == "snow:9d385017c611228701d22104cc95c371"
    assert data["priority"] is None
    assert data["created_at"] == "2026-11-24T12:00:00Z"
    assert data["sla"] == [
        {
            "metric": "resolution",
            "breach_at": "2026-11-27T11:59:00Z",
            "stage": "breached",
            "source": "vendor",
        },
        {
            "metric": "first_response",
            "breach_at": "2026-11-25T12:00:00Z",
            "stage": "achieved",
            "source": "vendor",
        },
        {
            "metric": "next_response",
            "breach_at": "2026-11-27T13:00:00Z",
            "stage": "active",
            "source": "computed",
        },
    ]
    assert data["next_breach_at"] == "2026-11-27T11:59:00Z"
    assert [c["body"] for c in data["comments"]] == ["public", "internal"]
    assert data["comments"][1]["public"] is False
