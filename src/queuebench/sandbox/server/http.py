"""Serve a vendor app on a real socket (loopback by default), with socket-level faults.

Built on the standard library's ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, one thread per
connection) rather than an ASGI server, because the faults need the raw socket: a reset is an
``SO_LINGER(0)`` close that sends a TCP RST mid-body, a stall holds a connection silent, a drip
writes the body a few bytes at a time. Stopping the server wakes every stalled connection and
closes every open one, so a test's teardown never waits on a client.
"""

from __future__ import annotations

import contextlib
import http
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from queuebench.domain.models import Vendor
from queuebench.sandbox.server.core import (
    Credentials,
    SimClock,
    SimRequest,
    SimResponse,
    VendorApp,
)
from queuebench.sandbox.server.data import DEFAULT_SEED
from queuebench.sandbox.server.factory import DataSource, make_app
from queuebench.sandbox.server.faults import FaultController
from queuebench.sandbox.server.log import RequestLog

__all__ = ["RunningServer", "serve_app", "start_server"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: VendorApp) -> None:
        self.app = app
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "queuebench-sandbox"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the app keeps its own request log."""

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._read_body()
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = SimRequest(
            method=self.command,
            path=unquote(parts.path),
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        self._deliver(self.server.app.handle(request))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _head(self, response: SimResponse) -> bytes:
        phrase = http.HTTPStatus(response.status).phrase
        lines = [f"HTTP/1.1 {response.status} {phrase}"]
        for name, value in response.all_headers():
            lines.append(f"{name}: {value}")
        if response.status not in (204, 304):
            lines.append(f"Content-Length: {len(response.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _reset(self) -> None:
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass
        self.close_connection = True

    def _deliver(self, response: SimResponse) -> None:
        delivery = response.delivery
        stopping = self.server.stopping
        if delivery.stall is not None:
            stopping.wait(delivery.stall)
            self.close_connection = True
            return
        if delivery.delay:
            stopping.wait(delivery.delay)
        if delivery.reset_at is not None and delivery.reset_at < 0:
            self._reset()
            return
        head = self._head(response)
        body = response.body
        try:
            if delivery.reset_at is not None:
                self.wfile.write(head + body[: delivery.reset_at])
                self._reset()
                return
            if delivery.drip is not None:
                size, interval = delivery.drip
                self.wfile.write(head)
                for start in range(0, len(body), max(1, size)):
                    if stopping.wait(interval):
                        self.close_connection = True
                        return
                    self.wfile.write(body[start : start + size])
                return
            self.wfile.write(head + body)
        except OSError:
            self.close_connection = True


class RunningServer:
    """A sandbox server running on a background thread (stop it, or use ``with``)."""

    def __init__(self, app: VendorApp, server: _Server, thread: threading.Thread) -> None:
        self.app = app
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.host: str = str(host)
        self.port: int = int(port)
        self.base_url = f"http://{self.host}:{self.port}"
        """``http://127.0.0.1:PORT`` — what a connector uses as the account's URL."""

    @property
    def vendor(self) -> Vendor:
        """The vendor the server speaks."""
        return self.app.vendor

    @property
    def credentials(self) -> Credentials:
        """What the server accepts (see :data:`~queuebench.sandbox.server.DEMO_CREDENTIALS`)."""
        return self.app.credentials

    @property
    def faults(self) -> FaultController:
        """The server's faults: ``faults.add("rate_limit", retry_after=3)``."""
        return self.app.faults

    @property
    def requests(self) -> RequestLog:
        """The server's request log."""
        return self.app.requests

    @property
    def clock(self) -> SimClock:
        """The server's clock (``advance``/``set`` move "now")."""
        return self.app.clock

    def stop(self) -> None:
        """Stop serving, wake stalled responses, close open connections. Idempotent."""
        if self._server.stopping.is_set():
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<RunningServer {self.app.vendor.value} {self.app.account_name} {self.base_url}>"


def serve_app(app: VendorApp, *, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve an existing app on ``host:port`` (port 0: any free port) on a daemon thread."""
    server = _Server((host, port), app)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"sandbox-{app.vendor.value}-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return RunningServer(app, server, thread)


def start_server(
    vendor: Vendor | str,
    data: DataSource = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Callable[[], datetime] | None = None,
    account: str | None = None,
    tickets: int | None = None,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    credentials: Credentials | None = None,
    deleted: int | Iterable[int | str] = 0,
) -> RunningServer:
    """Start a ``vendor`` sandbox server over ``data`` on a loopback port; see the package doc."""
    app = make_app(
        vendor,
        data,
        account=account,
        tickets=tickets,
        seed=seed,
        now=now,
        clock=clock,
        credentials=credentials,
        deleted=deleted,
    )
    return serve_app(app, host=host, port=port)
