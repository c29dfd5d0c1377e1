"""A ServiceNow Table API server over ``demo-snow``.

Tables: ``incident``, ``sys_journal_field``, ``task_sla``, ``sys_user``, ``sys_user_group``,
``core_company``, ``contract_sla`` and ``sys_choice`` (the incident choice lists).

* ``GET /api/now/table/{table}`` (also ``/api/now/v1/…`` and ``/api/now/v2/…``):
  ``sysparm_query`` (see :mod:`.encoded_query`; unknown fields are ignored, as on an instance),
  ``sysparm_limit`` (default 10000), ``sysparm_offset``, ``sysparm_fields`` (dot-walks such as
  ``assigned_to.name`` allowed), ``sysparm_display_value`` (``false`` | ``true`` | ``all``),
  ``sysparm_exclude_reference_link``, ``sysparm_no_count``, ``sysparm_suppress_pagination_header``.
  ``{"result": [...]}`` with ``X-Total-Count`` and a ``Link`` header (``first``, ``prev``,
  ``next``, ``last``; absent when one page holds everything). v1 answers an empty result with
  404, v2 and the unversioned path with ``[]``. Offsets are applied to the current result, so
  rows updated between two page requests shift — exactly the hazard a connector must survive.
* ``GET /api/now/table/{table}/{sys_id}`` → ``{"result": {...}}``.
* ``PATCH|PUT /api/now/table/incident/{sys_id}``: ``work_notes`` / ``comments`` create
  ``sys_journal_field`` rows (the incident's own journal fields stay empty on read),
  ``state`` (``active``, ``resolved_at``, ``closed_at`` follow), ``assigned_to``,
  ``assignment_group`` (sys_ids, or names with ``sysparm_input_display_value=true``),
  ``impact``/``urgency`` (``priority`` recomputed from the lookup matrix), ``hold_reason``,
  ``close_code``, ``close_notes``, ``short_description``, ``description``; unknown fields are
  ignored. ``sys_updated_on``, ``sys_updated_by`` and ``sys_mod_count`` move on every write.
* ``DELETE /api/now/table/incident/{sys_id}`` → 204.
* ``POST /oauth_token.do`` (form: ``grant_type=password|refresh_token|client_credentials``,
  ``client_id=sandbox-client``, ``client_secret=sandbox-client-secret``, and ``username`` /
  ``password`` or ``refresh_token``) → ``{"scope", "token_type": "Bearer", "expires_in",
  "refresh_token", "access_token"}``: a new access token living ``token_lifetime`` seconds
  (1799 by default), then 401. The refresh token is not rotated: a refresh grant returns it
  again. A wrong client, password or refresh token → 401 ``access_denied``.

Every value is a string; references are ``{"link", "value"}``; date-times ``YYYY-MM-DD
HH:MM:SS`` UTC. ``Accept`` is required (400 without it) and writes need ``Content-Type:
application/json`` (400 without, 415 otherwise). Errors are ``{"error": {"message",
"detail"}, "status": "failure"}``; responses carry ``X-RateLimit-Limit``/``-Reset``/``-Rule``.
"""

from __future__ import annotations

import copy
import random
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec

from queuebench.domain.models import Vendor
from queuebench.sandbox.render import snow_time
from queuebench.sandbox.server.core import (
    OAUTH_CLIENT,
    Auth,
    Credentials,
    HttpError,
    SimRequest,
    SimResponse,
    VendorApp,
    json_response,
)
from queuebench.sandbox.server.data import SharedAccount
from queuebench.sandbox.server.encoded_query import EncodedQuery, matcher, parse_query

__all__ = ["CHOICES", "OAUTH_CLIENT", "ServiceNowApp"]

RATE_RULE = "4b0f6b2e1b3a10103c2b4dcde54bcb1e"

CHOICES: dict[str, dict[str, str]] = {
    "state": {
        "1": "New",
        "2": "In Progress",
        "3": "On Hold",
        "6": "Resolved",
        "7": "Closed",
        "8": "Canceled",
    },
    "priority": {
        "1": "1 - Critical",
        "2": "2 - High",
        "3": "3 - Moderate",
        "4": "4 - Low",
        "5": "5 - Planning",
    },
    "impact": {"1": "1 - High", "2": "2 - Medium", "3": "3 - Low"},
    "urgency": {"1": "1 - High", "2": "2 - Medium", "3": "3 - Low"},
    "severity": {"1": "1 - High", "2": "2 - Medium", "3": "3 - Low"},
    "hold_reason": {
        "1": "Awaiting Caller",
        "3": "Awaiting Problem",
        "4": "Awaiting Vendor",
        "5": "Awaiting Change",
    },
    "contact_type": {
        "email": "Email",
        "phone": "Phone",
        "self-service": "Self-service",
        "web": "Web",
    },
    "escalation": {"0": "Normal", "1": "Moderate", "2": "High", "3": "Overdue"},
    "notify": {"1": "Do Not Notify", "2": "Send Email", "3": "Send SMS"},
}
"""Incident choice lists (``sys_choice`` rows and display values)."""
CHOICES["incident_state"] = CHOICES["state"]
_STAGES = {
    "in_progress": "In progress",
    "cancelled": "Cancelled",
    "paused": "Paused",
    "completed": "Completed",
    "breached": "Breached",
}
_PRIORITY_MATRIX = {
    ("1", "1"): "1",
    ("1", "2"): "2",
    ("2", "1"): "2",
    ("1", "3"): "3",
    ("2", "2"): "3",
    ("3", "1"): "3",
    ("2", "3"): "4",
    ("3", "2"): "4",
    ("3", "3"): "5",
}
_DISPLAY_FIELD = {
    "sys_user": "name",
    "sys_user_group": "name",
    "core_company": "name",
    "incident": "number",
    "contract_sla": "name",
}
_WRITABLE = {
    "state",
    "impact",
    "urgency",
    "hold_reason",
    "close_code",
    "close_notes",
    "short_description",
    "description",
    "category",
    "subcategory",
    "contact_type",
}
_REFERENCES = {"assigned_to": "sys_user", "assignment_group": "sys_user_group"}
_LINK_TABLE = re.compile(r"/api/now/table/([a-z_0-9]+)/[^/]+$")
_DEFAULT_LIMIT = 10000


class _Table:
    """One table's rows (shared generated records until a row is written)."""

    def __init__(self, name: str, rows: list[dict[str, Any]], index_field: str | None) -> None:
        self.name = name
        self.rows = list(rows)
        self.by_id: dict[str, dict[str, Any]] = {r["sys_id"]: r for r in rows}
        self.positions: dict[str, int] = {r["sys_id"]: i for i, r in enumerate(rows)}
        self.columns: set[str] = set().union(*(set(r) for r in rows[:50])) if rows else set()
        self.index_field = index_field
        self.index: dict[str, list[dict[str, Any]]] = {}
        if index_field:
            for row in rows:
                key = _plain(row.get(index_field))
                self.index.setdefault(key, []).append(row)
        self.owned: set[str] = set()
        self.removed: set[str] = set()

    def live(self) -> list[dict[str, Any]]:
        if not self.removed:
            return self.rows
        return [r for r in self.rows if r["sys_id"] not in self.removed]

    def own(self, sys_id: str) -> dict[str, Any]:
        if sys_id not in self.owned:
            row = copy.deepcopy(self.by_id[sys_id])
            self.by_id[sys_id] = row
            self.rows[self.positions[sys_id]] = row
            self.owned.add(sys_id)
        return self.by_id[sys_id]

    def append(self, row: dict[str, Any]) -> None:
        self.positions[row["sys_id"]] = len(self.rows)
        self.rows.append(row)
        self.by_id[row["sys_id"]] = row
        self.owned.add(row["sys_id"])
        if self.index_field:
            key = _plain(row.get(self.index_field))
            self.index[key] = [*self.index.get(key, []), row]


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("value", ""))
    return "" if value is None else str(value)


class ServiceNowApp(VendorApp):
    """The ServiceNow server: tables, routes and ServiceNow's shapes (see the module docstring)."""

    vendor = Vendor.SERVICENOW
    token_lifetime_default = 1799
    rotates_refresh_tokens = False
    rate_limit = 5000
    rate_window = 3600

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
        self.instance = base.spec.base_url.rstrip("/")
        self.invalid_query_returns_no_rows = False
        """``glide.invalid_query.returns_no_rows``: unknown query fields give no rows."""
        flat: dict[str, tuple[list[dict[str, Any]], str | None]] = shared.derive(
            "snow.tables",
            lambda: {
                "incident": ([t.ticket for t in base.tickets], "number"),
                "sys_journal_field": ([r for t in base.tickets for r in t.comments], "element_id"),
                "task_sla": ([r for t in base.tickets for r in t.sla], "task"),
                "sys_user": (base.directory["sys_user"], "user_name"),
                "sys_user_group": (base.directory["sys_user_group"], "name"),
                "core_company": (base.directory["core_company"], None),
                "contract_sla": (base.directory["contract_sla"], None),
                "sys_choice": (self._choice_rows(), None),
            },
        )
        self.tables = {name: _Table(name, rows, index) for name, (rows, index) in flat.items()}
        self._version = 0
        self._cache: OrderedDict[tuple[str, str, int], list[dict[str, Any]]] = OrderedDict()
        self._rng = random.Random(f"{seed}:{shared.name}:server")
        users = self.tables["sys_user"].rows
        self.me = next((u for u in users if u["user_name"] == self.credentials.user), None)
        self._remove(deleted, seed)
        self._add_routes()

    def _choice_rows(self) -> list[dict[str, Any]]:
        rng = random.Random("sys_choice")
        rows = []
        for element, values in CHOICES.items():
            for sequence, (value, label) in enumerate(values.items()):
                rows.append(
                    {
                        "sys_id": f"{rng.getrandbits(128):032x}",
                        "name": "incident",
                        "element": element,
                        "value": value,
                        "label": label,
                        "sequence": str(sequence),
                        "inactive": "false",
                        "language": "en",
                    }
                )
        return rows

    # -- state ---------------------------------------------------------------------------------

    def _remove(self, deleted: int | Iterable[int | str], seed: int) -> None:
        incidents = self.tables["incident"]
        if isinstance(deleted, int):
            if deleted <= 0:
                return
            ids = random.Random(f"{seed}:deleted").sample(sorted(incidents.by_id), deleted)
        else:
            ids = [self._incident_id(str(x)) or str(x) for x in deleted]
        for sys_id in ids:
            self._drop(sys_id)

    def _drop(self, sys_id: str) -> None:
        table = self.tables["incident"]
        if sys_id not in table.by_id or sys_id in table.removed:
            raise KeyError(sys_id)
        table.removed.add(sys_id)
        self._version += 1

    def _incident_id(self, remote_id: str) -> str | None:
        table = self.tables["incident"]
        if remote_id in table.by_id and remote_id not in table.removed:
            return remote_id
        rows = table.index.get(remote_id) or []
        live = [r for r in rows if r["sys_id"] not in table.removed]
        return live[0]["sys_id"] if live else None

    def _now_text(self, previous: str = "") -> str:
        now = self.clock().replace(microsecond=0)
        if previous:
            floor = datetime.strptime(previous, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            now = max(now, floor + timedelta(seconds=1))
        return snow_time(int(now.timestamp()))

    def _new_sys_id(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def touch(self, remote_id: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        """An edit by someone else: set ``changes`` (strings), bump ``sys_updated_on``."""
        with self.lock:
            sys_id = self._incident_id(str(remote_id))
            if sys_id is None:
                raise KeyError(remote_id)
            row = self.tables["incident"].own(sys_id)
            for key, value in (changes or {}).items():
                row[key] = value
            self._stamp(row, "system")
            return row

    def delete(self, remote_id: str) -> None:
        """Delete an incident (it disappears from queries)."""
        with self.lock:
            sys_id = self._incident_id(str(remote_id))
            if sys_id is None:
                raise KeyError(remote_id)
            self._drop(sys_id)

    def _stamp(self, row: dict[str, Any], user: str) -> None:
        row["sys_updated_on"] = self._now_text(row.get("sys_updated_on", ""))
        row["sys_updated_by"] = user
        row["sys_mod_count"] = str(int(row.get("sys_mod_count") or "0") + 1)
        self._version += 1

    def live_incidents(self) -> list[dict[str, Any]]:
        """Every incident as the server holds it now."""
        with self.lock:
            return list(self.tables["incident"].live())

    def journal(self, sys_id: str) -> list[dict[str, Any]]:
        """The ``sys_journal_field`` rows of an incident, oldest first."""
        with self.lock:
            return list(self.tables["sys_journal_field"].index.get(sys_id, []))

    def info(self) -> dict[str, Any]:
        """``/__sim/info`` with row counts."""
        data = super().info()
        data["tickets"] = len(self.tables["incident"].live())
        return data

    # -- vendor shapes -------------------------------------------------------------------------

    @staticmethod
    def failure(status: int, message: str, detail: str | None) -> SimResponse:
        """ServiceNow's error envelope."""
        return json_response(
            status, {"error": {"message": message, "detail": detail}, "status": "failure"}
        )

    def error(self, status: int, request: SimRequest, message: str | None = None) -> SimResponse:
        """An error in ServiceNow's envelope."""
        defaults = {
            400: ("Requested URI does not represent any resource", None),
            403: ("Operation Failed", "ACL Exception Update Failed due to security constraints"),
            404: ("No Record found", "Record doesn't exist or ACL restricts the record retrieval"),
            405: ("Method not Supported", "The method is not allowed for the requested resource"),
            500: ("Internal server error", "An unexpected error occurred"),
            502: ("Bad Gateway", "The upstream server returned an invalid response"),
            503: ("Service Unavailable", "The instance is temporarily unavailable"),
            504: ("Gateway Timeout", "The upstream server did not respond in time"),
        }
        default_message, detail = defaults.get(status, ("Error", None))
        return self.failure(status, message or default_message, detail)

    def not_found_route(self, request: SimRequest) -> SimResponse:
        """A URI no API serves: 400, as the instance answers."""
        return self.failure(400, "Requested URI does not represent any resource", None)

    def unauthorized(self, request: SimRequest, auth: Auth) -> SimResponse:
        """The documented 401 body."""
        response = self.failure(
            401, "User Not Authenticated", "Required to provide Auth information"
        )
        response.headers.append(("WWW-Authenticate", 'BASIC realm="Service-now"'))
        return response

    def rate_headers(self, remaining: int, reset_in: int) -> list[tuple[str, str]]:
        """``X-RateLimit-Limit`` (per hour), ``-Reset`` (Unix time), ``-Rule`` (the rule)."""
        reset_at = self.clock.timestamp() + reset_in
        return [
            ("X-RateLimit-Limit", str(self.rate_limit)),
            ("X-RateLimit-Reset", str(reset_at)),
            ("X-RateLimit-Rule", RATE_RULE),
        ]

    def throttled(self, request: SimRequest, retry_after: int) -> SimResponse:
        """429 with ``Retry-After`` and the documented body."""
        response = self.failure(
            429,
            "Rate limit exceeded",
            f"Rate limit of {self.rate_limit} requests per hour for Table API exceeded",
        )
        response.headers.append(("Retry-After", str(retry_after)))
        return response

    def invalid_cursor(self, request: SimRequest, status: int) -> SimResponse:
        """Offsets do not expire; the fault answers as an invalid ``sysparm_offset`` would."""
        return self.failure(
            status, "Invalid value for sysparm_offset", "Offset must be a non-negative integer"
        )

    def check_request(self, request: SimRequest) -> SimResponse | None:
        """``Accept`` on every call, ``Content-Type`` on writes with a body (the docs' rules)."""
        if request.path == "/oauth_token.do":
            return None
        accept = request.headers.get("accept")
        if not accept:
            return self.failure(400, "Request header Accept is required", None)
        if not any(
            t in accept for t in ("application/json", "application/xml", "*/*", "application/*")
        ):
            return self.failure(406, "Not Acceptable", f"Accept header {accept!r} is not supported")
        if request.method in ("POST", "PUT", "PATCH") and request.body:
            content_type = request.headers.get("content-type")
            if not content_type:
                return self.failure(400, "Request header Content-Type is required", None)
            if "json" not in content_type:
                return self.failure(
                    415, "Unsupported Media Type", f"Content-Type {content_type!r} is not supported"
                )
        return None

    # -- routes --------------------------------------------------------------------------------

    def _add_routes(self) -> None:
        for prefix in ("/api/now/table", "/api/now/v1/table", "/api/now/v2/table"):
            self.add_route("GET", prefix + "/{table}", self.list_rows)
            self.add_route("GET", prefix + "/{table}/{sys_id}", self.get_row)
            self.add_route("PATCH", prefix + "/{table}/{sys_id}", self.update_row)
            self.add_route("PUT", prefix + "/{table}/{sys_id}", self.update_row)
            self.add_route("DELETE", prefix + "/{table}/{sys_id}", self.delete_row)
        self.add_route("POST", "/oauth_token.do", self.oauth_token, public=True)

    def _table(self, name: str) -> _Table:
        table = self.tables.get(name)
        if table is None:
            raise HttpError(self.failure(400, f"Invalid table {name}", None))
        return table

    # reading -----------------------------------------------------------------------------------

    def _value_of(self, table: _Table) -> Callable[[dict[str, Any], str], str | None]:
        def value_of(row: dict[str, Any], field: str) -> str | None:
            if "." not in field:
                if field not in row and field not in table.columns:
                    return None
                return _plain(row.get(field))
            return self._walk(row, field)

        return value_of

    def _walk(self, row: dict[str, Any], path: str) -> str | None:
        head, _, rest = path.partition(".")
        value = row.get(head)
        if isinstance(value, dict) and "link" in value:
            target = self._target(value)
            if target is None:
                return ""
            if "." in rest:
                return self._walk(target, rest)
            if rest not in target:
                return None
            return _plain(target.get(rest))
        if value == "":
            return ""
        return None

    def _target(self, reference: dict[str, Any]) -> dict[str, Any] | None:
        match = _LINK_TABLE.search(str(reference.get("link", "")))
        if match is None:
            return None
        table = self.tables.get(match.group(1))
        return table.by_id.get(str(reference.get("value"))) if table else None

    def _display(self, table: str, field: str, value: Any) -> str:
        if isinstance(value, dict) and "link" in value:
            target = self._target(value)
            link_table = _LINK_TABLE.search(str(value["link"]))
            if target is None or link_table is None:
                return str(value.get("value", ""))
            return str(target.get(_DISPLAY_FIELD.get(link_table.group(1), "sys_id"), ""))
        text = "" if value is None else str(value)
        if table == "incident" and field in CHOICES:
            return CHOICES[field].get(text, text)
        if table == "task_sla" and field == "stage":
            return _STAGES.get(text, text)
        return text

    def _represent(self, request: SimRequest, table: str, row: dict[str, Any]) -> dict[str, Any]:
        display = (request.arg("sysparm_display_value") or "false").lower()
        no_links = (request.arg("sysparm_exclude_reference_link") or "false").lower() == "true"
        wanted = [f.strip() for f in (request.arg("sysparm_fields") or "").split(",") if f.strip()]
        if display == "false" and not no_links and not wanted:
            return row  # the stored record is already the raw representation
        names = wanted or list(row)
        out: dict[str, Any] = {}
        for name in names:
            if "." in name:
                walked = self._walk(row, name)
                if walked is None:
                    continue
                out[name] = walked if display == "false" else self._walk_display(row, name)
                continue
            if name not in row:
                continue
            value = row[name]
            is_ref = isinstance(value, dict) and "link" in value
            if display == "false":
                out[name] = value["value"] if is_ref and no_links else value
            elif display == "true":
                shown = self._display(table, name, value)
                out[name] = (
                    shown
                    if not is_ref or no_links
                    else {"display_value": shown, "link": value["link"]}
                )
            else:
                item: dict[str, Any] = {
                    "display_value": self._display(table, name, value),
                    "value": _plain(value),
                }
                if is_ref and not no_links:
                    item["link"] = value["link"]
                out[name] = item
        return out

    def _walk_display(self, row: dict[str, Any], path: str) -> str:
        head, _, rest = path.partition(".")
        value = row.get(head)
        if isinstance(value, dict) and "link" in value:
            target = self._target(value)
            link_table = _LINK_TABLE.search(str(value["link"]))
            if target is None or link_table is None:
                return ""
            return self._display(link_table.group(1), rest, target.get(rest, ""))
        return ""

    def _query(self, table: _Table, text: str) -> list[dict[str, Any]]:
        key = (table.name, text, self._version)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        query = parse_query(text, self.clock())
        rows = self._select(table, query)
        self._cache[key] = rows
        while len(self._cache) > 16:
            self._cache.popitem(last=False)
        return rows

    def _select(self, table: _Table, query: EncodedQuery) -> list[dict[str, Any]]:
        value_of = self._value_of(table)
        unknown = {f for f in query.fields() if "." not in f and f not in table.columns and f}
        if unknown and self.invalid_query_returns_no_rows:
            return []
        candidates: list[dict[str, Any]]
        indexed = query.equality(table.index_field) if table.index_field else None
        if indexed is not None:
            candidates = [
                r for r in table.index.get(indexed, []) if r["sys_id"] not in table.removed
            ]
            candidates = [table.by_id[r["sys_id"]] for r in candidates]
        else:
            candidates = table.live()
        keep = matcher(query, value_of)
        rows = [r for r in candidates if keep(r)]
        for field, descending in reversed(query.order):
            if "." not in field and field not in table.columns:
                continue

            def sort_key(row: dict[str, Any], field: str = field) -> tuple[int, float, str]:
                value = value_of(row, field) or ""
                if value.isdigit():
                    return (0, float(value), "")
                return (1, 0.0, value)

            rows.sort(key=sort_key, reverse=descending)
        return rows

    def _int_param(self, request: SimRequest, name: str, default: int) -> int:
        raw = request.arg(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            raise HttpError(
                self.failure(400, f"Invalid value for {name}", f"{raw!r} is not a number")
            ) from None
        if value < 0:
            raise HttpError(self.failure(400, f"Invalid value for {name}", "must not be negative"))
        return value

    def list_rows(self, request: SimRequest, table: str) -> SimResponse:
        """``GET /api/now/table/{table}``."""
        source = self._table(table)
        limit = self._int_param(request, "sysparm_limit", _DEFAULT_LIMIT) or _DEFAULT_LIMIT
        offset = self._int_param(request, "sysparm_offset", 0)
        name_value = [
            f"{k}={v}"
            for k, v in request.query
            if not k.startswith("sysparm_") and k in source.columns
        ]
        query_text = "^".join([*name_value, request.arg("sysparm_query") or ""]).strip("^")
        rows = self._query(source, query_text)
        total = len(rows)
        page = rows[offset : offset + limit]
        if not page and "/v1/" in request.path:
            return self.failure(
                404,
                "No Record found",
                "Records matching query not found. Check query parameter or offset parameter",
            )
        response = json_response(
            200, {"result": [self._represent(request, table, r) for r in page]}
        )
        if (request.arg("sysparm_no_count") or "false").lower() != "true":
            response.headers.append(("X-Total-Count", str(total)))
        suppress = (request.arg("sysparm_suppress_pagination_header") or "false").lower() == "true"
        if not suppress and (offset > 0 or total > limit):
            response.headers.append(("Link", self._links(request, offset, limit, total)))
        return response

    @staticmethod
    def _links(request: SimRequest, offset: int, limit: int, total: int) -> str:
        keep = [(k, v) for k, v in request.query if k not in ("sysparm_offset", "sysparm_limit")]

        def url(at: int) -> str:
            params = [*keep, ("sysparm_offset", str(at)), ("sysparm_limit", str(limit))]
            return f"<{request.base_url}{request.path}?{urlencode(params)}>"

        # The order and parameter layout of the Table API page's example.
        last = max(0, (total - 1) // limit * limit)
        parts = []
        if offset + limit < total:
            parts.append(f'{url(offset + limit)};rel="next"')
        if offset > 0:
            parts.append(f'{url(max(0, offset - limit))};rel="prev"')
        parts.append(f'{url(0)};rel="first"')
        parts.append(f'{url(last)};rel="last"')
        return ",".join(parts)

    def _row(self, request: SimRequest, table: str, sys_id: str) -> dict[str, Any]:
        source = self._table(table)
        row = source.by_id.get(sys_id)
        if row is None or sys_id in source.removed:
            raise HttpError(self.error(404, request))
        return row

    def get_row(self, request: SimRequest, table: str, sys_id: str) -> SimResponse:
        """``GET /api/now/table/{table}/{sys_id}``."""
        row = self._row(request, table, sys_id)
        return json_response(200, {"result": self._represent(request, table, row)})

    # writing -----------------------------------------------------------------------------------

    def _reference(self, field: str, value: Any, by_display: bool) -> dict[str, str] | str:
        text = "" if value is None else str(value)
        if not text:
            return ""
        target_table = _REFERENCES[field]
        table = self.tables[target_table]
        sys_id: str | None = text if text in table.by_id else None
        if sys_id is None and by_display:
            match = next(
                (r for r in table.rows if text in (r.get("name"), r.get("user_name"))), None
            )
            sys_id = match["sys_id"] if match else None
        if sys_id is None:
            sys_id = text
        return {"link": f"{self.instance}/api/now/table/{target_table}/{sys_id}", "value": sys_id}

    def update_row(self, request: SimRequest, table: str, sys_id: str) -> SimResponse:
        """``PATCH|PUT /api/now/table/incident/{sys_id}``."""
        self._row(request, table, sys_id)
        if table != "incident":
            raise HttpError(self.error(403, request))
        try:
            body = request.json()
        except msgspec.DecodeError:
            raise HttpError(
                self.failure(
                    400, "Exception while reading request", "The payload is not valid JSON."
                )
            ) from None
        if not isinstance(body, dict):
            raise HttpError(
                self.failure(
                    400, "Exception while reading request", "The payload is not valid JSON."
                )
            )
        by_display = (request.arg("sysparm_input_display_value") or "false").lower() == "true"
        author = self.me["user_name"] if self.me else self.credentials.user
        row = self.tables["incident"].own(sys_id)
        for field in ("work_notes", "comments"):
            text = body.get(field)
            if isinstance(text, str) and text.strip():
                self._journal(sys_id, field, text, author)
        for field, value in body.items():
            if field in _REFERENCES:
                row[field] = self._reference(field, value, by_display)
            elif field in _WRITABLE:
                row[field] = "" if value is None else str(value)
        if "impact" in body or "urgency" in body:
            row["priority"] = _PRIORITY_MATRIX.get((row["impact"], row["urgency"]), row["priority"])
        if "state" in body:
            self._apply_state(row, author)
        self._stamp(row, author)
        return json_response(200, {"result": self._represent(request, table, row)})

    def _apply_state(self, row: dict[str, Any], author: str) -> None:
        state = row["state"]
        row["incident_state"] = state
        now = self._now_text()
        me = self.me["sys_id"] if self.me else ""
        me_ref = {"link": f"{self.instance}/api/now/table/sys_user/{me}", "value": me} if me else ""
        if state in ("1", "2", "3"):
            row["active"] = "true"
            row["resolved_at"] = row["closed_at"] = ""
            row["resolved_by"] = row["closed_by"] = ""
            if state != "3":
                row["hold_reason"] = ""
        elif state == "6":
            row["active"] = "true"
            row["resolved_at"] = row["resolved_at"] or now
            row["resolved_by"] = row["resolved_by"] or me_ref
        elif state in ("7", "8"):
            row["active"] = "false"
            row["closed_at"] = row["closed_at"] or now
            row["closed_by"] = row["closed_by"] or me_ref
            if state == "7":
                row["resolved_at"] = row["resolved_at"] or now

    def _journal(self, sys_id: str, element: str, value: str, author: str) -> dict[str, Any]:
        entry = {
            "element": element,
            "element_id": sys_id,
            "name": "incident",
            "sys_created_by": author,
            "sys_created_on": self._now_text(),
            "sys_id": self._new_sys_id(),
            "sys_tags": "",
            "value": value,
        }
        self.tables["sys_journal_field"].append(entry)
        return entry

    def delete_row(self, request: SimRequest, table: str, sys_id: str) -> SimResponse:
        """``DELETE /api/now/table/incident/{sys_id}`` → 204."""
        self._row(request, table, sys_id)
        if table != "incident":
            raise HttpError(self.error(403, request))
        self._drop(sys_id)
        return SimResponse(204, b"", None)

    # oauth -------------------------------------------------------------------------------------

    def oauth_token(self, request: SimRequest) -> SimResponse:
        """``POST /oauth_token.do``: password, refresh_token or client_credentials grants."""
        form = dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
        denied = json_response(401, {"error_description": "access_denied", "error": "server_error"})
        if not self.client_ok(form.get("client_id"), form.get("client_secret")):
            return denied
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            try:
                grant = self.refresh_grant(form.get("refresh_token") or "")
            except KeyError:
                return denied
        elif grant_type == "client_credentials" or (
            grant_type == "password"
            and form.get("username") == self.credentials.user
            and form.get("password") == self.credentials.secret
        ):
            grant = self.issue_tokens()
        else:
            return denied
        return json_response(
            200,
            {
                "scope": "useraccount",
                "token_type": "Bearer",
                "expires_in": grant.get("expires_in", 0),
                "refresh_token": grant["refresh_token"],
                "access_token": grant["access_token"],
            },
        )
