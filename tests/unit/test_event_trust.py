"""What analysis believes of a log-file event (event_trust.py), without servers: only ingest's signed word, and
only what ingest would say. The same cases on the real NATS: tests/chaos/test_chaos_9_internal_trust.py."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loglens.events.v1 import events_pb2
from loglens_analysis.event_trust import LogFileEvents
from loglens_common.events import (
    SIGNATURE_HEADER,
    SUBJECT_DELETED,
    SUBJECT_RUN_QUEUED,
    SUBJECT_STORED,
    EventSigner,
    EventVerifier,
    UntrustedEvent,
    object_key,
)

INGEST_KEY = Ed25519PrivateKey.generate()
INGEST = EventSigner("ingest-1", INGEST_KEY)
EVENTS = LogFileEvents(EventVerifier({"ingest-1": INGEST_KEY.public_key()}), "loglens")
FILE_ID = uuid.uuid4().hex


def stored(**fields: object) -> bytes:
    values: dict[str, object] = {
        "log_file": f"logFiles/{FILE_ID}",
        "owner": "alice",
        "bucket": "loglens",
        "object_key": object_key(FILE_ID),
        "size_bytes": 10,
    }
    values.update(fields)
    return events_pb2.LogFileStored(**values).SerializeToString()  # type: ignore[arg-type]


def signed(subject: str, payload: bytes, signer: EventSigner = INGEST) -> dict[str, str]:
    return {SIGNATURE_HEADER: signer.header(subject, payload)}


def test_ingests_signed_events_are_read() -> None:
    event = EVENTS.read(SUBJECT_STORED, stored(), signed(SUBJECT_STORED, stored()))
    assert isinstance(event, events_pb2.LogFileStored) and event.owner == "alice"
    deleted = events_pb2.LogFileDeleted(log_file=f"logFiles/{FILE_ID}", owner="alice").SerializeToString()
    assert EVENTS.read(SUBJECT_DELETED, deleted, signed(SUBJECT_DELETED, deleted)).owner == "alice"


ROGUE = EventSigner("ingest-1", Ed25519PrivateKey.generate())


@pytest.mark.parametrize(
    ("subject", "payload", "headers", "reason"),
    [
        (SUBJECT_STORED, stored(), None, "no signature"),
        (SUBJECT_STORED, stored(), {SIGNATURE_HEADER: ""}, "no signature"),
        (SUBJECT_STORED, stored(), signed(SUBJECT_STORED, stored(), ROGUE), "bad signature"),
        (SUBJECT_STORED, stored(), signed(SUBJECT_STORED, stored(), EventSigner("other", INGEST_KEY)), "unknown key"),
        (SUBJECT_STORED, stored(owner="mallory"), signed(SUBJECT_STORED, stored()), "bad signature"),
        (SUBJECT_STORED, stored(), {SIGNATURE_HEADER: "ingest-1:!!not base64!!"}, "bad signature"),
        (SUBJECT_DELETED, stored(), signed(SUBJECT_STORED, stored()), "bad signature"),  # replayed elsewhere
        (SUBJECT_RUN_QUEUED, stored(), signed(SUBJECT_RUN_QUEUED, stored()), "unknown subject"),
        (SUBJECT_STORED, stored(bucket="other"), signed(SUBJECT_STORED, stored(bucket="other")), "bucket"),
        (SUBJECT_STORED, stored(object_key="logfiles/x"), signed(SUBJECT_STORED, stored(object_key="logfiles/x")),
         "object key"),
        (SUBJECT_STORED, stored(owner=""), signed(SUBJECT_STORED, stored(owner="")), "no owner"),
        (SUBJECT_STORED, stored(log_file="x"), signed(SUBJECT_STORED, stored(log_file="x")), "unreadable"),
        (SUBJECT_STORED, b"\xff\x00", signed(SUBJECT_STORED, b"\xff\x00"), "unreadable"),
    ],
)  # fmt: skip
def test_anything_else_is_refused_saying_why(
    subject: str, payload: bytes, headers: dict[str, str] | None, reason: str
) -> None:
    with pytest.raises(UntrustedEvent, match=reason):
        EVENTS.read(subject, payload, headers)
