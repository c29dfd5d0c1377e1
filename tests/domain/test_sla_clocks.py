"""Wiring the SLA engine to a ticket: conversation facts, policy choice, vendor vs computed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queuebench.domain.models import (
    Priority,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Vendor,
)
from queuebench.domain.sla_clocks import SlaSetup, conversation_facts, ticket_clocks

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # Friday
H = timedelta(hours=1)
OPENED = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # Thursday 09:00 Berlin

SETUP = SlaSetup.from_config(
    {"emea": {"timezone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}}},
    [
        {
            "name": "Enterprise",
            "match": {"vendor": ["zendesk"], "priority": ["P1", "P2"]},
            "calendar": "emea",
            "pause_statuses": ["pending"],
            "targets": {"first_response": "1h", "resolution": "16h"},
        },
        {"name": "Everyone", "calendar": "24x7", "targets": {"resolution": "8h"}},
    ],
)


def clocks(priority: Priority | None, vendor_targets: tuple[SlaTarget, ...] = (), **kw: object):
    args: dict[str, object] = {
        "vendor": Vendor.ZENDESK,
        "priority": priority,
        "organization": "Acme Corp",
        "account": "zd",
        "tags": (),
        "created_at": OPENED,
        "vendor_targets": vendor_targets,
        "facts": conversation_facts((), requester="Rita", created_at=OPENED),
        "history": [(OPENED, Status.OPEN)],
        "now": NOW,
    }
    args.update(kw)
    return ticket_clocks(SETUP, **args)  # type: ignore[arg-type]


def test_agent_reply_is_public_after_opening_and_not_by_the_requester() -> None:
    comments = [
        (OPENED, "Dana", True),  # the opening comment, even by an agent, is not a reply
        (OPENED + H, "Rita", True),  # the requester
        (OPENED + 2 * H, "Dana", False),  # an internal note
        (OPENED + 3 * H, None, True),  # unknown author
        (OPENED + 4 * H, "Dana", True),  # the first public agent reply
        (OPENED + 5 * H, "rita ", True),  # the requester again (case and spaces ignored)
        (OPENED + 6 * H, "Rita", True),
    ]
    facts = conversation_facts(reversed(comments), requester="Rita", created_at=OPENED)
    assert facts.first_agent_reply_at == OPENED + 4 * H
    assert facts.last_agent_reply_at == OPENED + 4 * H
    assert facts.customer_waiting_since == OPENED + 5 * H
    assert facts.last_customer_comment_at == OPENED + 6 * H


def test_first_matching_policy_fills_metrics_the_vendor_lacks() -> None:
    targets, disagreements = clocks(Priority.P1)
    assert disagreements == ()
    # Thursday 09:00 Berlin + 1 business hour; + 16 business hours = Friday 17:00 Berlin.
    assert targets == (
        SlaTarget(SlaMetric.FIRST_RESPONSE, OPENED + H, SlaStage.BREACHED, SlaSource.COMPUTED,
                  "Enterprise"),
        SlaTarget(SlaMetric.RESOLUTION, datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
                  SlaStage.ACTIVE, SlaSource.COMPUTED, "Enterprise"),
    )  # fmt: skip
    # P3 falls through to the 24x7 policy: 8 calendar hours.
    targets, _ = clocks(Priority.P3)
    assert targets == (
        SlaTarget(SlaMetric.RESOLUTION, OPENED + 8 * H, SlaStage.BREACHED, SlaSource.COMPUTED,
                  "Everyone"),
    )  # fmt: skip


def test_first_response_is_achieved_by_the_first_agent_reply() -> None:
    facts = conversation_facts(
        [(OPENED + H / 2, "Rita", True), (OPENED + 3 * H, "Dana", True)],
        requester="Rita",
        created_at=OPENED,
    )
    targets, _ = clocks(Priority.P2, facts=facts)
    first = targets[0]
    assert (first.metric, first.stage, first.breach_at) == (
        SlaMetric.FIRST_RESPONSE,
        SlaStage.ACHIEVED,
        OPENED + H,
    )


def test_vendor_instant_wins_and_a_difference_over_a_minute_is_reported() -> None:
    vendor = (
        SlaTarget(SlaMetric.RESOLUTION, datetime(2026, 11, 27, 18, 0, tzinfo=UTC),
                  SlaStage.ACTIVE, SlaSource.VENDOR, "zd policy"),
        # A computed target stored earlier is dropped, never compared.
        SlaTarget(SlaMetric.FIRST_RESPONSE, OPENED, SlaStage.ACTIVE, SlaSource.COMPUTED, "old"),
    )  # fmt: skip
    targets, disagreements = clocks(Priority.P1, vendor)
    assert [(t.metric, t.source) for t in targets] == [
        (SlaMetric.RESOLUTION, SlaSource.VENDOR),
        (SlaMetric.FIRST_RESPONSE, SlaSource.COMPUTED),
    ]
    assert len(disagreements) == 1
    d = disagreements[0]
    assert (d.metric, d.vendor_breach_at, d.computed_breach_at, d.policy) == (
        SlaMetric.RESOLUTION,
        datetime(2026, 11, 27, 18, 0, tzinfo=UTC),
        datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
        "Enterprise",
    )
    assert d.difference == -2 * H
    # Within a minute: no disagreement.
    close = (SlaTarget(SlaMetric.RESOLUTION, datetime(2026, 11, 27, 16, 0, 59, tzinfo=UTC),
                       SlaStage.ACTIVE),)  # fmt: skip
    assert clocks(Priority.P1, close)[1] == ()


def test_pause_from_status_history_freezes_the_clock() -> None:
    history = [(OPENED, Status.OPEN), (OPENED + 2 * H, Status.PENDING)]
    targets, _ = clocks(Priority.P2, history=history)
    resolution = targets[1]
    assert resolution.stage is SlaStage.PAUSED
    assert resolution.breach_at is None
    assert resolution.remaining_seconds == 14 * 3600  # 16 business hours less the 2 that ran


def test_setup_errors_name_the_fix() -> None:
    with pytest.raises(ValueError, match=r"calendar 'apac' is not defined .*\[calendars.apac\]"):
        SlaSetup.from_config(
            {}, [{"name": "X", "calendar": "apac", "targets": {"resolution": "1h"}}]
        )
    with pytest.raises(ValueError, match="defined twice"):
        SlaSetup.from_config({}, [{"name": "X", "targets": {"resolution": "1h"}}] * 2)
    with pytest.raises(ValueError, match="reserved"):
        SlaSetup.from_config({"24x7": {"timezone": "UTC", "hours": {"mon": "09:00-17:00"}}}, [])
    with pytest.raises(ValueError, match="no targets"):
        SlaSetup.from_config({}, [{"name": "X", "targets": {}}])
