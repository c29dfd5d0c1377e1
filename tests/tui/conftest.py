"""Seeded caches, a frozen clock and settings for the Pilot and snapshot tests of the TUI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from queuebench.app import QueuebenchApp, make_app
from queuebench.config import Settings
from queuebench.domain.models import (
    Comment,
    Priority,
    SlaMetric,
    SlaSource,
    SlaStage,
    SlaTarget,
    Status,
    Ticket,
    Vendor,
)
from queuebench.domain.query import QueueFilter
from queuebench.store import writes
from queuebench.store.engine import Store, open_store
from queuebench.store.queries import queue_window

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SIZE = (120, 36)

ACCOUNTS = {
    Vendor.ZENDESK: ("acme-zd", "https://acme.zendesk.com"),
    Vendor.JSM: ("acme-jsm", "https://acme.atlassian.net"),
    Vendor.SERVICENOW: ("acme-sn", "https://acme.service-now.com"),
}

DANA = "Dana Whitfield"

DESCRIPTION_MD = """Since the **SSO change** on Monday, users at Müller GmbH loop back to the
login page.

Steps to reproduce:

1. Open `https://app.example.com`
2. Sign in with Okta
3. Observe the redirect to `/login?next=[dashboard]`

| env | value |
| --- | --- |
| region | eu-west-1 |
| trace | `4bf92f3577b34da6` |
"""


def frozen_clock() -> datetime:
    """The tests' "now": 2026-11-27 12:00 UTC."""
    return NOW


def _url(vendor: Vendor, remote_id: str) -> str:
    base = ACCOUNTS[vendor][1]
    return {
        Vendor.ZENDESK: f"{base}/agent/tickets/{remote_id}",
        Vendor.JSM: f"{base}/browse/{remote_id}",
        Vendor.SERVICENOW: f"{base}/nav_to.do?uri=incident.do?sys_id={remote_id}",
    }[vendor]


def ticket(
    vendor: Vendor,
    remote_id: str,
    key: str,
    subject: str,
    *,
    status: Status = Status.OPEN,
    priority: Priority | None = Priority.P3,
    sla: tuple[SlaTarget, ...] = (),
    assignee: str | None = DANA,
    organization: str | None = "Initech",
    requester: str | None = "Ana Souza",
    created_ago: timedelta = timedelta(days=2),
    updated_ago: timedelta = timedelta(hours=3),
    description: str = "",
    description_format: str = "text",
    tags: tuple[str, ...] = (),
    comments: tuple[Comment, ...] | None = (),
) -> Ticket:
    """A normalised ticket with sensible defaults for the seeded cache."""
    return Ticket(
        account=ACCOUNTS[vendor][0],
        vendor=vendor,
        remote_id=remote_id,
        display_key=key,
        subject=subject,
        status=status,
        status_raw=status.value.title(),
        priority=priority,
        priority_raw=priority.value.lower() if priority else None,
        requester=requester,
        organization=organization,
        assignee=assignee,
        group="Tier 3",
        created_at=NOW - created_ago,
        updated_at=NOW - updated_ago,
        url=_url(vendor, remote_id),
        description=description or f"{subject}.",
        description_format=description_format,
        tags=tags,
        sla=sla,
        comments=comments,
    )


def resolution(delta: timedelta | None, stage: SlaStage = SlaStage.ACTIVE) -> SlaTarget:
    return SlaTarget(
        SlaMetric.RESOLUTION,
        NOW + delta if delta is not None else None,
        stage,
        SlaSource.VENDOR,
        "Enterprise 24x7",
    )


def first_response(delta: timedelta) -> SlaTarget:
    return SlaTarget(SlaMetric.FIRST_RESPONSE, NOW + delta, SlaStage.ACTIVE)


FILLER_SUBJECTS = (
    "Export to CSV times out",
    "Webhook retries duplicate events",
    "SAML certificate rotation",
    "Rate limit 429 on bulk API",
    "Dashboard widgets blank",
    "Webhook signature mismatch",
    "Audit log gap 02:00-02:15",
    "Mobile push not delivered",
    "Billing proration wrong",
    "LDAP sync skips nested groups",
    "Search index stale",
    "PDF export garbled umlauts",
    "API token revoked unexpectedly",
    "Timezone shift in reports",
    "Attachment upload 413",
    "SCIM deprovisioning delay",
    "Slow queue page",
    "Email parser drops inline images",
)
FILLER_PRIORITIES = (Priority.P2, Priority.P3, Priority.P3, Priority.P4, Priority.P1, None)
FILLER_ASSIGNEES = (DANA, "Priya Natarajan", None, "Zoë Šimić")
FILLER_AGES = (1, 3, 8, 15, 31, 40)


def seed_tickets() -> list[Ticket]:
    """Thirty tickets covering every SLA state, status and the awkward text cases."""
    zd, jsm, sn = Vendor.ZENDESK, Vendor.JSM, Vendor.SERVICENOW
    conversation = (
        # Deliberately out of time order: the case screen must sort them.
        Comment(
            "c3",
            "Jürgen Müller",
            True,
            "Still looping after clearing cookies. Logs attached [see trace].",
            NOW - timedelta(hours=20),
        ),
        Comment(
            "c1",
            DANA,
            True,
            "Thanks for the report — can you send a HAR file?",
            NOW - timedelta(days=6, hours=22),
            "markdown",
        ),
        Comment(
            "c2",
            DANA,
            False,
            "Repro'd on staging: the **SAML assertion** lacks `NotOnOrAfter`. [internal]",
            NOW - timedelta(days=6, hours=21, minutes=58),
            "markdown",
        ),
    )
    tickets = [
        ticket(
            zd,
            "4512",
            "#4512",
            "Login loop after SSO change",
            priority=Priority.P1,
            sla=(
                SlaTarget(
                    SlaMetric.FIRST_RESPONSE,
                    NOW - timedelta(days=6, hours=20),
                    SlaStage.ACHIEVED,
                    SlaSource.VENDOR,
                    "Enterprise 24x7",
                ),
                resolution(-timedelta(hours=1, minutes=5)),
                SlaTarget(
                    SlaMetric.PERIODIC_UPDATE,
                    NOW + timedelta(hours=2),
                    SlaStage.ACTIVE,
                    SlaSource.COMPUTED,
                    "Sev1 cadence",
                ),
            ),
            organization="Müller GmbH",
            requester="Jürgen Müller",
            created_ago=timedelta(days=7, hours=1),
            description=DESCRIPTION_MD,
            description_format="markdown",
            tags=("sso", "escalated"),
            comments=conversation,
        ),
        ticket(
            jsm,
            "10088",
            "SUP-88",
            "Webhook deliveries [prod] failing with 502",
            priority=Priority.P2,
            sla=(
                SlaTarget(SlaMetric.FIRST_RESPONSE, NOW - timedelta(minutes=10), SlaStage.ACTIVE),
            ),
            assignee=None,
            organization="Globex",
            requester="[bot] Monitor",
            comments=None,
        ),
        ticket(
            sn,
            "a1b2",
            "INC0010042",
            "Checkout API returns 500 for EU tenants",
            priority=Priority.P1,
            sla=(resolution(timedelta(minutes=42)),),
            organization="Initech",
        ),
        ticket(
            zd,
            "4520",
            "#4520",
            "Reports page renders empty for 株式会社 users",
            status=Status.NEW,
            priority=Priority.P2,
            sla=(
                SlaTarget(SlaMetric.FIRST_RESPONSE, NOW + timedelta(minutes=15), SlaStage.ACTIVE),
            ),
            assignee=None,
            organization="Ōsaka Trading 株式会社",
            requester="佐藤 花子",
        ),
        ticket(
            jsm,
            "10091",
            "SUP-91",
            "Scheduled exports stuck in queue",
            sla=(resolution(timedelta(hours=3)),),
            assignee="Priya Natarajan",
            organization="Globex",
        ),
        ticket(
            sn,
            "c3d4",
            "INC0010050",
            "Slow report generation since upgrade",
            sla=(resolution(timedelta(days=2, hours=4)),),
            created_ago=timedelta(days=16),
        ),
        ticket(
            zd,
            "4533",
            "#4533",
            "Waiting on customer logs for sync failure",
            status=Status.PENDING,
            sla=(
                SlaTarget(
                    SlaMetric.RESOLUTION, None, SlaStage.PAUSED, SlaSource.VENDOR, None, 3 * 3600
                ),
            ),
            organization="Umbrella Corp",
        ),
        ticket(
            jsm,
            "10095",
            "SUP-95",
            "On hold: vendor patch for TLS issue",
            status=Status.ON_HOLD,
            priority=Priority.P2,
            sla=(resolution(None, SlaStage.PAUSED),),
            assignee="Priya Natarajan",
            created_ago=timedelta(days=33),
        ),
        ticket(
            sn,
            "e5f6",
            "INC0010061",
            "Password reset email delayed",
            status=Status.SOLVED,
            priority=Priority.P2,
            sla=(resolution(-timedelta(days=1), SlaStage.ACHIEVED),),
            updated_ago=timedelta(hours=5),
        ),
        ticket(
            zd,
            "4540",
            "#4540",
            "Typo in invoice footer",
            status=Status.CLOSED,
            priority=Priority.P4,
            sla=(resolution(-timedelta(days=3), SlaStage.ACHIEVED),),
            updated_ago=timedelta(days=2),
        ),
        ticket(
            jsm,
            "10099",
            "SUP-99",
            "Question about data retention policy",
            priority=None,
            assignee=None,
            organization=None,
            requester="Zoë Šimić",
        ),
        ticket(
            zd,
            "4551",
            "#4551",
            "Feature request: dark mode for reports",
            priority=Priority.P4,
            assignee="Zoë Šimić",
            organization="Müller GmbH",
            created_ago=timedelta(days=9),
        ),
    ]
    prefixes = {zd: ("46", "#46"), jsm: ("101", "SUP-1"), sn: ("f", "INC00200")}
    vendors = (zd, jsm, sn)
    for i, subject in enumerate(FILLER_SUBJECTS):
        vendor = vendors[i % 3]
        remote_prefix, key_prefix = prefixes[vendor]
        number = f"{i + 10:02d}"
        tickets.append(
            ticket(
                vendor,
                f"{remote_prefix}{number}",
                f"{key_prefix}{number}",
                subject,
                priority=FILLER_PRIORITIES[i % len(FILLER_PRIORITIES)],
                sla=(resolution(timedelta(hours=5 + 7 * i)),),
                assignee=FILLER_ASSIGNEES[i % len(FILLER_ASSIGNEES)],
                organization=("Initech", "Globex", "Hooli")[i % 3],
                created_ago=timedelta(days=FILLER_AGES[i % len(FILLER_AGES)]),
                updated_ago=timedelta(hours=i + 1),
            )
        )
    return tickets


def seed_store(data_dir: Path, tickets: list[Ticket]) -> Store:
    """Open a cache in ``data_dir`` and write the accounts and ``tickets`` into it."""
    store = open_store(data_dir)
    with store.session() as session:
        for vendor, (name, base_url) in ACCOUNTS.items():
            writes.upsert_account(session, name, vendor, base_url, now=NOW)
        for start in range(0, len(tickets), 2000):
            writes.upsert_tickets(session, tickets[start : start + 2000], NOW)
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A cache seeded with :func:`seed_tickets`."""
    store = seed_store(tmp_path / "cache", seed_tickets())
    yield store
    store.close()


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    """A cache with no tickets at all."""
    store = open_store(tmp_path / "empty")
    yield store
    store.close()


def make_settings(**overrides: object) -> Settings:
    """Settings for the tests: the user is Dana, times shown in Berlin time.

    SLA alerts are off: a 1-second tick landing inside a snapshot would add a notification.
    The alert tests turn them on.
    """
    values: dict[str, object] = {
        "user": {"names": [DANA], "timezone": "Europe/Berlin"},
        "alerts": {"enabled": False},
    }
    values.update(overrides)
    return msgspec.convert(values, Settings)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings, store: Store) -> QueuebenchApp:
    return make_app(settings, store, clock=frozen_clock, data_note="test data (seeded cache)")


def expected_keys(store: Store, flt: QueueFilter | None = None, **kwargs: object) -> list[str]:
    """Display keys in the store's own order for a filter (the oracle for the screen)."""
    with store.read() as session:
        rows = queue_window(
            session,
            flt or QueueFilter(),
            NOW,
            offset=0,
            limit=-1,
            me=(DANA,),
            **kwargs,  # type: ignore[arg-type]
        )
    return [r.display_key for r in rows]


async def settle(pilot: object) -> None:
    """Let timers fire, workers finish and their messages land."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
