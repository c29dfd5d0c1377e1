"""Sandbox servers: Zendesk, Jira Service Management and ServiceNow APIs over generated data.

Each server speaks one vendor's API — paths, parameters, pagination, auth header formats, field
shapes, timestamp formats, error bodies and rate-limit headers as in
``shared/reference/vendor-apis.md`` — over one generated demo account, keeps its state in memory
(writes change it), runs on an injectable clock, injects faults on request, and logs every
request. Run one on loopback, or in-process with no socket at all.

Public API::

    start_server(vendor, data=None, *, host="127.0.0.1", port=0, clock=None, account=None,
                 tickets=None, seed=7, now=None, credentials=None, deleted=0) -> RunningServer
        RunningServer.base_url      "http://127.0.0.1:PORT" (use it as the account URL)
        RunningServer.credentials   Credentials(user, secret, bearer); .basic_auth(), .headers()
        RunningServer.faults        FaultController: .add(kind, **params) -> Fault, .clear()
        RunningServer.requests      RequestLog: .entries(), .find(method=, path=), .clear()
        RunningServer.clock         SimClock: (), .advance(seconds), .set(datetime)
        RunningServer.app           the vendor app (touch/delete tickets, inspect state)
        RunningServer.stop()        also a context manager
    make_app(vendor, data=None, **same) -> VendorApp       # no socket
    transport(app) -> SandboxTransport                     # httpx transport, sync and async
    asgi_app(app) -> ASGI callable                         # for httpx.ASGITransport / uvicorn
    ManualClock(start)                                     # a clock tests move by hand
    DEMO_CREDENTIALS[vendor] -> Credentials
    shared_account(AccountDataset) -> SharedAccount        # materialise once, share read-only

``vendor`` is a :class:`~queuebench.domain.models.Vendor` or ``"zendesk"``, ``"jsm"``,
``"servicenow"``. ``data`` is a :class:`~queuebench.sandbox.generator.SandboxDataset` (the
first account of the vendor, or ``account=``), one ``AccountDataset``, or ``None`` to generate
``tickets`` tickets (default 200) for ``now`` (default: the clock's time). Materialised accounts
are cached per process and shared read-only between servers (a server copies a record before it
changes it), so starting many servers over the same data is cheap.

Demo credentials (:data:`DEMO_CREDENTIALS`, the demo agent Maya Lindqvist)::

    zendesk     Basic  "maya.lindqvist@acme.example/token" : "sandbox-zendesk-api-token"
                Bearer "sandbox-zendesk-oauth-token"
    jsm         Basic  "maya.lindqvist@acme.example" : "sandbox-atlassian-api-token"
                Bearer "sandbox-atlassian-oauth-token"
    servicenow  Basic  "maya.lindqvist" : "sandbox-servicenow-password"
                Bearer "sandbox-servicenow-oauth-token"

Example (a test)::

    from queuebench.sandbox.server import ManualClock, start_server

    clock = ManualClock(NOW)
    with start_server("zendesk", tickets=300, clock=clock) as server:
        server.faults.add("rate_limit", path="/api/v2/incremental/*", times=1, retry_after=2)
        clock.advance(120)          # the last minute is excluded from exports
        client = httpx.Client(base_url=server.base_url, auth=server.credentials.basic_auth())
        ...
        assert [e.status for e in server.requests.entries()][:2] == [429, 200]

Or in-process: ``httpx.Client(transport=transport(make_app("jsm")), base_url=...)``.
The vendor modules (:mod:`.zendesk`, :mod:`.jsm`, :mod:`.servicenow`) list their endpoints;
:mod:`.faults` the fault kinds; :mod:`.control` the ``/__sim/`` control API; ``docs/sandbox.md``
has curl examples. ``queuebench sandbox serve --vendor V --port P`` runs one from the shell.
"""

from __future__ import annotations

from queuebench.sandbox.server.core import (
    DEMO_CREDENTIALS,
    Credentials,
    ManualClock,
    SimClock,
    SimRequest,
    SimResponse,
    VendorApp,
)
from queuebench.sandbox.server.data import SharedAccount, shared_account
from queuebench.sandbox.server.factory import make_app
from queuebench.sandbox.server.faults import FAULT_KINDS, Fault, FaultController
from queuebench.sandbox.server.http import RunningServer, serve_app, start_server
from queuebench.sandbox.server.inprocess import SandboxTransport, asgi_app, transport
from queuebench.sandbox.server.log import LoggedRequest, RequestLog

__all__ = [
    "DEMO_CREDENTIALS",
    "FAULT_KINDS",
    "Credentials",
    "Fault",
    "FaultController",
    "LoggedRequest",
    "ManualClock",
    "RequestLog",
    "RunningServer",
    "SandboxTransport",
    "SharedAccount",
    "SimClock",
    "SimRequest",
    "SimResponse",
    "VendorApp",
    "asgi_app",
    "make_app",
    "serve_app",
    "shared_account",
    "start_server",
    "transport",
]
