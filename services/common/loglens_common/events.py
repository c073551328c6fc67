"""The JetStream stream that carries log-file events from ingest to analysis.

File storage, LOGLENS_STREAM_REPLICAS replicas (1 locally, 3 on a NATS cluster in production), a duplicate window that
absorbs the outbox's re-publishes (Nats-Msg-Id), and a retention long enough to survive a worker outage.
"""

from __future__ import annotations

import dataclasses

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

STREAM = "LOGLENS"
SUBJECT_STORED = "loglens.logfile.stored"
SUBJECT_DELETED = "loglens.logfile.deleted"
SUBJECT_RUN_QUEUED = "loglens.analysis.queued"

STREAM_CONFIG = StreamConfig(
    name=STREAM,
    subjects=["loglens.logfile.>", "loglens.analysis.>"],
    storage=StorageType.FILE,
    retention=RetentionPolicy.LIMITS,
    discard=DiscardPolicy.OLD,
    max_age=7 * 24 * 3600,
    duplicate_window=15 * 60,
    num_replicas=1,
)


async def ensure_stream(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the stream, or bring an existing one to this configuration (every service does it at start)."""
    config = dataclasses.replace(STREAM_CONFIG, num_replicas=replicas)
    try:
        await js.stream_info(STREAM)
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)
