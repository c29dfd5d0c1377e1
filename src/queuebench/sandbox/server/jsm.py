"""A Jira Service Management Cloud server (platform REST v3 + servicedeskapi) over ``demo-jsm``.

Platform endpoints:

* ``GET|POST /rest/api/3/search/jql`` — ``jql`` (the subset in :mod:`.jql`, dates in the API
  user's time zone), ``nextPageToken``, ``maxResults`` (default 50; at most 100 with fields,
  5000 for ids only), ``fields`` (default ``id`` only; ``*all``, ``*navigable``, names,
  ``-name``). ``{"issues", "nextPageToken", "isLast"}``; on the last page ``nextPageToken`` is
  absent. Tokens are opaque, bound to the query, keyset-based (an issue updated between pages
  moves to the end and is returned again, never skipped) and expire after 7 days on the
  server clock. ``/rest/api/3/search`` (the removed endpoint) answers 410.
* ``GET /rest/api/3/issue/{idOrKey}`` (``fields``), ``PUT /rest/api/3/issue/{idOrKey}``
  (``fields.priority``, ``summary``, ``labels``) → 204, ``PUT …/assignee`` (``accountId``)
  → 204, ``GET|POST …/transitions`` (a service-desk workflow; POST → 204, an optional
  ``update.comment`` adds a comment), ``DELETE /rest/api/3/issue/{idOrKey}`` → 204,
  ``GET /rest/api/3/myself``.

servicedeskapi endpoints (``PagedDTO`` envelopes ``{_expands, size, start, limit, isLastPage,
_links, values}``):

* ``GET /rest/servicedeskapi/servicedesk``
* ``GET /rest/servicedeskapi/request/{idOrKey}/comment`` — ``public``/``internal`` filters,
  ``start``/``limit``; ``POST`` with ``{"body", "public"}`` → 201 ``CommentDTO`` (``public``
  missing → 400 ``ErrorResponse``).
* ``GET /rest/servicedeskapi/request/{idOrKey}/sla`` — ``SlaInformationDTO`` values whose
  running cycles are advanced to the server clock (elapsed, remaining, breached).
* ``POST /oauth/token`` — Atlassian's token endpoint (on ``auth.atlassian.com`` in real life;
  here on the same server): JSON ``{"grant_type": "refresh_token", "client_id",
  "client_secret", "refresh_token"}`` → ``{"access_token", "refresh_token", "expires_in",
  "scope", "token_type": "Bearer"}``. Refresh tokens rotate: the one used is disabled and a new
  one returned; a used, revoked or unknown one → 403 ``invalid_grant`` "Unknown or invalid
  refresh token.".

* ``GET /oauth/token/accessible-resources`` — the sites an OAuth access token reaches (on
  ``api.atlassian.com`` in real life): ``[{"id": cloudId, "url", "name", "scopes",
  "avatarUrl"}]``. Bearer only; any other or a bad token → 401 ``{"code": 401, "message":
  "Unauthorized"}``. The server's own site is first; :attr:`JsmApp.sites` may list more.
* Every REST path above is also served under ``/ex/jira/{cloudId}`` (the gateway path OAuth
  apps call), with the server's :attr:`JsmApp.cloud_id`; another cloud id → 404. The request
  log keeps the path as sent.

Every write moves ``fields.updated`` to "now" (milliseconds, ``+0000``). Auth: basic
``email:api_token`` or ``Bearer`` (the fixed demo token, or one from ``/oauth/token`` until it
expires); a failure is 401 with ``X-Seraph-LoginReason:
AUTHENTICATED_FAILED``. Errors: platform ``ErrorCollection``, servicedeskapi ``ErrorResponse``.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import copy
import dataclasses
import hashlib
import random
import re
import time
import uuid
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from queuebench.domain.models import Vendor
from queuebench.sandbox.render import jira_time
from queuebench.sandbox.render_jsm import _JSM_CATEGORIES, _JSM_STATUS_IDS, JsmRenderer
from queuebench.sandbox.server.core import (
    Auth,
    Credentials,
    HttpError,
    SimRequest,
    SimResponse,
    VendorApp,
    form_or_json,
    json_response,
)
from queuebench.sandbox.server.data import SharedAccount
from queuebench.sandbox.server.jql import JqlError, JqlIssue, JqlQuery, parse_jql
from queuebench.sandbox.skeleton import build_pools

__all__ = ["TRANSITIONS", "JsmApp"]

PROJECT = ("SUP", "10000", "Acme Support")
SERVICE_DESK_ID = "1"
TOKEN_LIFETIME = timedelta(days=7)
_SEARCH_DEFAULT, _SEARCH_MAX, _SEARCH_MAX_IDS = 50, 100, 5000
_PAGE_DEFAULT, _PAGE_MAX = 50, 100
_PRIORITIES = {"1": "Highest", "2": "High", "3": "Medium", "4": "Low", "5": "Lowest"}
_GATEWAY = re.compile(r"^/ex/jira/(?P<cloud>[^/]+)(?P<rest>/.*)$")
SCOPES = ("read:jira-work", "write:jira-work", "read:jira-user", "offline_access")

TRANSITIONS: tuple[tuple[str, str, str], ...] = (
    ("11", "Start progress", "In Progress"),
    ("21", "Escalate", "Escalated"),
    ("31", "Respond to customer", "Waiting for customer"),
    ("41", "Back to support", "Waiting for support"),
    ("51", "Pending", "Pending"),
    ("61", "Resolve this issue", "Resolved"),
    ("71", "Close", "Closed"),
    ("81", "Reopen", "Waiting for support"),
)
"""The workflow: ``(id, name, target status)``. Open work can move to any other open status,
Resolved or Closed; Resolved can be closed or reopened; Closed is final."""


_STATUS_LOOKUP: dict[str, str] = {}
for _name, (_sid, _cat) in _JSM_STATUS_IDS.items():
    _STATUS_LOOKUP[_name.lower()] = _STATUS_LOOKUP[_sid] = _sid
_CATEGORY_LOOKUP: dict[str, str] = {}
for _key, (_cid, _color, _cname) in _JSM_CATEGORIES.items():
    _CATEGORY_LOOKUP[_key] = _CATEGORY_LOOKUP[_cname.lower()] = _CATEGORY_LOOKUP[str(_cid)] = _key
_PRIORITY_LOOKUP: dict[str, str] = {}
for _pid, _pname in _PRIORITIES.items():
    _PRIORITY_LOOKUP[_pid] = _PRIORITY_LOOKUP[_pname.lower()] = _pid


def _jira_ms(stamp: str) -> int:
    """``2022-10-25T20:21:33.277+0000`` → epoch milliseconds."""
    seconds = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"))
    offset = stamp[23:]
    sign = -1 if offset.startswith("-") else 1
    shift = sign * (int(offset[1:3]) * 3600 + int(offset[3:5]) * 60) if offset else 0
    return (seconds - shift) * 1000 + int(stamp[20:23])


def _adf_text(node: Any) -> str:
    """The plain text of an ADF document (paragraphs separated by blank lines)."""
    if not isinstance(node, dict):
        return str(node) if node is not None else ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    if node.get("type") == "hardBreak":
        return "\n"
    parts = [_adf_text(child) for child in node.get("content") or []]
    joiner = "\n\n" if node.get("type") in ("doc", "bulletList", "orderedList") else ""
    return joiner.join(parts)


class JsmApp(VendorApp):
    """The JSM server: state, routes and Atlassian's shapes (see the module docstring)."""

    vendor = Vendor.JSM
    rate_limit = 350
    rate_window = 60

    def __init__(
        self,
        shared: SharedAccount,
        *,
        clock: Callable[[], datetime] | None = None,
        credentials: Credentials | None = None,
        deleted: int | Iterable[int | str] = 0,
        seed: int = 0,
        time_zone: str | None = None,
    ) -> None:
        super().__init__(shared, clock=clock, credentials=credentials)
        base = shared.base
        self.site = base.spec.base_url.rstrip("/")
        self.cloud_id = str(uuid.uuid5(uuid.NAMESPACE_URL, self.site))
        """The site's cloud id: the REST API is also under ``/ex/jira/{cloud_id}``."""
        self.sites: list[dict[str, Any]] = [self.resource(self.cloud_id, self.site)]
        """What ``/oauth/token/accessible-resources`` lists (tests may add other sites)."""
        self.issues: dict[str, dict[str, Any]] = dict(
            shared.derive("jsm.issues", lambda: {t.remote_id: t.ticket for t in base.tickets})
        )
        self.comments: dict[str, list[dict[str, Any]]] = dict(
            shared.derive("jsm.comments", lambda: {t.remote_id: t.comments for t in base.tickets})
        )
        self.slas: dict[str, list[dict[str, Any]]] = shared.derive(
            "jsm.slas", lambda: {t.remote_id: t.sla for t in base.tickets}
        )
        self.keys: dict[str, str] = {i["key"]: i["id"] for i in self.issues.values()}
        self._meta: dict[str, JqlIssue] = dict(
            shared.derive(
                "jsm.meta", lambda: {i: self._jql_issue(t) for i, t in self.issues.items()}
            )
        )
        self._owned: set[str] = set()
        self.users = {u["accountId"]: u for u in base.directory["users"]}
        self.me = next(
            (u for u in base.directory["users"] if u.get("emailAddress") == self.credentials.user),
            None,
        )
        zone_name = time_zone or (self.me or {}).get("timeZone") or "UTC"
        try:
            self.user_zone = ZoneInfo(zone_name)
        except ZoneInfoNotFoundError:
            self.user_zone = ZoneInfo("UTC")
        """The API user's time zone: JQL date literals are read in it (``/myself`` shows it)."""
        self._renderer = JsmRenderer(
            base.spec, build_pools(shared.dataset.seed, shared.name), shared.dataset.seed, 0
        )
        self.generated_ms = int(shared.generated_at.timestamp()) * 1000
        self._version = 0
        self._search_cache: OrderedDict[
            tuple[str, int, int], tuple[list[tuple[int, ...]], list[str]]
        ]
        self._search_cache = OrderedDict()
        self._next_comment = 10_000_000
        self._remove(deleted, seed)
        self._add_routes()

    # -- state ---------------------------------------------------------------------------------

    def _jql_issue(self, issue: dict[str, Any]) -> JqlIssue:
        fields = issue["fields"]
        status = fields["status"]
        category = status["statusCategory"]
        assignee = fields.get("assignee")
        resolution = fields.get("resolution")
        return JqlIssue(
            id=int(issue["id"]),
            project_key=fields["project"]["key"],
            number=int(issue["key"].rsplit("-", 1)[1]),
            updated_ms=_jira_ms(fields["updated"]),
            created_ms=_jira_ms(fields["created"]),
            status_id=status["id"],
            status_name=status["name"],
            category_key=category["key"],
            category_name=category["name"],
            category_id=category["id"],
            priority_id=fields["priority"]["id"] if fields.get("priority") else "",
            priority_name=fields["priority"]["name"] if fields.get("priority") else "",
            assignee=assignee["accountId"] if assignee else None,
            resolution=resolution["name"] if resolution else None,
        )

    def _remove(self, deleted: int | Iterable[int | str], seed: int) -> None:
        if isinstance(deleted, int):
            if deleted <= 0:
                return
            ids = random.Random(f"{seed}:deleted").sample(sorted(self.issues, key=int), deleted)
        else:
            ids = [self._resolve(str(x)) or str(x) for x in deleted]
        for issue_id in ids:
            self._forget(issue_id)

    def _forget(self, issue_id: str) -> None:
        issue = self.issues.pop(issue_id)
        self.keys.pop(issue["key"], None)
        self._meta.pop(issue_id, None)
        self._version += 1

    def _resolve(self, id_or_key: str) -> str | None:
        if id_or_key in self.issues:
            return id_or_key
        return self.keys.get(id_or_key.upper())

    def _own(self, issue_id: str) -> dict[str, Any]:
        if issue_id not in self._owned:
            self.issues[issue_id] = copy.deepcopy(self.issues[issue_id])
            self.comments[issue_id] = list(self.comments[issue_id])
            self._owned.add(issue_id)
        return self.issues[issue_id]

    def _now_ms(self) -> int:
        return int(self.clock().timestamp() * 1000)

    def _bump(self, issue_id: str) -> None:
        issue = self._own(issue_id)
        previous = self._meta[issue_id].updated_ms
        stamp = max(self._now_ms(), previous + 1)
        issue["fields"]["updated"] = jira_time(stamp)
        self._meta[issue_id] = self._jql_issue(issue)
        self._version += 1

    def touch(self, remote_id: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        """An edit by someone else: set ``fields`` from ``changes``, bump ``updated``."""
        with self.lock:
            issue_id = self._resolve(str(remote_id))
            if issue_id is None:
                raise KeyError(remote_id)
            issue = self._own(issue_id)
            issue["fields"].update(changes or {})
            self._bump(issue_id)
            return issue

    def delete(self, remote_id: str) -> None:
        """Delete an issue (it simply disappears from search, as in Jira)."""
        with self.lock:
            issue_id = self._resolve(str(remote_id))
            if issue_id is None:
                raise KeyError(remote_id)
            self._forget(issue_id)

    def live_issues(self) -> list[dict[str, Any]]:
        """Every issue as the server holds it now."""
        with self.lock:
            return [self.issues[i] for i in sorted(self.issues, key=int)]

    def info(self) -> dict[str, Any]:
        """``/__sim/info`` with counts, the API user's time zone and the cloud id."""
        data = super().info()
        data["tickets"] = len(self.issues)
        data["user_time_zone"] = str(self.user_zone)
        data["cloud_id"] = self.cloud_id
        return data

    @staticmethod
    def resource(cloud_id: str, url: str) -> dict[str, Any]:
        """One entry of ``accessible-resources``: a site and its cloud id."""
        name = url.split("//", 1)[-1].split(".", 1)[0]
        return {
            "id": cloud_id,
            "url": url,
            "name": name,
            "scopes": list(SCOPES),
            "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/"
            "site.png",
        }

    # -- vendor shapes -------------------------------------------------------------------------

    @staticmethod
    def _is_servicedesk(request: SimRequest) -> bool:
        return request.path.startswith("/rest/servicedeskapi/")

    @staticmethod
    def error_collection(
        status: int, messages: list[str], errors: dict[str, str] | None = None
    ) -> SimResponse:
        """The platform's ``ErrorCollection``."""
        return json_response(status, {"errorMessages": messages, "errors": errors or {}})

    @staticmethod
    def error_response(status: int, message: str, key: str) -> SimResponse:
        """servicedeskapi's ``ErrorResponse``."""
        return json_response(
            status,
            {"errorMessage": message, "i18nErrorMessage": {"i18nKey": key, "parameters": []}},
        )

    def error(self, status: int, request: SimRequest, message: str | None = None) -> SimResponse:
        """An error in the shape of the API family the path belongs to."""
        text = message or {
            400: "Bad request.",
            403: "You do not have permission to perform this operation.",
            404: "The requested resource could not be found.",
            405: "Method not allowed.",
            500: "Internal server error.",
            502: "Bad gateway.",
            503: "Service unavailable.",
            504: "Gateway timeout.",
        }.get(status, "Error.")
        if self._is_servicedesk(request):
            return self.error_response(status, text, f"sd.error.{status}")
        return self.error_collection(status, [text])

    def unauthorized(self, request: SimRequest, auth: Auth) -> SimResponse:
        """401 with the seraph login header Jira sends on failed basic auth."""
        message = "Client must be authenticated to access this resource."
        response = (
            self.error_response(401, message, "sd.auth.required")
            if self._is_servicedesk(request)
            else self.error_collection(401, [message])
        )
        response.headers.append(("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"))
        response.headers.append(("WWW-Authenticate", 'Basic realm="protected-area"'))
        return response

    def rate_headers(self, remaining: int, reset_in: int) -> list[tuple[str, str]]:
        """Jira's ``X-RateLimit-*`` headers."""
        return [
            ("X-RateLimit-Limit", str(self.rate_limit)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-FillRate", str(self.rate_limit)),
            ("X-RateLimit-Interval-Seconds", str(self.rate_window)),
        ]

    def throttled(self, request: SimRequest, retry_after: int) -> SimResponse:
        """429 with ``Retry-After``, ``X-RateLimit-Reset`` (ISO) and ``RateLimit-Reason``."""
        reset = (self.clock() + timedelta(seconds=retry_after)).strftime("%Y-%m-%dT%H:%MZ")
        response = self.error(429, request, "Rate limit exceeded.")
        response.headers.extend(
            [
                ("Retry-After", str(retry_after)),
                ("X-RateLimit-Reset", reset),
                ("RateLimit-Reason", "jira-burst-based"),
            ]
        )
        return response

    def invalid_cursor(self, request: SimRequest, status: int) -> SimResponse:
        """An invalid or expired ``nextPageToken``."""
        return self.error(status, request, "The provided next page token is invalid or expired.")

    def _not_found(self, request: SimRequest) -> HttpError:
        if self._is_servicedesk(request):
            return HttpError(
                self.error_response(
                    404,
                    "The request could not be found or you do not have permission to view it.",
                    "sd.request.error.not.found",
                )
            )
        return HttpError(
            self.error_collection(
                404, ["Issue does not exist or you do not have permission to see it."]
            )
        )

    def _issue_id(self, request: SimRequest, id_or_key: str) -> str:
        issue_id = self._resolve(id_or_key)
        if issue_id is None:
            raise self._not_found(request)
        return issue_id

    def _body(self, request: SimRequest) -> Any:
        try:
            return request.json() if request.body.strip() else {}
        except msgspec.DecodeError:
            if self._is_servicedesk(request):
                raise HttpError(
                    self.error_response(
                        400, "The request body is not valid JSON.", "sd.json.invalid"
                    )
                ) from None
            raise HttpError(
                self.error_collection(400, ["Unexpected character in the request body: not JSON."])
            ) from None

    # -- routes --------------------------------------------------------------------------------

    def _add_routes(self) -> None:
        issue = r"/rest/api/3/issue/{issue}"
        request = r"/rest/servicedeskapi/request/{issue}"
        self.add_route("GET", r"/rest/api/3/search/jql", self.search)
        self.add_route("POST", r"/rest/api/3/search/jql", self.search)
        for old in (r"/rest/api/3/search", r"/rest/api/2/search"):
            self.add_route("GET", old, self.removed_search)
            self.add_route("POST", old, self.removed_search)
        self.add_route("GET", issue, self.get_issue)
        self.add_route("PUT", issue, self.edit_issue)
        self.add_route("DELETE", issue, self.delete_issue)
        self.add_route("PUT", issue + "/assignee", self.assign)
        self.add_route("GET", issue + "/transitions", self.list_transitions)
        self.add_route("POST", issue + "/transitions", self.do_transition)
        self.add_route("GET", r"/rest/api/3/myself", self.myself)
        self.add_route("POST", "/oauth/token", self.oauth_token, public=True)
        self.add_route(
            "GET", "/oauth/token/accessible-resources", self.accessible_resources, public=True
        )
        self.add_route("GET", r"/rest/servicedeskapi/servicedesk", self.service_desks)
        self.add_route("GET", request + "/comment", self.list_comments)
        self.add_route("POST", request + "/comment", self.add_comment)
        self.add_route("GET", request + "/sla", self.list_slas)

    # search ------------------------------------------------------------------------------------

    def _key_id(self, key: str) -> int | None:
        issue_id = self.keys.get(key)
        return int(issue_id) if issue_id is not None else None

    def _parse(self, text: str) -> JqlQuery:
        return parse_jql(
            text,
            project=PROJECT,
            keys=self._key_id,
            statuses=_STATUS_LOOKUP,
            categories=_CATEGORY_LOOKUP,
            priorities=_PRIORITY_LOOKUP,
            me=self.me["accountId"] if self.me else None,
            zone=self.user_zone,
            now=self.clock(),
        )

    def _matches(self, query: JqlQuery) -> tuple[list[tuple[int, ...]], list[str]]:
        # Relative dates ("-15m") move with the clock, at JQL's minute precision.
        cache_key = (query.text, self._version, self.clock.timestamp() // 60)
        cached = self._search_cache.get(cache_key)
        if cached is not None:
            self._search_cache.move_to_end(cache_key)
            return cached
        hits = sorted(
            (query.sort_key(meta), issue_id)
            for issue_id, meta in self._meta.items()
            if query.predicate(meta)
        )
        result = ([k for k, _ in hits], [i for _, i in hits])
        self._search_cache[cache_key] = result
        while len(self._search_cache) > 8:
            self._search_cache.popitem(last=False)
        return result

    def _token(self, jql: str, after: tuple[int, ...]) -> str:
        payload = {
            "q": hashlib.sha256(jql.encode()).hexdigest()[:16],
            "a": list(after),
            "t": int(self.clock().timestamp()),
        }
        return base64.urlsafe_b64encode(msgspec.json.encode(payload)).decode("ascii").rstrip("=")

    def _read_token(self, request: SimRequest, jql: str, token: str) -> tuple[int, ...]:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            payload = msgspec.json.decode(raw)
            after = tuple(int(v) for v in payload["a"])
            issued = int(payload["t"])
            bound = payload["q"]
        except (binascii.Error, msgspec.DecodeError, KeyError, TypeError, ValueError):
            raise HttpError(self.invalid_cursor(request, 400)) from None
        expired = self.clock().timestamp() - issued > TOKEN_LIFETIME.total_seconds()
        if bound != hashlib.sha256(jql.encode()).hexdigest()[:16] or expired:
            raise HttpError(self.invalid_cursor(request, 400))
        return after

    @staticmethod
    def _field_list(values: Iterable[str]) -> list[str]:
        out: list[str] = []
        for value in values:
            out.extend(part.strip() for part in str(value).split(",") if part.strip())
        return out

    def _project(self, issue: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
        """An ``IssueBean`` with the requested fields (``None``: all)."""
        if fields is None:
            return issue
        wanted = [f for f in fields if not f.startswith("-")]
        excluded = {f[1:] for f in fields if f.startswith("-")}
        if set(wanted) <= {"id"} and not excluded:
            return {"id": issue["id"]}
        all_fields = issue["fields"]
        if "*all" in wanted or "*navigable" in wanted:
            chosen = {k: v for k, v in all_fields.items() if k not in excluded}
        else:
            chosen = {k: all_fields[k] for k in wanted if k in all_fields and k not in excluded}
        return {
            "expand": issue["expand"],
            "id": issue["id"],
            "self": issue["self"],
            "key": issue["key"],
            "fields": chosen,
        }

    def search(self, request: SimRequest) -> SimResponse:
        """``GET|POST /rest/api/3/search/jql``."""
        if request.method == "POST":
            body = self._body(request)
            if not isinstance(body, dict):
                raise HttpError(self.error_collection(400, ["The request body must be an object."]))
            jql = body.get("jql")
            token = body.get("nextPageToken")
            max_raw = body.get("maxResults")
            raw_fields = body.get("fields")
            fields = self._field_list(raw_fields) if isinstance(raw_fields, list) else None
        else:
            jql = request.arg("jql")
            token = request.arg("nextPageToken")
            max_raw = request.arg("maxResults")
            fields = self._field_list(request.args("fields")) or None
        if not isinstance(jql, str) or not jql.strip():
            raise HttpError(
                self.error_collection(
                    400,
                    [
                        "Unbounded JQL queries are not allowed here. Please add a search "
                        "restriction to your query."
                    ],
                )
            )
        fields = fields or ["id"]
        try:
            limit = int(max_raw) if max_raw is not None else _SEARCH_DEFAULT
        except (TypeError, ValueError):
            raise HttpError(
                self.error_collection(400, ["maxResults must be an integer."])
            ) from None
        only_ids = set(f for f in fields if not f.startswith("-")) <= {"id", "key"}
        limit = max(1, min(limit, _SEARCH_MAX_IDS if only_ids else _SEARCH_MAX))
        try:
            query = self._parse(jql)
        except JqlError as exc:
            raise HttpError(self.error_collection(400, [str(exc)])) from None
        keys, ids = self._matches(query)
        start = 0
        if token:
            start = bisect_right(keys, self._read_token(request, jql, str(token)))
        chosen = ids[start : start + limit]
        body_out: dict[str, Any] = {
            "issues": [self._project(self.issues[i], fields) for i in chosen]
        }
        if start + limit < len(ids):
            body_out["nextPageToken"] = self._token(jql, keys[start + limit - 1])
            body_out["isLast"] = False
        else:
            body_out["isLast"] = True
        return json_response(200, body_out)

    def removed_search(self, request: SimRequest) -> SimResponse:
        """``/rest/api/3/search`` is gone: 410."""
        return self.error_collection(
            410,
            [
                "The requested API has been removed. Please migrate to the /rest/api/3/search/jql "
                "API. A full migration guideline is available at "
                "https://developer.atlassian.com/changelog/#CHANGE-2046"
            ],
        )

    # issues ------------------------------------------------------------------------------------

    def get_issue(self, request: SimRequest, issue: str) -> SimResponse:
        """``GET /rest/api/3/issue/{idOrKey}`` (all fields unless ``fields``)."""
        issue_id = self._issue_id(request, issue)
        fields = self._field_list(request.args("fields")) or None
        return json_response(200, self._project(self.issues[issue_id], fields))

    def delete_issue(self, request: SimRequest, issue: str) -> SimResponse:
        """``DELETE /rest/api/3/issue/{idOrKey}`` → 204."""
        self._forget(self._issue_id(request, issue))
        return SimResponse(204, b"", None)

    def _priority(self, value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            return None
        pid = str(value.get("id", "")) if value.get("id") is not None else None
        if pid is None and isinstance(value.get("name"), str):
            pid = next(
                (k for k, v in _PRIORITIES.items() if v.lower() == value["name"].lower()), None
            )
        if pid not in _PRIORITIES:
            return None
        name = _PRIORITIES[pid]
        return {
            "self": f"{self.site}/rest/api/3/priority/{pid}",
            "iconUrl": f"{self.site}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": pid,
        }

    def edit_issue(self, request: SimRequest, issue: str) -> SimResponse:
        """``PUT /rest/api/3/issue/{idOrKey}`` with ``{"fields": {...}}`` → 204."""
        issue_id = self._issue_id(request, issue)
        body = self._body(request)
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            raise HttpError(self.error_collection(400, ["No fields to update were given."]))
        errors: dict[str, str] = {}
        updates: dict[str, Any] = {}
        for name, value in fields.items():
            if name == "priority":
                priority = self._priority(value)
                if priority is None:
                    errors[name] = "Specify a valid 'id' or 'name' for Priority"
                else:
                    updates[name] = priority
            elif name == "summary" and isinstance(value, str) and value.strip():
                updates[name] = value
            elif name == "labels" and isinstance(value, list):
                updates[name] = [str(v) for v in value]
            else:
                errors[name] = (
                    f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                    "or unknown."
                )
        if errors:
            raise HttpError(self.error_collection(400, [], errors))
        self._own(issue_id)["fields"].update(updates)
        self._bump(issue_id)
        return SimResponse(204, b"", None)

    def assign(self, request: SimRequest, issue: str) -> SimResponse:
        """``PUT /rest/api/3/issue/{idOrKey}/assignee`` with ``{"accountId": ...}`` → 204."""
        issue_id = self._issue_id(request, issue)
        body = self._body(request)
        if not isinstance(body, dict) or "accountId" not in body:
            raise HttpError(self.error_collection(400, [], {"accountId": "accountId is required."}))
        account_id = body["accountId"]
        if account_id is not None:
            user = self.users.get(str(account_id))
            if user is None or user.get("accountType") != "atlassian":
                raise HttpError(
                    self.error_collection(
                        400, [], {"assignee": f"User '{account_id}' cannot be assigned issues."}
                    )
                )
            self._own(issue_id)["fields"]["assignee"] = user
        else:
            self._own(issue_id)["fields"]["assignee"] = None
        self._bump(issue_id)
        return SimResponse(204, b"", None)

    # transitions ---------------------------------------------------------------------------------

    def _status(self, name: str) -> dict[str, Any]:
        status_id, category = _JSM_STATUS_IDS[name]
        cat_id, color, cat_name = _JSM_CATEGORIES[category]
        return {
            "self": f"{self.site}/rest/api/3/status/{status_id}",
            "description": "",
            "iconUrl": f"{self.site}/images/icons/statuses/generic.png",
            "name": name,
            "id": status_id,
            "statusCategory": {
                "self": f"{self.site}/rest/api/3/statuscategory/{cat_id}",
                "id": cat_id,
                "key": category,
                "colorName": color,
                "name": cat_name,
            },
        }

    @staticmethod
    def _available(status: str) -> list[tuple[str, str, str]]:
        if status == "Closed":
            return []
        if status == "Resolved":
            return [t for t in TRANSITIONS if t[0] in ("71", "81")]
        return [t for t in TRANSITIONS if t[0] != "81" and t[2] != status]

    def list_transitions(self, request: SimRequest, issue: str) -> SimResponse:
        """``GET /rest/api/3/issue/{idOrKey}/transitions``."""
        issue_id = self._issue_id(request, issue)
        current = self.issues[issue_id]["fields"]["status"]["name"]
        transitions = [
            {
                "id": tid,
                "name": name,
                "to": self._status(target),
                "hasScreen": False,
                "isGlobal": False,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "looped": False,
            }
            for tid, name, target in self._available(current)
        ]
        return json_response(200, {"expand": "transitions", "transitions": transitions})

    def do_transition(self, request: SimRequest, issue: str) -> SimResponse:
        """``POST /rest/api/3/issue/{idOrKey}/transitions`` → 204."""
        issue_id = self._issue_id(request, issue)
        body = self._body(request)
        transition = body.get("transition") if isinstance(body, dict) else None
        if not isinstance(transition, dict) or "id" not in transition:
            raise HttpError(self.error_collection(400, ["Missing 'transition' identifier"]))
        tid = str(transition["id"])
        current = self.issues[issue_id]["fields"]["status"]["name"]
        match = next((t for t in self._available(current) if t[0] == tid), None)
        if match is None:
            raise HttpError(
                self.error_collection(400, [f"Transition id '{tid}' is not valid for this issue."])
            )
        fields = self._own(issue_id)["fields"]
        target = match[2]
        fields["status"] = self._status(target)
        now_ms = max(self._now_ms(), self._meta[issue_id].updated_ms + 1)
        if target in ("Resolved", "Closed"):
            if fields.get("resolution") is None:
                fields["resolution"] = {
                    "self": f"{self.site}/rest/api/3/resolution/10000",
                    "id": "10000",
                    "description": "Work has been completed on this issue.",
                    "name": "Done",
                }
                fields["resolutiondate"] = jira_time(now_ms)
        else:
            fields["resolution"] = None
            fields["resolutiondate"] = None
        update = body.get("update") if isinstance(body, dict) else None
        if isinstance(update, dict):
            for op in update.get("comment") or []:
                added = op.get("add") if isinstance(op, dict) else None
                if isinstance(added, dict) and added.get("body") is not None:
                    self._append_comment(issue_id, _adf_text(added["body"]), public=True)
        self._bump(issue_id)
        return SimResponse(204, b"", None)

    def myself(self, request: SimRequest) -> SimResponse:
        """``GET /rest/api/3/myself``: the API user, with the time zone JQL dates use."""
        if self.me is None:
            raise HttpError(self.error_collection(404, ["User not found."]))
        user = dict(self.me)
        user["timeZone"] = str(self.user_zone)
        user["locale"] = "en_US"
        return json_response(200, user)

    # servicedeskapi ------------------------------------------------------------------------------

    def _paged(self, request: SimRequest, values: list[dict[str, Any]]) -> SimResponse:
        try:
            start = max(0, int(request.arg("start") or 0))
            limit = int(request.arg("limit") or _PAGE_DEFAULT)
        except ValueError:
            raise HttpError(
                self.error_response(400, "start and limit must be integers.", "sd.paging.invalid")
            ) from None
        limit = max(1, min(limit, _PAGE_MAX))
        page = values[start : start + limit]
        last = start + limit >= len(values)
        keep = [(k, v) for k, v in request.query if k not in ("start", "limit")]

        def url(offset: int) -> str:
            return f"{request.base_url}{request.path}?" + urlencode(
                [*keep, ("start", str(offset)), ("limit", str(limit))]
            )

        links: dict[str, str] = {
            "base": request.base_url,
            "context": "",
            "self": url(start),
        }
        if not last:
            links["next"] = url(start + limit)
        if start > 0:
            links["prev"] = url(max(0, start - limit))
        return json_response(
            200,
            {
                "_expands": [],
                "size": len(page),
                "start": start,
                "limit": limit,
                "isLastPage": last,
                "_links": links,
                "values": page,
            },
        )

    def service_desks(self, request: SimRequest) -> SimResponse:
        """``GET /rest/servicedeskapi/servicedesk``."""
        desk = {
            "id": SERVICE_DESK_ID,
            "projectId": PROJECT[1],
            "projectKey": PROJECT[0],
            "projectName": PROJECT[2],
            "_links": {"self": f"{self.site}/rest/servicedeskapi/servicedesk/{SERVICE_DESK_ID}"},
        }
        return self._paged(request, [desk])

    @staticmethod
    def _flag(request: SimRequest, name: str) -> bool:
        value = request.arg(name)
        return value is None or value.lower() != "false"

    def list_comments(self, request: SimRequest, issue: str) -> SimResponse:
        """``GET /rest/servicedeskapi/request/{idOrKey}/comment``."""
        issue_id = self._issue_id(request, issue)
        public, internal = self._flag(request, "public"), self._flag(request, "internal")
        values = [
            c
            for c in self.comments[issue_id]
            if (public and c["public"]) or (internal and not c["public"])
        ]
        return self._paged(request, values)

    def _user_dto(self) -> dict[str, Any] | None:
        if self.me is None:
            return None
        account_id = self.me["accountId"]
        return {
            "accountId": account_id,
            "emailAddress": self.me["emailAddress"],
            "displayName": self.me["displayName"],
            "active": True,
            "timeZone": self.me["timeZone"],
            "_links": {
                "jiraRest": f"{self.site}/rest/api/2/user?accountId={account_id}",
                "avatarUrls": self.me["avatarUrls"],
                "self": f"{self.site}/rest/api/2/user?accountId={account_id}",
            },
        }

    def _date_dto(self, ts: int) -> dict[str, Any]:
        self._renderer.today = self.clock.timestamp() // 86400
        return self._renderer.date_dto(ts)

    def _append_comment(self, issue_id: str, body: str, *, public: bool) -> dict[str, Any]:
        self._own(issue_id)
        self._next_comment += 1
        comment_id = str(self._next_comment)
        comment = {
            "id": comment_id,
            "body": body,
            "public": public,
            "author": self._user_dto(),
            "created": self._date_dto(self.clock.timestamp()),
            "_links": {
                "self": f"{self.site}/rest/servicedeskapi/request/{issue_id}/comment/{comment_id}"
            },
        }
        self.comments[issue_id].append(comment)
        return comment

    def add_comment(self, request: SimRequest, issue: str) -> SimResponse:
        """``POST /rest/servicedeskapi/request/{idOrKey}/comment`` → 201 ``CommentDTO``."""
        issue_id = self._issue_id(request, issue)
        body = self._body(request)
        if not isinstance(body, dict):
            raise HttpError(
                self.error_response(400, "The request body must be an object.", "sd.json.invalid")
            )
        if not isinstance(body.get("public"), bool):
            raise HttpError(
                self.error_response(
                    400,
                    "The 'public' field is required: say whether the comment is public or "
                    "internal.",
                    "sd.request.comment.public.required",
                )
            )
        text = body.get("body")
        if not isinstance(text, str) or not text.strip():
            raise HttpError(
                self.error_response(
                    400, "The comment body is required.", "sd.request.comment.body.required"
                )
            )
        comment = self._append_comment(issue_id, text, public=body["public"])
        self._bump(issue_id)
        return json_response(201, comment)

    def _advance_cycle(self, cycle: dict[str, Any], now_ms: int) -> dict[str, Any]:
        if cycle.get("paused"):
            return cycle
        shift = now_ms - self.generated_ms
        if shift == 0:
            return cycle
        out = dict(cycle)
        elapsed = (cycle["elapsedTime"]["millis"] + shift) // 1000
        goal = cycle["goalDuration"]["millis"] // 1000
        out["elapsedTime"] = JsmRenderer.duration_dto(elapsed)
        out["remainingTime"] = JsmRenderer.duration_dto(goal - elapsed)
        breach = cycle.get("breachTime")
        if breach is not None:
            out["breached"] = breach["epochMillis"] <= now_ms
        return out

    def list_slas(self, request: SimRequest, issue: str) -> SimResponse:
        """``GET /rest/servicedeskapi/request/{idOrKey}/sla`` on the server clock."""
        issue_id = self._issue_id(request, issue)
        now_ms = self._now_ms()
        values = []
        for value in self.slas.get(issue_id, []):
            out = dict(value)
            if "ongoingCycle" in value:
                out["ongoingCycle"] = self._advance_cycle(value["ongoingCycle"], now_ms)
            values.append(out)
        return self._paged(request, values)

    # -- oauth ---------------------------------------------------------------------------------

    def _dispatch(self, request: SimRequest, auth: Auth) -> SimResponse:
        """Routes the gateway path ``/ex/jira/{cloudId}/rest/...`` like ``/rest/...``."""
        match = _GATEWAY.match(request.path)
        if match is not None and match["cloud"] == self.cloud_id:
            prefix = request.path[: match.start("rest")]
            request = dataclasses.replace(
                request, path=match["rest"], base_url=request.base_url + prefix
            )
        return super()._dispatch(request, auth)

    def accessible_resources(self, request: SimRequest) -> SimResponse:
        """``GET /oauth/token/accessible-resources``: the sites the bearer token reaches."""
        auth = self.authenticate(request.headers.get("authorization"))
        if not (auth.ok and auth.scheme == "bearer"):
            return json_response(401, {"code": 401, "message": "Unauthorized"})
        return json_response(200, self.sites)

    def oauth_token(self, request: SimRequest) -> SimResponse:
        """``POST /oauth/token``: the refresh-token grant with rotating refresh tokens."""
        form = form_or_json(request)
        if not self.client_ok(form.get("client_id"), form.get("client_secret")):
            return json_response(
                401, {"error": "access_denied", "error_description": "Unauthorized"}
            )
        if form.get("grant_type") != "refresh_token":
            return json_response(
                400,
                {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"},
            )
        try:
            grant = self.refresh_grant(form.get("refresh_token") or "")
        except KeyError:
            return json_response(
                403,
                {
                    "error": "invalid_grant",
                    "error_description": "Unknown or invalid refresh token.",
                },
            )
        grant.update(scope="read:jira-work write:jira-work offline_access", token_type="Bearer")
        return json_response(200, grant)
