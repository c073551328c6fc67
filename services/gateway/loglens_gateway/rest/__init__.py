"""REST/JSON bridge of the gateway, driven by the protos' ``google.api.http`` rules.

``routes`` reads the rules from the service descriptors, ``templates`` matches URL paths, ``binding`` turns
path, query and body into a request message, ``status`` turns a failed call into ``google.rpc.Status`` JSON,
``openapi`` describes the same routes as an OpenAPI 3 document and ``server`` serves them with aiohttp,
calling the gateway's own gRPC API over loopback.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import grpc
from aiohttp import web
from google.protobuf.descriptor import ServiceDescriptor

from loglens_gateway.config import GatewaySettings
from loglens_gateway.rest.openapi import load_comments, openapi_document
from loglens_gateway.rest.routes import routes_for
from loglens_gateway.rest.server import RestBridge, StatusJsonAppRunner, loopback_target

log = logging.getLogger("loglens.gateway.rest")


def descriptor_set_path() -> Path | None:
    """``gen/loglens_descriptor.binpb`` beside the generated package, when this is a source checkout."""
    import loglens

    package_file = getattr(loglens, "__file__", None)
    return Path(package_file).resolve().parents[1] / "loglens_descriptor.binpb" if package_file else None


def build_bridge(
    services: Sequence[ServiceDescriptor],
    channel: grpc.aio.Channel,
    *,
    public_methods: frozenset[str],
    unary_deadline_s: float,
    stream_deadline_s: float,
    max_body_bytes: int,
) -> RestBridge:
    routes = routes_for(services, public_methods)
    document = openapi_document(
        routes, title="LogLens API", version="v1", comments=load_comments(descriptor_set_path())
    )
    return RestBridge(
        routes,
        channel,
        document,
        unary_deadline_s=unary_deadline_s,
        stream_deadline_s=stream_deadline_s,
        max_body_bytes=max_body_bytes,
    )


def split_host_port(addr: str) -> tuple[str | None, int]:
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"{addr!r} is not host:port")
    host = host.strip("[]")
    return (host or None), int(port)


async def serve_http(
    listen_addr: str,
    grpc_listen_addr: str,
    services: Sequence[ServiceDescriptor],
    *,
    public_methods: frozenset[str],
    unary_deadline_s: float,
    stream_deadline_s: float,
    max_message_bytes: int,
) -> None:
    """Serve the bridge on ``listen_addr`` until cancelled (a background job of the gateway's server)."""
    channel = grpc.aio.insecure_channel(
        loopback_target(grpc_listen_addr),
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
        ],
    )
    bridge = build_bridge(
        services,
        channel,
        public_methods=public_methods,
        unary_deadline_s=unary_deadline_s,
        stream_deadline_s=stream_deadline_s,
        max_body_bytes=max_message_bytes,
    )
    # handler_cancellation: a client that disconnects cancels its handler, and with it the gRPC call.
    runner = StatusJsonAppRunner(bridge.app(), handler_cancellation=True, access_log=None)
    await runner.setup()
    try:
        host, port = split_host_port(listen_addr)
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            raise RuntimeError(f"cannot listen on {listen_addr} (LOGLENS_HTTP_LISTEN_ADDR): {exc.strerror}") from None
        log.info("serving http", extra={"fields": {"addr": listen_addr}})
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await channel.close()


def bridge_jobs(
    settings: GatewaySettings, services: Sequence[ServiceDescriptor], public_methods: frozenset[str]
) -> list[Callable[[], Coroutine[Any, Any, None]]]:
    """The bridge as a background job of the gateway's server, or nothing when it is turned off."""
    if settings.http_listen_addr in ("", "0"):
        return []
    job = functools.partial(
        serve_http,
        settings.http_listen_addr,
        settings.listen_addr,
        services,
        public_methods=public_methods,
        unary_deadline_s=settings.unary_deadline_s,
        stream_deadline_s=settings.stream_deadline_s,
        max_message_bytes=settings.max_message_bytes,
    )
    return [job]


__all__ = ["RestBridge", "bridge_jobs", "build_bridge", "serve_http", "split_host_port"]
