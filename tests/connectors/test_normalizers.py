"""Vendor JSON → queuebench contract, one hand-written record per case, exact expectations."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from queuebench.connectors import jsm, servicenow, zendesk
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
from queuebench.domain.normalize import NormalizationError, VendorMaps
from queuebench.sandbox import feed
from queuebench.sandbox.generator import generate

NOW = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- Zendesk ----------------------------------------------------------------------------------

ZD_BASE = "https://acme.zendesk.com"
ZD_USERS = [
    {"id": 9001, "name": "Jürgen Müller", "email": "juergen@mueller-gmbh.de", "role": "end-user"},
    {"id": 9002, "name": "Maya Lindqvist", "email": "maya@acme.example", "role": "agent"},
]
ZD_ORGS = [{"id": 77, "name": "Müller GmbH", "domain_names": ["mueller-gmbh.de"]}]
ZD_GROUPS = [{"id": 55, "name": "Tier 3 – Platform"}]


def zd_ticket(**changes: Any) -> dict[str, Any]:
    ticket: dict[str, Any] = {
        "url": f"{ZD_BASE}/api/v2/tickets/4512.json",
        "id": 4512,
        "subject": "SAML login fails after IdP certificate rotation",
        "raw_subject": "SAML login fails after IdP certificate rotation",
        "description": "Hi team,\n\nSSO fails with invalid_signature since 08:00 UTC.",
        "priority": None,
        "status": "hold",
        "requester_id": 9001,
        "submitter_id": 9001,
        "assignee_id": 9002,
        "organization_id": 77,
        "group_id": 55,
        "tags": ["sso", "saml"],
        "created_at": "2026-11-01T08:00:00Z",
        "updated_at": "2026-11-19T10:15:00Z",
        "generated_timestamp": 1795602900,
        "slas": {
            "policy_metrics": [
                # TC16: "days" is time-to-breach at response time, not the target: ignored.
                {
                    "breach_at": "2025-12-18T03:07:32Z",
                    "stage": "achieved",
                    "metric": "first_reply_time",
                    "days": -141,
                },
                {
                    "breach_at": "2026-11-20T13:30:00Z",
                    "stage": "active",
                    "metric": "next_reply_time",
                    "days": 7,
                },
                {
                    "breach_at": "2026-11-20T15:00:00Z",
                    "stage": "active",
                    "metric": "periodic_update_time",
                    "minutes": 30,
                },
                {"breach_at": None, "stage": "paused", "metric": "agent_work_time"},
                {"breach_at": "2026-11-21T15:00:00Z", "stage": "active", "metric": "future_x"},
            ]
        },
    }
    ticket.update(changes)
    return ticket


ZD_COMMENTS = [
    {
        "id": 31,
        "type": "Comment",
        "author_id": 9002,
        "body": "Forced a metadata refresh.",
        "public": False,
        "created_at": "2026-11-01T09:30:00Z",
    },
    {
        "id": 30,
        "type": "Comment",
        "author_id": 9001,
        "body": "Hi team,\n\nSSO fails with invalid_signature since 08:00 UTC.",
        "public": True,
        "created_at": "2026-11-01T08:00:00Z",
    },
    {
        "id": 32,
        "type": "Comment",
        "author_id": 123456,
        "body": "Any news?",
        "public": True,
        "created_at": "2026-11-02T10:00:00Z",
    },
]


def zd_directory() -> zendesk.Directory:
    return zendesk.build_directory(
        "demo-zendesk", users=ZD_USERS, organizations=ZD_ORGS, groups=ZD_GROUPS
    )


def test_zendesk_ticket_normalises_to_the_contract() -> None:
    raw = zd_ticket()
    ticket = zendesk.normalize_ticket(
        raw,
        account="demo-zendesk",
        base_url=ZD_BASE + "/",
        directory=zd_directory(),
        comments=ZD_COMMENTS,
        now=NOW,
    )
    assert ticket == Ticket(
        account="demo-zendesk",
        vendor=Vendor.ZENDESK,
        remote_id="4512",
        display_key="#4512",
        subject="SAML login fails after IdP certificate rotation",
        status=Status.ON_HOLD,
        status_raw="hold",
        priority=None,
        priority_raw=None,
        requester="Jürgen Müller",
        organization="Müller GmbH",
        assignee="Maya Lindqvist",
        group="Tier 3 – Platform",
        created_at=utc(2026, 11, 1, 8, 0),
        updated_at=utc(2026, 11, 19, 10, 15),
        url="https://acme.zendesk.com/agent/tickets/4512",
        description="Hi team,\n\nSSO fails with invalid_signature since 08:00 UTC.",
        description_format="text",
        tags=("sso", "saml"),
        sla=(
            SlaTarget(
                SlaMetric.FIRST_RESPONSE,
                utc(2025, 12, 18, 3, 7, 32),
                SlaStage.ACHIEVED,
                SlaSource.VENDOR,
                "first_reply_time",
            ),
            SlaTarget(
                SlaMetric.NEXT_RESPONSE,
                utc(2026, 11, 20, 13, 30),
                SlaStage.BREACHED,
                SlaSource.VENDOR,
                "next_reply_time",
            ),
            SlaTarget(
                SlaMetric.PERIODIC_UPDATE,
                utc(2026, 11, 20, 15, 0),
                SlaStage.ACTIVE,
                SlaSource.VENDOR,
                "periodic_update_time",
            ),
            SlaTarget(
                SlaMetric.RESOLUTION, None, SlaStage.PAUSED, SlaSource.VENDOR, "agent_work_time"
            ),
        ),
        comments=(
            Comment(
                "30",
                "Jürgen Müller",
                True,
                "Hi team,\n\nSSO fails with invalid_signature since 08:00 UTC.",
                utc(2026, 11, 1, 8, 0),
            ),
            Comment(
                "31", "Maya Lindqvist", False, "Forced a metadata refresh.", utc(2026, 11, 1, 9, 30)
            ),
            Comment("32", None, True, "Any news?", utc(2026, 11, 2, 10, 0)),
        ),
    )
    assert ticket.id == "demo-zendesk:4512"
    assert ticket.raw is raw


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("new", Status.NEW),
        ("open", Status.OPEN),
        ("pending", Status.PENDING),
        ("hold", Status.ON_HOLD),
        ("solved", Status.SOLVED),
        ("closed", Status.CLOSED),
    ],
)
@pytest.mark.parametrize(
    ("priority", "expected_priority"),
    [("urgent", Priority.P1), ("high", Priority.P2), ("normal", Priority.P3), ("low", Priority.P4)],
)
def test_zendesk_vocabularies(
    status: str, expected: Status, priority: str, expected_priority: Priority
) -> None:
    ticket = zendesk.normalize_ticket(
        zd_ticket(status=status, priority=priority),
        account="a",
        base_url=ZD_BASE,
        directory=zd_directory(),
        now=NOW,
    )
    assert (ticket.status, ticket.priority, ticket.priority_raw) == (
        expected,
        expected_priority,
        priority,
    )
    assert ticket.comments is None  # not fetched


def test_zendesk_plan_without_sla_and_metric_mapping() -> None:
    raw = zd_ticket()
    del raw["slas"]
    ticket = zendesk.normalize_ticket(
        raw, account="demo-zendesk-team", base_url=ZD_BASE, directory=zd_directory(), now=NOW
    )
    assert ticket.sla == ()
    separate = zendesk.normalize_ticket(
        raw,
        account="demo-zendesk",
        base_url=ZD_BASE,
        directory=zd_directory(),
        sla={
            "policy_metrics": [{"breach_at": None, "stage": "paused", "metric": "agent_work_time"}]
        },
        now=NOW,
    )
    assert separate.sla == (
        SlaTarget(SlaMetric.RESOLUTION, None, SlaStage.PAUSED, SlaSource.VENDOR, "agent_work_time"),
    )
    assert zendesk.normalize_sla({"policy_metrics": []}, now=NOW) == ()
    mapped = zendesk.normalize_sla(
        {
            "policy_metrics": [
                {"breach_at": "2026-11-22T00:00:00Z", "stage": "active", "metric": m}
                for m in (
                    "pausable_update_time",
                    "total_resolution_time",
                    "requester_wait_time",
                )
            ]
        },
        now=NOW,
    )
    assert [t.metric for t in mapped] == [
        SlaMetric.PERIODIC_UPDATE,
        SlaMetric.RESOLUTION,
        SlaMetric.RESOLUTION,
    ]


def test_zendesk_priority_override_from_config() -> None:
    maps = VendorMaps.default(Vendor.ZENDESK).with_overrides(priority={"Critical": "P1"})
    ticket = zendesk.normalize_ticket(
        zd_ticket(priority="critical"),
        account="a",
        base_url=ZD_BASE,
        directory=zd_directory(),
        maps=maps,
        now=NOW,
    )
    assert ticket.priority is Priority.P1


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"created_at": None}, ["4512", "'created_at'"]),
        ({"created_at": "last tuesday"}, ["'created_at'", "last tuesday"]),
        ({"status": "deleted"}, ["'deleted'", "[maps.zendesk.status]"]),
        ({"priority": "critical"}, ["'critical'", "[maps.zendesk.priority]"]),
        ({"tags": "sso"}, ["'tags'"]),
        ({"id": None}, ["'id'"]),
        ({"slas": {"policy_metrics": [{"metric": "first_reply_time", "stage": "odd"}]}}, ["'odd'"]),
        (
            {
                "slas": {
                    "policy_metrics": [
                        {"metric": "first_reply_time", "stage": "active", "breach_at": "soon"}
                    ]
                }
            },
            ["'breach_at'", "soon"],
        ),
    ],
)
def test_zendesk_bad_data_names_field_and_value(
    changes: dict[str, Any], fragments: list[str]
) -> None:
    raw = zd_ticket(**changes)
    with pytest.raises(NormalizationError) as info:
        zendesk.normalize_ticket(
            raw, account="a", base_url=ZD_BASE, directory=zd_directory(), now=NOW
        )
    for fragment in fragments:
        assert fragment in str(info.value)


def test_zendesk_bad_comment_and_record_types() -> None:
    comment = {k: v for k, v in ZD_COMMENTS[0].items() if k != "public"}
    with pytest.raises(NormalizationError, match="'public' is missing"):
        zendesk.normalize_ticket(
            zd_ticket(),
            account="a",
            base_url=ZD_BASE,
            directory=zd_directory(),
            comments=[comment],
            now=NOW,
        )
    with pytest.raises(NormalizationError, match="expected an object"):
        zendesk.normalize_ticket(
            ["not", "a", "ticket"],
            account="a",
            base_url=ZD_BASE,  # type: ignore[arg-type]
            directory=zd_directory(),
            now=NOW,
        )
    with pytest.raises(NormalizationError, match="'name'"):
        zendesk.build_directory("a", users=[{"id": 1}])


def test_zendesk_directory_entries() -> None:
    entries = zd_directory().entries
    assert entries == [
        DirectoryEntry(
            "demo-zendesk", DirectoryKind.USER, "9001", "Jürgen Müller", "juergen@mueller-gmbh.de"
        ),
        DirectoryEntry(
            "demo-zendesk", DirectoryKind.USER, "9002", "Maya Lindqvist", "maya@acme.example"
        ),
        DirectoryEntry("demo-zendesk", DirectoryKind.ORGANIZATION, "77", "Müller GmbH"),
        DirectoryEntry("demo-zendesk", DirectoryKind.GROUP, "55", "Tier 3 – Platform"),
    ]


# --- JSM --------------------------------------------------------------------------------------

JSM_BASE = "https://acme-support.atlassian.net"


def date_dto(moment: datetime) -> dict[str, Any]:
    millis = int(moment.timestamp() * 1000)
    return {
        "iso8601": moment.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "jira": moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "friendly": "Today 2:30 PM",
        "epochMillis": millis,
    }


def duration(seconds: int) -> dict[str, Any]:
    return {"millis": seconds * 1000, "friendly": f"{seconds // 60}m"}


JSM_DESCRIPTION = {
    "type": "doc",
    "version": 1,
    "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Deliveries time out."}]},
        {"type": "heading", "attrs": {"level": 3}, "content": [{"type": "text", "text": "Logs"}]},
        {
            "type": "codeBlock",
            "attrs": {"language": "log"},
            "content": [{"type": "text", "text": "status=timeout trace_id=4bf92f3577b34da6"}],
        },
        {
            "type": "bulletList",
            "content": [
                {
                    "type": "listItem",
                    "content": [
                        {
                            "type": "paragraph",
                            "content": [
                                {"type": "text", "text": "Rotated the "},
                                {"type": "text", "text": "secret", "marks": [{"type": "code"}]},
                            ],
                        }
                    ],
                }
            ],
        },
    ],
}


def jsm_issue(**field_changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "summary": "Webhook deliveries to hooks.cafeole.fr time out",
        "status": {
            "name": "Waiting for customer",
            "id": "10001",
            "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"},
        },
        "priority": {"name": "Highest", "id": "1"},
        "reporter": {
            "accountId": "qm:6d565ab7:339c48",
            "displayName": "Zoë Dubois",
            "emailAddress": "zoe.dubois@cafeole.fr",
        },
        "assignee": None,
        "created": "2022-10-25T20:21:33.277+0100",
        "updated": "2022-10-26T09:00:00.000+0000",
        "labels": ["webhooks", "timeout"],
        "description": JSM_DESCRIPTION,
        "customfield_10002": [{"id": "3", "name": "Café Olé SARL"}],
    }
    fields.update(field_changes)
    return {
        "id": "10088",
        "key": "SUP-88",
        "self": f"{JSM_BASE}/rest/api/3/issue/10088",
        "fields": fields,
    }


JSM_COMMENTS = [
    {
        "id": "20002",
        "body": "Egress NAT saturated.\n\n{noformat}\nnat-7 100% ports\n{noformat}",
        "public": False,
        "author": {"accountId": "5b10ac8d", "displayName": "Maya Lindqvist"},
        "created": date_dto(utc(2022, 10, 26, 8, 0)),
    },
    {
        "id": "20001",
        "body": "Thanks, looking into it.",
        "public": True,
        "author": {"accountId": "5b10ac8d", "displayName": "Maya Lindqvist"},
        "created": date_dto(utc(2022, 10, 25, 20, 0)),
    },
]

JSM_SLA = [
    {
        # TC18: ongoing cycle already breached while its breach instant is still ahead.
        "id": "1",
        "name": "Time to first response",
        "ongoingCycle": {
            "startTime": date_dto(NOW - timedelta(hours=3)),
            "breachTime": date_dto(NOW + timedelta(minutes=20)),
            "breached": True,
            "paused": False,
            "withinCalendarHours": True,
            "goalDuration": duration(3600),
            "elapsedTime": duration(4000),
            "remainingTime": duration(-400),
        },
        "completedCycles": [],
    },
    {
        "id": "2",
        "name": "Time to resolution",
        "ongoingCycle": {
            "startTime": date_dto(NOW - timedelta(days=1)),
            "breached": False,
            "paused": True,
            "withinCalendarHours": True,
            "goalDuration": duration(14400),
            "elapsedTime": duration(7200),
            "remainingTime": duration(7200),
        },
        "completedCycles": [],
    },
]


def test_jsm_issue_normalises_to_the_contract() -> None:
    raw = jsm_issue()
    ticket = jsm.normalize_ticket(
        raw,
        account="demo-jsm",
        base_url=JSM_BASE,
        directory=jsm.build_directory("demo-jsm"),
        comments=JSM_COMMENTS,
        sla=JSM_SLA,
        now=NOW,
    )
    assert ticket == Ticket(
        account="demo-jsm",
        vendor=Vendor.JSM,
        remote_id="10088",
        display_key="SUP-88",
        subject="Webhook deliveries to hooks.cafeole.fr time out",
        status=Status.PENDING,
        status_raw="Waiting for customer",
        priority=Priority.P1,
        priority_raw="Highest",
        requester="Zoë Dubois",
        organization="Café Olé SARL",
        assignee=None,
        group=None,
        created_at=datetime(2022, 10, 25, 19, 21, 33, 277000, tzinfo=UTC),
        updated_at=utc(2022, 10, 26, 9, 0),
        url="https://acme-support.atlassian.net/browse/SUP-88",
        description=(
            "Deliveries time out.\n\n### Logs\n\n```log\nstatus=timeout trace_id=4bf92f3577b34da6\n"
            "```\n\n- Rotated the `secret`"
        ),
        description_format="markdown",
        tags=("webhooks", "timeout"),
        sla=(
            SlaTarget(
                SlaMetric.FIRST_RESPONSE,
                NOW + timedelta(minutes=20),
                SlaStage.BREACHED,
                SlaSource.VENDOR,
                "Time to first response",
                -400,
            ),
            SlaTarget(
                SlaMetric.RESOLUTION,
                None,
                SlaStage.PAUSED,
                SlaSource.VENDOR,
                "Time to resolution",
                7200,
            ),
        ),
        comments=(
            Comment(
                "20001",
                "Maya Lindqvist",
                True,
                "Thanks, looking into it.",
                utc(2022, 10, 25, 20, 0),
            ),
            Comment(
                "20002",
                "Maya Lindqvist",
                False,
                "Egress NAT saturated.\n\nnat-7 100% ports",
                utc(2022, 10, 26, 8, 0),
            ),
        ),
    )


@pytest.mark.parametrize(
    ("name", "category", "expected"),
    [
        ("Open", "new", Status.NEW),
        ("In Progress", "indeterminate", Status.OPEN),
        ("Escalated", "indeterminate", Status.OPEN),
        ("Waiting for support", "indeterminate", Status.OPEN),
        ("Waiting for customer", "indeterminate", Status.PENDING),
        ("Resolved", "done", Status.SOLVED),
        ("Canceled", "done", Status.SOLVED),
        ("Closed", "done", Status.CLOSED),
    ],
)
def test_jsm_status_by_name_then_category(name: str, category: str, expected: Status) -> None:
    status = {"name": name, "statusCategory": {"key": category}}
    ticket = jsm.normalize_ticket(
        jsm_issue(status=status),
        account="a",
        base_url=JSM_BASE,
        directory=jsm.build_directory("a"),
        now=NOW,
    )
    assert (ticket.status, ticket.status_raw) == (expected, name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Highest", Priority.P1),
        ("High", Priority.P2),
        ("Medium", Priority.P3),
        ("Low", Priority.P4),
        ("Lowest", Priority.P4),
    ],
)
def test_jsm_priorities(name: str, expected: Priority) -> None:
    ticket = jsm.normalize_ticket(
        jsm_issue(priority={"name": name, "id": "9"}),
        account="a",
        base_url=JSM_BASE,
        directory=jsm.build_directory("a"),
        now=NOW,
    )
    assert ticket.priority is expected


def test_jsm_sla_completed_cycles_and_unknown_names() -> None:
    past = NOW - timedelta(days=2)

    def completed(name: str, *breached: bool) -> dict[str, Any]:
        return {
            "id": "9",
            "name": name,
            "completedCycles": [
                {
                    "startTime": date_dto(past),
                    "stopTime": date_dto(past),
                    "breachTime": date_dto(past + timedelta(hours=i)),
                    "breached": b,
                }
                for i, b in enumerate(breached)
            ],
        }

    targets = jsm.normalize_sla(
        [
            completed("Time to first response", False),
            completed("Time to resolution", False, True),
            completed("Time to approve normal change", True),
            {"id": "5", "name": "Time to resolution", "completedCycles": []},
            {
                "id": "6",
                "name": "Time to resolution",
                "ongoingCycle": {
                    "breachTime": date_dto(NOW - timedelta(minutes=5)),
                    "breached": False,
                    "paused": False,
                },
            },
        ],
        now=NOW,
    )
    assert targets == (
        SlaTarget(
            SlaMetric.FIRST_RESPONSE,
            past,
            SlaStage.ACHIEVED,
            SlaSource.VENDOR,
            "Time to first response",
        ),
        SlaTarget(
            SlaMetric.RESOLUTION,
            past + timedelta(hours=1),
            SlaStage.BREACHED,
            SlaSource.VENDOR,
            "Time to resolution",
        ),
        SlaTarget(
            SlaMetric.RESOLUTION,
            NOW - timedelta(minutes=5),
            SlaStage.BREACHED,
            SlaSource.VENDOR,
            "Time to resolution",
        ),
    )


@pytest.mark.parametrize(
    ("issue", "fragments"),
    [
        ({"id": "10088", "key": "SUP-88"}, ["SUP-88", "'fields'"]),
        (jsm_issue(status={"statusCategory": {"key": "new"}}), ["'name'"]),
        (
            jsm_issue(status={"name": "Triage", "statusCategory": {"key": "weird"}}),
            ["'Triage'", "[maps.jsm.status]"],
        ),
        (jsm_issue(created="yesterday"), ["'created'", "yesterday"]),
        (jsm_issue(priority={"name": "Blocker"}), ["'Blocker'", "[maps.jsm.priority]"]),
        (jsm_issue(customfield_10002={"id": "3"}), ["customfield_10002"]),
        (jsm_issue(description=42), ["description", "42"]),
    ],
)
def test_jsm_bad_data_names_field_and_value(issue: dict[str, Any], fragments: list[str]) -> None:
    with pytest.raises(NormalizationError) as info:
        jsm.normalize_ticket(
            issue, account="a", base_url=JSM_BASE, directory=jsm.build_directory("a"), now=NOW
        )
    for fragment in fragments:
        assert fragment in str(info.value)


def test_jsm_bad_sla_and_comment_dates() -> None:
    bad_sla = copy.deepcopy(JSM_SLA[:1])
    bad_sla[0]["ongoingCycle"]["breachTime"] = {"epochMillis": "soon"}
    with pytest.raises(NormalizationError, match="breachTime"):
        jsm.normalize_sla(bad_sla, now=NOW)
    with pytest.raises(NormalizationError, match="'created'"):
        jsm.normalize_comment({"id": "1", "body": "x", "public": True, "created": {}})


def test_jsm_plain_text_description_and_directory() -> None:
    ticket = jsm.normalize_ticket(
        jsm_issue(
            description="{code}x = 1{code}",
            customfield_10002=[{"id": "3"}],
            assignee={"accountId": "5b10ac8d"},
        ),
        account="demo-jsm",
        base_url=JSM_BASE,
        directory=jsm.build_directory(
            "demo-jsm",
            users=[{"accountId": "5b10ac8d", "displayName": "Maya Lindqvist"}],
            organizations=[{"id": "3", "name": "Café Olé SARL"}],
        ),
        now=NOW,
    )
    assert (ticket.description, ticket.description_format) == ("x = 1", "text")
    assert (ticket.assignee, ticket.organization) == ("Maya Lindqvist", "Café Olé SARL")


# --- ServiceNow -------------------------------------------------------------------------------

SN_BASE = "https://acme.service-now.com"
CALLER = "5b7c200d0a640069006b3845b5d0fa7c"
AGENT = "681b365ec0a80164000fb0b05854a0cd"
GROUP = "8a5055c9c61122780043563ef53438e3"
COMPANY = "31bea3d53790200044e0bfc8bcbe5dec"
INCIDENT = "9c573169c611228700193229fff72400"


def ref(table: str, sys_id: str) -> dict[str, str]:
    return {"link": f"{SN_BASE}/api/now/table/{table}/{sys_id}", "value": sys_id}


def sn_directory() -> servicenow.Directory:
    return servicenow.build_directory(
        "demo-snow",
        users=[
            {
                "sys_id": CALLER,
                "user_name": "soren.johansson",
                "name": "Søren Johansson",
                "email": "soren@tokyo-systems.co.jp",
            },
            {"sys_id": AGENT, "user_name": "maya.lindqvist", "name": "Maya Lindqvist"},
        ],
        groups=[{"sys_id": GROUP, "name": "Identity & SSO"}],
        companies=[{"sys_id": COMPANY, "name": "東京システム株式会社"}],
    )


def sn_incident(**changes: Any) -> dict[str, Any]:
    incident: dict[str, Any] = {
        "sys_id": INCIDENT,
        "number": "INC0010042",
        "short_description": "SSO login fails for all users",
        "description": "Since 08:00 UTC every SAML assertion is rejected.",
        "state": "3",
        "incident_state": "3",
        "priority": "5",
        "caller_id": ref("sys_user", CALLER),
        "company": ref("core_company", COMPANY),
        "assigned_to": "",
        "assignment_group": ref("sys_user_group", GROUP),
        "opened_at": "2026-11-18 07:26:01",
        "sys_created_on": "2026-11-18 07:26:01",
        "sys_updated_on": "2026-11-20 09:00:00",
        "category": "software",
        "subcategory": "authentication",
        "work_notes": "",
        "comments": "",
    }
    incident.update(changes)
    return incident


def journal(element: str, created: str, value: str, by: str, sys_id: str) -> dict[str, str]:
    return {
        "element": element,
        "element_id": INCIDENT,
        "name": "incident",
        "sys_created_by": by,
        "sys_created_on": created,
        "sys_id": sys_id,
        "sys_tags": "",
        "value": value,
    }


SN_JOURNAL = [
    journal(
        "work_notes",
        "2026-11-19 10:00:00",
        "[code]<p>Escalated to &lt;identity&gt; team</p><pre>trace=4bf92f35</pre>[/code]",
        "maya.lindqvist",
        "j2",
    ),
    journal("comments", "2026-11-18 08:00:00", "Any update? 🙏", "soren.johansson", "j1"),
    journal("close_notes", "2026-11-19 11:00:00", "not a journal entry we show", "admin", "j3"),
    journal("comments", "2026-11-19 12:00:00", "Restarted the IdP sync.", "admin", "j4"),
]

SN_DEFINITIONS = {
    "def-resp": {"sys_id": "def-resp", "name": "Priority 4 response (1 day)", "target": "response"},
    "def-res": {
        "sys_id": "def-res",
        "name": "Priority 4 resolution (14 days)",
        "target": "resolution",
    },
}


def task_sla(stage: str, planned: str, breached: str = "false", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "sys_id": f"sla-{stage}",
        "task": ref("incident", INCIDENT),
        "sla": ref("contract_sla", "def-res"),
        "stage": stage,
        "has_breached": breached,
        "planned_end_time": planned,
        "time_left": "1970-01-01 00:00:00",
        "business_time_left": "1970-01-01 00:00:00",
    }
    row.update(extra)
    return row


def test_servicenow_incident_normalises_to_the_contract() -> None:
    tc17 = task_sla("in_progress", "2026-11-20 12:30:00")  # time_left clamped at 0, stale flag
    paused = task_sla(
        "paused",
        "2026-11-19 10:00:00",
        sla=ref("contract_sla", "def-resp"),
        business_time_left="1970-01-01 03:20:00",
    )
    raw = sn_incident()
    ticket = servicenow.normalize_ticket(
        raw,
        account="demo-snow",
        base_url=SN_BASE,
        directory=sn_directory(),
        comments=SN_JOURNAL,
        sla=[tc17, paused, task_sla("cancelled", "2026-11-25 00:00:00")],
        sla_definitions=SN_DEFINITIONS,
        now=NOW,
    )
    assert ticket == Ticket(
        account="demo-snow",
        vendor=Vendor.SERVICENOW,
        remote_id=INCIDENT,
        display_key="INC0010042",
        subject="SSO login fails for all users",
        status=Status.ON_HOLD,
        status_raw="3",
        priority=Priority.P4,
        priority_raw="5",
        requester="Søren Johansson",
        organization="東京システム株式会社",
        assignee=None,
        group="Identity & SSO",
        created_at=utc(2026, 11, 18, 7, 26, 1),
        updated_at=utc(2026, 11, 20, 9, 0),
        url=f"https://acme.service-now.com/nav_to.do?uri=incident.do?sys_id={INCIDENT}",
        description="Since 08:00 UTC every SAML assertion is rejected.",
        description_format="text",
        tags=("software", "authentication"),
        sla=(
            SlaTarget(
                SlaMetric.FIRST_RESPONSE,
                None,
                SlaStage.PAUSED,
                SlaSource.VENDOR,
                "Priority 4 response (1 day)",
                12000,
            ),
            SlaTarget(
                SlaMetric.RESOLUTION,
                utc(2026, 11, 20, 12, 30),
                SlaStage.BREACHED,
                SlaSource.VENDOR,
                "Priority 4 resolution (14 days)",
            ),
        ),
        comments=(
            Comment("j1", "Søren Johansson", True, "Any update? 🙏", utc(2026, 11, 18, 8, 0)),
            Comment(
                "j2",
                "Maya Lindqvist",
                False,
                "Escalated to <identity> team\ntrace=4bf92f35",
                utc(2026, 11, 19, 10, 0),
            ),
            Comment("j4", "admin", True, "Restarted the IdP sync.", utc(2026, 11, 19, 12, 0)),
        ),
    )
    # TC17: overdue by exactly two hours, computed from planned_end_time.
    assert NOW - ticket.sla[1].breach_at == timedelta(hours=2)  # type: ignore[operator]


def test_servicenow_sla_stages() -> None:
    rows = [
        task_sla("completed", "2026-11-19 10:00:00", breached="true"),
        task_sla("completed", "2026-11-19 11:00:00"),
        task_sla("breached", "2026-11-19 12:00:00", breached="true"),
        task_sla("in_progress", "2026-11-21 12:00:00"),
        task_sla(
            "In progress",
            "2026-11-21 13:00:00",
            sla={"display_value": "P2 response (1h)", "value": "nope", "link": "x"},
        ),
        task_sla("paused", "2026-11-19 10:00:00", breached="true"),
    ]
    targets = servicenow.normalize_sla(rows, definitions=SN_DEFINITIONS, now=NOW)
    name = "Priority 4 resolution (14 days)"
    # Metric order (first response first), then breach instant; ties keep the row order.
    assert [(t.metric, t.stage, t.breach_at, t.policy) for t in targets] == [
        (SlaMetric.FIRST_RESPONSE, SlaStage.ACTIVE, utc(2026, 11, 21, 13), "P2 response (1h)"),
        (SlaMetric.RESOLUTION, SlaStage.BREACHED, utc(2026, 11, 19, 10), name),
        (SlaMetric.RESOLUTION, SlaStage.BREACHED, utc(2026, 11, 19, 10), name),
        (SlaMetric.RESOLUTION, SlaStage.ACHIEVED, utc(2026, 11, 19, 11), name),
        (SlaMetric.RESOLUTION, SlaStage.BREACHED, utc(2026, 11, 19, 12), name),
        (SlaMetric.RESOLUTION, SlaStage.ACTIVE, utc(2026, 11, 21, 12), name),
    ]
    # The rows' order does not matter.
    assert servicenow.normalize_sla(rows[::-1], definitions=SN_DEFINITIONS, now=NOW) == targets


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("1", Status.NEW),
        ("2", Status.OPEN),
        ("3", Status.ON_HOLD),
        ("6", Status.SOLVED),
        ("7", Status.CLOSED),
        ("8", Status.CLOSED),
    ],
)
@pytest.mark.parametrize(
    ("priority", "expected_priority"),
    [
        ("1", Priority.P1),
        ("2", Priority.P2),
        ("3", Priority.P3),
        ("4", Priority.P4),
        ("5", Priority.P4),
        ("", None),
    ],
)
def test_servicenow_vocabularies(
    state: str, expected: Status, priority: str, expected_priority: Priority | None
) -> None:
    ticket = servicenow.normalize_ticket(
        sn_incident(state=state, priority=priority),
        account="a",
        base_url=SN_BASE,
        directory=sn_directory(),
        now=NOW,
    )
    assert (ticket.status, ticket.priority) == (expected, expected_priority)


def test_servicenow_reference_variants() -> None:
    ticket = servicenow.normalize_ticket(
        sn_incident(
            caller_id=CALLER,  # sysparm_exclude_reference_link=true
            assigned_to={"display_value": "Maya L.", "value": AGENT, "link": "x"},
            company="",
            assignment_group={"link": "x", "value": ""},
        ),
        account="a",
        base_url=SN_BASE,
        directory=sn_directory(),
        now=NOW,
    )
    assert (ticket.requester, ticket.assignee, ticket.organization, ticket.group) == (
        "Søren Johansson",
        "Maya L.",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "sla", "fragments"),
    [
        ({"state": "4"}, None, ["'4'", "[maps.servicenow.status]"]),
        ({"sys_updated_on": "2026-13-40 99:00:00"}, None, ["'sys_updated_on'", "2026-13-40"]),
        ({"caller_id": {"value": 5}}, None, ["caller_id.value", "5"]),
        ({"number": ""}, None, ["'number'"]),
        ({}, [task_sla("flying", "2026-11-20 00:00:00")], ["'flying'"]),
        ({}, [task_sla("completed", "tomorrow")], ["'planned_end_time'", "tomorrow"]),
        (
            {},
            [task_sla("completed", "2026-11-20 00:00:00", breached="maybe")],
            ["'has_breached'", "maybe"],
        ),
    ],
)
def test_servicenow_bad_data_names_field_and_value(
    changes: dict[str, Any], sla: list[dict[str, Any]] | None, fragments: list[str]
) -> None:
    with pytest.raises(NormalizationError) as info:
        servicenow.normalize_ticket(
            sn_incident(**changes),
            account="a",
            base_url=SN_BASE,
            directory=sn_directory(),
            sla=sla,
            now=NOW,
        )
    for fragment in fragments:
        assert fragment in str(info.value)


def test_servicenow_journal_text_and_durations() -> None:
    assert servicenow.journal_text("plain [not code]") == "plain [not code]"
    assert servicenow.journal_text("[code]<b>a</b><br/>b &amp; c[/code]") == "a\nb & c"
    assert servicenow.duration_seconds("1970-01-02 03:04:05", "d", "c") == 97445
    assert servicenow.duration_seconds("", "d", "c") is None
    assert (
        servicenow.normalize_comment(
            journal("close_notes", "2026-11-19 11:00:00", "x", "admin", "j9"),
            directory=sn_directory(),
        )
        is None
    )


# --- malformed data never escapes as KeyError/TypeError ----------------------------------------


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            found += _paths(value, (*prefix, index))
    return found


MUTATIONS: dict[str, Any] = {
    "none": None,
    "int": 12345678901234,
    "list": [1, "x"],
    "text": "garbage!",
    "object": {"a": 1},
    "bool": True,
}


@pytest.mark.parametrize(
    ("account_name", "part"),
    [
        ("demo-zendesk", "ticket"),  # the Zendesk SLA sideload lives inside the ticket
        ("demo-zendesk", "comments"),
        ("demo-jsm", "ticket"),
        ("demo-jsm", "comments"),
        ("demo-jsm", "sla"),
        ("demo-snow", "ticket"),
        ("demo-snow", "comments"),
        ("demo-snow", "sla"),
    ],
)
def test_every_single_corruption_raises_normalization_error_or_nothing(
    account_name: str, part: str
) -> None:
    """Delete or retype each value of a real record in turn: never a bare KeyError/TypeError."""
    account = generate(40, 8, NOW)[account_name]
    directory = feed.build_directory(account)
    raw = account.ticket(2 if part == "sla" else 5)
    original = getattr(raw, part)
    checked = 0
    for path in _paths(original):
        for action in ("delete", *MUTATIONS):
            record = copy.deepcopy(original)
            parent = record
            for key in path[:-1]:
                parent = parent[key]
            if action == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(MUTATIONS[action])
            corrupted = dataclasses.replace(raw, **{part: record})
            # Either the record still normalises, or the error is a NormalizationError.
            with contextlib.suppress(NormalizationError):
                feed.normalize_raw(account, corrupted, now=NOW, directory=directory)
            checked += 1
    assert checked > 20
