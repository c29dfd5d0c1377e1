"""Render generated tickets as Zendesk Support JSON (incremental export shape)."""

from __future__ import annotations

from typing import Any

from queuebench.domain.models import Priority, SlaMetric, Status
from queuebench.sandbox.records import AccountSpec, RawTicket
from queuebench.sandbox.render import Renderer, to_html, to_plain, zendesk_time
from queuebench.sandbox.skeleton import DAY, GOALS, HOUR, Person, Pools, Skeleton, Target

__all__ = ["ZendeskRenderer"]

_ZD_PRIORITY = {
    Priority.P1: "urgent",
    Priority.P2: "high",
    Priority.P3: "normal",
    Priority.P4: "low",
}
_ZD_STATUS = {
    Status.NEW: "new",
    Status.OPEN: "open",
    Status.PENDING: "pending",
    Status.ON_HOLD: "hold",
    Status.SOLVED: "solved",
    Status.CLOSED: "closed",
}
_ZD_CUSTOM_STATUS = {
    "new": 6130830355738,
    "open": 6130892426138,
    "pending": 6130830356122,
    "hold": 6130830356250,
    "solved": 6130830356506,
    "closed": 6130830356634,
}
_ZD_TIME_ZONES = {
    "Europe/Berlin": "Berlin",
    "Asia/Tokyo": "Tokyo",
    "America/New_York": "Eastern Time (US & Canada)",
    "Europe/London": "London",
    "America/Sao_Paulo": "Brasilia",
    "Europe/Paris": "Paris",
    "Australia/Sydney": "Sydney",
    "Asia/Kolkata": "New Delhi",
    "Europe/Zurich": "Zurich",
    "America/Chicago": "Central Time (US & Canada)",
}


class ZendeskRenderer(Renderer):
    """Zendesk tickets, comments, ``slas`` sideload, users/organizations/groups."""

    def __init__(self, spec: AccountSpec, pools: Pools, seed: int, now: int) -> None:
        super().__init__(spec, pools, seed, now)
        team = not spec.has_vendor_sla
        self.ticket_base = 1001 if team else 4001
        self.user_base = 381_200_000_000 if team else 361_400_000_000
        self.agent_base = self.user_base + 900_000
        self.org_base = 360_100_000_000 if team else 360_200_000_000
        self.group_base = 360_300_000_000 if team else 360_400_000_000
        self.host = spec.base_url.split("//", 1)[-1]

    def uid(self, person: Person) -> int:
        """The Zendesk user id of a person."""
        return (self.agent_base if person.agent else self.user_base) + person.idx * 7 + 3

    def directory(self) -> dict[str, list[dict[str, Any]]]:
        """``users``, ``organizations``, ``groups`` (and ``sla_policies`` with SLAs)."""
        t0 = self.directory_epoch
        users: list[dict[str, Any]] = []
        for person in (*self.pools.customers, *self.pools.agents):
            uid = self.uid(person)
            users.append(
                {
                    "id": uid,
                    "url": f"{self.base}/api/v2/users/{uid}.json",
                    "name": person.name,
                    "email": person.email,
                    "created_at": zendesk_time(t0 + person.idx * 3607),
                    "updated_at": zendesk_time(t0 + person.idx * 3607 + 86400),
                    "time_zone": _ZD_TIME_ZONES.get(person.tz, "UTC"),
                    "locale": "en-US",
                    "organization_id": (
                        self.org_base + person.org if person.org is not None else None
                    ),
                    "role": "agent" if person.agent else "end-user",
                    "verified": True,
                    "active": True,
                    "suspended": False,
                    "tags": ["tier3"] if person.agent else [],
                    "external_id": None,
                    "phone": None,
                }
            )
        organizations: list[dict[str, Any]] = [
            {
                "id": self.org_base + org.idx,
                "url": f"{self.base}/api/v2/organizations/{self.org_base + org.idx}.json",
                "name": org.name,
                "created_at": zendesk_time(t0 + org.idx * 86400),
                "updated_at": zendesk_time(t0 + org.idx * 86400 + 3600),
                "domain_names": [org.domain],
                "details": "",
                "notes": "" if org.has_contract else "No support contract – best effort only.",
                "group_id": None,
                "shared_tickets": False,
                "shared_comments": False,
                "external_id": None,
                "tags": ["enterprise"] if org.has_contract else ["no-contract"],
                "organization_fields": {},
            }
            for org in self.pools.orgs
        ]
        groups = [
            {
                "id": self.group_base + i,
                "url": f"{self.base}/api/v2/groups/{self.group_base + i}.json",
                "name": name,
                "description": f"{name} escalation queue",
                "default": i == 4,
                "deleted": False,
                "is_public": True,
                "created_at": zendesk_time(t0 + i * 7200),
                "updated_at": zendesk_time(t0 + i * 7200),
            }
            for i, name in enumerate(self.pools.groups)
        ]
        tables: dict[str, list[dict[str, Any]]] = {
            "users": users,
            "organizations": organizations,
            "groups": groups,
        }
        if self.spec.has_vendor_sla:
            tables["sla_policies"] = [self._sla_policy()]
        return tables

    def _sla_policy(self) -> dict[str, Any]:
        metrics = []
        names = {
            SlaMetric.FIRST_RESPONSE: "first_reply_time",
            SlaMetric.NEXT_RESPONSE: "next_reply_time",
            SlaMetric.PERIODIC_UPDATE: "periodic_update_time",
            SlaMetric.RESOLUTION: "requester_wait_time",
        }
        for metric, per_priority in GOALS.items():
            for priority, seconds in per_priority.items():
                metrics.append(
                    {
                        "priority": _ZD_PRIORITY[priority],
                        "metric": names[metric],
                        "target": seconds // 60,
                        "business_hours": False,
                        "target_in_seconds": seconds,
                    }
                )
        return {
            "id": 360_000_777_001,
            "url": f"{self.base}/api/v2/slas/policies/360000777001.json",
            "title": "Enterprise support (contract customers)",
            "description": "Calendar-hour targets for organisations tagged enterprise.",
            "position": 1,
            "filter": {
                "all": [{"field": "organization_id", "operator": "is_not", "value": ""}],
                "any": [],
            },
            "policy_metrics": metrics,
            "created_at": zendesk_time(self.directory_epoch),
            "updated_at": zendesk_time(self.directory_epoch + DAY),
        }

    def _remaining_unit(self, breach: int) -> tuple[str, int]:
        delta = breach - self.now
        size = abs(delta)
        if size >= DAY:
            return "days", int(delta / DAY)
        if size >= HOUR:
            return "hours", int(delta / HOUR)
        return "minutes", int(delta / 60)

    def render(self, sk: Skeleton) -> RawTicket:
        """A ticket as the incremental export returns it, and its comment objects."""
        tid = self.ticket_base + sk.index
        requester = self.uid(sk.requester)
        status = _ZD_STATUS[sk.status]
        channel = ("email", "web", "api")[sk.index % 3]
        via_source: dict[str, Any] = {"from": {}, "to": {}, "rel": None}
        if channel == "email":
            via_source = {
                "from": {"address": sk.requester.email, "name": sk.requester.name},
                "to": {"name": "Acme Support", "address": f"support@{self.host}"},
                "rel": None,
            }
        product = sk.scenario.product.lower().replace(" ", "_")
        custom_fields = [
            {"id": 360_011_112_222, "value": product},
            {"id": 360_011_113_333, "value": sk.ctx["region"]},
        ]
        description_text = to_plain(sk.description)
        ticket: dict[str, Any] = {
            "url": f"{self.base}/api/v2/tickets/{tid}.json",
            "id": tid,
            "external_id": None,
            "via": {"channel": channel, "source": via_source},
            "created_at": zendesk_time(sk.created),
            "updated_at": zendesk_time(sk.updated),
            "type": "problem" if sk.priority is Priority.P1 else "incident",
            "subject": sk.subject,
            "raw_subject": sk.subject,
            "description": description_text,
            "priority": _ZD_PRIORITY[sk.priority] if sk.priority is not None else None,
            "status": status,
            "recipient": f"support@{self.host}" if channel == "email" else None,
            "requester_id": requester,
            "submitter_id": requester,
            "assignee_id": self.uid(sk.assignee) if sk.assignee is not None else None,
            "organization_id": self.org_base + sk.org.idx if sk.org is not None else None,
            "group_id": self.group_base + sk.group if sk.group is not None else None,
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "forum_topic_id": None,
            "problem_id": None,
            "has_incidents": False,
            "is_public": True,
            "due_at": None,
            "tags": list(sk.tags),
            "custom_fields": custom_fields,
            "satisfaction_rating": None,
            "sharing_agreement_ids": [],
            "custom_status_id": _ZD_CUSTOM_STATUS[status],
            "fields": [dict(f) for f in custom_fields],
            "followup_ids": [],
            "ticket_form_id": 360_000_123_451,
            "brand_id": 360_000_222_781,
            "allow_channelback": False,
            "allow_attachments": True,
            "from_messaging_channel": False,
            "generated_timestamp": sk.updated,
        }
        if self.spec.has_vendor_sla:
            ticket["slas"] = {"policy_metrics": [self._metric(t) for t in sk.targets]}
        comments = []
        for j, msg in enumerate(sk.messages):
            body = description_text if j == 0 else to_plain(msg.blocks)
            comment_id = 20_000_000_000_000 + tid * 16 + j
            comments.append(
                {
                    "id": comment_id,
                    "type": "Comment",
                    "author_id": self.uid(msg.author),
                    "body": body,
                    "html_body": to_html(msg.blocks),
                    "plain_body": body,
                    "public": msg.public,
                    "attachments": [],
                    "audit_id": comment_id + 8,
                    "via": {
                        "channel": channel if j == 0 else "web",
                        "source": {"from": {}, "to": {}, "rel": None},
                    },
                    "metadata": {"system": {}, "custom": {}},
                    "created_at": zendesk_time(msg.at),
                }
            )
        return RawTicket(self.spec.name, sk.index, str(tid), ticket, comments, [])

    def _metric(self, target: Target) -> dict[str, Any]:
        entry: dict[str, Any]
        if target.state == "done":
            entry = {"breach_at": zendesk_time(target.breach), "stage": "achieved"}
        elif target.state == "paused":
            # A paused clock has no projected instant unless it breached before pausing.
            breached = target.breached_at(self.now)
            entry = {
                "breach_at": zendesk_time(target.breach) if breached else None,
                "stage": "paused",
            }
        else:
            entry = {"breach_at": zendesk_time(target.breach), "stage": "active"}
        entry["metric"] = target.vendor_metric
        if entry["breach_at"] is not None:
            unit, value = self._remaining_unit(target.breach)
            entry[unit] = value
        return entry
