"""Composition root of the analysis service: ``python -m loglens_analysis [serve|migrate]``."""

from __future__ import annotations

# ruff: noqa: E402 - the block below must run before the imports that follow it
from loglens_common.lean import import_nats_without_aiohttp

import_nats_without_aiohttp()  # first: nats-py would import aiohttp, ~14 MiB we never use

import logging
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import grpc
import nats

from loglens.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    comparison_pb2,
    comparison_pb2_grpc,
    quota_pb2,
    quota_pb2_grpc,
    registry_pb2,
    registry_pb2_grpc,
)
from loglens_analysis.adapters.engine_runner import SandboxedEngine
from loglens_analysis.adapters.ingest_quotas import IngestQuotas
from loglens_analysis.adapters.log_file_directory import LogFileDirectory
from loglens_analysis.adapters.object_store import StoredObjects
from loglens_analysis.adapters.pattern_registry import PatternRegistryStore
from loglens_analysis.adapters.queue import RunPublisher
from loglens_analysis.adapters.repository import SCHEMA, RunRepository
from loglens_analysis.api import AnalysisApi, ComparisonApi, PatternRegistryApi, QuotaApi
from loglens_analysis.comparisons import RunComparisons
from loglens_analysis.config import AnalysisSettings
from loglens_analysis.event_trust import LogFileEvents
from loglens_analysis.patterns import PatternRegistry
from loglens_analysis.quotas import RunAdmission, RunQuotas
from loglens_analysis.run_feed import RunFeed, WatchSlots
from loglens_analysis.service import AnalysisRuns
from loglens_analysis.use_cases.execute_chunk import ChunkPolicy, ExecuteChunk, RunChunking
from loglens_analysis.use_cases.execute_run import EngineBounds, ExecuteRun, ExecutionPolicy
from loglens_analysis.use_cases.queue_run import QueueRun
from loglens_analysis.worker import Worker
from loglens_common.auth import TokenVerifier, load_public_keys
from loglens_common.db import async_engine, ping
from loglens_common.entrypoint import run_service
from loglens_common.events import EventVerifier, ensure_stream, inbox_prefix
from loglens_common.interceptors import JwtAuthenticator
from loglens_common.objectstore import s3_client
from loglens_common.server import serve

log = logging.getLogger("loglens.analysis")
MIGRATIONS = Path(__file__).parent / "migrations"


async def main(settings: AnalysisSettings) -> None:
    resources = AsyncExitStack()
    engine = async_engine(settings.database_url, pool_size=max(5, settings.workers + 4))
    resources.push_async_callback(engine.dispose)
    nc = await nats.connect(
        settings.nats_url,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        name="loglens-analysis",
        user=settings.nats_user or None,
        password=settings.nats_password or None,
        inbox_prefix=inbox_prefix("analysis"),  # the only replies analysis's NATS user may subscribe to
    )
    # close, not drain: the consumers have stopped by then, and drain waited its full 30 s for a message left
    # in a pull subscription by a cancelled fetch (the service outlived its stop grace and was killed).
    resources.push_async_callback(nc.close)
    js = nc.jetstream()
    await ensure_stream(js, settings.stream_replicas)

    repository = RunRepository(engine)
    publisher = RunPublisher(js)
    queue = QueueRun(repository, publisher)
    ingest = grpc.aio.insecure_channel(settings.ingest_addr, options=[("grpc.lb_policy_name", "round_robin")])
    resources.push_async_callback(ingest.close)
    directory = LogFileDirectory(ingest)
    feed = RunFeed(repository, settings.watch_poll_s)
    admission = RunAdmission(
        RunQuotas(settings.quota_concurrent_runs, settings.quota_runs_per_hour, settings.quota_watch_streams)
    )
    runs = AnalysisRuns(repository, queue, directory, feed, admission, WatchSlots(repository, admission))
    patterns = PatternRegistryStore(engine)
    comparisons = RunComparisons(repository, directory, patterns)
    registry = PatternRegistryApi(PatternRegistry(patterns), settings.registry_max_patterns)
    trusted = LogFileEvents(EventVerifier(load_public_keys(settings.event_public_keys)), settings.s3_bucket)
    sandboxed = SandboxedEngine()
    objects = StoredObjects(s3_client(settings))
    policy, bounds = ExecutionPolicy.from_settings(settings), EngineBounds.from_settings(settings)
    chunking = RunChunking(
        repository,
        objects,
        publisher,
        ChunkPolicy(settings.chunk_threshold_bytes, settings.chunk_bytes, settings.chunk_max_count),
    )
    execution = ExecuteRun(repository, objects, sandboxed, policy, bounds, chunking=chunking)
    chunk_execution = ExecuteChunk(repository, objects, sandboxed, policy, bounds)
    worker = Worker(repository, js, queue, execution, sandboxed, settings, trusted, chunk_execution, publisher)
    background: list[Callable[[], Coroutine[Any, Any, None]]] = [
        worker.consume_log_file_events,
        worker.reconcile,
        feed.run,
        runs.watch_slots.keep,
    ]
    background += [worker.consume_runs] * settings.workers

    verifier = TokenVerifier(load_public_keys(settings.jwt_public_keys), settings.jwt_issuer, settings.jwt_audience)
    await serve(
        name="analysis",
        settings=settings,
        register=lambda server: register(server, runs, comparisons, IngestQuotas(ingest), registry),
        service_names=[
            analysis_pb2.DESCRIPTOR.services_by_name["AnalysisService"].full_name,
            comparison_pb2.DESCRIPTOR.services_by_name["ComparisonService"].full_name,
            quota_pb2.DESCRIPTOR.services_by_name["QuotaService"].full_name,
            registry_pb2.DESCRIPTOR.services_by_name["PatternRegistryService"].full_name,
        ],
        authenticator=JwtAuthenticator(verifier),
        resources=resources,
        background=background,
        readiness=lambda: ping(engine),
    )


def register(
    server: grpc.aio.Server,
    runs: AnalysisRuns,
    comparisons: RunComparisons,
    ingest_quotas: IngestQuotas,
    registry: PatternRegistryApi,
) -> None:
    analysis_pb2_grpc.add_AnalysisServiceServicer_to_server(AnalysisApi(runs), server)
    comparison_pb2_grpc.add_ComparisonServiceServicer_to_server(ComparisonApi(comparisons), server)
    # The caller's quotas: analysis's own and ingest's (asked on the caller's behalf), in one answer.
    quota_pb2_grpc.add_QuotaServiceServicer_to_server(QuotaApi(runs, ingest_quotas), server)
    registry_pb2_grpc.add_PatternRegistryServiceServicer_to_server(registry, server)


def run() -> None:
    run_service("analysis", AnalysisSettings, main, MIGRATIONS, SCHEMA)


if __name__ == "__main__":
    run()
