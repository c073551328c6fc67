"""Composition root of the gateway: ``python -m loglens_gateway``."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import grpc
from loglens.v1 import analysis_pb2, log_file_pb2

from loglens_common.auth import TokenVerifier, load_public_keys
from loglens_common.config import load_settings
from loglens_common.interceptors import JwtAuthenticator
from loglens_common.logs import configure_logging
from loglens_common.server import serve
from loglens_gateway.config import GatewaySettings
from loglens_gateway.forwarding import Forwarder, backend_channel, forwarded_services

LOG_FILES = log_file_pb2.DESCRIPTOR.services_by_name["LogFileService"]
ANALYSIS = analysis_pb2.DESCRIPTOR.services_by_name["AnalysisService"]


async def main(settings: GatewaySettings) -> None:
    resources = AsyncExitStack()
    ingest = backend_channel(settings.ingest_addr, settings.max_message_bytes)
    analysis = backend_channel(settings.analysis_addr, settings.max_message_bytes)
    resources.push_async_callback(ingest.close)
    resources.push_async_callback(analysis.close)
    handlers = forwarded_services(
        [
            (LOG_FILES, Forwarder(ingest, settings.unary_deadline_s, settings.stream_deadline_s)),
            (ANALYSIS, Forwarder(analysis, settings.unary_deadline_s, settings.stream_deadline_s)),
        ]
    )

    def register(server: grpc.aio.Server) -> None:
        server.add_generic_rpc_handlers(handlers)

    verifier = TokenVerifier(
        load_public_keys(settings.jwt_public_keys), settings.jwt_issuer, settings.jwt_audience
    )
    await serve(
        name="gateway",
        settings=settings,
        register=register,
        service_names=[LOG_FILES.full_name, ANALYSIS.full_name],
        authenticator=JwtAuthenticator(verifier),
        resources=resources,
    )


def run() -> None:
    settings = load_settings(GatewaySettings)
    configure_logging("gateway", settings.log_level)
    asyncio.run(main(settings))


if __name__ == "__main__":
    run()
