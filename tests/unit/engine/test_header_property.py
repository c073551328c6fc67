"""Header discovery never takes message words: minimal logs of every shape, and a property test over
generated layouts and messages (every template keeps its message's constant words)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze

pytestmark = pytest.mark.unit

WORDS = ["request", "served", "db", "down", "cache", "miss", "user", "login", "job", "done", "queue", "full"]
WORDS += ["retry", "scheduled", "worker", "stopped", "disk", "usage", "high", "token", "expired", "sync"]


def _run(text: str) -> report_pb2.AnalysisReport:
    return analyze([text.encode()])


@pytest.mark.parametrize(
    "header",
    [
        "2026-11-30T10:00:{s:02d}Z INFO ",  # time level message
        "2026-11-30 10:00:{s:02d} ",  # time message
        "INFO: ",  # level: message
        "[2026-11-30 10:00:{s:02d}] [INFO] ",  # [time] [level] message
        "",  # messages only
    ],
)
def test_minimal_logs_keep_their_messages(header: str) -> None:
    lines = [header.format(s=i % 60) + f"request {i} served" for i in range(30)]
    lines.append(header.format(s=40) + "db down")
    rep = _run("\n".join(lines) + "\n")
    texts = {t.text for t in rep.templates}
    assert "request <*> served" in texts, texts
    assert "db down" in texts, texts
    assert all(t.text for t in rep.templates)


_HEADERS = {
    "iso": lambda i: f"2026-11-30T10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z",
    "space": lambda i: f"2026-11-30 10:{i // 60 % 60:02d}:{i % 60:02d},{i % 1000:03d}",
    "level": lambda i: ["INFO", "WARN", "ERROR", "DEBUG"][i % 4],
    "thread": lambda i: f"[worker-{i % 3}]",
    "pid": lambda i: str(1000 + i % 7),
    "component": lambda i: ["api.Server:", "db.Pool:", "auth:"][i % 3],
}

message = st.lists(st.one_of(st.sampled_from(WORDS), st.just("<n>")), min_size=2, max_size=6).filter(
    lambda m: sum(w != "<n>" for w in m) >= 1 and m[0] != "<n>"
)


@settings(
    max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    layout=st.lists(st.sampled_from(sorted(_HEADERS)), min_size=1, max_size=4, unique=True),
    messages=st.lists(message, min_size=1, max_size=5, unique_by=lambda m: " ".join(m)),
    data=st.data(),
)
def test_every_template_keeps_its_messages_constant_words(
    layout: list[str], messages: list[list[str]], data: st.DataObject
) -> None:
    n = 60
    picks = data.draw(st.lists(st.integers(0, len(messages) - 1), min_size=n, max_size=n))
    lines = []
    for i, k in enumerate(picks):
        head = " ".join(_HEADERS[f](i) for f in layout)
        body = " ".join(str(i * 7 + j) if w == "<n>" else w for j, w in enumerate(messages[k]))
        lines.append(f"{head} {body}")
    rep = _run("\n".join(lines) + "\n")
    for t in rep.templates:
        source = messages[picks[t.first_line - 1]]
        words = [w for w in source if w != "<n>"]
        kept = t.text.split()
        # The constant words appear in the template, in order (a header field may precede them).
        it = iter(kept)
        assert all(any(w == k for k in it) for w in words), (layout, source, t.text)


def test_messages_that_mostly_open_with_a_word_and_a_name_keep_them_after_the_level() -> None:
    """PostgreSQL's messages: most open "connection received:" or "checkpoint complete:" after "LOG:", a few with
    other words. A header column is one every record writes: words that 84% of the records after the level share
    the classes of are the messages' ("duplicate key ..." lost "duplicate", "there is no ..." lost "there")."""
    lines = []
    for i in range(200):
        head = f"2024-03-05 10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d} UTC [{4000 + i % 3}]"
        if i % 10 == 0:
            lines.append(f'{head} ERROR:  duplicate key value violates unique constraint "orders_pkey"')
        elif i % 10 == 5:
            lines.append(f"{head} WARNING:  there is no transaction in progress")
        elif i % 5 == 1:
            lines.append(f"{head} LOG:  checkpoint complete: wrote {i} buffers")
        else:
            lines.append(f"{head} LOG:  connection received: host=10.0.0.{i % 20} port={40000 + i}")
    rep = _run("\n".join(lines) + "\n")
    texts = {t.text for t in rep.templates}
    assert 'duplicate key value violates unique constraint "orders_pkey"' in texts, texts
    assert "there is no transaction in progress" in texts, texts
    assert "connection received: host=<*> port=<*>" in texts, texts
    assert "checkpoint complete: wrote <*> buffers" in texts, texts


def test_a_column_where_no_class_holds_most_lines_is_the_messages() -> None:
    """Apache's error log: after "[time] [module:level] [pid:tid]" one message opens with "AH00489:", one with
    "(111)Connection", one with "[client ...]" (about a third each). No class holds most of the lines there, so it is
    not a header column with an odd value; it used to be, and the notices' header then ran on over "AH00489:
    Apache/2.4.58 (Unix) configured --" (their template was "resuming normal work")."""
    lines = []
    for i in range(210):
        stamp = f"[Tue Mar 05 10:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d} 2024]"
        pid = f"[pid {1000 + i % 4}:tid {140000 + i}]"
        if i % 3 == 0:
            lines.append(
                f"{stamp} [mpm_event:notice] {pid} AH00489: Apache/2.4.58 (Unix) configured -- resuming normal work"
            )
        elif i % 3 == 1:
            lines.append(
                f"{stamp} [proxy:error] {pid} (111)Connection refused: AH00957: connect to 127.0.0.1:80 failed"
            )
        else:
            lines.append(
                f"{stamp} [core:error] {pid} [client 10.0.0.{i % 9}:{50000 + i}] AH00126: Invalid URI in request"
            )
    rep = _run("\n".join(lines) + "\n")
    texts = {t.text for t in rep.templates}
    assert "AH00489: Apache/<*> (Unix) configured -- resuming normal work" in texts, texts
    assert "(<*>)Connection refused: AH00957: connect to <*>:<*> failed" in texts, texts
    assert "[client <*>:<*>] AH00126: Invalid URI in request" in texts, texts
