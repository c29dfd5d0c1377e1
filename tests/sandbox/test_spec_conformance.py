"""The sandbox may only send shapes the vendors send: generated records vs the vendors' material.

Sources are in ``tests/fixtures/specs`` (see its README): recorded Zendesk responses and
OpenAPI examples, the JSM and Jira platform OpenAPI schemas, ServiceNow's recorded journal row
and documentation pages.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from queuebench.sandbox.generator import RawTicket, generate
from tests.sandbox import spec_support as specs

NOW = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


@cache
def _records(account: str) -> tuple[RawTicket, ...]:
    return tuple(generate(400, seed=5, now=NOW)[account])


@cache
def _directory(account: str) -> dict[str, list[dict[str, Any]]]:
    return generate(400, seed=5, now=NOW)[account].directory


def _type_name(value: Any) -> str:
    return type(value).__name__


# --- Zendesk ----------------------------------------------------------------------------------


@pytest.mark.parametrize("account", ["demo-zendesk", "demo-zendesk-team"])
def test_zendesk_ticket_keys_are_keys_zendesk_sends(account: str) -> None:
    recorded = specs.zendesk_recorded_tickets()
    vendor_keys = set().union(*(set(t) for t in recorded))
    vendor_keys |= specs.yaml_example_item_keys(
        "incremental-openapi-original.yml", "CursorBasedExportIncrementalTicketsResponse", "tickets"
    )
    for raw in _records(account):
        extra = set(raw.ticket) - vendor_keys - {"slas"}
        assert not extra, f"{account} ticket {raw.remote_id} invents keys {sorted(extra)}"


def test_zendesk_incremental_ticket_has_every_key_of_the_recorded_export() -> None:
    body = specs.zendesk_recorded_bodies("TicketsIncrementalTest.test_get_values.json")[1]
    recorded = body["tickets"][0]
    assert "generated_timestamp" in recorded
    for raw in _records("demo-zendesk")[:50]:
        assert set(recorded) <= set(raw.ticket)


def test_zendesk_ticket_value_types_match_recorded_values() -> None:
    types: dict[str, set[str]] = {}
    for ticket in specs.zendesk_recorded_tickets():
        for key, value in ticket.items():
            if value is not None:
                types.setdefault(key, set()).add(_type_name(value))
    for raw in _records("demo-zendesk"):
        for key, value in raw.ticket.items():
            if value is None or key not in types:
                continue
            assert _type_name(value) in types[key], (key, value)


def test_zendesk_slas_sideload_matches_the_observed_shape() -> None:
    observed = specs.SPECS / "zendesk" / "slas-sideload-observed.json"
    sample = __import__("json").loads(observed.read_text(encoding="utf-8"))
    metrics = sample["ticket"]["slas"]["policy_metrics"]
    entry_keys = set().union(*(set(m) for m in metrics)) | {"hours", "days", "minutes"}
    stages = {m["stage"] for m in metrics} | {"paused"}
    z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    seen_stages = set()
    for raw in _records("demo-zendesk"):
        assert set(raw.ticket["slas"]) == {"policy_metrics"}
        for entry in raw.ticket["slas"]["policy_metrics"]:
            assert set(entry) <= entry_keys, entry
            assert entry["stage"] in stages
            seen_stages.add(entry["stage"])
            assert entry["breach_at"] is None or z.match(entry["breach_at"])
            units = [k for k in ("days", "hours", "minutes") if k in entry]
            assert len(units) == (0 if entry["breach_at"] is None else 1), entry
    assert seen_stages == {"active", "achieved", "paused"}
    for raw in _records("demo-zendesk-team"):
        assert "slas" not in raw.ticket


def test_zendesk_comment_keys_and_types_match_recorded_comments() -> None:
    recorded = specs.zendesk_recorded_comments()
    vendor_keys = set().union(*(set(c) for c in recorded))
    # The comments endpoint adds these to what an audit's Comment event carries
    # (shared/reference/vendor-apis.md 1.4); no recorded sample of that endpoint exists.
    vendor_keys |= {"via", "metadata", "created_at"}
    types = {k: _type_name(v) for c in recorded for k, v in c.items() if v is not None}
    for raw in _records("demo-zendesk"):
        for comment in raw.comments:
            assert set(comment) <= vendor_keys, sorted(set(comment) - vendor_keys)
            assert comment["type"] == "Comment"
            for key, value in comment.items():
                if key in types:
                    assert _type_name(value) == types[key], (key, value)


def test_zendesk_users_and_organizations_use_documented_keys() -> None:
    user_keys = specs.yaml_example_item_keys(
        "incremental-openapi-original.yml", "TimeBasedExportIncrementalUsersResponse", "users"
    )
    org_keys = specs.yaml_example_item_keys(
        "incremental-openapi-original.yml",
        "ExportIncrementalOrganizationsResponse",
        "organizations",
    )
    directory = _directory("demo-zendesk")
    assert directory["users"] and directory["organizations"]
    for user in directory["users"]:
        assert set(user) <= user_keys, sorted(set(user) - user_keys)
    for org in directory["organizations"]:
        assert set(org) <= org_keys, sorted(set(org) - org_keys)


# --- JSM --------------------------------------------------------------------------------------

SM = "spec_service_management.schemas.json"
PLATFORM = "spec_jira_platform.schemas.json"


def _assert_conforms(value: Any, schema_name: str, spec: str, path: str) -> None:
    schemas = specs.openapi_schemas(spec)
    problems = specs.check_schema(value, schemas[schema_name], schemas, path)
    assert not problems, problems[:5]


def test_jsm_comments_are_comment_dtos() -> None:
    for raw in _records("demo-jsm"):
        for comment in raw.comments:
            _assert_conforms(comment, "CommentDTO", SM, f"{raw.remote_id}.comment")
            # Every DateDTO representation is present, as Jira sends it.
            assert set(comment["created"]) == set(
                specs.openapi_schemas(SM)["DateDTO"]["properties"]
            )


def test_jsm_sla_values_are_sla_information_dtos() -> None:
    schemas = specs.openapi_schemas(SM)
    seen = {"ongoing": 0, "completed": 0, "paused": 0, "breached": 0}
    for raw in _records("demo-jsm"):
        page = {
            "size": len(raw.sla),
            "start": 0,
            "limit": 50,
            "isLastPage": True,
            "values": raw.sla,
        }
        _assert_conforms(page, "PagedDTOSlaInformationDTO", SM, f"{raw.remote_id}.sla")
        for value in raw.sla:
            ongoing = value.get("ongoingCycle")
            if ongoing:
                seen["ongoing"] += 1
                seen["paused"] += ongoing["paused"]
                seen["breached"] += ongoing["breached"]
                cycle_props = set(schemas["SlaInformationOngoingCycleDTO"]["properties"])
                # breachTime is left out only while a clock is paused short of its breach.
                assert set(ongoing) | {"breachTime"} == cycle_props
            for cycle in value.get("completedCycles", []):
                seen["completed"] += 1
                assert set(cycle) == set(schemas["SlaInformationCompletedCycleDTO"]["properties"])
                assert set(cycle["goalDuration"]) == set(schemas["DurationDTO"]["properties"])
    assert all(seen.values()), seen


def test_jsm_issues_are_issue_beans() -> None:
    for raw in _records("demo-jsm"):
        issue = raw.ticket
        _assert_conforms(issue, "IssueBean", PLATFORM, f"issue {issue['key']}")
        fields = issue["fields"]
        _assert_conforms(fields["status"], "StatusDetails", PLATFORM, "fields.status")
        _assert_conforms(fields["priority"], "Priority", PLATFORM, "fields.priority")
        _assert_conforms(fields["reporter"], "UserDetails", PLATFORM, "fields.reporter")
        if fields["assignee"] is not None:
            _assert_conforms(fields["assignee"], "UserDetails", PLATFORM, "fields.assignee")
        for org in fields["customfield_10002"]:
            _assert_conforms(org, "OrganizationDTO", SM, "fields.customfield_10002[]")
        assert fields["status"]["statusCategory"]["key"] in ("new", "indeterminate", "done")
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$", fields["created"])
        assert fields["description"]["type"] == "doc" and fields["description"]["version"] == 1


def test_jsm_directory_records_conform() -> None:
    directory = _directory("demo-jsm")
    for user in directory["users"]:
        _assert_conforms(user, "UserDetails", PLATFORM, "user")
    for org in directory["organizations"]:
        _assert_conforms(org, "OrganizationDTO", SM, "organization")


def test_schema_checker_can_fail() -> None:
    schemas = specs.openapi_schemas(SM)
    bad = {"id": 7, "public": "yes", "surprise": 1}
    problems = specs.check_schema(bad, schemas["CommentDTO"], schemas, "c")
    assert "c.id: int where string is required" in problems
    assert "c.public: str where boolean is required" in problems
    assert "c: property 'surprise' is not in the vendor schema" in problems


# --- ServiceNow -------------------------------------------------------------------------------

SN_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def _is_reference(value: Any, base: str) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"link", "value"}
        and value["link"] == f"{base}/api/now/table/{value['link'].split('/')[-2]}/{value['value']}"
    )


def test_servicenow_journal_rows_have_exactly_the_recorded_keys() -> None:
    recorded = __import__("json").loads(
        (specs.SPECS / "servicenow" / "recorded_sys_journal_field.json").read_text("utf-8")
    )["result"][0]
    elements = set()
    for raw in _records("demo-snow"):
        for row in raw.comments:
            assert set(row) == set(recorded)
            assert all(isinstance(v, str) for v in row.values())
            assert row["element_id"] == raw.remote_id
            assert row["name"] == recorded["name"] == "incident"
            assert SN_TIME.match(row["sys_created_on"])
            elements.add(row["element"])
    assert elements == {"work_notes", "comments"}


def test_servicenow_incident_keys_are_documented_and_values_are_strings() -> None:
    documented = specs.servicenow_doc_incidents()
    assert documented, "the Table API page lost its incident examples"
    vendor_keys = set().union(*(set(r) for r in documented))
    base = "https://acme.service-now.com"
    for raw in _records("demo-snow"):
        incident = raw.ticket
        assert set(incident) <= vendor_keys, sorted(set(incident) - vendor_keys)
        for key, value in incident.items():
            assert isinstance(value, str) or _is_reference(value, base), (key, value)
        assert re.match(r"^INC\d{7}$", incident["number"])
        assert re.match(r"^[0-9a-f]{32}$", incident["sys_id"])
        for key in ("opened_at", "sys_created_on", "sys_updated_on"):
            assert SN_TIME.match(incident[key]), (key, incident[key])


def test_servicenow_task_sla_rows_use_documented_stages() -> None:
    stages = specs.servicenow_task_sla_stages()
    assert stages == {"in_progress", "cancelled", "paused", "completed", "breached"}
    seen = set()
    base = "https://acme.service-now.com"
    for raw in _records("demo-snow"):
        for row in raw.sla:
            assert row["stage"] in stages
            seen.add(row["stage"])
            assert row["has_breached"] in ("true", "false")
            assert SN_TIME.match(row["planned_end_time"])
            assert _is_reference(row["task"], base) and row["task"]["value"] == raw.remote_id
            assert _is_reference(row["sla"], base)
            assert all(isinstance(v, str) or _is_reference(v, base) for v in row.values())
    assert seen == stages
