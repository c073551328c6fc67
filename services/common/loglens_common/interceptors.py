"""The one interceptor in front of every servicer: request id, caller identity, metrics, error translation.

Servicers stay thin: they read ``current_principal()`` and raise :class:`LogLensError`; this turns the error
into a rich status, and anything unexpected into INTERNAL with the request id and no stack trace.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from functools import partial
from typing import Any, Protocol

import grpc
from grpc_status import rpc_status

from loglens_common import metrics
from loglens_common.auth import Principal, TokenVerifier, principal_var
from loglens_common.errors import (
    FieldViolation,
    InvalidArgument,
    LogLensError,
    Unauthenticated,
    Unavailable,
    to_status,
)
from loglens_common.logs import accepted_request_id, log_fields, request_id_var
from loglens_common.outages import dependency_down, refused_input
from loglens_common.streams import drop_rest

log = logging.getLogger("loglens.rpc")

REQUEST_ID_KEY = "x-request-id"
# The caller's credential, for calls a service makes on the caller's behalf (never logged).
authorization_var: contextvars.ContextVar[str] = contextvars.ContextVar("authorization", default="")
UNAUTHENTICATED_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
# The tasks of the calls being served, so that shutdown can let cancelled calls finish their cleanup.
_CALLS: set[asyncio.Task[Any]] = set()


def calls_in_flight() -> set[asyncio.Task[Any]]:
    return {task for task in _CALLS if not task.done()}


class Authenticator(Protocol):
    async def authenticate(self, metadata: Mapping[str, str]) -> Principal: ...


def bearer_token(metadata: Mapping[str, str]) -> str:
    header = metadata.get("authorization", "")
    if not header:
        raise Unauthenticated(
            "no credential: send 'authorization: Bearer <token>' (a JWT or an API key)",
            reason="NO_CREDENTIAL",
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the authorization header must be 'Bearer <token>'", reason="CREDENTIAL_MALFORMED")
    return token.strip()


class JwtAuthenticator:
    """Back-end services trust only a JWT signed by a key they know."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    async def authenticate(self, metadata: Mapping[str, str]) -> Principal:
        return self._verifier.principal(bearer_token(metadata))


async def abort_with(context: grpc.aio.ServicerContext[Any, Any], error: LogLensError) -> None:
    await context.abort_with_status(rpc_status.to_status(to_status(error)))


class ServiceInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, service: str, authenticator: Authenticator | None, public_methods: frozenset[str]):
        self._service = service
        self._authenticator = authenticator
        self._public = public_methods

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        method: str = details.method  # type: ignore[attr-defined]
        if handler is None or method.startswith(UNAUTHENTICATED_PREFIXES):
            return handler
        metadata = {k: v for k, v in (details.invocation_metadata or ()) if isinstance(v, str)}  # type: ignore[attr-defined]
        needs_auth = self._authenticator is not None and method not in self._public
        return _wrap(handler, _CallScope(self._service, method, metadata, self._authenticator if needs_auth else None))


def on_behalf_of_caller() -> tuple[tuple[str, str], ...]:
    """Metadata for a call to another service made for the current caller: identity and request id."""
    metadata = [(REQUEST_ID_KEY, request_id_var.get())]
    if authorization_var.get():
        metadata.append(("authorization", authorization_var.get()))
    return tuple(metadata)


class _CallScope:
    """Everything done around one call, whatever its streaming shape."""

    def __init__(self, service: str, method: str, metadata: dict[str, str], auth: Authenticator | None):
        self.service = service
        self.method = method
        self.metadata = metadata
        self.auth = auth
        self.started = 0.0

    async def enter(
        self, context: grpc.aio.ServicerContext[Any, Any], drain: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self.started = time.perf_counter()
        task = asyncio.current_task()
        if task is not None:
            _CALLS.add(task)
            task.add_done_callback(_CALLS.discard)
        request_id = accepted_request_id(self.metadata.get(REQUEST_ID_KEY, ""))
        request_id_var.set(request_id)
        authorization_var.set(self.metadata.get("authorization", ""))
        context.set_trailing_metadata(((REQUEST_ID_KEY, request_id),))
        if self.auth is not None:
            try:
                principal_var.set(await self.auth.authenticate(self.metadata))
            except LogLensError as error:
                self.finish(error.code)
                if drain is not None:
                    await drain()
                await abort_with(context, error)

    async def fail(self, context: grpc.aio.ServicerContext[Any, Any], exc: BaseException) -> None:
        if isinstance(exc, LogLensError):
            self.finish(exc.code)
            await abort_with(context, exc)
        refused = refused_input(exc)
        if refused is not None:
            invalid = InvalidArgument(f"the request was refused: {refused}", reason="INVALID_CHARACTERS")
            self.finish(invalid.code)
            await abort_with(context, invalid)
        dependency = dependency_down(exc)
        if dependency is not None:  # a server we need is away: the caller may retry, it is not our bug
            log.warning("%s failed, %s unavailable: %r", self.method, dependency, exc)
            unavailable = Unavailable(
                f"the {dependency} is unavailable right now; retry shortly",
                reason="DEPENDENCY_UNAVAILABLE",
                metadata={"dependency": dependency},
                retry_after_s=1.0,
            )
            self.finish(unavailable.code)
            await abort_with(context, unavailable)
        log.exception("unexpected error in %s", self.method)
        self.finish(grpc.StatusCode.INTERNAL)
        await context.abort(
            grpc.StatusCode.INTERNAL,
            f"internal error; quote request id {request_id_var.get()} when reporting it",
        )

    def finish_aborted(self, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        """A handler aborted the call itself (the gateway relaying a back end's error)."""
        code = context.code()
        self.finish(code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN)

    def finish(self, code: grpc.StatusCode) -> None:
        elapsed = time.perf_counter() - self.started
        metrics.observe_rpc(self.service, self.method, code.name, elapsed)
        level = logging.INFO if code in (grpc.StatusCode.OK, grpc.StatusCode.CANCELLED) else logging.WARNING
        log.log(level, "rpc", extra=log_fields(method=self.method, code=code.name, ms=round(elapsed * 1000, 1)))


def _decoder(deserialize: Callable[[bytes], Any] | None, streaming: bool) -> Callable[[Any], Any]:
    """Parse requests inside the call, so bytes that are not the request message get INVALID_ARGUMENT.

    (grpc's own deserializer failure ends the call with INTERNAL, which would blame the server.)
    """

    if deserialize is None:  # raw bytes wanted (the gateway forwards them unparsed)
        return lambda request: request

    def decode(raw: bytes) -> Any:
        try:
            return deserialize(raw)
        except Exception:
            raise InvalidArgument(
                "the request is not a valid message of this method's request type",
                reason="MALFORMED_REQUEST",
                violations=[FieldViolation("request", "must be the method's request message, serialized")],
            ) from None

    if not streaming:
        return decode

    async def decode_stream(requests: AsyncIterator[bytes]) -> AsyncIterator[Any]:
        async for raw in requests:
            yield decode(raw)

    return decode_stream


def _wrap(handler: grpc.RpcMethodHandler, scope: _CallScope) -> grpc.RpcMethodHandler:
    decode = _decoder(handler.request_deserializer, handler.request_streaming)
    if handler.unary_unary or handler.stream_unary:
        inner = handler.unary_unary or handler.stream_unary

        async def unary_response(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            drain = partial(drop_rest, request) if handler.stream_unary else None
            await scope.enter(context, drain)
            try:
                response = await inner(decode(request), context)
            except grpc.aio.AbortError:
                scope.finish_aborted(context)
                raise
            except GeneratorExit:
                raise
            except Exception as exc:
                if drain is not None:
                    await drain()
                await scope.fail(context, exc)
                raise
            scope.finish(grpc.StatusCode.OK)
            return response

        factory = grpc.unary_unary_rpc_method_handler if handler.unary_unary else grpc.stream_unary_rpc_method_handler
        return factory(unary_response, None, handler.response_serializer)

    inner_stream = handler.unary_stream or handler.stream_stream

    async def stream_response(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        await scope.enter(context)
        try:
            async for response in inner_stream(decode(request), context):
                yield response
        except grpc.aio.AbortError:
            scope.finish_aborted(context)
            raise
        except GeneratorExit:
            raise
        except Exception as exc:
            await scope.fail(context, exc)
            raise
        scope.finish(grpc.StatusCode.OK)

    factory = grpc.unary_stream_rpc_method_handler if handler.unary_stream else grpc.stream_stream_rpc_method_handler
    return factory(stream_response, None, handler.response_serializer)
