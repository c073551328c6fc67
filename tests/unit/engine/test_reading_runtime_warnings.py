"""Runtimes' warnings as programs write them: Python's on stderr between a logger's records, and logged by a framework
with a message that runs over paragraphs down to the source line ``warnings.formatwarning`` ends it with; Node.js's
process warnings. Synthetic lines written for these tests from the runtimes' documented formats."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit

SITE = "/srv/app/.venv/lib/python3.11/site-packages"
STDERR = "\n".join(
    [
        "2026-11-30 08:00:01,123 INFO app.main: starting worker pid=4211",
        f"{SITE}/pkg_resources/__init__.py:121: DeprecationWarning: pkg_resources is deprecated as an API",
        '  warnings.warn("pkg_resources is deprecated as an API", DeprecationWarning)',
        "2026-11-30 08:00:01,456 INFO app.db: connected to postgres://db:5432/app",
        f"{SITE}/sqlalchemy/orm/relationships.py:88: SAWarning: relationship 'Order.items' will copy column orders.id"
        " to column items.order_id",
        "  util.warn(",
        "2026-11-30 08:00:02,001 INFO app.http: listening on 0.0.0.0:8080",
        "2026-11-30 08:00:05,321 ERROR app.jobs: job 17 failed: timeout after 30s",
        "/srv/app/app/jobs.py:45: RuntimeWarning: coroutine 'Job.run' was never awaited",
        "  self.loop.call_soon(job.run)",
        "2026-11-30 08:00:07,001 INFO app.http: GET /health 200",
        "",
    ]
)

LOGGED = "\n".join(
    [
        "[2026-11-30 08:00:01,100: INFO/MainProcess] Connected to redis://cache:6379/0",
        f"[2026-11-30 08:00:01,200: WARNING/MainProcess] {SITE}/kombu/pidbox.py:72: UserWarning: A node named"
        " worker@host1 is already using this process mailbox!",
        "",
        "Maybe you forgot to shutdown the other node or did not do so properly?",
        "Or if you meant to start multiple nodes on the same host please make sure",
        "you give each node a unique node name!",
        "",
        "  warnings.warn(W_PIDBOX_IN_USE.format(node=self))",
        "",
        "[2026-11-30 08:00:01,300: INFO/MainProcess] worker@host1 ready.",
        "[2026-11-30 08:00:03,300: WARNING/ForkPoolWorker-1] /srv/app/app/tasks.py:31: FutureWarning: The default"
        " value of numeric_only in DataFrame.mean is deprecated.",
        "  frame.mean()",
        "[2026-11-30 08:00:03,400: INFO/ForkPoolWorker-1] Task app.tasks.send[1f2e] succeeded in 1.1s: None",
        # (formatwarning writes the category, ": " and the message, here opening with a line break)
        f"[2026-11-30 08:00:05,300: WARNING/MainProcess] {SITE}/celery/worker/consumer/consumer.py:392:"
        " CPendingDeprecationWarning: ",
        "In Celery 5.1 we introduced an optional breaking change which",
        "on connection loss cancels all currently executed tasks.",
        "",
        "  warnings.warn(CANCEL_TASKS_BY_DEFAULT, CPendingDeprecationWarning)",
        "",
        "[2026-11-30 08:00:05,400: INFO/ForkPoolWorker-1] Task app.tasks.send[1f2f] succeeded in 0.9s: None",
        "",
    ]
)


def test_a_python_warning_on_stderr_is_a_warning_record_of_its_own() -> None:
    """A program's warnings go to stderr between its logger's records: each was glued to the INFO record before it
    (the file had no WARN at all). The warning's "<file>:<line>: <Category>Warning: " states a warning; its source
    line, indented under it, is its own."""
    for block in (4096, 97, 300):
        rep = run_blocks(STDERR, block)
        assert level_counts(rep) == {"INFO": 4, "WARN": 3, "ERROR": 1}, block
        assert rep.record_count == 8
        warned = sorted(t.text for t in rep.templates if t.levels[0].level == report_pb2.LEVEL_WARN)
        assert [w.split(": ", 2)[1] for w in warned] == ["DeprecationWarning", "RuntimeWarning", "SAWarning"]
        assert all("Warning" not in t.text for t in rep.templates if t.levels[0].level != report_pb2.LEVEL_WARN)
        # The source lines are the warnings' last lines, not records.
        assert not any("warn(" in t.text or "call_soon" in t.text for t in rep.templates)


def test_a_logged_python_warning_runs_over_its_paragraphs_to_its_source_line() -> None:
    """Celery logs a warning whose message has paragraphs: "... mailbox!", a blank line, three lines of advice, a
    blank line, the source line. Each paragraph line and the source line were records of their own, with no time
    or level; and a warning whose message starts on the next line was told by its category alone."""
    for block in (4096, 120, 333):
        rep = run_blocks(LOGGED, block)
        assert rep.record_count == 7, block
        assert level_counts(rep) == {"INFO": 4, "WARN": 3}
        assert rep.parse_quality.timestamp_share == 1.0
        texts = {t.text for t in rep.templates}
        assert not any("forgot" in t or "unique node name" in t or "warnings.warn" in t for t in texts), texts
        assert "CPendingDeprecationWarning: In Celery <*> we introduced an optional breaking change which" in texts
        mailbox = next(t for t in rep.templates if "UserWarning" in t.text)
        assert (mailbox.first_line, mailbox.count) == (2, 1)


def test_paragraphs_after_a_blank_line_stay_records_unless_a_warning_leads_to_its_source_line() -> None:
    """The blank line is bridged only inside a warning: the same paragraphs after a record that is no warning, or
    after a warning with no indented source line to end it, are records of their own as before."""
    plain = LOGGED.replace("/kombu/pidbox.py:72: UserWarning: ", "/kombu: node check: ")
    assert "Maybe you forgot to shutdown the other node or did not do so properly?" in {
        t.text for t in run_blocks(plain).templates
    }
    sourceless = LOGGED.replace("  warnings.warn(W_PIDBOX_IN_USE.format(node=self))\n", "")
    assert "Maybe you forgot to shutdown the other node or did not do so properly?" in {
        t.text for t in run_blocks(sourceless).templates
    }


def test_a_node_process_warning_is_a_warning_record_of_its_own() -> None:
    """Node.js writes "(node:<pid>) [<code>] <Name>Warning: <message>" to stderr: a deprecation and an event emitter
    leak were glued to the INFO request lines before them."""
    out = []
    for i in range(30):
        out.append(f"2026-11-30T08:00:{i:02d}.{i * 7:03d}Z info: GET /api/items/{i} 200 {i % 9 + 1}ms")
        if i == 5:
            out.append("(node:4211) [DEP0005] DeprecationWarning: Buffer() is deprecated due to security issues.")
        if i == 20:
            out.append("(node:4211) MaxListenersExceededWarning: Possible EventEmitter memory leak detected.")
    rep = run_blocks("\n".join(out) + "\n", 512)
    assert level_counts(rep) == {"INFO": 30, "WARN": 2}
    warned = {t.text: t.first_line for t in rep.templates if t.levels[0].level == report_pb2.LEVEL_WARN}
    assert warned == {
        "(node:<*>) [DEP0005] DeprecationWarning: Buffer() is deprecated due to security issues.": 7,
        "(node:<*>) MaxListenersExceededWarning: Possible EventEmitter memory leak detected.": 23,
    }
