"""Render generated tickets as ServiceNow Table API records (``sysparm_display_value=false``).

``incident``, ``sys_journal_field``, ``task_sla`` and the directory tables ``sys_user``,
``sys_user_group``, ``core_company`` and ``contract_sla``: every value a string, references as
``{link, value}``, date-times ``YYYY-MM-DD HH:MM:SS`` in UTC, durations as epoch offsets.
"""

from __future__ import annotations

import html
import random
from typing import Any

from queuebench.domain.models import Priority, SlaMetric, Status
from queuebench.sandbox import content
from queuebench.sandbox.content import randint
from queuebench.sandbox.records import AccountSpec, RawTicket
from queuebench.sandbox.render import Renderer, hex32, snow_duration, snow_time, to_plain
from queuebench.sandbox.skeleton import DAY, GOALS, HOUR, Person, Pools, Skeleton, Target

__all__ = ["ServiceNowRenderer"]

_SN_STATE = {
    Status.NEW: "1",
    Status.OPEN: "2",
    Status.PENDING: "3",
    Status.ON_HOLD: "3",
    Status.SOLVED: "6",
    Status.CLOSED: "7",
}
_SN_IMPACT_URGENCY = {
    "1": (("1", "1"),),
    "2": (("1", "2"), ("2", "1")),
    "3": (("2", "2"), ("1", "3"), ("3", "1")),
    "4": (("2", "3"), ("3", "2")),
    "5": (("3", "3"),),
}
_SN_GOAL_LABEL = {
    1 * HOUR: "1 hour",
    4 * HOUR: "4 hours",
    8 * HOUR: "8 hours",
    24 * HOUR: "1 day",
    3 * DAY: "3 days",
    7 * DAY: "7 days",
    14 * DAY: "14 days",
}


class ServiceNowRenderer(Renderer):
    """Incidents, journal rows, task SLAs and the directory tables."""

    def __init__(self, spec: AccountSpec, pools: Pools, seed: int, now: int) -> None:
        super().__init__(spec, pools, seed, now)
        rng = random.Random(f"{seed}:{spec.name}:sys_ids")
        self.customer_ids = [hex32(rng) for _ in pools.customers]
        self.agent_ids = [hex32(rng) for _ in pools.agents]
        self.group_ids = [hex32(rng) for _ in pools.groups]
        self.company_ids = [hex32(rng) for _ in pools.orgs]
        self.definitions: dict[tuple[SlaMetric, str], tuple[str, str, int]] = {}
        for metric, target in (
            (SlaMetric.FIRST_RESPONSE, "response"),
            (SlaMetric.RESOLUTION, "resolution"),
        ):
            for priority, goal in GOALS[metric].items():
                level = str(priority.rank)
                name = f"Priority {level} {target} ({_SN_GOAL_LABEL[goal]})"
                self.definitions[(metric, level)] = (hex32(rng), name, goal)

    def ref(self, table: str, sys_id: str) -> dict[str, str]:
        """A reference field value: ``{link, value}``."""
        return {"link": f"{self.base}/api/now/table/{table}/{sys_id}", "value": sys_id}

    def user_name(self, person: Person) -> str:
        """A person's ``user_name`` (journal rows name their author by it)."""
        if person.agent:
            return content.ascii_fold(person.name)
        return person.email.split("@", 1)[0]

    def person_id(self, person: Person) -> str:
        """A person's ``sys_user`` sys_id."""
        return (self.agent_ids if person.agent else self.customer_ids)[person.idx]

    def directory(self) -> dict[str, list[dict[str, Any]]]:
        """``sys_user``, ``sys_user_group``, ``core_company`` and ``contract_sla`` rows."""
        t0 = self.directory_epoch
        users = []
        for person in (*self.pools.customers, *self.pools.agents):
            first, _, last = person.name.partition(" ")
            users.append(
                {
                    "sys_id": self.person_id(person),
                    "user_name": self.user_name(person),
                    "name": person.name,
                    "first_name": first,
                    "last_name": last,
                    "email": person.email,
                    "title": "Support Engineer" if person.agent else "",
                    "company": (
                        self.ref("core_company", self.company_ids[person.org])
                        if person.org is not None
                        else ""
                    ),
                    "active": "true",
                    "time_zone": person.tz,
                    "sys_class_name": "sys_user",
                    "sys_created_on": snow_time(t0 + person.idx * 3607),
                    "sys_updated_on": snow_time(t0 + person.idx * 3607 + DAY),
                }
            )
        groups = [
            {
                "sys_id": self.group_ids[i],
                "name": name,
                "description": f"{name} escalation queue",
                "email": "",
                "active": "true",
                "manager": "",
                "sys_created_on": snow_time(t0 + i * 7200),
                "sys_updated_on": snow_time(t0 + i * 7200),
            }
            for i, name in enumerate(self.pools.groups)
        ]
        companies = [
            {
                "sys_id": self.company_ids[org.idx],
                "name": org.name,
                "customer": "true",
                "website": f"https://www.{org.domain}",
                "sys_created_on": snow_time(t0 + org.idx * DAY),
                "sys_updated_on": snow_time(t0 + org.idx * DAY + HOUR),
            }
            for org in self.pools.orgs
        ]
        contract_sla = [
            {
                "sys_id": sys_id,
                "name": name,
                "type": "SLA",
                "target": "response" if metric is SlaMetric.FIRST_RESPONSE else "resolution",
                "collection": "incident",
                "duration": snow_duration(goal),
                "active": "true",
                "sys_class_name": "contract_sla",
                "sys_created_on": snow_time(t0),
                "sys_updated_on": snow_time(t0),
            }
            for (metric, _level), (sys_id, name, goal) in self.definitions.items()
        ]
        return {
            "sys_user": users,
            "sys_user_group": groups,
            "core_company": companies,
            "contract_sla": contract_sla,
        }

    def render(self, sk: Skeleton) -> RawTicket:
        """An ``incident``, its ``sys_journal_field`` rows and its ``task_sla`` rows."""
        rng = sk.rng
        sys_id = hex32(rng)
        number = f"INC{10001 + sk.index:07d}"
        state = _SN_STATE[sk.status]
        if sk.status is Status.CLOSED and sk.index % 10 == 7:
            state = "8"
        priority = sk.priority or Priority.P4
        level = str(priority.rank)
        if priority is Priority.P4 and sk.index % 3 == 0:
            level = "5"
        impact, urgency = _SN_IMPACT_URGENCY[level][sk.index % len(_SN_IMPACT_URGENCY[level])]
        caller = sk.requester
        last = sk.messages[-1].author
        resolved = sk.status in (Status.SOLVED, Status.CLOSED)
        closer = sk.assignee or self.pools.agents[0]
        breached_any = any(t.breached_at(self.now) for t in sk.targets)
        incident: dict[str, Any] = {
            "sys_id": sys_id,
            "number": number,
            "short_description": sk.subject,
            "description": to_plain(sk.description),
            "state": state,
            "incident_state": state,
            "priority": level,
            "impact": impact,
            "urgency": urgency,
            "severity": "3",
            "category": sk.scenario.category,
            "subcategory": sk.scenario.subcategory,
            "contact_type": ("email", "self-service", "phone", "web")[sk.index % 4],
            "caller_id": self.ref("sys_user", self.person_id(caller)),
            "company": (
                self.ref("core_company", self.company_ids[sk.org.idx]) if sk.org is not None else ""
            ),
            "assigned_to": (
                self.ref("sys_user", self.person_id(sk.assignee)) if sk.assignee is not None else ""
            ),
            "assignment_group": (
                self.ref("sys_user_group", self.group_ids[sk.group]) if sk.group is not None else ""
            ),
            "opened_by": self.ref("sys_user", self.person_id(caller)),
            "opened_at": snow_time(sk.created),
            "resolved_at": snow_time(sk.solved_at) if sk.solved_at is not None else "",
            "resolved_by": self.ref("sys_user", self.person_id(closer)) if resolved else "",
            "closed_at": snow_time(sk.closed_at) if sk.closed_at is not None else "",
            "closed_by": (
                self.ref("sys_user", self.person_id(closer)) if sk.closed_at is not None else ""
            ),
            "close_code": "Solved (Permanently)" if resolved else "",
            "close_notes": content.fill(sk.scenario.agent_replies[-1], sk.ctx) if resolved else "",
            "active": "false" if state in ("7", "8") else "true",
            "made_sla": "false" if breached_any else "true",
            "sla_due": "",
            "escalation": "1" if priority is Priority.P1 else "0",
            "reassignment_count": str(sk.index % 3),
            "reopen_count": "0",
            "knowledge": "false",
            "notify": "1",
            "approval": "not requested",
            "upon_approval": "proceed",
            "upon_reject": "cancel",
            "work_notes": "",
            "comments": "",
            "comments_and_work_notes": "",
            "work_notes_list": "",
            "watch_list": "",
            "calendar_duration": (
                snow_duration(sk.solved_at - sk.created) if sk.solved_at is not None else ""
            ),
            "business_duration": "",
            "location": "",
            "cmdb_ci": "",
            "problem_id": "",
            "parent_incident": "",
            "sys_class_name": "incident",
            "sys_domain": {
                "link": f"{self.base}/api/now/table/sys_user_group/global",
                "value": "global",
            },
            "sys_domain_path": "/",
            "sys_tags": "",
            "sys_created_on": snow_time(sk.created),
            "sys_created_by": self.user_name(caller),
            "sys_updated_on": snow_time(sk.updated),
            "sys_updated_by": self.user_name(last),
            "sys_mod_count": str(len(sk.messages) + 1),
        }
        journal = []
        for msg in sk.messages[1:]:
            value = to_plain(msg.blocks)
            if not msg.public and len(msg.blocks) > 1 and rng.random() < 0.6:
                para = html.escape(msg.blocks[0][1].replace("**", ""), quote=False)
                code = html.escape(msg.blocks[1][2], quote=False)
                value = f"[code]<p>{para}</p><pre>{code}</pre>[/code]"
            journal.append(
                {
                    "element": "comments" if msg.public else "work_notes",
                    "element_id": sys_id,
                    "name": "incident",
                    "sys_created_by": self.user_name(msg.author),
                    "sys_created_on": snow_time(msg.at),
                    "sys_id": hex32(rng),
                    "sys_tags": "",
                    "value": value,
                }
            )
        slas = [
            self._task_sla(sk, sys_id, t, level)
            for t in sk.targets
            if t.metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION)
        ]
        if sk.targets and sk.index % 10 == 4:
            # The priority was raised after creation: the old resolution SLA was cancelled.
            old_level = str(min(5, int(level) + 1)) if level != "5" else "4"
            slas.insert(0, self._cancelled(sk, sys_id, old_level))
        return RawTicket(self.spec.name, sk.index, sys_id, incident, journal, slas)

    def _definition(self, metric: SlaMetric, level: str) -> tuple[str, str, int]:
        return self.definitions[(metric, "4" if level == "5" else level)]

    def _task_sla(self, sk: Skeleton, task_id: str, target: Target, level: str) -> dict[str, Any]:
        rng = sk.rng
        sla_id, _name, goal = self._definition(target.metric, level)
        now = self.now
        breached = target.breached_at(now)
        if target.state == "done":
            assert target.stop is not None
            stage, refreshed = "completed", target.stop
        elif target.state == "paused":
            assert target.paused_at is not None
            stage, refreshed = "paused", target.paused_at
        else:
            distance = abs(target.breach - now)
            if breached:
                lag = randint(rng, 0, DAY)
            elif distance <= 600:
                lag = randint(rng, 0, 60)
            elif distance <= HOUR:
                lag = randint(rng, 0, 600)
            elif distance <= DAY:
                lag = randint(rng, 0, HOUR)
            else:
                lag = randint(rng, 0, DAY)
            refreshed = max(target.start, now - lag)
            stage = "in_progress"
            if breached and sk.index % 7 == 0:
                stage = "breached"  # rows kept by the 2010 engine / compatibility mode
        elapsed = max(
            0, min(refreshed, target.stop or refreshed) - target.start - target.paused_total
        )
        planned_end = target.breach
        if target.state == "paused":
            assert target.paused_at is not None
            planned_end = target.paused_at + (goal - elapsed)
        left = (
            max(0, target.breach - refreshed)
            if target.state != "paused"
            else max(0, goal - elapsed)
        )
        pct = f"{elapsed / goal * 100:.2f}"
        # The breach flag is set by an event at the breach instant; a few rows still show the
        # state of their last refresh, as when the SLA job is late (TC17).
        has_breached = breached
        if target.state == "running" and sk.index % 5 == 2:
            has_breached = target.breach <= refreshed
        return {
            "sys_id": hex32(rng),
            "task": self.ref("incident", task_id),
            "sla": self.ref("contract_sla", sla_id),
            "stage": stage,
            "has_breached": "true" if has_breached else "false",
            "active": "true" if target.state != "done" else "false",
            "start_time": snow_time(target.start),
            "end_time": snow_time(target.stop) if target.stop is not None else "",
            "planned_end_time": snow_time(planned_end),
            "original_breach_time": snow_time(target.start + goal),
            "pause_time": snow_time(target.paused_at) if target.paused_at is not None else "",
            "pause_duration": snow_duration(target.paused_total),
            "business_pause_duration": snow_duration(target.paused_total),
            "duration": snow_duration(elapsed),
            "business_duration": snow_duration(elapsed),
            "percentage": pct,
            "business_percentage": pct,
            "time_left": snow_duration(left),
            "business_time_left": snow_duration(left),
            "schedule": "",
            "timezone": "",
            "sys_created_on": snow_time(target.start),
            "sys_created_by": "system",
            "sys_updated_on": snow_time(refreshed),
            "sys_updated_by": "system",
            "sys_mod_count": str(max(1, (refreshed - target.start) // HOUR)),
        }

    def _cancelled(self, sk: Skeleton, task_id: str, level: str) -> dict[str, Any]:
        rng = sk.rng
        sla_id, _name, goal = self._definition(SlaMetric.RESOLUTION, level)
        start = sk.created
        stop = min(self.now, start + randint(rng, 300, 2 * HOUR))
        return {
            "sys_id": hex32(rng),
            "task": self.ref("incident", task_id),
            "sla": self.ref("contract_sla", sla_id),
            "stage": "cancelled",
            "has_breached": "false",
            "active": "false",
            "start_time": snow_time(start),
            "end_time": snow_time(stop),
            "planned_end_time": snow_time(start + goal),
            "original_breach_time": snow_time(start + goal),
            "pause_time": "",
            "pause_duration": snow_duration(0),
            "business_pause_duration": snow_duration(0),
            "duration": snow_duration(stop - start),
            "business_duration": snow_duration(stop - start),
            "percentage": f"{(stop - start) / goal * 100:.2f}",
            "business_percentage": f"{(stop - start) / goal * 100:.2f}",
            "time_left": snow_duration(goal - (stop - start)),
            "business_time_left": snow_duration(goal - (stop - start)),
            "schedule": "",
            "timezone": "",
            "sys_created_on": snow_time(start),
            "sys_created_by": "system",
            "sys_updated_on": snow_time(stop),
            "sys_updated_by": "system",
            "sys_mod_count": "2",
        }
