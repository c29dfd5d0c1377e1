"""The sandbox generator: determinism, accounts, and a data set that exercises every queue state."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from queuebench.domain.models import SlaStage, Status, Ticket, Vendor
from queuebench.domain.normalize import effective_stage
from queuebench.sandbox.feed import (
    account_infos,
    directory_entries,
    iter_normalized,
)
from queuebench.sandbox.generator import ACCOUNTS, SandboxDataset, generate, split_counts

NOW = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
SLA_ACCOUNTS = ("demo-zendesk", "demo-jsm", "demo-snow")


def _dump(dataset: SandboxDataset) -> str:
    parts = []
    for account in dataset:
        parts.append(json.dumps(account.directory, sort_keys=True, ensure_ascii=False))
        for raw in account:
            parts.append(
                json.dumps([raw.ticket, raw.comments, raw.sla], sort_keys=True, ensure_ascii=False)
            )
    return "\n".join(parts)


@cache
def _tickets(count: int = 200, seed: int = 3) -> tuple[Ticket, ...]:
    return tuple(iter_normalized(generate(count, seed, NOW), NOW))


def _by_account(tickets: tuple[Ticket, ...]) -> dict[str, list[Ticket]]:
    out: dict[str, list[Ticket]] = {}
    for t in tickets:
        out.setdefault(t.account, []).append(t)
    return out


# --- shape of the data set ------------------------------------------------------------------


def test_four_accounts_with_their_vendors_urls_and_sla_flags() -> None:
    infos = account_infos(generate(100, 1, NOW))
    assert [(i.name, i.vendor, i.base_url, i.has_vendor_sla) for i in infos] == [
        ("demo-zendesk", Vendor.ZENDESK, "https://acme.zendesk.com", True),
        ("demo-jsm", Vendor.JSM, "https://acme-support.atlassian.net", True),
        ("demo-snow", Vendor.SERVICENOW, "https://acme.service-now.com", True),
        ("demo-zendesk-team", Vendor.ZENDESK, "https://acme-team.zendesk.com", False),
    ]


def test_tickets_split_35_30_25_10() -> None:
    dataset = generate(100, 1, NOW)
    assert {a.name: a.count for a in dataset} == {
        "demo-zendesk": 35,
        "demo-jsm": 30,
        "demo-snow": 25,
        "demo-zendesk-team": 10,
    }
    assert len(dataset) == 100
    assert split_counts(7, [a.share for a in ACCOUNTS]) == [2, 2, 2, 1]
    assert split_counts(0, [1.0, 1.0]) == [0, 0]
    for total in (1, 3, 99, 1001, 100_000):
        assert sum(split_counts(total, [a.share for a in ACCOUNTS])) == total


def test_display_keys_urls_and_ids_follow_each_vendor() -> None:
    firsts = {t.account: t for t in reversed(_tickets())}
    zd, jsm, snow = firsts["demo-zendesk"], firsts["demo-jsm"], firsts["demo-snow"]
    assert (zd.display_key, zd.remote_id, zd.id) == ("#4001", "4001", "demo-zendesk:4001")
    assert zd.url == "https://acme.zendesk.com/agent/tickets/4001"
    assert (jsm.display_key, jsm.remote_id) == ("SUP-1", "10001")
    assert jsm.url == "https://acme-support.atlassian.net/browse/SUP-1"
    assert snow.display_key == "INC0010001"
    assert re.fullmatch(r"[0-9a-f]{32}", snow.remote_id)
    assert snow.url == (
        f"https://acme.service-now.com/nav_to.do?uri=incident.do?sys_id={snow.remote_id}"
    )
    assert firsts["demo-zendesk-team"].display_key == "#1001"


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(10, 1, datetime(2026, 11, 20, 14, 30))


# --- determinism ----------------------------------------------------------------------------


def test_same_seed_and_now_give_identical_records() -> None:
    assert _dump(generate(60, 42, NOW)) == _dump(generate(60, 42, NOW))


def test_different_seed_or_now_give_different_records() -> None:
    base = _dump(generate(60, 42, NOW))
    assert _dump(generate(60, 43, NOW)) != base
    assert _dump(generate(60, 42, NOW + timedelta(hours=1))) != base


def test_random_access_matches_iteration_and_materialisation() -> None:
    account = generate(120, 9, NOW)["demo-jsm"]
    listed = list(account)
    assert [r.index for r in listed] == list(range(account.count))
    assert account.ticket(17) == listed[17]
    materialized = account.materialize()
    assert materialized.tickets == listed
    assert materialized.by_remote_id["10018"] is materialized.tickets[17]
    with pytest.raises(IndexError):
        account.ticket(account.count)


def test_a_ticket_does_not_depend_on_the_total_count() -> None:
    small = generate(40, 5, NOW)["demo-snow"].ticket(3)
    large = generate(4000, 5, NOW)["demo-snow"].ticket(3)
    assert small == large


def test_output_is_identical_in_another_process_with_another_hash_seed() -> None:
    script = (
        "import hashlib, json, sys\n"
        "from datetime import UTC, datetime\n"
        "from queuebench.sandbox.generator import generate\n"
        "ds = generate(40, 11, datetime(2026, 11, 20, 14, 30, tzinfo=UTC))\n"
        "h = hashlib.sha256()\n"
        "for a in ds:\n"
        "    h.update(json.dumps(a.directory, sort_keys=True).encode())\n"
        "    for r in a:\n"
        "        h.update(json.dumps([r.ticket, r.comments, r.sla], sort_keys=True).encode())\n"
        "print(h.hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    here = hashlib.sha256()
    for account in generate(40, 11, NOW):
        here.update(json.dumps(account.directory, sort_keys=True).encode())
        for raw in account:
            here.update(json.dumps([raw.ticket, raw.comments, raw.sla], sort_keys=True).encode())
    assert out.stdout.strip() == here.hexdigest()


# --- coverage of queue states ---------------------------------------------------------------


@pytest.mark.parametrize("count", [40, 200])
def test_every_sla_account_has_every_stage_and_tickets_without_sla(count: int) -> None:
    by_account = _by_account(_tickets(count))
    for account in SLA_ACCOUNTS:
        tickets = by_account[account]
        stages = Counter(effective_stage(s, NOW) for t in tickets for s in t.sla)
        assert set(stages) == set(SlaStage), (account, stages)
        assert any(not t.sla for t in tickets), account
        due_within_hour = [
            s
            for t in tickets
            for s in t.sla
            if effective_stage(s, NOW) is SlaStage.ACTIVE
            and s.breach_at is not None
            and timedelta(0) < s.breach_at - NOW <= timedelta(hours=1)
        ]
        assert due_within_hour, account
        paused = [s for t in tickets for s in t.sla if s.stage is SlaStage.PAUSED]
        assert all(s.breach_at is None for s in paused)
        paused_tickets = {t.status for t in tickets if any(s in paused for s in t.sla)}
        assert paused_tickets <= {Status.PENDING, Status.ON_HOLD}


def test_the_team_plan_account_has_no_vendor_sla_at_all() -> None:
    account = generate(200, 3, NOW)["demo-zendesk-team"]
    assert all("slas" not in raw.ticket for raw in account)
    tickets = _by_account(_tickets())["demo-zendesk-team"]
    assert len(tickets) == 20
    assert all(t.sla == () for t in tickets)


@pytest.mark.parametrize("account", [a.name for a in ACCOUNTS])
def test_open_tickets_populate_every_aging_bucket(account: str) -> None:
    buckets: Counter[str] = Counter()
    for t in _by_account(_tickets(200))[account]:
        if t.status.is_done:
            continue
        days = (NOW - t.created_at) / timedelta(days=1)
        buckets["<7" if days < 7 else "7-14" if days < 14 else "14-30" if days < 30 else "30+"] += 1
    assert set(buckets) == {"<7", "7-14", "14-30", "30+"}, buckets


def test_ages_range_from_minutes_to_more_than_sixty_days() -> None:
    ages = [NOW - t.created_at for t in _tickets()]
    assert min(ages) < timedelta(hours=1)
    assert max(ages) > timedelta(days=60)


def test_null_priorities_unassigned_and_unicode_names_occur() -> None:
    tickets = _tickets()
    zendesk = [t for t in tickets if t.vendor is Vendor.ZENDESK]
    assert any(t.priority is None and t.priority_raw is None for t in zendesk)
    assert all(t.priority is not None for t in tickets if t.vendor is not Vendor.ZENDESK)
    assert any(t.assignee is None for t in tickets)
    names = {e.name for e in directory_entries(generate(200, 3, NOW))}
    assert {"Müller GmbH", "東京システム株式会社", "Café Olé SARL"} <= names


def test_every_vendor_status_vocabulary_appears() -> None:
    raw_statuses: dict[str, set[str]] = {}
    for t in _tickets(400):
        raw_statuses.setdefault(t.account, set()).add(t.status_raw)
    assert raw_statuses["demo-zendesk"] == {"new", "open", "pending", "hold", "solved", "closed"}
    assert raw_statuses["demo-snow"] == {"1", "2", "3", "6", "7", "8"}
    assert {
        "Open",
        "In Progress",
        "Escalated",
        "Waiting for customer",
        "Resolved",
        "Closed",
    } <= raw_statuses["demo-jsm"]


def test_conversations_have_two_to_eight_ordered_comments_by_several_authors() -> None:
    for t in _tickets():
        assert t.comments is not None
        assert 2 <= len(t.comments) <= 8, (t.display_key, len(t.comments))
        times = [c.created_at for c in t.comments]
        assert times == sorted(times)
        assert t.created_at <= times[0] and times[-1] <= NOW
    tickets = _tickets()
    assert any(not c.public for t in tickets for c in t.comments)
    assert any(len({c.author for c in t.comments}) >= 3 for t in tickets)
    assert all(t.comments[0].author == t.requester for t in tickets if t.vendor is Vendor.ZENDESK)


def test_descriptions_carry_log_evidence() -> None:
    descriptions = " ".join(t.description for t in _tickets())
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", descriptions)
    assert re.search(r"\breq_[0-9A-Za-z]{20}\b", descriptions)
    assert re.search(r"\b[0-9a-f]{32}\b", descriptions)
    assert re.search(
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}\b", descriptions
    )
    jsm = [t for t in _tickets() if t.vendor is Vendor.JSM]
    assert all(t.description_format == "markdown" for t in jsm)
    assert any("```" in t.description for t in jsm)
    assert all("\n\n" in t.description for t in _tickets())


def test_demo_agent_owns_tickets_in_every_account() -> None:
    owners = {(t.account, t.assignee) for t in _tickets(400)}
    for account in ACCOUNTS:
        assert (account.name, "Maya Lindqvist") in owners
