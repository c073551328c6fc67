"""Runs one asyncio gRPC service: interceptor chain, health, reflection, metrics, graceful stop.

On SIGTERM or SIGINT health turns NOT_SERVING at once, then the server stops with the configured grace
so in-flight calls can finish; background tasks are cancelled after that.

Health also follows the service's readiness check (its database, typically): NOT_SERVING while the check
fails, SERVING again once it passes, with no restart. Load balancers and probes then route around a
replica that cannot do its work, and the process itself stays up to recover.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from loglens_common import metrics
from loglens_common.config import ServiceSettings
from loglens_common.interceptors import Authenticator, ServiceInterceptor, calls_in_flight

log = logging.getLogger("loglens.server")

Registrar = Callable[[grpc.aio.Server], None]
Readiness = Callable[[], Awaitable[object]]  # raises (or times out) when the service cannot do its work
READINESS_INTERVAL_S = 1.0
READINESS_TIMEOUT_S = 2.0
# After the grace period the server cancels the calls still running; their cleanup (aborting a multipart
# upload, releasing a claim) must finish before the resources it uses are closed under it.
CLEANUP_S = 5.0


class PortInUse(SystemExit):
    pass


def _flow_control(window_bytes: int) -> list[tuple[str, int]]:
    """gRPC's automatic window (BDP probing) grows a stream's flow-control window to tens of MiB on a fast
    link, and gRPC buffers that much of a client stream ahead of the handler. A fixed window bounds it."""
    if window_bytes == 0:
        return []
    return [("grpc.http2.bdp_probe", 0), ("grpc.http2.lookahead_bytes", window_bytes)]


async def serve(
    *,
    name: str,
    settings: ServiceSettings,
    register: Registrar,
    service_names: Sequence[str],
    authenticator: Authenticator | None,
    public_methods: frozenset[str] = frozenset(),
    resources: AsyncExitStack | None = None,
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    readiness: Readiness | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT. ``resources`` is closed after the server stopped."""
    server = grpc.aio.server(
        interceptors=[ServiceInterceptor(name, authenticator, public_methods)],
        options=[
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.max_send_message_length", settings.max_message_bytes),
            ("grpc.so_reuseport", 0),
            *_flow_control(settings.grpc_stream_window_bytes),
        ],
    )
    register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection([*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    try:
        port = server.add_insecure_port(settings.listen_addr)
    except RuntimeError:
        port = 0
    if port == 0:
        raise PortInUse(f"loglens {name}: cannot listen on {settings.listen_addr}: the port is taken or invalid")
    metrics.serve_metrics(settings.metrics_port)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    await server.start()
    tasks = [asyncio.create_task(job(), name=f"{name}-background") for job in background]
    for service in ("", *service_names):
        await health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    log.info("serving", extra={"fields": {"addr": settings.listen_addr, "service": name}})
    watcher = (
        asyncio.create_task(_follow_readiness(readiness, health_servicer, ("", *service_names)))
        if readiness is not None
        else None
    )
    failed: list[asyncio.Task[None]] = []
    try:
        done_waiter = asyncio.create_task(stop.wait())
        await asyncio.wait([done_waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        # A background loop that died is fatal: stop, exit non-zero, and let the supervisor restart us.
        failed = [t for t in tasks if t.done() and not t.cancelled() and t.exception() is not None]
        for task in failed:
            log.error("background task failed", exc_info=task.exception())
    finally:
        if watcher is not None:
            watcher.cancel()
        await health_servicer.enter_graceful_shutdown()
        log.info("stopping", extra={"fields": {"grace_s": settings.shutdown_grace_s}})
        await server.stop(settings.shutdown_grace_s)
        cancelled_calls = calls_in_flight()
        if cancelled_calls:
            await asyncio.wait(cancelled_calls, timeout=CLEANUP_S)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if resources is not None:
            await resources.aclose()
        log.info("stopped")
    if failed:
        raise SystemExit(f"loglens {name}: a background task failed (see the log); exiting so it is restarted")


async def _follow_readiness(
    readiness: Readiness, health_servicer: health.aio.HealthServicer, services: Sequence[str]
) -> None:
    """Set health from the readiness check, every second; log each change once."""
    ready = True
    while True:
        await asyncio.sleep(READINESS_INTERVAL_S)
        try:
            await asyncio.wait_for(readiness(), READINESS_TIMEOUT_S)
            now = True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            now = False
            if ready:
                log.warning("not ready, health is NOT_SERVING: %r", exc)
        if now != ready:
            if now:
                log.info("ready again, health is SERVING")
            status = health_pb2.HealthCheckResponse.SERVING if now else health_pb2.HealthCheckResponse.NOT_SERVING
            for service in services:
                await health_servicer.set(service, status)
            ready = now
