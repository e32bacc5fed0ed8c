# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# HTTP plumbing: a threading HTTP/1.1 server with keep-alive (and TLS when configured), the way a
# request travels (control API, or request log -> faults -> routing -> authentication -> handler), and
# how an answer is written.

import socket
import ssl
import sys
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import __version__, audit
from .api_auth import authenticate, authorize, client_id_for_log
from .context import RequestContext, Response
from .control import CONTROL_PREFIX, handle_control
from .errors import ApiError, OAuthError, bad_request, error_body, not_found
from .faults import IGNORED_OFFSET_COUNT
from .render import shape_answer
from .routes import OAUTH_PATHS, Router
from .validation import is_uuid

MAX_BODY_BYTES = 16 * 1024 * 1024
# Idle keep-alive connections (and TLS handshakes) are given up after this many seconds.
CONNECTION_TIMEOUT = 120
_QUIET_ERRORS = (ConnectionError, ssl.SSLError, socket.timeout, TimeoutError)


def oauth_response(exc: OAuthError) -> Response:
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        # RFC 6749 5.2: a failed client authentication names the scheme the client should use.
        headers["WWW-Authenticate"] = 'Basic realm="privx"'
    headers.update(exc.headers)
    return Response(exc.status, exc.body(), headers)


def error_response(path: str, status: int, error_code: str, oauth_error: str, message: str) -> Response:
    """An error in the body the endpoint speaks: the OAuth body on the token endpoint, PrivX's elsewhere."""
    if path in OAUTH_PATHS:
        return oauth_response(OAuthError(status, oauth_error, message))
    return Response(status, error_body(error_code, message))


def route_request(app, router: Router, ctx: RequestContext) -> Response:
    """Answer an API request: routing, authentication, role, path ids, handler; every error is a Response."""
    try:
        return _dispatch(router, ctx)
    except ApiError as exc:
        return Response(exc.status, exc.body(), exc.headers)
    except OAuthError as exc:
        return oauth_response(exc)
    except Exception:  # pylint: disable=broad-except
        if app.stopping:
            # Keep-alive connections may outlive the store by a moment at shutdown.
            return error_response(ctx.path, 503, "TOO_MANY_CONNECTIONS", "temporarily_unavailable", "the PrivX emulator is shutting down")
        # A bug in the emulator answers 500 like a server would; the traceback is for whoever runs it.
        traceback.print_exc(file=sys.stderr)
        return error_response(ctx.path, 500, "GENERAL_ERROR", "server_error", f"internal error in the PrivX emulator ({app.fixture_name})")


def _dispatch(router: Router, ctx: RequestContext) -> Response:
    methods, params = router.resolve(ctx.path)
    if methods is None:
        raise not_found(f"no API endpoint at {ctx.path}")
    route = methods.get(ctx.method)
    if route is None:
        allowed = ", ".join(sorted(methods))
        message = f"method {ctx.method} is not allowed here (allowed: {allowed})"
        if ctx.path in OAUTH_PATHS:
            raise OAuthError(405, "invalid_request", message, headers={"Allow": allowed})
        raise ApiError(405, "GENERAL_ERROR", message, headers={"Allow": allowed})
    if not route.public:
        authorize(authenticate(ctx), route)
    for name, value in params.items():
        if name in route.text_params:
            continue
        if not is_uuid(value):
            raise bad_request("VALUE_INCORRECT_FORMAT", f"{name} must be a UUID, got {value!r}", name)
        params[name] = value.lower()
    ctx.params = params
    with audit.acting_for(ctx):
        response = route.handler(ctx)
    if not route.public:  # the token endpoint speaks OAuth, not a PrivX model
        response.body = shape_answer(route.method, route.template, response.body, ctx.app.settings.render)
    return response


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, host: str, port: int, app, ssl_context: ssl.SSLContext | None = None) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), EmulatorRequestHandler)
        self.app = app
        self.router = Router()
        self.scheme = "https" if ssl_context else "http"
        if ssl_context is not None:
            # Handshakes run in the handler threads, so one slow or silent client cannot stall accept().
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"{self.scheme}://{host}:{port}"

    def handle_error(self, request, client_address) -> None:
        # Clients that hang up, time out or fail the TLS handshake are normal; only real bugs are printed.
        if isinstance(sys.exc_info()[1], _QUIET_ERRORS):
            return
        super().handle_error(request, client_address)


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"PrivX-Emulator/{__version__}"
    sys_version = ""
    timeout = CONNECTION_TIMEOUT

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK would add tens of milliseconds to every keep-alive request.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError):
                self.close_connection = True
                return
        super().handle()

    def log_message(self, format, *args) -> None:  # pylint: disable=redefined-builtin
        # Quiet: the request log of the control API is the record of what was asked.
        return

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        started = time.monotonic()
        target = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(target.path)
        query = urllib.parse.parse_qs(target.query, keep_blank_values=True)
        app = self.server.app
        if path.startswith(CONTROL_PREFIX):
            body = self._body_or_none()
            response = handle_control(app, self.command, path, query, body) if body is not None else self._unreadable_body(path)
            self._send(response)
            return
        entry = app.request_log.open(self.command, path, target.query)
        if entry is None:
            # Shutting down, the log sealed: refused unanswered and unlogged, as by a process that has ended.
            self._send(Response.drop())
            return
        body = self._body_or_none()
        if body is None:
            response = self._unreadable_body(path)
            ctx = None
        else:
            ctx = RequestContext(app, self.command, path, query, self.headers, body)
            ctx.remote_address = self.client_address[0]
            response = self._answer(ctx)
        client_id = ctx.client_id if ctx else None
        if client_id is None and ctx is not None:
            # Requests refused before authentication (404, 405, faults) still name their sender when they can.
            client_id = client_id_for_log(app.store, ctx.headers)
        if not app.request_log.close(entry, response.status, client_id, started):
            response = Response.drop()
        self._send(response)

    def _answer(self, ctx: RequestContext) -> Response:
        app = self.server.app
        fault = app.faults.take(ctx.method, ctx.path)
        if fault is None:
            return route_request(app, self.server.router, ctx)
        # Sleeps in this request's thread only; the store is not locked meanwhile. A shutdown ends the wait: the
        # held request is dropped unhandled, as when the process ends under it.
        if fault.delay and app.stop_requested.wait(fault.delay):
            return Response.drop()
        if fault.action == "delay":
            return route_request(app, self.server.router, ctx)
        if fault.action == "ignore_offset":
            ctx.query.pop("offset", None)
            response = route_request(app, self.server.router, ctx)
            if isinstance(response.body, dict) and "count" in response.body:
                response.body["count"] = IGNORED_OFFSET_COUNT
            return response
        if fault.action == "drop":
            if fault.applied:
                # The request is handled (and its change made) as usual; only the answer is lost.
                route_request(app, self.server.router, ctx)
            return Response.drop()
        return Response(fault.status, fault.body(ctx), fault.headers())

    def _unreadable_body(self, path: str) -> Response:
        self.close_connection = True
        message = "request body could not be read (Content-Length or chunked encoding)"
        return error_response(path, 400, "BAD_REQUEST", "invalid_request", message)

    def _body_or_none(self) -> bytes | None:
        """The whole request body (read even when the answer ignores it, to keep the connection in sync)."""
        try:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                return self._read_chunked()
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0 or length > MAX_BODY_BYTES:
                return None
            return self.rfile.read(length) if length else b""
        except ValueError:
            return None

    def _read_chunked(self) -> bytes:
        parts, total = [], 0
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_BODY_BYTES:
                raise ValueError("request body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, response: Response) -> None:
        if response.dropped:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        payload = response.payload()
        self.send_response(response.status)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)
