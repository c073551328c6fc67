"""Resource names (AIP-122) and page tokens, parsed in one place."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from loglens_common.errors import FieldViolation, InvalidArgument

_ID = r"([0-9a-f]{32})"
# Whole-string rules: always fullmatch (re.match with "$" also accepts a trailing newline).
LOG_FILE = re.compile(rf"logFiles/{_ID}")
ANALYSIS_RUN = re.compile(rf"logFiles/{_ID}/analysisRuns/{_ID}")
REPORT = re.compile(rf"logFiles/{_ID}/analysisRuns/{_ID}/report")
# A log file's service, as ingest accepts it; a pattern is a template id (engine/miner.py) within a service.
_SERVICE = r"([A-Za-z0-9](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9])?)"
SERVICE = re.compile(rf"services/{_SERVICE}")
PATTERN = re.compile(rf"services/{_SERVICE}/patterns/(t[0-9a-f]{{12}})")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def new_id() -> str:
    return uuid.uuid4().hex


def log_file_name(log_file_id: str) -> str:
    return f"logFiles/{log_file_id}"


def analysis_run_name(log_file_id: str, run_id: str) -> str:
    return f"logFiles/{log_file_id}/analysisRuns/{run_id}"


def _bad_name(field: str, value: str, pattern: str) -> InvalidArgument:
    return InvalidArgument(
        f"{field} {value!r} is not a valid resource name; expected {pattern}",
        reason="INVALID_NAME",
        violations=[FieldViolation(field, f"expected {pattern}")],
    )


def parse_log_file(name: str, field: str = "name") -> str:
    match = LOG_FILE.fullmatch(name)
    if not match:
        raise _bad_name(field, name, "logFiles/{32 hex digits}")
    return match.group(1)


def parse_analysis_run(name: str, field: str = "name") -> tuple[str, str]:
    match = ANALYSIS_RUN.fullmatch(name)
    if not match:
        raise _bad_name(field, name, "logFiles/{id}/analysisRuns/{id}")
    return match.group(1), match.group(2)


def parse_report(name: str, field: str = "name") -> tuple[str, str]:
    match = REPORT.fullmatch(name)
    if not match:
        raise _bad_name(field, name, "logFiles/{id}/analysisRuns/{id}/report")
    return match.group(1), match.group(2)


def service_name(service: str) -> str:
    return f"services/{service}"


def pattern_name(service: str, template_id: str) -> str:
    return f"services/{service}/patterns/{template_id}"


def parse_service(name: str, field: str = "parent") -> str:
    match = SERVICE.fullmatch(name)
    if not match:
        raise _bad_name(field, name, "services/{service}")
    return match.group(1)


def parse_pattern(name: str, field: str = "name") -> tuple[str, str]:
    match = PATTERN.fullmatch(name)
    if not match:
        raise _bad_name(field, name, "services/{service}/patterns/{template_id}")
    return match.group(1), match.group(2)


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument(
            "page_size must not be negative",
            reason="INVALID_PAGE_SIZE",
            violations=[FieldViolation("page_size", "must be >= 0")],
        )
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_page_token(create_time: datetime, item_id: str, query: str) -> str:
    """An opaque keyset cursor bound to the query that made it (newest first: create_time, id)."""
    raw = json.dumps({"t": create_time.isoformat(), "i": item_id, "q": query}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Keyed(Protocol):
    """What a listed row needs for keyset paging (read-only, so frozen dataclasses fit)."""

    @property
    def create_time(self) -> datetime: ...

    @property
    def id(self) -> str: ...


K = TypeVar("K", bound=Keyed)


def cut_page(found: Sequence[K], size: int, query: str) -> tuple[list[K], str]:
    """The page from ``size + 1`` rows fetched newest first, and the token of the next page if there is one."""
    page = list(found[:size])
    token = encode_page_token(page[-1].create_time, page[-1].id, query) if len(found) > size else ""
    return page, token


def encode_cursor(values: list[int | str], query: str) -> str:
    """An opaque keyset cursor of any sort key (numbers and strings), bound to the query that made it."""
    raw = json.dumps({"k": values, "q": query}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, query: str, kinds: tuple[type, ...]) -> list[int | str] | None:
    """The sort key of ``encode_cursor``, checked against the query and the kinds of its values."""
    if not token:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        values = raw["k"]
        if raw["q"] != query or len(values) != len(kinds):
            raise ValueError("query changed")
        if not all(type(v) is k for v, k in zip(values, kinds, strict=True)):
            raise ValueError("not this list's key")
        if any(type(v) is int and not -(2**63) <= v < 2**63 for v in values):
            raise ValueError("out of range")
        return list(values)
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise InvalidArgument(
            "page_token is invalid or belongs to another query; start again without it",
            reason="INVALID_PAGE_TOKEN",
            violations=[FieldViolation("page_token", "not a token this list returned")],
        ) from None


def decode_page_token(token: str, query: str) -> tuple[datetime, str] | None:
    if not token:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if raw["q"] != query:
            raise ValueError("query changed")
        return datetime.fromisoformat(raw["t"]), str(raw["i"])
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise InvalidArgument(
            "page_token is invalid or belongs to another query; start again without it",
            reason="INVALID_PAGE_TOKEN",
            violations=[FieldViolation("page_token", "not a token this list returned")],
        ) from None
