"""Render generated tickets as Jira Service Management Cloud JSON.

Issues as ``/rest/api/3/search/jql`` returns them (ADF description), servicedeskapi
``CommentDTO`` and ``SlaInformationDTO`` records with ``DateDTO``/``DurationDTO`` values.
"""

from __future__ import annotations

import random
import time
from typing import Any

from queuebench.domain.models import Priority, SlaMetric, Status
from queuebench.sandbox.records import AccountSpec, RawTicket
from queuebench.sandbox.render import Renderer, epoch_millis, jira_time, to_adf, to_plain
from queuebench.sandbox.skeleton import DAY, Org, Person, Pools, Skeleton, Target

__all__ = ["JSM_ORGANIZATION_FIELD", "JsmRenderer"]

_JSM_PRIORITY = {
    Priority.P1: ("Highest", "1"),
    Priority.P2: ("High", "2"),
    Priority.P3: ("Medium", "3"),
    Priority.P4: ("Low", "4"),
}
_JSM_CATEGORIES = {
    "new": (2, "blue-gray", "To Do"),
    "indeterminate": (4, "yellow", "In Progress"),
    "done": (3, "green", "Done"),
}
_JSM_STATUS_IDS = {
    "Open": ("1", "new"),
    "In Progress": ("3", "indeterminate"),
    "Waiting for support": ("10002", "indeterminate"),
    "Escalated": ("10003", "indeterminate"),
    "Waiting for customer": ("10001", "indeterminate"),
    "Pending": ("10004", "indeterminate"),
    "Resolved": ("5", "done"),
    "Closed": ("6", "done"),
}
_JSM_SLA_NAMES = {
    SlaMetric.FIRST_RESPONSE: ("1", "Time to first response"),
    SlaMetric.RESOLUTION: ("2", "Time to resolution"),
}
JSM_ORGANIZATION_FIELD = "customfield_10002"


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class JsmRenderer(Renderer):
    """Jira issues, servicedeskapi comments and SLA records, users and organizations."""

    def __init__(self, spec: AccountSpec, pools: Pools, seed: int, now: int) -> None:
        super().__init__(spec, pools, seed, now)
        self.project_key = "SUP"
        self.today = now // DAY
        self._account_ids: dict[tuple[bool, int], str] = {}
        # User objects are shared between the tickets that embed them (read-only: copy first).
        self._user_details: dict[tuple[bool, int], dict[str, Any]] = {}
        self._user_dtos: dict[tuple[bool, int], dict[str, Any]] = {}

    def account_id(self, person: Person) -> str:
        """The stable Atlassian accountId of a person (``qm:`` ids for portal customers)."""
        key = (person.agent, person.idx)
        cached = self._account_ids.get(key)
        if cached is None:
            cached = self._account_ids[key] = self._make_account_id(person)
        return cached

    def _make_account_id(self, person: Person) -> str:
        rng = random.Random(
            f"{self.seed}:{self.spec.name}:{'a' if person.agent else 'c'}:{person.idx}"
        )
        if person.agent:
            return f"{rng.getrandbits(96):024x}"
        h = f"{rng.getrandbits(128):032x}"
        uuid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
        return f"qm:{uuid}:{rng.getrandbits(92):023x}"

    def _avatars(self, account_id: str) -> dict[str, str]:
        url = f"https://secure.gravatar.com/avatar/{account_id[-12:]}?d=mm"
        return {
            "48x48": url + "&s=48",
            "24x24": url + "&s=24",
            "16x16": url + "&s=16",
            "32x32": url + "&s=32",
        }

    def user_details(self, person: Person) -> dict[str, Any]:
        """A platform ``UserDetails`` object (shared between tickets: do not mutate)."""
        key = (person.agent, person.idx)
        cached = self._user_details.get(key)
        if cached is None:
            cached = self._user_details[key] = self._make_user_details(person)
        return cached

    def user_dto(self, person: Person) -> dict[str, Any]:
        """A servicedeskapi ``UserDTO`` object (shared between tickets: do not mutate)."""
        key = (person.agent, person.idx)
        cached = self._user_dtos.get(key)
        if cached is None:
            cached = self._user_dtos[key] = self._make_user_dto(person)
        return cached

    def _make_user_details(self, person: Person) -> dict[str, Any]:
        account_id = self.account_id(person)
        return {
            "self": f"{self.base}/rest/api/3/user?accountId={account_id}",
            "accountId": account_id,
            "emailAddress": person.email,
            "avatarUrls": self._avatars(account_id),
            "displayName": person.name,
            "active": True,
            "timeZone": person.tz,
            "accountType": "atlassian" if person.agent else "customer",
        }

    def _make_user_dto(self, person: Person) -> dict[str, Any]:
        account_id = self.account_id(person)
        return {
            "accountId": account_id,
            "emailAddress": person.email,
            "displayName": person.name,
            "active": True,
            "timeZone": person.tz,
            "_links": {
                "jiraRest": f"{self.base}/rest/api/2/user?accountId={account_id}",
                "avatarUrls": self._avatars(account_id),
                "self": f"{self.base}/rest/api/2/user?accountId={account_id}",
            },
        }

    def org_dto(self, org: Org) -> dict[str, Any]:
        """A servicedeskapi ``OrganizationDTO``."""
        return {
            "id": str(org.idx + 1),
            "name": org.name,
            "_links": {"self": f"{self.base}/rest/servicedeskapi/organization/{org.idx + 1}"},
        }

    def directory(self) -> dict[str, list[dict[str, Any]]]:
        """``users`` (``UserDetails``) and ``organizations`` (``OrganizationDTO``)."""
        return {
            "users": [self.user_details(p) for p in (*self.pools.customers, *self.pools.agents)],
            "organizations": [self.org_dto(o) for o in self.pools.orgs],
        }

    def friendly(self, ms: int) -> str:
        """Jira's human date: ``Today 11:08 PM``, ``Yesterday ...``, ``28/Sep/16 11:08 PM``."""
        ts = ms // 1000
        tm = time.gmtime(ts)
        hour = tm.tm_hour % 12 or 12
        clock = f"{hour}:{tm.tm_min:02d} {'AM' if tm.tm_hour < 12 else 'PM'}"
        day = ts // DAY
        if day == self.today:
            return f"Today {clock}"
        if day == self.today - 1:
            return f"Yesterday {clock}"
        if self.today - 7 < day < self.today:
            return f"{_WEEKDAYS[tm.tm_wday]} {clock}"
        return f"{tm.tm_mday:02d}/{_MONTH_ABBR[tm.tm_mon - 1]}/{tm.tm_year % 100:02d} {clock}"

    def date_dto(self, ts: int) -> dict[str, Any]:
        """A servicedeskapi ``DateDTO`` with all four representations."""
        ms = epoch_millis(ts)
        return {
            "iso8601": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + "+0000",
            "jira": jira_time(ms),
            "friendly": self.friendly(ms),
            "epochMillis": ms,
        }

    @staticmethod
    def duration_dto(seconds: int) -> dict[str, Any]:
        """A servicedeskapi ``DurationDTO`` (negative after a breach)."""
        sign = "-" if seconds < 0 else ""
        size = abs(seconds)
        hours, minutes = size // 3600, (size % 3600) // 60
        if hours and minutes:
            friendly = f"{sign}{hours}h {minutes}m"
        elif hours:
            friendly = f"{sign}{hours}h"
        else:
            friendly = f"{sign}{minutes}m"
        return {"millis": seconds * 1000, "friendly": friendly}

    def _status_name(self, sk: Skeleton) -> str:
        if sk.status is Status.NEW:
            return "Open"
        if sk.status is Status.OPEN:
            return ("In Progress", "Escalated", "Waiting for support")[sk.index % 3]
        if sk.status is Status.PENDING:
            return "Waiting for customer"
        if sk.status is Status.ON_HOLD:
            return "Pending"
        if sk.status is Status.SOLVED:
            return "Resolved"
        return "Closed"

    def render(self, sk: Skeleton) -> RawTicket:
        """An ``IssueBean``, its ``CommentDTO`` list and its ``SlaInformationDTO`` values."""
        issue_id = str(10001 + sk.index)
        key = f"{self.project_key}-{sk.index + 1}"
        status_name = self._status_name(sk)
        status_id, category = _JSM_STATUS_IDS[status_name]
        cat_id, color, cat_name = _JSM_CATEGORIES[category]
        priority = sk.priority or Priority.P4
        pri_name, pri_id = _JSM_PRIORITY[priority]
        if priority is Priority.P4 and sk.index % 4 == 0:
            pri_name, pri_id = "Lowest", "5"
        mention = None
        if sk.assignee is not None and sk.index % 5 == 1:
            mention = (self.account_id(sk.assignee), sk.assignee.name)
        done = sk.status in (Status.SOLVED, Status.CLOSED)
        fields: dict[str, Any] = {
            "summary": sk.subject,
            "status": {
                "self": f"{self.base}/rest/api/3/status/{status_id}",
                "description": "",
                "iconUrl": f"{self.base}/images/icons/statuses/generic.png",
                "name": status_name,
                "id": status_id,
                "statusCategory": {
                    "self": f"{self.base}/rest/api/3/statuscategory/{cat_id}",
                    "id": cat_id,
                    "key": category,
                    "colorName": color,
                    "name": cat_name,
                },
            },
            "priority": {
                "self": f"{self.base}/rest/api/3/priority/{pri_id}",
                "iconUrl": f"{self.base}/images/icons/priorities/{pri_name.lower()}.svg",
                "name": pri_name,
                "id": pri_id,
            },
            "reporter": self.user_details(sk.requester),
            "assignee": self.user_details(sk.assignee) if sk.assignee is not None else None,
            "created": jira_time(epoch_millis(sk.created)),
            "updated": jira_time(epoch_millis(sk.updated)),
            "labels": list(sk.tags),
            "description": to_adf(sk.description, mention),
            "issuetype": {
                "self": f"{self.base}/rest/api/3/issuetype/10004",
                "id": "10004",
                "description": "For system outages or incidents. "
                "Created by Jira Service Management.",
                "iconUrl": f"{self.base}/rest/api/2/universal_avatar/view/type/issuetype"
                "/avatar/10553",
                "name": "[System] Incident",
                "subtask": False,
                "hierarchyLevel": 0,
            },
            "project": {
                "self": f"{self.base}/rest/api/3/project/10000",
                "id": "10000",
                "key": self.project_key,
                "name": "Acme Support",
                "projectTypeKey": "service_desk",
                "simplified": False,
            },
            JSM_ORGANIZATION_FIELD: [self.org_dto(sk.org)] if sk.org is not None else [],
            "resolution": (
                {
                    "self": f"{self.base}/rest/api/3/resolution/10000",
                    "id": "10000",
                    "description": "Work has been completed on this issue.",
                    "name": "Done",
                }
                if done
                else None
            ),
            "resolutiondate": jira_time(epoch_millis(sk.solved_at))
            if sk.solved_at is not None
            else None,
        }
        issue = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,"
            "versionedRepresentations",
            "id": issue_id,
            "self": f"{self.base}/rest/api/3/issue/{issue_id}",
            "key": key,
            "fields": fields,
        }
        comments = []
        for j, msg in enumerate(sk.messages[1:], start=1):
            comment_id = str(30000 + sk.index * 16 + j)
            comments.append(
                {
                    "id": comment_id,
                    "body": to_plain(msg.blocks, wiki=True),
                    "public": msg.public,
                    "author": self.user_dto(msg.author),
                    "created": self.date_dto(msg.at),
                    "_links": {
                        "self": f"{self.base}/rest/servicedeskapi/request/{issue_id}"
                        f"/comment/{comment_id}"
                    },
                }
            )
        sla = [self._sla(issue_id, t) for t in sk.targets if t.metric in _JSM_SLA_NAMES]
        return RawTicket(self.spec.name, sk.index, issue_id, issue, comments, sla)

    def _sla(self, issue_id: str, target: Target) -> dict[str, Any]:
        sla_id, name = _JSM_SLA_NAMES[target.metric]
        goal = self.duration_dto(target.goal)
        elapsed = target.elapsed(self.now)
        value: dict[str, Any] = {
            "id": sla_id,
            "name": name,
            "_links": {"self": f"{self.base}/rest/servicedeskapi/request/{issue_id}/sla/{sla_id}"},
        }
        if target.state == "done":
            assert target.stop is not None
            value["completedCycles"] = [
                {
                    "startTime": self.date_dto(target.start),
                    "stopTime": self.date_dto(target.stop),
                    "breachTime": self.date_dto(target.breach),
                    "breached": target.breached_at(self.now),
                    "goalDuration": goal,
                    "elapsedTime": self.duration_dto(elapsed),
                    "remainingTime": self.duration_dto(target.goal - elapsed),
                }
            ]
            return value
        breached = target.breached_at(self.now)
        cycle: dict[str, Any] = {"startTime": self.date_dto(target.start)}
        if target.state == "running" or breached:
            cycle["breachTime"] = self.date_dto(target.breach)
        cycle.update(
            {
                "breached": breached,
                "paused": target.state == "paused",
                "withinCalendarHours": True,
                "goalDuration": goal,
                "elapsedTime": self.duration_dto(elapsed),
                "remainingTime": self.duration_dto(target.goal - elapsed),
            }
        )
        value["ongoingCycle"] = cycle
        value["completedCycles"] = []
        return value
