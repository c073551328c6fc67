"""The raw limit beside make bench-api: a bare grpc.aio server behind a bare grpc.aio forwarding proxy.

    python tests/bench/grpc_floor.py echo PORT SIZE          # answers every call with SIZE bytes
    python tests/bench/grpc_floor.py proxy PORT BACKEND_PORT # forwards every call, bytes as they are

Two processes and two gRPC hops like gateway -> ingest, on the same event loop as the services, with none of
what LogLens does per call (no interceptor, token, database, log line or metric): what a call through the
gateway could cost at best on this machine.
"""

from __future__ import annotations

import sys
from typing import Any

import grpc

from loglens_common.entrypoint import run_loop

METHOD = "/floor.v1.Floor/Call"


async def _serve(port: int, handler: Any) -> None:
    server = grpc.aio.server()
    method = grpc.unary_unary_rpc_method_handler(handler)
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("floor.v1.Floor", {"Call": method})])
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


async def echo(port: int, size: int) -> None:
    answer = b"x" * size

    async def call(request: bytes, context: Any) -> bytes:
        return answer

    await _serve(port, call)


async def proxy(port: int, backend: int) -> None:
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{backend}")
    forward = channel.unary_unary(METHOD)

    async def call(request: bytes, context: Any) -> bytes:
        return await forward(request, timeout=context.time_remaining())  # type: ignore[no-any-return]

    await _serve(port, call)


if __name__ == "__main__":
    kind, port, arg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    run_loop(echo(port, arg) if kind == "echo" else proxy(port, arg))
