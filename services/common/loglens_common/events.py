"""The JetStream stream that carries log-file events from ingest to analysis.

File storage, LOGLENS_STREAM_REPLICAS replicas (1 locally, 3 on a NATS cluster in production), a duplicate window that
absorbs the outbox's re-publishes (Nats-Msg-Id), and a retention long enough to survive a worker outage.
"""

from __future__ import annotations

import base64
import dataclasses

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
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


# Trust between ingest and analysis ----------------------------------------------------------------------
# Only ingest may say that a log file exists, who owns it and where its bytes are, or that it is gone. NATS
# permissions let only ingest's user publish on loglens.logfile.>, and every event also carries an Ed25519
# signature by a key only ingest holds (LOGLENS_EVENT_SIGNING_KEY): a leaked NATS password, a NATS
# operator's mistake or a replayed message under another subject still cannot make analysis read an object
# into someone's report or delete someone's runs. Analysis verifies with the public keys it is given
# (LOGLENS_EVENT_PUBLIC_KEYS, two during a rotation) without asking ingest, so events still flow while
# ingest is down and no service reads another's tables.

SIGNATURE_HEADER = "Loglens-Signature"  # "<kid>:<base64url signature>"
# Where ingest stores a log file's bytes: analysis refuses an event naming any other key.
OBJECT_PREFIX = "logfiles/"
_SIGNED_CONTEXT = b"loglens.events.v1\n"


def object_key(log_file_id: str) -> str:
    return OBJECT_PREFIX + log_file_id


def inbox_prefix(client: str) -> str:
    """Each service's reply subjects: NATS lets a user subscribe to its own inboxes only."""
    return f"_INBOX_{client}"


def _signed_bytes(subject: str, payload: bytes) -> bytes:
    # The subject is signed with the payload: a signed 'stored' payload cannot be replayed as another event.
    return _SIGNED_CONTEXT + subject.encode() + b"\n" + payload


class EventSigner:
    def __init__(self, kid: str, key: Ed25519PrivateKey) -> None:
        self._kid = kid
        self._key = key

    def header(self, subject: str, payload: bytes) -> str:
        signature = self._key.sign(_signed_bytes(subject, payload))
        return f"{self._kid}:{base64.urlsafe_b64encode(signature).decode()}"


class UntrustedEvent(Exception):
    """An event that does not come from ingest, or names what ingest would never name."""


class EventVerifier:
    def __init__(self, keys: dict[str, Ed25519PublicKey]) -> None:
        self._keys = keys

    def verify(self, subject: str, payload: bytes, headers: dict[str, str] | None) -> None:
        value = (headers or {}).get(SIGNATURE_HEADER, "")
        if not value:
            raise UntrustedEvent("no signature")
        kid, _, encoded = value.partition(":")
        key = self._keys.get(kid)
        if key is None:
            raise UntrustedEvent(f"signed with an unknown key {kid[:40]!r}")
        try:
            key.verify(base64.urlsafe_b64decode(encoded), _signed_bytes(subject, payload))
        except (InvalidSignature, ValueError):
            raise UntrustedEvent(f"bad signature (key {kid!r})") from None
