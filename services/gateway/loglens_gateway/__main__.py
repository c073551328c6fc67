"""Composition root of the gateway: ``python -m loglens_gateway [serve|migrate]``."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from pathlib import Path

import grpc

from loglens.v1 import analysis_pb2, auth_pb2_grpc, comparison_pb2, log_file_pb2, quota_pb2, registry_pb2
from loglens_common.auth import TokenSigner, TokenVerifier, load_private_key, load_public_keys
from loglens_common.db import async_engine
from loglens_common.entrypoint import run_service
from loglens_common.server import serve
from loglens_gateway.accounts import Accounts, AuthLimits, TokenPolicy
from loglens_gateway.adapters.repository import SCHEMA, AccountRepository
from loglens_gateway.api import PUBLIC_METHODS, SERVICE, AuthApi
from loglens_gateway.clients import ClientAddresses, parse_networks
from loglens_gateway.config import GatewaySettings
from loglens_gateway.credentials import GatewayAuthenticator
from loglens_gateway.forwarding import Forwarder, backend_channel, forwarded_services
from loglens_gateway.passwords import Passwords
from loglens_gateway.ratelimit import LoginBackoff, RateLimiter
from loglens_gateway.rest import bridge_jobs

LOG_FILES = log_file_pb2.DESCRIPTOR.services_by_name["LogFileService"]
ANALYSIS = analysis_pb2.DESCRIPTOR.services_by_name["AnalysisService"]
COMPARISONS = comparison_pb2.DESCRIPTOR.services_by_name["ComparisonService"]  # served by analysis
# Served by analysis, which adds ingest's part: one call shows every quota (see loglens_analysis.api.QuotaApi).
QUOTAS = quota_pb2.DESCRIPTOR.services_by_name["QuotaService"]
PATTERNS = registry_pb2.DESCRIPTOR.services_by_name["PatternRegistryService"]  # served by analysis
MIGRATIONS = Path(__file__).parent / "migrations"
SWEEP_INTERVAL_S = 3600.0
log = logging.getLogger("loglens.gateway")


def build_accounts(settings: GatewaySettings, repository: AccountRepository) -> tuple[Accounts, TokenVerifier]:
    private_key = load_private_key(settings.jwt_private_key)
    # Verify with the configured set (old and new key during a rotation) and always with our own key.
    keys = {**load_public_keys(settings.jwt_public_keys), settings.jwt_kid: private_key.public_key()}
    verifier = TokenVerifier(keys, settings.jwt_issuer, settings.jwt_audience)
    signer = TokenSigner(settings.jwt_kid, private_key, settings.jwt_issuer, settings.jwt_audience)
    passwords = Passwords(
        settings.argon2_memory_kib,
        settings.argon2_time_cost,
        settings.argon2_parallelism,
        settings.argon2_concurrency,
    )
    accounts = Accounts(
        repository,
        passwords,
        signer,
        verifier,
        TokenPolicy(settings.access_token_ttl_s, settings.refresh_token_ttl_s, settings.api_key_token_ttl_s),
        AuthLimits(
            per_client=RateLimiter("client address", settings.auth_peer_burst, settings.auth_peer_per_minute),
            registrations=RateLimiter(
                "client address",
                settings.auth_register_burst,
                settings.auth_register_per_hour / 60,
                attempts="registrations",
            ),
            backoff=LoginBackoff(
                settings.auth_backoff_free_failures,
                settings.auth_backoff_base_s,
                settings.auth_backoff_max_s,
                settings.auth_backoff_forget_s,
            ),
        ),
    )
    return accounts, verifier


async def main(settings: GatewaySettings) -> None:
    resources = AsyncExitStack()
    engine = async_engine(settings.database_url)
    resources.push_async_callback(engine.dispose)
    ingest = backend_channel(settings.ingest_addr, settings.max_message_bytes)
    analysis = backend_channel(settings.analysis_addr, settings.max_message_bytes)
    resources.push_async_callback(ingest.close)
    resources.push_async_callback(analysis.close)
    handlers = forwarded_services(
        [
            (LOG_FILES, Forwarder(ingest, settings.unary_deadline_s, settings.stream_deadline_s)),
            (ANALYSIS, Forwarder(analysis, settings.unary_deadline_s, settings.stream_deadline_s)),
            (COMPARISONS, Forwarder(analysis, settings.unary_deadline_s, settings.stream_deadline_s)),
            (QUOTAS, Forwarder(analysis, settings.unary_deadline_s, settings.stream_deadline_s)),
            (PATTERNS, Forwarder(analysis, settings.unary_deadline_s, settings.stream_deadline_s)),
        ]
    )
    repository = AccountRepository(engine)
    accounts, verifier = build_accounts(settings, repository)

    async def sweeper() -> None:
        while True:
            try:
                await repository.delete_expired_refresh_tokens()
            except Exception as exc:  # the database may be briefly away; the next round catches up
                log.warning("refresh-token sweep failed, will retry: %s", exc)
            await asyncio.sleep(SWEEP_INTERVAL_S)

    clients = ClientAddresses(parse_networks(settings.trusted_proxies))

    def register(server: grpc.aio.Server) -> None:
        auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthApi(accounts, clients), server)
        server.add_generic_rpc_handlers(handlers)

    await serve(
        name="gateway",
        settings=settings,
        register=register,
        service_names=[s.full_name for s in (SERVICE, LOG_FILES, ANALYSIS, COMPARISONS, QUOTAS, PATTERNS)],
        authenticator=GatewayAuthenticator(verifier, accounts),
        public_methods=PUBLIC_METHODS,
        resources=resources,
        background=[
            sweeper,
            *bridge_jobs(settings, [SERVICE, LOG_FILES, ANALYSIS, COMPARISONS, QUOTAS, PATTERNS], PUBLIC_METHODS),
        ],
    )


def run() -> None:
    run_service("gateway", GatewaySettings, main, MIGRATIONS, SCHEMA)


if __name__ == "__main__":
    run()
