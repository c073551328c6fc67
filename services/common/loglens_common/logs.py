"""JSON logs, one object per line, carrying the request id of the call being served.

Every line goes through :func:`loglens_common.redaction.redact`: a secret that reaches a message, a field or a
traceback (a URL's password in a driver's error, an API key) is masked before it is written.
"""

from __future__ import annotations

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


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
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
        return json.dumps(entry, default=lambda value: redact(str(value)))


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
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
