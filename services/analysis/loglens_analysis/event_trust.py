"""What analysis believes of a log-file event: only what ingest signed, and only what ingest would say.

A ``stored`` event makes analysis read an object into its owner's report; a ``deleted`` event forgets a file
and its runs. Either one, forged, would cross tenants. So an event is used only when (1) it carries a valid
signature of ingest's event key over its subject and payload (loglens_common/events.py), and (2) what it
names is what ingest names: the configured bucket, the object key ingest gives that log file
(``logfiles/<id>``), a well-formed file name and an owner. Anything else is refused before it touches the
database, and the refusal is logged with its reason.
"""

from __future__ import annotations

from google.protobuf.message import DecodeError

from loglens.events.v1 import events_pb2
from loglens_common import names
from loglens_common.errors import LogLensError
from loglens_common.events import SUBJECT_DELETED, SUBJECT_STORED, EventVerifier, UntrustedEvent, object_key

LogFileEvent = events_pb2.LogFileStored | events_pb2.LogFileDeleted


class LogFileEvents:
    def __init__(self, verifier: EventVerifier, bucket: str) -> None:
        self._verifier = verifier
        self._bucket = bucket

    def read(self, subject: str, payload: bytes, headers: dict[str, str] | None) -> LogFileEvent:
        """The event, once trusted; raises UntrustedEvent saying why it is not."""
        if subject not in (SUBJECT_STORED, SUBJECT_DELETED):
            raise UntrustedEvent(f"unknown subject {subject[:80]!r}")
        self._verifier.verify(subject, payload, headers)
        event: LogFileEvent
        try:
            event = (
                events_pb2.LogFileStored.FromString(payload)
                if subject == SUBJECT_STORED
                else events_pb2.LogFileDeleted.FromString(payload)
            )
            log_file_id = names.parse_log_file(event.log_file)
        except (LogLensError, DecodeError, ValueError) as exc:
            raise UntrustedEvent(f"unreadable event: {type(exc).__name__}") from None
        if not event.owner:
            raise UntrustedEvent("no owner")
        if isinstance(event, events_pb2.LogFileStored):
            if event.bucket != self._bucket:
                raise UntrustedEvent(f"bucket {event.bucket[:80]!r} is not {self._bucket!r}")
            if event.object_key != object_key(log_file_id):
                raise UntrustedEvent(f"object key {event.object_key[:120]!r} is not {object_key(log_file_id)!r}")
            if event.size_bytes < 0:
                raise UntrustedEvent("negative size")
        return event
