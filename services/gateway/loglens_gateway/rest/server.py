"""The HTTP server of the REST/JSON bridge (aiohttp), inside the gateway process.

Each HTTP request becomes one call to the gateway's own gRPC API over a loopback channel, so authentication,
rate limits, deadlines and forwarding are exactly the gateway's: the bridge only translates. It sends the
HTTP ``Authorization`` header as ``authorization`` metadata, an ``x-request-id`` (the caller's, or a new one,
echoed back in the response) and a deadline from the ``grpc-timeout`` header (gRPC's ``30S`` / ``500m`` form,
or plain seconds) capped by the gateway's own ceilings. When the HTTP client goes away, the handler is
cancelled and with it the gRPC call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import grpc
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import code_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from loglens.v1 import log_file_pb2
from loglens_common.errors import DeadlineExceeded, InvalidArgument, LogLensError, NotFound, Unauthenticated
from loglens_common.logs import accepted_request_id, log_fields, request_id_var
from loglens_gateway.rest import status as rest_status
from loglens_gateway.rest.binding import bind_query, bind_request, descriptor_of, resolve
from loglens_gateway.rest.routes import Route, Shape
from loglens_gateway.rest.templates import PathTemplate
from loglens_presentation import CONTENT_SECURITY_POLICY, page_of

log = logging.getLogger("loglens.gateway.rest")

CHUNK_BYTES = 1024 * 1024  # the upload RPC's largest chunk
STATUS_GRACE_S = 5.0  # how long a failed upload write waits for the server's status
REQUEST_ID = "x-request-id"
_RPC = "loglens.rpc"  # request key: the gRPC method an HTTP request was routed to
MAX_FORWARDED_CHARS = 1024  # the right end of a long X-Forwarded-For: the hops the gateway may read
_TIMEOUT_UNITS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_TIMEOUT = re.compile(r"([0-9]{1,8})([HMSmun])")
_HTTP_TO_CODE = {
    400: code_pb2.INVALID_ARGUMENT,
    404: code_pb2.NOT_FOUND,
    405: code_pb2.UNIMPLEMENTED,
    413: code_pb2.RESOURCE_EXHAUSTED,
    414: code_pb2.RESOURCE_EXHAUSTED,
    431: code_pb2.RESOURCE_EXHAUSTED,
    500: code_pb2.INTERNAL,
    504: code_pb2.DEADLINE_EXCEEDED,
}
# What curl --data-binary sends by default: says nothing about the file.
_MEANINGLESS_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def loopback_target(listen_addr: str) -> str:
    """Where this process's gRPC server can be reached from inside: a wildcard bind means loopback."""
    host, _, port = listen_addr.rpartition(":")
    if host in ("", "0.0.0.0", "*"):
        return f"127.0.0.1:{port}"
    if host in ("[::]", "::"):
        return f"[::1]:{port}"
    return listen_addr


MIN_TIMEOUT_S = 0.001


def _printable_ascii(value: str) -> bool:
    """What a gRPC (non-binary) metadata value may hold. aiohttp hands non-UTF-8 header bytes over as
    surrogate escapes, which gRPC cannot encode."""
    return value.isascii() and value.isprintable()


class _StatusJsonRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering what it refuses itself with Status JSON like the rest.

    aiohttp answers a request it cannot parse (a header line over its limit, a control or non-token byte in the
    request line or a header, a bad Content-Length) and a handler's crash with a text/plain page, before any of
    the bridge runs. The text it would show echoes the offending line, which may hold a credential: neither
    the answer nor the log line repeats it, only the kind of error.
    """

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # the status line has gone out: nothing to answer with
            raise ConnectionError("the response was already started")
        kind = type(exc).__name__ if exc is not None else "error"
        if status >= 500:
            log.error("http request failed: %s", kind, exc_info=exc)
            text = f"internal error; quote request id {request_id_var.get() or '-'} when reporting it"
        else:
            log.info("http request refused before routing", extra=log_fields(status=status, error=kind))
            text = f"malformed HTTP request ({kind}): {HTTPStatus(status).phrase}"
        status_message = status_pb2.Status(code=_HTTP_TO_CODE.get(status, code_pb2.UNKNOWN), message=text)
        response = web.Response(body=rest_status.encode(status_message), status=status, content_type="application/json")
        response.force_close()
        return response


class _StatusJsonServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _StatusJsonRequestHandler(self, loop=self._loop, **self._kwargs)


class StatusJsonAppRunner(web.AppRunner):
    """``web.AppRunner`` whose connections answer parse errors and crashes with Status JSON (see above)."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _StatusJsonServer  # same state, one method more: aiohttp has no option for it
        return server


def parse_timeout(value: str) -> float:
    """Seconds from a ``grpc-timeout`` header: ``30S``, ``250m``, ``1M``, or a plain number of seconds."""
    text = value.strip()
    match = _TIMEOUT.fullmatch(text)
    if match:
        seconds = int(match.group(1)) * _TIMEOUT_UNITS[match.group(2)]
    else:
        try:
            seconds = float(text)
        except ValueError:
            seconds = -1.0
    if not seconds > 0 or seconds != seconds:  # negative, zero or NaN
        raise InvalidArgument(
            f"grpc-timeout {value!r} is not a positive duration like '30S', '500m' or '2.5'",
            reason="INVALID_TIMEOUT",
        )
    return seconds


class RestBridge:
    def __init__(
        self,
        routes: Sequence[Route],
        channel: grpc.aio.Channel,
        openapi: dict[str, Any],
        *,
        unary_deadline_s: float,
        stream_deadline_s: float,
        max_body_bytes: int,
    ) -> None:
        self._routes = list(routes)
        self._channel = channel
        self._openapi = json.dumps(openapi, separators=(",", ":")).encode()
        self._unary_deadline_s = unary_deadline_s
        self._stream_deadline_s = stream_deadline_s
        self._max_body_bytes = max_body_bytes
        self._health = health_pb2_grpc.HealthStub(channel)  # type: ignore[no-untyped-call]

    # Application ------------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=self._max_body_bytes, middlewares=[self._http_errors])
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/openapi.json", self.openapi)
        # Every other path, newlines included (a decoded %0A), goes to the routes read from the descriptors.
        app.router.add_route("*", r"/{tail:[\s\S]*}", self.dispatch)
        return app

    @web.middleware
    async def _http_errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """aiohttp's own refusals (no route, wrong method on /healthz) as Status JSON like the rest."""
        try:
            return await handler(request)  # type: ignore[no-any-return]
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            code = _HTTP_TO_CODE.get(exc.status, code_pb2.UNKNOWN)
            status = status_pb2.Status(code=code, message=exc.reason)
            return web.Response(body=rest_status.encode(status), status=exc.status, content_type="application/json")

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            reply = await self._health.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
            serving = reply.status == health_pb2.HealthCheckResponse.SERVING
            state = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        except grpc.aio.AioRpcError as error:
            serving, state = False, error.code().name
        return web.json_response({"status": state}, status=200 if serving else 503)

    async def openapi(self, request: web.Request) -> web.Response:
        return web.Response(body=self._openapi, content_type="application/json")

    # Dispatch ---------------------------------------------------------------------------------------------
    def _find(self, request: web.Request) -> tuple[Route, dict[str, str]]:
        raw_path = request.raw_path.split("?", 1)[0]
        allowed: list[str] = []
        for route in self._routes:
            values = route.template.match(raw_path)
            if values is None:
                continue
            if route.http_method == request.method:
                return route, values
            allowed.append(route.http_method)
        if allowed:
            raise rest_status.MethodNotAllowed(
                f"{request.method} is not allowed on {request.path}; use {', '.join(sorted(set(allowed)))}",
                reason="METHOD_NOT_ALLOWED",
                metadata={"allow": ", ".join(sorted(set(allowed)))},
            )
        raise NotFound(f"no API route matches {request.method} {request.path}", reason="ROUTE_NOT_FOUND")

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        request_id = accepted_request_id(request.headers.get(REQUEST_ID, ""))
        request_id_var.set(request_id)
        started = time.perf_counter()
        status = 499  # stays so when the client goes away and the handler is cancelled
        try:
            response = await self._respond(request, request_id)
            status = response.status
            return response
        finally:
            fields = log_fields(
                http_method=request.method,
                path=request.path,
                status=status,
                rpc=request.get(_RPC, ""),
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
            log.info("http" if status != 499 else "http client went away; its call was cancelled", extra=fields)

    async def _respond(self, request: web.Request, request_id: str) -> web.StreamResponse:
        try:
            route, path_values = self._find(request)
            request[_RPC] = route.grpc_path
            return await self._serve(route, path_values, request, request_id)
        except LogLensError as error:
            return self._error(rest_status.from_error(error), request_id, error)
        except grpc.aio.AioRpcError as error:
            return self._error(rest_status.from_rpc_error(error), request_id)
        except web.HTTPRequestEntityTooLarge:
            too_big = rest_status.PayloadTooLarge(
                f"the request body is larger than {self._max_body_bytes} bytes", reason="BODY_TOO_LARGE"
            )
            response = self._error(rest_status.from_error(too_big), request_id, too_big, http_status=413)
            response.force_close()  # the rest of the body is not read: the connection cannot carry another request
            return response

    async def _serve(
        self, route: Route, path_values: dict[str, str], request: web.Request, request_id: str
    ) -> web.StreamResponse:
        metadata = self._metadata(request, request_id)
        if route.shape is Shape.UPLOAD:
            return await self._upload(route, request, metadata)
        if route.shape is Shape.DOWNLOAD:
            return await self._download(route, path_values, request, metadata)
        if route.shape is Shape.PAGE:
            return await self._page(route, path_values, request, metadata)
        return await self._unary(route, path_values, request, metadata)

    def _metadata(self, request: web.Request, request_id: str) -> list[tuple[str, str]]:
        metadata = [(REQUEST_ID, request_id)]
        authorization = request.headers.get("Authorization")
        if authorization:
            if not _printable_ascii(authorization):
                raise Unauthenticated(
                    "the Authorization header holds characters no credential has: send 'Bearer <token>' in ASCII",
                    reason="INVALID_AUTHORIZATION_HEADER",
                )
            metadata.append(("authorization", authorization))
        if request.remote:
            # Every bridged call reaches the gateway from loopback, so the bridge says who it serves the way a
            # proxy does: what the HTTP client's X-Forwarded-For said, then the client's own address. The gateway
            # reads it from the right and believes an address only if the hop after it is a trusted proxy
            # (see loglens_gateway.clients), so a client writing the header itself gains nothing.
            forwarded = request.headers.get("X-Forwarded-For", "")[-MAX_FORWARDED_CHARS:]
            forwarded = "".join(c for c in forwarded if " " <= c <= "~")  # gRPC metadata is printable ASCII
            metadata.append(("x-forwarded-for", f"{forwarded}, {request.remote}" if forwarded else request.remote))
        return metadata

    def _timeout(self, request: web.Request, ceiling: float) -> float:
        header = request.headers.get("grpc-timeout")
        timeout = ceiling if not header else min(parse_timeout(header), ceiling)
        if timeout < MIN_TIMEOUT_S:  # gRPC does not reliably enforce a deadline shorter than its timer tick
            raise DeadlineExceeded(
                f"grpc-timeout {header!r} leaves no time to make the call", reason="DEADLINE_TOO_SHORT"
            )
        return timeout

    def _json(self, message: Message, request_id: str) -> web.Response:
        body = json.dumps(json_format.MessageToDict(message), separators=(",", ":"))
        return web.Response(
            text=body,
            content_type="application/json",
            headers={REQUEST_ID: request_id, "Cache-Control": "no-store"},
        )

    def _error(
        self,
        status: status_pb2.Status,
        request_id: str,
        error: LogLensError | None = None,
        http_status: int | None = None,
    ) -> web.Response:
        headers = {REQUEST_ID: request_id, "Cache-Control": "no-store", **rest_status.response_headers(status)}
        if isinstance(error, rest_status.MethodNotAllowed):
            http_status = 405
            headers["Allow"] = error.metadata["allow"]
        return web.Response(
            body=rest_status.encode(status),
            status=http_status or rest_status.http_status(status),
            content_type="application/json",
            headers=headers,
        )

    # Unary ------------------------------------------------------------------------------------------------
    async def _unary(
        self, route: Route, path_values: dict[str, str], request: web.Request, metadata: list[tuple[str, str]]
    ) -> web.Response:
        response = await self._call(route, path_values, request, metadata)
        if route.response_body:
            response = getattr(response, route.response_body)
        return self._json(response, metadata[0][1])

    async def _call(
        self, route: Route, path_values: dict[str, str], request: web.Request, metadata: list[tuple[str, str]]
    ) -> Message:
        if route.body and (request.content_length or 0) > self._max_body_bytes:
            raise web.HTTPRequestEntityTooLarge(self._max_body_bytes, request.content_length or 0)  # before reading
        body = await request.read() if route.body else b""
        message = bind_request(
            route.request_class(),
            path_values=path_values,
            query=request.rel_url.query.items(),
            body_field=route.body,
            body=body,
        )
        call = self._channel.unary_unary(
            route.grpc_path,
            request_serializer=type(message).SerializeToString,
            response_deserializer=route.response_class.FromString,
        )
        response: Message = await call(
            message, metadata=tuple(metadata), timeout=self._timeout(request, self._unary_deadline_s)
        )
        return response

    # Pages: a response rendered for a person (PAGE_RULES) -------------------------------------------------
    async def _page(
        self, route: Route, path_values: dict[str, str], request: web.Request, metadata: list[tuple[str, str]]
    ) -> web.Response:
        response = await self._call(route, path_values, request, metadata)
        title = await self._log_file_title(path_values, request, metadata)
        page = page_of(getattr(response, route.response_body), title=title, links=route.links)
        return web.Response(
            text=page,
            content_type="text/html",
            # The page holds log text (hostile input): no scripts, nothing fetched from elsewhere.
            headers={
                REQUEST_ID: metadata[0][1],
                "Cache-Control": "no-store",
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            },
        )

    async def _log_file_title(
        self, path_values: dict[str, str], request: web.Request, metadata: list[tuple[str, str]]
    ) -> str:
        """A page's title: the name of the log file its resource belongs to, as `loglens report` titles it (the
        resource's name when the file cannot be read now; the page stands without it)."""
        resource = next((v for v in path_values.values() if v.startswith("logFiles/")), "")
        if not resource:
            return ""
        call = self._channel.unary_unary(
            "/loglens.v1.LogFileService/GetLogFile",
            request_serializer=log_file_pb2.GetLogFileRequest.SerializeToString,
            response_deserializer=log_file_pb2.GetLogFileResponse.FromString,
        )
        try:
            reply = await call(
                log_file_pb2.GetLogFileRequest(name="/".join(resource.split("/")[:2])),
                metadata=tuple(metadata),
                timeout=self._timeout(request, self._unary_deadline_s),
            )
        except grpc.aio.AioRpcError:
            return resource
        return reply.log_file.filename or resource

    # Upload: the body streamed in chunks ------------------------------------------------------------------
    def _upload_metadata(self, route: Route, request: web.Request) -> Message:
        metadata_field, _ = route.upload_fields
        message = route.request_class()
        first = getattr(message, metadata_field.name)
        bind_query(first, request.rel_url.query.items())
        for field_path, header in route.headers.items():
            value = request.headers.get(header)
            leaf = resolve(descriptor_of(first), field_path, field_path)[-1]
            if not value or (header.lower() == "content-type" and value.split(";")[0].strip() in _MEANINGLESS_TYPES):
                continue
            has = first.HasField(leaf.name) if leaf.has_presence else bool(getattr(first, leaf.name))
            if not has:
                bind_query(first, [(field_path, value)])
        return message

    async def _upload(self, route: Route, request: web.Request, metadata: list[tuple[str, str]]) -> web.Response:
        _, chunk_field = route.upload_fields
        first = self._upload_metadata(route, request)
        request_class = route.request_class
        call = self._channel.stream_unary(
            route.grpc_path,
            request_serializer=request_class.SerializeToString,
            response_deserializer=route.response_class.FromString,
        )(metadata=tuple(metadata), timeout=self._timeout(request, self._stream_deadline_s))

        async def send() -> None:
            await call.write(first)
            buffer = bytearray()
            async for piece in request.content.iter_any():
                buffer += piece
                while len(buffer) >= CHUNK_BYTES:
                    await call.write(request_class(**{chunk_field.name: bytes(buffer[:CHUNK_BYTES])}))
                    del buffer[:CHUNK_BYTES]
            if buffer:
                await call.write(request_class(**{chunk_field.name: bytes(buffer)}))
            await call.done_writing()

        async def answer() -> Message:
            return await call  # type: ignore[no-any-return]

        sending, answered = asyncio.ensure_future(send()), asyncio.ensure_future(answer())
        try:
            await asyncio.wait((sending, answered), return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            sending.cancel()
            answered.cancel()
            call.cancel()
            raise
        if not sending.done():
            # The server answered while the client sent nothing (an idle upload it aborted): answer now rather
            # than when the client's next bytes (or its deadline) come.
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
            return self._json(await answered, metadata[0][1])
        try:
            sending.result()
        except (asyncio.InvalidStateError, grpc.aio.AioRpcError) as error:
            # The server ended the call while we were still writing (a refused token or bad metadata is answered
            # before the body is read). A write that loses that race fails with a local INTERNAL; the server's
            # own status arrives a moment later, and awaiting the call returns it.
            response = await self._upload_outcome(answered, error)
        except BaseException:
            # The client went away or sent a broken body: the upload must not complete.
            answered.cancel()
            call.cancel()
            raise
        else:
            response = await answered
        return self._json(response, metadata[0][1])

    @staticmethod
    async def _upload_outcome(answered: asyncio.Future[Message], error: BaseException) -> Message:
        try:
            return await asyncio.wait_for(answered, STATUS_GRACE_S)
        except TimeoutError:
            raise error from None

    # Download: chunks streamed back -----------------------------------------------------------------------
    async def _download(
        self, route: Route, path_values: dict[str, str], request: web.Request, metadata: list[tuple[str, str]]
    ) -> web.StreamResponse:
        message = bind_request(
            route.request_class(), path_values=path_values, query=request.rel_url.query.items(), body_field="", body=b""
        )
        chunk_name = route.download_field.name
        call = self._channel.unary_stream(
            route.grpc_path,
            request_serializer=type(message).SerializeToString,
            response_deserializer=route.response_class.FromString,
        )(message, metadata=tuple(metadata), timeout=self._timeout(request, self._stream_deadline_s))
        started = False
        try:
            item = await call.read()  # an error before the first chunk is still a JSON error response
            response = web.StreamResponse(
                headers={
                    "Content-Type": "application/octet-stream",
                    REQUEST_ID: metadata[0][1],
                    "Cache-Control": "no-store",
                }
            )
            await response.prepare(request)
            started = True
            while item is not grpc.aio.EOF:
                await response.write(getattr(item, chunk_name))
                item = await call.read()
            await response.write_eof()
            return response
        except grpc.aio.AioRpcError as error:
            if not started:
                raise
            # The status line is gone: cut the connection so the client sees a truncated transfer, not a file.
            log.warning("download failed mid-stream: %s %s", error.code().name, error.details())
            if request.transport is not None:
                request.transport.close()
            return response
        finally:
            if not call.done():
                call.cancel()


__all__ = ["PathTemplate", "RestBridge", "loopback_target", "parse_timeout"]
