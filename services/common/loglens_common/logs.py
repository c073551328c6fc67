"""JSON logs, one object per line, carrying the request id of the call being served.

Every line goes through :func:`loglens_common.redaction.redact`: a secret that reaches a message, a field or a
traceback (a URL's password in a driver's error, an API key) is masked before it is written.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import logging
import re
import sys
import threading
import time
import uuid
from types import TracebackType
from typing import Any

from loglens_common.redaction import redact

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# A caller's own request id is kept only when it is a plain token (it goes into every log line and is echoed).
REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def accepted_request_id(sent: str) -> str:
    """The caller's request id if it is a plain token of at most 128 characters, else a new one."""
    return sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


def _shown(value: object) -> str:
    """What a field that JSON cannot hold is written as: its text, redacted."""
    return redact(str(value))


# One encoder for every line: json.dumps(..., default=...) builds a new one per call.
_ENCODER = json.JSONEncoder(default=_shown)


class JsonFormatter(logging.Formatter):
    """One JSON object per record. The access line of every call goes through here (make bench-api: the log line
    was 8 to 10% of a service's time holding the GIL), so the second's text is made once per second and the
    encoder once."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self._second: tuple[int, str] = (-1, "")  # one tuple, read and replaced whole: safe between threads

    def _time(self, created: float, msecs: float) -> str:
        second = self._second
        if second[0] != int(created):
            second = (int(created), time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)))
            self._second = second
        return f"{second[1]}.{int(msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self._time(record.created, record.msecs),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in getattr(record, "fields", {}).items():
            entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return _ENCODER.encode(entry)


# Lines below WARNING are written in batches, at most this long after they were logged. One write per line (an
# access line per call) cost each service about 100 us of CPU per call under make bench-api, more than all the
# rest of its own work on a call: the write, and the GIL handed to grpc's poller thread and back around it.
LOG_FLUSH_S = 0.2
LOG_BATCH_LINES = 256  # and at once when this many are waiting


class BatchingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes lines to the stream in batches: every ``flush_s`` (a background thread), when ``batch_lines`` are
    waiting, at once for a WARNING or worse (with every line before it, in order), and at exit. A process killed
    with SIGKILL loses at most the last ``flush_s`` of INFO lines."""

    def __init__(self, stream: Any, flush_s: float = LOG_FLUSH_S, batch_lines: int = LOG_BATCH_LINES) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._batch_lines = batch_lines
        self._flush_s = flush_s
        self._stopped = threading.Event()
        self._flusher = threading.Thread(target=self._flush_periodically, name="log-flush", daemon=True)
        self._flusher.start()
        atexit.register(self.flush)

    def emit(self, record: logging.LogRecord) -> None:  # called under the handler's lock
        try:
            self._pending.append(self.format(record))
            if record.levelno >= logging.WARNING or len(self._pending) >= self._batch_lines:
                self._write_pending()
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_pending()

    def _write_pending(self) -> None:
        if self._pending:
            lines, self._pending = self._pending, []
            self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()

    def _flush_periodically(self) -> None:
        while not self._stopped.wait(self._flush_s):
            try:
                self.flush()
            except Exception:  # a closed stream at exit: nothing left to do
                return

    def close(self) -> None:
        self._stopped.set()
        atexit.unregister(self.flush)
        self.flush()
        super().close()


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = BatchingHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    for old in root.handlers:
        old.close()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # What a record would gather and no line shows (logging's documented optimisations): thread, process and
    # multiprocessing names, about 0.5 us of each call's access line.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    for noisy in ("nats", "urllib3", "sqlalchemy.engine", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # What would otherwise reach stderr unformatted (and unredacted): warnings, and uncaught exceptions.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    logging.getLogger("loglens").critical("uncaught exception", exc_info=(kind, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
        thread = args.thread.name if args.thread else "?"
        logging.getLogger("loglens").critical(
            "uncaught exception in thread %s", thread, exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
        )


def log_fields(**fields: Any) -> dict[str, Any]:
    """``logger.info("...", extra=log_fields(k=v))`` adds k to the JSON object."""
    return {"fields": fields}
