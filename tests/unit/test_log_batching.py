"""The services' log handler writes in batches: INFO lines within LOG_FLUSH_S, a warning at once with every line
logged before it (in order), and whatever is left when the handler closes (at exit)."""

from __future__ import annotations

import io
import logging
import time

import pytest

from loglens_common.logs import BatchingHandler

pytestmark = pytest.mark.unit


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_info_lines_are_written_together_within_the_flush_period() -> None:
    stream = io.StringIO()
    handler = BatchingHandler(stream, flush_s=0.05)
    logger = _logger(handler, "test.batching.info")
    try:
        logger.info("one")
        logger.info("two")
        assert stream.getvalue() == ""  # not one write per line
        deadline = time.monotonic() + 5
        while stream.getvalue() == "" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stream.getvalue() == "one\ntwo\n"
    finally:
        handler.close()


def test_a_warning_is_written_at_once_after_the_lines_before_it() -> None:
    stream = io.StringIO()
    handler = BatchingHandler(stream, flush_s=3600)
    logger = _logger(handler, "test.batching.warning")
    try:
        logger.info("served")
        logger.warning("database unavailable")
        assert stream.getvalue() == "served\ndatabase unavailable\n"
    finally:
        handler.close()


def test_a_full_batch_is_written_and_close_writes_the_rest() -> None:
    stream = io.StringIO()
    handler = BatchingHandler(stream, flush_s=3600, batch_lines=3)
    logger = _logger(handler, "test.batching.full")
    for i in range(4):
        logger.info("line %d", i)
    assert stream.getvalue() == "line 0\nline 1\nline 2\n"
    handler.close()
    assert stream.getvalue() == "line 0\nline 1\nline 2\nline 3\n"
