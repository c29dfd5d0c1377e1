"""A Zendesk Support API v2 server over one generated account (``demo-zendesk`` by default).

Endpoints (``.json`` suffix optional, as on Zendesk):

* ``GET /api/v2/incremental/tickets/cursor.json`` — cursor-based incremental export:
  ``start_time`` (first call) or ``cursor``, ``per_page`` (≤ 1000, default 1000),
  ``include=users,groups,organizations,slas``, ``exclude_deleted=true``. Tickets are ordered by
  ``(generated_timestamp, id)``; a ticket whose ``generated_timestamp`` is less than 60 s before
  the server clock's "now" is left out until it is older (Zendesk's 2024 rule), and
  ``end_of_stream`` is true when nothing older is left. ``after_cursor`` is always set, so the
  last cursor starts the next poll; it encodes ``"{generated_timestamp}.0||{id}|"`` as the
  recorded responses do. Deleted tickets appear with ``status: "deleted"``.
* ``GET /api/v2/incremental/tickets.json`` — time-based export (``count``, ``end_time``,
  ``next_page``, ``end_of_stream``); tickets sharing the last timestamp are never split, so a
  page can exceed ``per_page`` and the next page repeats them, as Zendesk's does.
* ``GET /api/v2/tickets/{id}``, ``GET /api/v2/tickets/show_many?ids=``, ``GET /api/v2/tickets``
  (cursor ``page[size]``/``page[after]``/``page[before]`` with ``meta``/``links``, or offset
  ``page``/``per_page``).
* ``GET /api/v2/tickets/{id}/comments`` — cursor (``page[size]`` ≤ 100, ``page[after]``,
  ``page[before]``, ``sort=created_at|-created_at``) or offset pagination, ``include=users``.
* ``PUT /api/v2/tickets/{id}`` — ``comment`` (``body``/``html_body``, ``public``, ``author_id``),
  ``status``, ``priority``, ``assignee_id``, ``group_id``, ``tags``, ``subject``, ``type``,
  ``custom_fields``; ``safe_update`` with a stale ``updated_stamp`` → 409. Returns
  ``{"ticket", "audit"}`` and moves ``updated_at`` and ``generated_timestamp`` to "now".
* ``POST /oauth/tokens`` (JSON: ``grant_type=refresh_token``, ``refresh_token``, ``client_id``,
  ``client_secret``, optional ``expires_in``) → ``{"access_token", "refresh_token",
  "token_type": "bearer", "scope", "expires_in", "refresh_token_expires_in"}``; the previous
  access and refresh tokens stop working, as Zendesk's refresh grant does. A used or revoked
  refresh token → 400 ``invalid_grant``; a wrong client → 401 ``invalid_client``.
* ``DELETE /api/v2/tickets/{id}`` (204; the ticket turns up in the export as deleted),
  ``GET /api/v2/users/me``, ``/users/{id}``, ``/groups``, ``/organizations``,
  ``/slas/policies``.

Auth: ``Basic base64("{email}/token:{api_token}")`` or ``Bearer {oauth_token}`` (the fixed demo
token, or one from ``/oauth/tokens`` until it expires: 401 ``invalid_token``). Errors use
Zendesk's ``{"error", "description"[, "details"]}`` envelope; every response carries
``x-rate-limit``/``ratelimit-*`` headers (700 a minute, counted in real time).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import copy
import html
import random
import re
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import msgspec

from queuebench.domain.models import Vendor
from queuebench.sandbox.render import zendesk_time
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

__all__ = ["ZendeskApp"]

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
_CUSTOM_STATUS = {
    "new": 6130830355738,
    "open": 6130892426138,
    "pending": 6130830356122,
    "hold": 6130830356250,
    "solved": 6130830356506,
    "closed": 6130830356634,
}
_CURSOR = re.compile(r"^(\d+)\.0\|\|(\d*)\|$")
_EXPORT_LIMIT = 1000
_LIST_LIMIT = 100
_EXCLUDED_SECONDS = 60
_DAY, _HOUR = 86400, 3600


def _epoch(stamp: str) -> int:
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def _parse_stamp(value: Any) -> int | None:
    """``updated_stamp`` as Unix seconds (ISO 8601 with ``Z`` or an offset), or ``None``."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return int(parsed.timestamp())


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class ZendeskApp(VendorApp):
    """The Zendesk server: state, routes and Zendesk's shapes (see the module docstring)."""

    vendor = Vendor.ZENDESK
    rate_limit = 700
    rate_window = 60
    token_lifetime_default = 1800
    refresh_revokes_access = True

    def __init__(
        self,
        shared: SharedAccount,
        *,
        clock: Callable[[], datetime] | None = None,
        credentials: Credentials | None = None,
        deleted: int | Iterable[int | str] = 0,
        seed: int = 0,
    ) -> None:
        super().__init__(shared, clock=clock, credentials=credentials)
        base = shared.base
        self.has_slas = base.spec.has_vendor_sla
        self.generated_s = int(shared.generated_at.timestamp())
        self.tickets: dict[int, dict[str, Any]] = dict(
            shared.derive("zd.tickets", lambda: {t.ticket["id"]: t.ticket for t in base.tickets})
        )
        self.comments: dict[int, list[dict[str, Any]]] = dict(
            shared.derive("zd.comments", lambda: {t.ticket["id"]: t.comments for t in base.tickets})
        )
        self.order: list[tuple[int, int]] = list(
            shared.derive(
                "zd.order",
                lambda: sorted(
                    (t.ticket["generated_timestamp"], t.ticket["id"]) for t in base.tickets
                ),
            )
        )
        self._owned: set[int] = set()
        directory = base.directory
        self.users = {u["id"]: u for u in directory["users"]}
        self.groups = {g["id"]: g for g in directory["groups"]}
        self.organizations = {o["id"]: o for o in directory["organizations"]}
        self.sla_policies = directory.get("sla_policies", [])
        self.me = next((u for u in directory["users"] if u["email"] == self.credentials.user), None)
        last_comment = max((c[-1]["id"] for c in self.comments.values() if c), default=0)
        self._next_id = max(last_comment, 20_000_000_000_000) + 1_000_000
        self._mark_deleted(deleted, seed)
        self._add_routes()

    # -- state ---------------------------------------------------------------------------------

    def _own(self, ticket_id: int) -> dict[str, Any]:
        """The ticket's dict, copied first if it is still the shared generated record."""
        if ticket_id not in self._owned:
            self.tickets[ticket_id] = copy.deepcopy(self.tickets[ticket_id])
            self.comments[ticket_id] = list(self.comments[ticket_id])
            self._owned.add(ticket_id)
        return self.tickets[ticket_id]

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _bump(self, ticket_id: int) -> int:
        """Move a ticket's ``updated_at``/``generated_timestamp`` to now (always forward)."""
        ticket = self._own(ticket_id)
        old = (ticket["generated_timestamp"], ticket_id)
        stamp = max(self.clock.timestamp(), ticket["generated_timestamp"] + 1)
        ticket["generated_timestamp"] = stamp
        ticket["updated_at"] = zendesk_time(stamp)
        index = bisect_left(self.order, old)
        if index < len(self.order) and self.order[index] == old:
            del self.order[index]
        self.order.insert(bisect_left(self.order, (stamp, ticket_id)), (stamp, ticket_id))
        return stamp

    def _mark_deleted(self, deleted: int | Iterable[int | str], seed: int) -> None:
        if isinstance(deleted, int):
            if deleted <= 0:
                return
            ids = random.Random(f"{seed}:deleted").sample(sorted(self.tickets), deleted)
        else:
            ids = [int(x) for x in deleted]
        for ticket_id in sorted(ids):
            ticket = self.tickets[ticket_id]
            updated = ticket["generated_timestamp"]
            when = min(self.generated_s - 2 * _EXCLUDED_SECONDS, (updated + self.generated_s) // 2)
            self._set_deleted(ticket_id, max(updated, when))

    def _set_deleted(self, ticket_id: int, stamp: int) -> None:
        ticket = self._own(ticket_id)
        old = (ticket["generated_timestamp"], ticket_id)
        index = bisect_left(self.order, old)
        if index < len(self.order) and self.order[index] == old:
            del self.order[index]
        ticket["status"] = "deleted"
        ticket["generated_timestamp"] = stamp
        ticket["updated_at"] = zendesk_time(stamp)
        self.order.insert(bisect_left(self.order, (stamp, ticket_id)), (stamp, ticket_id))

    def delete(self, remote_id: int | str) -> None:
        """Delete a ticket (it stays in the export with ``status: "deleted"``)."""
        with self.lock:
            ticket_id = int(remote_id)
            if self.tickets.get(ticket_id, {}).get("status", "deleted") == "deleted":
                raise KeyError(remote_id)
            stamp = max(self.clock.timestamp(), self.tickets[ticket_id]["generated_timestamp"] + 1)
            self._set_deleted(ticket_id, stamp)

    def touch(self, remote_id: int | str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        """A change made by someone else in Zendesk: set ``changes``, bump the timestamps."""
        with self.lock:
            ticket_id = int(remote_id)
            if self.tickets.get(ticket_id, {}).get("status", "deleted") == "deleted":
                raise KeyError(remote_id)
            ticket = self._own(ticket_id)
            for key, value in (changes or {}).items():
                ticket[key] = value
            self._bump(ticket_id)
            return self._public_ticket(ticket, include_slas=False)

    def live_tickets(self) -> list[dict[str, Any]]:
        """Every ticket as the export would send it now (deleted ones included)."""
        with self.lock:
            return [self._export_ticket(self.tickets[i], True) for _, i in self.order]

    def ticket_comments(self, remote_id: int | str) -> list[dict[str, Any]]:
        """A ticket's comments as the server holds them."""
        with self.lock:
            return list(self.comments[int(remote_id)])

    def info(self) -> dict[str, Any]:
        """``/__sim/info``: counts on top of the common fields."""
        data = super().info()
        data["tickets"] = len(self.tickets)
        data["deleted"] = sum(1 for t in self.tickets.values() if t["status"] == "deleted")
        return data

    # -- vendor shapes -------------------------------------------------------------------------

    def error(self, status: int, request: SimRequest, message: str | None = None) -> SimResponse:
        """Zendesk's ``{"error", "description"}`` envelope."""
        code, description = {
            400: ("InvalidValue", "Invalid request"),
            403: (
                "Forbidden",
                "You do not have access to this page. Please contact the account owner of this "
                "help desk for further help.",
            ),
            404: ("RecordNotFound", "Not found"),
            405: ("MethodNotAllowed", "Method not allowed"),
            409: ("UpdateConflict", "Conflict"),
            500: ("InternalError", "Something went wrong, please try again later."),
            502: ("BadGateway", "Bad gateway"),
            503: ("ServiceUnavailable", "The service is temporarily unavailable."),
            504: ("GatewayTimeout", "Gateway timeout"),
        }.get(status, ("Error", "Error"))
        return json_response(status, {"error": code, "description": message or description})

    def not_found_route(self, request: SimRequest) -> SimResponse:
        """Unknown paths: ``InvalidEndpoint``."""
        return json_response(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def unauthorized(self, request: SimRequest, auth: Auth) -> SimResponse:
        """Zendesk's 401: OAuth's ``invalid_token`` for bearer, else "Couldn't authenticate you"."""
        if auth.scheme == "bearer":
            return json_response(
                401,
                {
                    "error": "invalid_token",
                    "error_description": "The access token provided is expired, revoked, "
                    "malformed or invalid for other reasons.",
                },
                [("WWW-Authenticate", 'Bearer realm="Web Password"')],
            )
        return json_response(
            401,
            {"error": "Couldn't authenticate you"},
            [("WWW-Authenticate", 'Basic realm="Web Password"')],
        )

    def rate_headers(self, remaining: int, reset_in: int) -> list[tuple[str, str]]:
        """``x-rate-limit*`` and ``ratelimit-*`` as on every recorded Zendesk response."""
        return [
            ("x-rate-limit", str(self.rate_limit)),
            ("x-rate-limit-remaining", str(remaining)),
            ("ratelimit-limit", str(self.rate_limit)),
            ("ratelimit-remaining", str(remaining)),
            ("ratelimit-reset", str(reset_in)),
        ]

    def throttled(self, request: SimRequest, retry_after: int) -> SimResponse:
        """429 with ``Retry-After``."""
        return json_response(
            429,
            {
                "error": "APIRateLimitExceeded",
                "description": "Number of allowed API requests per minute exceeded",
            },
            [("Retry-After", str(retry_after))],
        )

    def invalid_cursor(self, request: SimRequest, status: int) -> SimResponse:
        """An invalid or expired cursor."""
        return json_response(
            status,
            {
                "error": "InvalidPaginationParameter",
                "description": "The cursor is invalid or has expired. Restart from a start_time.",
            },
        )

    def _bad(self, description: str, status: int = 400, error: str = "InvalidValue") -> HttpError:
        return HttpError(json_response(status, {"error": error, "description": description}))

    def _record_invalid(self, field: str, description: str) -> HttpError:
        return HttpError(
            json_response(
                422,
                {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": {field: [{"description": description, "error": "InvalidValue"}]},
                },
            )
        )

    # -- representations -----------------------------------------------------------------------

    def _slas_now(self, slas: dict[str, Any]) -> dict[str, Any]:
        now = self.clock.timestamp()
        if now == self.generated_s:
            return slas
        metrics = []
        for entry in slas["policy_metrics"]:
            fresh = {k: v for k, v in entry.items() if k not in ("days", "hours", "minutes")}
            if entry.get("breach_at") is not None:
                delta = _epoch(entry["breach_at"]) - now
                size = abs(delta)
                if size >= _DAY:
                    fresh["days"] = int(delta / _DAY)
                elif size >= _HOUR:
                    fresh["hours"] = int(delta / _HOUR)
                else:
                    fresh["minutes"] = int(delta / 60)
            metrics.append(fresh)
        return {"policy_metrics": metrics}

    def _export_ticket(self, ticket: dict[str, Any], include_slas: bool) -> dict[str, Any]:
        if "slas" not in ticket:
            return ticket
        if not include_slas:
            return {k: v for k, v in ticket.items() if k != "slas"}
        out = dict(ticket)
        out["slas"] = self._slas_now(ticket["slas"])
        return out

    def _public_ticket(self, ticket: dict[str, Any], *, include_slas: bool) -> dict[str, Any]:
        out = {k: v for k, v in ticket.items() if k not in ("generated_timestamp", "slas")}
        if include_slas and "slas" in ticket:
            out["slas"] = self._slas_now(ticket["slas"])
        return out

    def _sideloads(self, tickets: list[dict[str, Any]], include: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "users" in include:
            ids: dict[int, None] = {}
            for t in tickets:
                for key in ("requester_id", "submitter_id", "assignee_id"):
                    if t.get(key) is not None:
                        ids[t[key]] = None
                for key in ("collaborator_ids", "follower_ids", "email_cc_ids"):
                    for uid in t.get(key) or ():
                        ids[uid] = None
            out["users"] = [self.users[i] for i in ids if i in self.users]
        if "groups" in include:
            gids = dict.fromkeys(t["group_id"] for t in tickets if t.get("group_id") is not None)
            out["groups"] = [self.groups[i] for i in gids if i in self.groups]
        if "organizations" in include:
            oids = dict.fromkeys(
                t["organization_id"] for t in tickets if t.get("organization_id") is not None
            )
            out["organizations"] = [self.organizations[i] for i in oids if i in self.organizations]
        return out

    @staticmethod
    def _include(request: SimRequest) -> set[str]:
        return {part.strip() for part in (request.arg("include") or "").split(",") if part.strip()}

    def _int_arg(self, request: SimRequest, name: str, default: int) -> int:
        raw = request.arg(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise self._bad(f"{name} must be an integer") from None

    def _ticket(self, ticket_id: str) -> dict[str, Any]:
        ticket = self.tickets.get(int(ticket_id))
        if ticket is None or ticket["status"] == "deleted":
            raise HttpError(
                json_response(404, {"error": "RecordNotFound", "description": "Not found"})
            )
        return ticket

    # -- routes --------------------------------------------------------------------------------

    def _add_routes(self) -> None:
        j = r"(?:\.json)?"
        self.add_route("GET", rf"/api/v2/incremental/tickets/cursor{j}", self.export_cursor)
        self.add_route("GET", rf"/api/v2/incremental/tickets{j}", self.export_time)
        self.add_route("GET", rf"/api/v2/tickets/show_many{j}", self.show_many)
        self.add_route("GET", rf"/api/v2/tickets{j}", self.list_tickets)
        self.add_route("GET", rf"/api/v2/tickets/{{ticket_id:int}}{j}", self.show_ticket)
        self.add_route("PUT", rf"/api/v2/tickets/{{ticket_id:int}}{j}", self.update_ticket)
        self.add_route("DELETE", rf"/api/v2/tickets/{{ticket_id:int}}{j}", self.delete_ticket)
        self.add_route("GET", rf"/api/v2/tickets/{{ticket_id:int}}/comments{j}", self.list_comments)
        self.add_route("GET", rf"/api/v2/users/me{j}", self.show_me)
        self.add_route("GET", rf"/api/v2/users/{{user_id:int}}{j}", self.show_user)
        self.add_route("GET", rf"/api/v2/groups{j}", self.list_groups)
        self.add_route("GET", rf"/api/v2/organizations{j}", self.list_organizations)
        self.add_route("GET", rf"/api/v2/slas/policies{j}", self.list_sla_policies)
        self.add_route("POST", "/oauth/tokens", self.oauth_tokens, public=True)

    # incremental export ------------------------------------------------------------------------

    @staticmethod
    def encode_cursor(stamp: int, ticket_id: int | None) -> str:
        """The cursor after ``(generated_timestamp, id)`` in the recorded format."""
        raw = f"{stamp}.0||{ticket_id if ticket_id is not None else ''}|"
        return base64.b64encode(raw.encode()).decode("ascii")

    def _decode_cursor(self, request: SimRequest, cursor: str) -> tuple[int, int]:
        try:
            raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise HttpError(self.invalid_cursor(request, 400)) from None
        match = _CURSOR.match(raw)
        if match is None:
            raise HttpError(self.invalid_cursor(request, 400))
        return int(match.group(1)), int(match.group(2) or 0)

    def _link(self, request: SimRequest, path: str, params: list[tuple[str, str]]) -> str:
        return f"{request.base_url}{path}?{urlencode(params)}"

    def export_cursor(self, request: SimRequest) -> SimResponse:
        """``GET /api/v2/incremental/tickets/cursor.json``."""
        per_page = min(max(self._int_arg(request, "per_page", _EXPORT_LIMIT), 1), _EXPORT_LIMIT)
        include = self._include(request)
        exclude_deleted = (request.arg("exclude_deleted") or "").lower() == "true"
        cursor = request.arg("cursor")
        if cursor:
            position = self._decode_cursor(request, cursor)
        elif request.has_arg("start_time"):
            position = (self._int_arg(request, "start_time", 0), 0)
        else:
            raise self._bad("start_time or cursor is required", error="InvalidPaginationParameter")
        cutoff = self.clock.timestamp() - _EXCLUDED_SECONDS
        order = self.order
        index = bisect_right(order, position)
        last = position
        page: list[dict[str, Any]] = []
        while index < len(order) and len(page) < per_page:
            stamp, ticket_id = order[index]
            if stamp > cutoff:
                break
            index += 1
            last = (stamp, ticket_id)
            ticket = self.tickets[ticket_id]
            if exclude_deleted and ticket["status"] == "deleted":
                continue
            page.append(self._export_ticket(ticket, "slas" in include))
        end_of_stream = index >= len(order) or order[index][0] > cutoff
        after = self.encode_cursor(last[0], last[1] or None)
        params = [("cursor", after)]
        for name in ("per_page", "include", "exclude_deleted"):
            value = request.arg(name)
            if value is not None:
                params.append((name, value))
        body: dict[str, Any] = {"tickets": page}
        body.update(self._sideloads(page, include))
        body.update(
            {
                "after_url": self._link(request, "/api/v2/incremental/tickets/cursor.json", params),
                "before_url": None,
                "after_cursor": after,
                "before_cursor": None,
                "end_of_stream": end_of_stream,
            }
        )
        return json_response(200, body)

    def export_time(self, request: SimRequest) -> SimResponse:
        """``GET /api/v2/incremental/tickets.json`` (time-based; equal timestamps stay together)."""
        if not request.has_arg("start_time"):
            raise self._bad("start_time is required", error="InvalidPaginationParameter")
        start = self._int_arg(request, "start_time", 0)
        per_page = min(max(self._int_arg(request, "per_page", _EXPORT_LIMIT), 1), _EXPORT_LIMIT)
        include = self._include(request)
        cutoff = self.clock.timestamp() - _EXCLUDED_SECONDS
        order = self.order
        index = bisect_left(order, (start, 0))
        page: list[dict[str, Any]] = []
        last_stamp: int | None = None
        while index < len(order):
            stamp, ticket_id = order[index]
            if stamp > cutoff or (len(page) >= per_page and stamp != last_stamp):
                break
            page.append(self._export_ticket(self.tickets[ticket_id], "slas" in include))
            last_stamp = stamp
            index += 1
        end_time = last_stamp if last_stamp is not None else start
        after = bisect_right(order, (end_time, 1 << 62))
        end_of_stream = after >= len(order) or order[after][0] > cutoff
        params = [("start_time", str(end_time))]
        for name in ("per_page", "include"):
            value = request.arg(name)
            if value is not None:
                params.insert(0, (name, value))
        body: dict[str, Any] = {"tickets": page}
        body.update(self._sideloads(page, include))
        body.update(
            {
                "count": len(page),
                "end_of_stream": end_of_stream,
                "next_page": self._link(request, "/api/v2/incremental/tickets.json", params),
                "end_time": end_time,
            }
        )
        return json_response(200, body)

    # tickets -----------------------------------------------------------------------------------

    def show_ticket(self, request: SimRequest, ticket_id: str) -> SimResponse:
        """``GET /api/v2/tickets/{id}``."""
        ticket = self._ticket(ticket_id)
        include = self._include(request)
        body: dict[str, Any] = {
            "ticket": self._public_ticket(ticket, include_slas="slas" in include)
        }
        body.update(self._sideloads([ticket], include))
        return json_response(200, body)

    def show_many(self, request: SimRequest) -> SimResponse:
        """``GET /api/v2/tickets/show_many?ids=1,2,3`` (at most 100 ids)."""
        raw = [p for p in (request.arg("ids") or "").split(",") if p.strip()]
        if len(raw) > _LIST_LIMIT:
            raise self._bad("ids: at most 100 ids")
        try:
            ids = [int(p) for p in raw]
        except ValueError:
            raise self._bad("ids must be integers") from None
        include = self._include(request)
        found = [
            self.tickets[i]
            for i in ids
            if i in self.tickets and self.tickets[i]["status"] != "deleted"
        ]
        body: dict[str, Any] = {
            "tickets": [self._public_ticket(t, include_slas="slas" in include) for t in found]
        }
        body.update(self._sideloads(found, include))
        body.update({"next_page": None, "previous_page": None, "count": len(found)})
        return json_response(200, body)

    def list_tickets(self, request: SimRequest) -> SimResponse:
        """``GET /api/v2/tickets`` (cursor or offset pagination, ordered by id)."""
        items = [
            ((tid,), self._public_ticket(t, include_slas=False))
            for tid, t in sorted(self.tickets.items())
            if t["status"] != "deleted"
        ]
        response = self._paginate(request, items, "tickets", "/api/v2/tickets.json", "nice_id")
        total = 100
        used = min(total, self._window_count)
        response.headers.append(
            (
                "zendesk-ratelimit-tickets-index",
                f"total={total}; remaining={total - used}; resets=60",
            )
        )
        return response

    def delete_ticket(self, request: SimRequest, ticket_id: str) -> SimResponse:
        """``DELETE /api/v2/tickets/{id}`` → 204."""
        self._ticket(ticket_id)
        self.delete(ticket_id)
        return SimResponse(204, b"", None)

    # comments ----------------------------------------------------------------------------------

    def list_comments(self, request: SimRequest, ticket_id: str) -> SimResponse:
        """``GET /api/v2/tickets/{id}/comments``."""
        ticket = self._ticket(ticket_id)
        comments = self.comments[ticket["id"]]
        descending = request.arg("sort") == "-created_at" or request.arg("sort_order") == "desc"
        items = [((_epoch(c["created_at"]), c["id"]), c) for c in comments]
        items.sort(key=lambda pair: pair[0], reverse=descending)
        if descending:
            items = [((-k[0], -k[1]), c) for k, c in items]
        response_path = f"/api/v2/tickets/{ticket['id']}/comments.json"
        include = self._include(request)
        extra: dict[str, Any] = {}
        if "users" in include:
            authors = dict.fromkeys(c["author_id"] for c in comments)
            extra["users"] = [self.users[a] for a in authors if a in self.users]
        return self._paginate(request, items, "comments", response_path, "created_at", extra)

    def _paginate(
        self,
        request: SimRequest,
        items: Sequence[tuple[tuple[int, ...], dict[str, Any]]],
        name: str,
        path: str,
        order_name: str,
        extra: dict[str, Any] | None = None,
    ) -> SimResponse:
        """Zendesk list pagination: cursor (``page[size]``…) or the offset fallback."""
        cursor_mode = any(k.startswith("page[") for k, _ in request.query)
        if not cursor_mode:
            return self._offset_page(request, items, name, path, extra)
        size = self._int_arg(request, "page[size]", _LIST_LIMIT)
        if size > _LIST_LIMIT:
            raise self._bad(
                f"page[size] is greater than the maximum {_LIST_LIMIT}",
                error="InvalidPaginationParameter",
            )
        size = max(size, 1)
        keys = [k for k, _ in items]
        after, before = request.arg("page[after]"), request.arg("page[before]")
        if after:
            start = bisect_right(keys, self._decode_list_cursor(request, after))
            chosen = items[start : start + size]
            has_more = start + size < len(items)
        elif before:
            end = bisect_left(keys, self._decode_list_cursor(request, before))
            chosen = items[max(0, end - size) : end]
            has_more = end - size > 0
        else:
            chosen = items[:size]
            has_more = size < len(items)
        body: dict[str, Any] = {name: [item for _, item in chosen]}
        body.update(extra or {})
        after_cursor: str | None = None
        before_cursor: str | None = None
        links: dict[str, str | None] = {"prev": None, "next": None}
        if chosen:
            after_cursor = self._list_cursor(order_name, chosen[-1][0])
            before_cursor = self._list_cursor(order_name, chosen[0][0])
            keep = [(k, v) for k, v in request.query if not k.startswith("page[")]
            size_param = [("page[size]", str(size))]
            links = {
                "prev": self._link(
                    request, path, [("page[before]", before_cursor), *size_param, *keep]
                ),
                "next": self._link(
                    request, path, [("page[after]", after_cursor), *size_param, *keep]
                ),
            }
        body["meta"] = {
            "has_more": has_more,
            "after_cursor": after_cursor,
            "before_cursor": before_cursor,
        }
        body["links"] = links
        return json_response(200, body)

    @staticmethod
    def _list_cursor(order_name: str, key: tuple[int, ...]) -> str:
        value = base64.b64encode(",".join(str(k) for k in key).encode()).decode("ascii")
        raw = msgspec.json.encode({"o": order_name, "v": value})
        return base64.b64encode(raw).decode("ascii")

    def _decode_list_cursor(self, request: SimRequest, cursor: str) -> tuple[int, ...]:
        try:
            data = msgspec.json.decode(base64.b64decode(cursor + "=" * (-len(cursor) % 4)))
            raw = base64.b64decode(data["v"]).decode()
            return tuple(int(p) for p in raw.split(","))
        except (binascii.Error, msgspec.DecodeError, KeyError, TypeError, ValueError):
            raise HttpError(self.invalid_cursor(request, 400)) from None

    def _offset_page(
        self,
        request: SimRequest,
        items: Sequence[tuple[tuple[int, ...], dict[str, Any]]],
        name: str,
        path: str,
        extra: dict[str, Any] | None,
    ) -> SimResponse:
        page = max(1, self._int_arg(request, "page", 1))
        per_page = min(max(self._int_arg(request, "per_page", _LIST_LIMIT), 1), _LIST_LIMIT)
        chosen = items[(page - 1) * per_page : page * per_page]
        keep = [(k, v) for k, v in request.query if k not in ("page", "per_page")]

        def link(number: int) -> str:
            return self._link(
                request, path, [*keep, ("page", str(number)), ("per_page", str(per_page))]
            )

        body: dict[str, Any] = {name: [item for _, item in chosen]}
        body.update(extra or {})
        body["next_page"] = link(page + 1) if page * per_page < len(items) else None
        body["previous_page"] = link(page - 1) if page > 1 else None
        body["count"] = len(items)
        return json_response(200, body)

    # writes ------------------------------------------------------------------------------------

    def update_ticket(self, request: SimRequest, ticket_id: str) -> SimResponse:
        """``PUT /api/v2/tickets/{id}`` with ``{"ticket": {...}}``."""
        ticket = self._ticket(ticket_id)
        try:
            payload = request.json()
        except msgspec.DecodeError:
            raise self._bad("The request body is not valid JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("ticket"), dict):
            raise self._bad("Parameter ticket is required and must be an object")
        changes: dict[str, Any] = payload["ticket"]
        tid = ticket["id"]
        if _truthy(changes.get("safe_update")):
            stamp = _parse_stamp(changes.get("updated_stamp"))
            if stamp is None:
                raise self._record_invalid("updated_stamp", "Updated stamp is missing or invalid")
            if stamp != _epoch(ticket["updated_at"]):
                raise HttpError(
                    json_response(
                        409,
                        {
                            "error": "UpdateConflict",
                            "description": "Safe Update prevented the update due to outdated "
                            "ticket data. Please fetch the latest ticket data and try again.",
                        },
                    )
                )
        if ticket["status"] == "closed":
            raise self._record_invalid("status", "Status: closed prevents ticket update")
        self._validate(changes)
        ticket = self._own(tid)
        events: list[dict[str, Any]] = []
        audit_id = self._new_id()
        author = (
            changes.get("comment", {}).get("author_id")
            if isinstance(changes.get("comment"), dict)
            else None
        )
        author_id = author if isinstance(author, int) else (self.me["id"] if self.me else None)
        comment = changes.get("comment")
        public_reply = False
        if isinstance(comment, dict) and (comment.get("body") or comment.get("html_body")):
            event = self._add_comment(tid, comment, author_id, audit_id)
            events.append(event)
            public_reply = bool(event["public"])
        explicit_status = "status" in changes
        for field in ("status", "priority", "assignee_id", "group_id", "subject", "type"):
            if field in changes and changes[field] != ticket.get(field):
                events.append(self._change(field, changes[field], ticket.get(field)))
                ticket[field] = changes[field]
        if "tags" in changes and isinstance(changes["tags"], list):
            ticket["tags"] = [str(t) for t in changes["tags"]]
        if "custom_fields" in changes and isinstance(changes["custom_fields"], list):
            self._set_custom_fields(ticket, changes["custom_fields"])
        if not explicit_status and ticket["status"] == "new" and (events or "tags" in changes):
            events.append(self._change("status", "open", "new"))
            ticket["status"] = "open"
        ticket["custom_status_id"] = _CUSTOM_STATUS.get(
            ticket["status"], ticket["custom_status_id"]
        )
        if public_reply and author_id in self.users and self.users[author_id]["role"] != "end-user":
            self._fulfil_first_reply(ticket)
        stamp = self._bump(tid)
        audit = {
            "id": audit_id,
            "ticket_id": tid,
            "created_at": zendesk_time(stamp),
            "author_id": author_id,
            "metadata": {
                "system": {
                    "client": request.headers.get("user-agent", ""),
                    "ip_address": "127.0.0.1",
                },
                "custom": {},
            },
            "events": events,
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
        }
        return json_response(
            200, {"ticket": self._public_ticket(ticket, include_slas=False), "audit": audit}
        )

    def _validate(self, changes: dict[str, Any]) -> None:
        if "status" in changes and changes["status"] not in STATUSES:
            raise self._record_invalid("status", f"Status: {changes['status']} is not valid")
        if "priority" in changes and changes["priority"] not in (*PRIORITIES, None):
            raise self._record_invalid("priority", f"Priority: {changes['priority']} is not valid")
        if "assignee_id" in changes and changes["assignee_id"] is not None:
            user = self.users.get(changes["assignee_id"])
            if user is None or user["role"] == "end-user":
                raise self._record_invalid("assignee_id", "Assignee is not an agent")
        if (
            "group_id" in changes
            and changes["group_id"] is not None
            and changes["group_id"] not in self.groups
        ):
            raise self._record_invalid("group_id", "Group is invalid")
        comment = changes.get("comment")
        if comment is not None and not isinstance(comment, dict):
            raise self._record_invalid("comment", "Comment must be an object")
        if isinstance(comment, dict) and "public" in comment:
            public = comment["public"]
            if not isinstance(public, bool) and str(public).lower() not in ("true", "false"):
                raise self._record_invalid("comment", "public must be true or false")

    def _change(self, field: str, value: Any, previous: Any) -> dict[str, Any]:
        return {
            "id": self._new_id(),
            "type": "Change",
            "value": value,
            "field_name": field,
            "previous_value": previous,
        }

    def _add_comment(
        self, ticket_id: int, comment: dict[str, Any], author_id: int | None, audit_id: int
    ) -> dict[str, Any]:
        public_raw = comment.get("public", True)
        public = public_raw if isinstance(public_raw, bool) else str(public_raw).lower() == "true"
        if comment.get("body"):
            body = str(comment["body"])
            paragraphs = "".join(
                f'<p dir="auto">{html.escape(p, quote=False)}</p>' for p in body.split("\n\n")
            )
            html_body = f'<div class="zd-comment" dir="auto">{paragraphs}</div>'
        else:
            html_body = str(comment["html_body"])
            body = re.sub(r"<[^>]+>", "", html_body)
        created = self.clock.timestamp()
        entry = {
            "id": self._new_id(),
            "type": "Comment",
            "author_id": author_id,
            "body": body,
            "html_body": html_body,
            "plain_body": body,
            "public": public,
            "attachments": [],
            "audit_id": audit_id,
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
            "metadata": {"system": {}, "custom": {}},
            "created_at": zendesk_time(created),
        }
        self.comments[ticket_id].append(entry)
        event = {k: v for k, v in entry.items() if k not in ("via", "metadata", "created_at")}
        return event

    @staticmethod
    def _set_custom_fields(ticket: dict[str, Any], values: list[Any]) -> None:
        current = {f["id"]: f for f in ticket["custom_fields"]}
        for item in values:
            if isinstance(item, dict) and "id" in item:
                current[item["id"]] = {"id": item["id"], "value": item.get("value")}
        ticket["custom_fields"] = list(current.values())
        ticket["fields"] = [dict(f) for f in ticket["custom_fields"]]

    def _fulfil_first_reply(self, ticket: dict[str, Any]) -> None:
        slas = ticket.get("slas")
        if not slas:
            return
        for entry in slas["policy_metrics"]:
            if entry["metric"] == "first_reply_time" and entry["stage"] == "active":
                entry["stage"] = "achieved"

    # directory -----------------------------------------------------------------------------------

    def show_me(self, request: SimRequest) -> SimResponse:
        """``GET /api/v2/users/me``."""
        if self.me is None:
            return json_response(200, {"user": {"id": None, "name": "Anonymous user"}})
        return json_response(200, {"user": self.me})

    def show_user(self, request: SimRequest, user_id: str) -> SimResponse:
        """``GET /api/v2/users/{id}``."""
        user = self.users.get(int(user_id))
        if user is None:
            raise HttpError(self.error(404, request))
        return json_response(200, {"user": user})

    def _directory_list(
        self, request: SimRequest, name: str, rows: list[dict[str, Any]]
    ) -> SimResponse:
        items = [((row["id"],), row) for row in rows]
        return self._paginate(request, items, name, f"/api/v2/{name}.json", "id")

    def list_groups(self, request: SimRequest) -> SimResponse:
        """``GET /api/v2/groups``."""
        return self._directory_list(request, "groups", list(self.groups.values()))

    def list_organizations(self, request: SimRequest) -> SimResponse:
        """``GET /api/v2/organizations``."""
        return self._directory_list(request, "organizations", list(self.organizations.values()))

    def list_sla_policies(self, request: SimRequest) -> SimResponse:
        """``GET /api/v2/slas/policies`` (empty on a plan without SLAs)."""
        policies = self.sla_policies
        return json_response(
            200,
            {
                "sla_policies": policies,
                "next_page": None,
                "previous_page": None,
                "count": len(policies),
            },
        )

    # -- oauth ---------------------------------------------------------------------------------

    def oauth_tokens(self, request: SimRequest) -> SimResponse:
        """``POST /oauth/tokens`` with the refresh-token grant (Zendesk's grant-type tokens)."""
        form = form_or_json(request)
        if not self.client_ok(form.get("client_id"), form.get("client_secret")):
            return json_response(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client authentication failed due to unknown client, "
                    "no client authentication included, or unsupported authentication method.",
                },
            )
        if form.get("grant_type") != "refresh_token":
            return json_response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "The authorization grant type is not supported by "
                    "the authorization server.",
                },
            )
        requested = form.get("expires_in")
        lifetime = int(requested) if requested and requested.isdigit() else None
        try:
            grant = self.refresh_grant(form.get("refresh_token") or "", lifetime)
        except KeyError:
            return json_response(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The provided authorization grant is invalid, expired, "
                    "revoked, does not match the redirection URI used in the authorization "
                    "request, or was issued to another client.",
                },
            )
        grant.update(token_type="bearer", scope="read write", refresh_token_expires_in=30 * 86_400)
        return json_response(200, grant)
