"""Forwards the public API to the back-end services, byte for byte, with no per-RPC code.

Every method of the forwarded services gets a generic handler that passes the serialized messages through
(streams stay streams, nothing is buffered), sends the caller's identity and request id, and a deadline
derived from the caller's. The identity sent is the access token the authenticator chose for this call
(see :mod:`loglens_gateway.credentials`), never an API key and never whatever header the caller sent.
Errors come back with their code, message and rich details unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any, TypeAlias

import grpc
from google.protobuf.descriptor import ServiceDescriptor

from loglens_common.interceptors import REQUEST_ID_KEY
from loglens_common.logs import request_id_var
from loglens_common.streams import drop_rest, next_message, raise_if_cancelled_at_end
from loglens_gateway.credentials import forward_token_var

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]


def backend_channel(target: str, max_message_bytes: int) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(
        target,
        options=[
            ("grpc.lb_policy_name", "round_robin"),
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
        ],
    )


# How long to wait for the back end's own status after a write lost the race with its early answer.
STATUS_GRACE_S = 5.0


async def _forward_stream(call: Any, requests: AsyncIterator[bytes], context: Context) -> bytes:
    """Write the caller's stream to the back end, then return its answer.

    Three races are handled here. A cancel by the caller also reads as EOF: the call is cancelled instead of
    half-closed, so the back end never completes a truncated upload. When the back end answers early (bad
    metadata, a limit, an idle upload it aborted), the caller's last messages are read and dropped before
    its answer is relayed (:func:`loglens_common.streams.drop_rest`), or grpc would report a local INTERNAL
    to a caller still writing (grpc/grpc issue 36066). And a write that lost the race with that answer fails
    locally; the back end's real status arrives a moment later, and awaiting the call returns it.
    """
    messages = aiter(requests)
    answer = asyncio.ensure_future(_outcome(call))
    lost_write: grpc.aio.AioRpcError | None = None
    try:
        while True:
            read = asyncio.ensure_future(next_message(messages))
            await asyncio.wait((read, answer), return_when=asyncio.FIRST_COMPLETED)
            if not read.done() or call.done():  # the back end has answered: read the caller out, then relay
                await drop_rest(messages, read)
                break
            request = read.result()
            if request is None:
                await raise_if_cancelled_at_end(context)
                try:
                    await call.done_writing()
                except asyncio.InvalidStateError:
                    pass
                except grpc.aio.AioRpcError as error:
                    lost_write = error
                break
            try:
                await call.write(request)
            except asyncio.InvalidStateError:
                pass  # the call has ended: the next turn reads the caller out
            except grpc.aio.AioRpcError as error:
                lost_write = error
                await drop_rest(messages)
                break
    except BaseException:
        answer.cancel()
        call.cancel()
        raise
    if lost_write is None:
        return await answer
    try:
        return await asyncio.wait_for(answer, STATUS_GRACE_S)
    except TimeoutError:
        raise lost_write from None


async def _outcome(call: Any) -> bytes:
    return await call  # type: ignore[no-any-return]


class Forwarder:
    def __init__(self, channel: grpc.aio.Channel, unary_deadline_s: float, stream_deadline_s: float) -> None:
        self._channel = channel
        self._unary_deadline_s = unary_deadline_s
        self._stream_deadline_s = stream_deadline_s

    def _call_options(self, context: Context, streaming: bool) -> dict[str, Any]:
        remaining = context.time_remaining()
        ceiling = self._stream_deadline_s if streaming else self._unary_deadline_s
        timeout = ceiling if remaining is None else min(remaining, ceiling)
        metadata = [(REQUEST_ID_KEY, request_id_var.get())]
        token = forward_token_var.get()
        if token:
            metadata.append(("authorization", f"Bearer {token}"))
        return {"timeout": timeout, "metadata": tuple(metadata)}

    @staticmethod
    async def _relay_error(context: Context, error: grpc.aio.AioRpcError) -> None:
        trailing = tuple((k, v) for k, v in (error.trailing_metadata() or ()) if k in ("grpc-status-details-bin",))
        await context.abort(error.code(), error.details() or "", trailing_metadata=trailing)

    def handler(self, path: str, client_streaming: bool, server_streaming: bool) -> grpc.RpcMethodHandler:
        if client_streaming and not server_streaming:
            call = self._channel.stream_unary(path)

            async def stream_unary(requests: AsyncIterator[bytes], context: Context) -> bytes:
                try:
                    return await _forward_stream(call(**self._call_options(context, True)), requests, context)  # type: ignore[no-any-return]
                except grpc.aio.AioRpcError as error:
                    await self._relay_error(context, error)
                    raise

            return grpc.stream_unary_rpc_method_handler(stream_unary)
        if server_streaming and not client_streaming:
            call_stream = self._channel.unary_stream(path)

            async def unary_stream(request: bytes, context: Context) -> AsyncIterator[bytes]:
                try:
                    async for response in call_stream(request, **self._call_options(context, True)):
                        yield response
                except grpc.aio.AioRpcError as error:
                    await self._relay_error(context, error)

            return grpc.unary_stream_rpc_method_handler(unary_stream)
        if client_streaming and server_streaming:  # pragma: no cover - the API has none
            raise NotImplementedError(path)
        call_unary = self._channel.unary_unary(path)

        async def unary_unary(request: bytes, context: Context) -> bytes:
            try:
                return await call_unary(request, **self._call_options(context, False))  # type: ignore[no-any-return]
            except grpc.aio.AioRpcError as error:
                await self._relay_error(context, error)
                raise

        return grpc.unary_unary_rpc_method_handler(unary_unary)

    def generic_handler(self, service: ServiceDescriptor) -> grpc.GenericRpcHandler:
        handlers = {
            method.name: self.handler(
                f"/{service.full_name}/{method.name}", method.client_streaming, method.server_streaming
            )
            for method in service.methods
        }
        return grpc.method_handlers_generic_handler(service.full_name, handlers)


def forwarded_services(pairs: Sequence[tuple[ServiceDescriptor, Forwarder]]) -> list[grpc.GenericRpcHandler]:
    return [forwarder.generic_handler(service) for service, forwarder in pairs]
