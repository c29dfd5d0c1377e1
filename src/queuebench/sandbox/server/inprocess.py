"""Run a vendor app without sockets: an httpx transport (sync and async) and an ASGI app.

``httpx.Client(transport=transport(app), base_url="https://acme.zendesk.com")`` sends the real
connector's requests straight to the app: same routes, auth, faults and request log as on
loopback. Faults that are about the connection are imitated the way httpx reports them on a
socket: a reset raises ``httpx.ReadError`` (mid-body: while the body is read), a stall longer
than the client's read timeout raises ``httpx.ReadTimeout`` after that timeout, a drip whose
gaps exceed it likewise; delays really sleep (``anyio.sleep`` under async).

:func:`asgi_app` wraps the same app for ``httpx.ASGITransport`` or any ASGI server; there a
reset ends the response early with ``ConnectionResetError`` from the app.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx

from queuebench.sandbox.server.core import SimRequest, SimResponse, VendorApp

__all__ = ["SandboxTransport", "asgi_app", "transport"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_RESET = "[Errno 104] Connection reset by peer"


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return float(value) if value is not None else None


def _sim_request(request: httpx.Request, body: bytes) -> SimRequest:
    url = request.url
    netloc = url.netloc.decode("ascii")
    return SimRequest(
        method=request.method,
        path=url.path,
        query=parse_qsl(url.query.decode("ascii"), keep_blank_values=True),
        headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers.raw},
        body=body,
        base_url=f"{url.scheme}://{netloc}",
    )


def _headers(response: SimResponse) -> list[tuple[str, str]]:
    headers = response.all_headers()
    if response.status not in (204, 304):
        headers.append(("Content-Length", str(len(response.body))))
    return headers


class _Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body delivered in chunks, possibly slowly, possibly ending in a reset."""

    def __init__(
        self,
        request: httpx.Request,
        chunks: list[bytes],
        interval: float,
        timeout: float | None,
        reset: bool,
    ) -> None:
        self._request = request
        self._chunks = chunks
        self._interval = interval
        self._timeout = timeout
        self._reset = reset

    def _too_slow(self) -> bool:
        return self._timeout is not None and self._interval > self._timeout

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if self._interval:
                if self._too_slow():
                    time.sleep(self._timeout or 0)
                    raise httpx.ReadTimeout("timed out", request=self._request)
                time.sleep(self._interval)
            yield chunk
        if self._reset:
            raise httpx.ReadError(_RESET, request=self._request)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            if self._interval:
                if self._too_slow():
                    await anyio.sleep(self._timeout or 0)
                    raise httpx.ReadTimeout("timed out", request=self._request)
                await anyio.sleep(self._interval)
            yield chunk
        if self._reset:
            raise httpx.ReadError(_RESET, request=self._request)


class SandboxTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport that hands every request to a vendor app (no socket)."""

    def __init__(self, app: VendorApp) -> None:
        self.app = app

    def _plan(
        self, request: httpx.Request, response: SimResponse
    ) -> tuple[float, Exception | None]:
        """How long to wait before answering, and the error to raise instead of answering."""
        delivery = response.delivery
        timeout = _read_timeout(request)
        if delivery.stall is not None:
            if timeout is not None and timeout < delivery.stall:
                return timeout, httpx.ReadTimeout("timed out", request=request)
            return delivery.stall, httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        if delivery.delay and timeout is not None and delivery.delay > timeout:
            return timeout, httpx.ReadTimeout("timed out", request=request)
        if delivery.reset_at is not None and delivery.reset_at < 0:
            return delivery.delay, httpx.ReadError(_RESET, request=request)
        return delivery.delay, None

    def _response(self, request: httpx.Request, response: SimResponse) -> httpx.Response:
        delivery = response.delivery
        body = response.body
        if delivery.reset_at is not None:
            stream = _Stream(request, [body[: delivery.reset_at]], 0.0, None, reset=True)
        elif delivery.drip is not None:
            size, interval = delivery.drip
            chunks = [body[i : i + size] for i in range(0, len(body), max(1, size))]
            stream = _Stream(request, chunks, interval, _read_timeout(request), reset=False)
        else:
            return httpx.Response(
                response.status, headers=_headers(response), content=body, request=request
            )
        return httpx.Response(
            response.status, headers=_headers(response), stream=stream, request=request
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Synchronous clients."""
        response = self.app.handle(_sim_request(request, request.read()))
        wait, failure = self._plan(request, response)
        if wait:
            time.sleep(wait)
        if failure is not None:
            raise failure
        return self._response(request, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Asynchronous clients."""
        response = self.app.handle(_sim_request(request, await request.aread()))
        wait, failure = self._plan(request, response)
        if wait:
            await anyio.sleep(wait)
        if failure is not None:
            raise failure
        return self._response(request, response)


def transport(app: VendorApp) -> SandboxTransport:
    """An httpx transport (sync and async) in front of ``app``."""
    return SandboxTransport(app)


def asgi_app(app: VendorApp) -> ASGIApp:
    """``app`` as an ASGI 3 application (for ``httpx.ASGITransport`` or an ASGI server)."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        server = scope.get("server") or ("127.0.0.1", 80)
        host = headers.get("host") or f"{server[0]}:{server[1]}"
        request = SimRequest(
            method=scope["method"],
            path=scope["path"],
            query=parse_qsl(
                scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
            ),
            headers=headers,
            body=body,
            base_url=f"{scope.get('scheme', 'http')}://{host}",
        )
        response = app.handle(request)
        delivery = response.delivery
        if delivery.stall is not None:
            await anyio.sleep(delivery.stall)
            raise ConnectionResetError("stalled response closed without an answer")
        if delivery.delay:
            await anyio.sleep(delivery.delay)
        if delivery.reset_at is not None and delivery.reset_at < 0:
            raise ConnectionResetError(_RESET)
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in _headers(response)]
        await send(
            {"type": "http.response.start", "status": response.status, "headers": raw_headers}
        )
        data = response.body
        if delivery.reset_at is not None:
            await send(
                {"type": "http.response.body", "body": data[: delivery.reset_at], "more_body": True}
            )
            raise ConnectionResetError(_RESET)
        if delivery.drip is not None:
            size, interval = delivery.drip
            for start in range(0, len(data), max(1, size)):
                await anyio.sleep(interval)
                await send(
                    {
                        "type": "http.response.body",
                        "body": data[start : start + size],
                        "more_body": True,
                    }
                )
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.body", "body": data})

    return asgi
