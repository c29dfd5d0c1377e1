"""The control API every sandbox server answers under ``/__sim/`` (no auth, never faulted).

==========================================  =====================================================
``GET /__sim/info``                         vendor, account, ticket counts, credentials, "now"
``GET /__sim/faults``                       configured faults with ``seen``/``hits`` counters
``POST /__sim/faults``                      add one fault (object) or several (array) → 201
``DELETE /__sim/faults[/{id}]``             remove all faults, or one → 204
``GET /__sim/requests[?since=SEQ]``         the request log (entries after ``since``)
``DELETE /__sim/requests``                  clear the request log → 204
``GET /__sim/clock``                        the server clock's "now"
``POST /__sim/clock``                       ``{"advance": seconds}`` or ``{"now": ISO 8601}``
``POST /__sim/tickets/{id}/touch``          a remote edit: optional JSON fields, timestamps bumped
``DELETE /__sim/tickets/{id}``              delete a ticket as the vendor would → 204
``POST /__sim/auth``                        ``{"bearer": "new-token"}``: rotate the OAuth token
``POST /__sim/oauth``                       ``{"lifetime": s}`` sets the lifetime of issued access
                                            tokens (``null``: none); ``{"issue": true}`` grants a
                                            token pair; ``{"expire": true}`` expires every issued
                                            access token; ``{"revoke": true}`` revokes every
                                            issued token. Answers ``{"lifetime"[, "grant"]}``
==========================================  =====================================================
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from queuebench.sandbox.server.faults import Fault

if TYPE_CHECKING:
    from queuebench.sandbox.server.core import SimRequest, SimResponse, VendorApp

__all__ = ["handle_control"]

_FAULT = re.compile(r"^/__sim/faults/(\d+)$")
_TICKET = re.compile(r"^/__sim/tickets/([^/]+)(/touch)?$")


def _json(status: int, payload: Any) -> SimResponse:
    from queuebench.sandbox.server.core import json_response

    return json_response(status, payload)


def _no_content() -> SimResponse:
    from queuebench.sandbox.server.core import SimResponse

    return SimResponse(204, b"", None)


def _problem(status: int, message: str) -> SimResponse:
    return _json(status, {"error": message})


def _body(request: SimRequest) -> Any:
    if not request.body.strip():
        return {}
    return request.json()


def handle_control(app: VendorApp, request: SimRequest) -> SimResponse:
    """Answer a ``/__sim/...`` request for ``app``."""
    try:
        return _route(app, request)
    except msgspec.DecodeError:
        return _problem(400, "the body is not valid JSON")
    except (TypeError, ValueError) as exc:
        return _problem(400, str(exc))


def _route(app: VendorApp, request: SimRequest) -> SimResponse:
    method, path = request.method, request.path.rstrip("/")
    if path == "/__sim/info" and method == "GET":
        return _json(200, app.info())
    if path == "/__sim/faults":
        if method == "GET":
            return _json(200, {"faults": [f.as_json() for f in app.faults.list()]})
        if method == "POST":
            data = _body(request)
            items = data if isinstance(data, list) else [data]
            if not all(isinstance(item, dict) for item in items):
                raise ValueError("a fault is a JSON object")
            faults = [Fault.from_json(item) for item in items]
            for fault in faults:
                app.faults.add_fault(fault)
            return _json(201, {"faults": [f.as_json() for f in faults]})
        if method == "DELETE":
            app.faults.clear()
            return _no_content()
    match = _FAULT.match(path)
    if match and method == "DELETE":
        if app.faults.remove(int(match.group(1))):
            return _no_content()
        return _problem(404, f"no fault {match.group(1)}")
    if path == "/__sim/requests":
        if method == "GET":
            since = int(request.arg("since") or 0)
            return _json(200, {"requests": [e.as_json() for e in app.requests.entries(since)]})
        if method == "DELETE":
            app.requests.clear()
            return _no_content()
    if path == "/__sim/clock":
        if method == "POST":
            data = _body(request)
            if "advance" in data:
                app.clock.advance(float(data["advance"]))
            elif "now" in data:
                app.clock.set(datetime.fromisoformat(str(data["now"]).replace("Z", "+00:00")))
            else:
                raise ValueError('send {"advance": seconds} or {"now": "ISO 8601"}')
        if method in ("GET", "POST"):
            return _json(200, {"now": app.clock().isoformat()})
    match = _TICKET.match(path)
    if match:
        remote_id, touch = match.group(1), match.group(2)
        try:
            if touch and method == "POST":
                changes = _body(request)
                if not isinstance(changes, dict):
                    raise ValueError("touch takes a JSON object of fields")
                return _json(200, {"ticket": app.touch(remote_id, changes)})
            if not touch and method == "DELETE":
                app.delete(remote_id)
                return _no_content()
        except KeyError:
            return _problem(404, f"no ticket {remote_id}")
    if path == "/__sim/auth" and method == "POST":
        data = _body(request)
        if not isinstance(data.get("bearer"), str) or not data["bearer"]:
            raise ValueError('send {"bearer": "new-token"}')
        app.credentials = dataclasses.replace(app.credentials, bearer=data["bearer"])
        return _json(200, {"credentials": app.credentials.as_dict()})
    if path == "/__sim/oauth" and method == "POST":
        return _oauth(app, _body(request))
    return _problem(404, f"no control endpoint {method} {path}")


def _oauth(app: VendorApp, data: Any) -> SimResponse:
    if not isinstance(data, dict) or not set(data) <= {"lifetime", "issue", "expire", "revoke"}:
        raise ValueError(
            'send {"lifetime": s}, {"issue": true}, {"expire": true} or {"revoke": true}'
        )
    if "lifetime" in data:
        lifetime = data["lifetime"]
        app.token_lifetime = None if lifetime is None else int(lifetime)
    if data.get("revoke"):
        app.revoke_tokens()
    if data.get("expire"):
        app.expire_tokens()
    out: dict[str, Any] = {"lifetime": app.token_lifetime}
    if data.get("issue"):
        out["grant"] = app.issue_tokens()
    return _json(200, out)
