"""A log store's query output (Loki's ``logcli query``): each line is the entry's time, its stream's labels
('{app="orders", pod="orders-1"}') and the application's line. The labels name the line's source; the
application's line is read by its own grammar. Synthetic lines written for these tests after logcli's documented
default output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loglens_analysis.engine import analyze
from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, merge_partials, plan_chunks
from tests.unit.engine.reading_support import level_counts

pytestmark = pytest.mark.unit

_T0 = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)


def _stamp(i: int) -> str:
    return (_T0 + timedelta(seconds=3 * i, milliseconds=i % 1000)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _labels(i: int) -> str:
    return f'{{app="orders", namespace="shop", pod="orders-7d9f8b-{"x2k4p" if i % 3 else "q8w3e"}"}}'


def _logfmt(n: int) -> list[str]:
    lines = []
    for i in range(n):
        if i % 10 == 7:
            app = f'level=error ts={_stamp(i)} caller=pay.go:17 msg="payment call failed" err="i/o timeout"'
        elif i % 10 == 3:
            app = f'level=warn ts={_stamp(i)} caller=db.go:41 msg="slow query" dur={500 + i}ms'
        else:
            app = f'level=info ts={_stamp(i)} caller=http.go:88 msg="request done" path=/api/orders/{i} status=200'
        lines.append(f"{_stamp(i)} {_labels(i)} {app}")
    return lines


def test_the_stream_labels_are_the_lines_source_and_the_application_line_is_read_by_its_grammar() -> None:
    rep = analyze([("\n".join(_logfmt(200)) + "\n").encode()])
    assert rep.parse_quality.envelope == "stream-labels"
    assert rep.format.name == "logfmt"
    assert "stream's labels" in rep.format.description
    counts = {t.text: t.count for t in rep.templates}
    assert counts == {"request done": 160, "slow query": 20, "payment call failed": 20}
    assert level_counts(rep) == {"INFO": 160, "WARN": 20, "ERROR": 20}
    assert rep.parse_quality.timestamp_share == 1.0


def test_a_trace_written_one_entry_per_line_is_joined_under_its_stream_labels() -> None:
    lines = []
    for i in range(60):
        stamp, labels = _stamp(i), _labels(i)
        app_time = (_T0 + timedelta(seconds=3 * i)).strftime("%Y-%m-%d %H:%M:%S.000")
        if i % 20 == 9:
            lines.append(f"{stamp} {labels} {app_time} ERROR 1 --- [exec-{i % 4}] c.a.Billing : Invoice {i} failed")
            lines.append(f"{stamp} {labels} java.lang.IllegalStateException: ledger closed")
            lines.append(f"{stamp} {labels} \tat com.acme.Ledger.post(Ledger.java:88)")
        else:
            lines.append(f"{stamp} {labels} {app_time}  INFO 1 --- [exec-{i % 4}] c.a.Billing : Invoice {i} created")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 60
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("java.lang.IllegalStateException", 3)]
    failed = next(t for t in rep.templates if t.text == "Invoice <*> failed")
    assert failed.count == 3
    assert failed.first_line == lines.index(next(x for x in lines if "Invoice 9 failed" in x)) + 1


def test_braces_that_are_no_label_set_are_the_application_line() -> None:
    """A JSON object after a collector's time is the application's line, not a stream's labels."""
    lines = [f'{_stamp(i)} {{"level":"info","msg":"request done","n":{i}}}' for i in range(40)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.envelope != "stream-labels"
    assert [(t.text, t.count) for t in rep.templates] == [("request done", 40)]


def test_chunks_give_the_one_pass_report() -> None:
    data = ("\n".join(_logfmt(3000)) + "\n").encode()
    one = analyze([data])
    plans = plan_chunks(len(data), len(data) // 3)
    assert len(plans) > 1
    rep = merge_partials([analyze_chunk(data[:HEAD_BYTES], [data[p.read_from :]], p) for p in plans])
    assert [(t.text, t.count) for t in rep.templates] == [(t.text, t.count) for t in one.templates]
    assert level_counts(rep) == level_counts(one)
    assert rep.time_range == one.time_range
    assert rep.parse_quality.envelope == one.parse_quality.envelope == "stream-labels"


def test_a_launchers_bracketed_source_tags_are_stripped_and_its_own_lines_stay() -> None:
    """torchrun tags each line of its worker processes "[rank0]: " (before a bracket: "[rank1]:[W304 ...]"), its own
    lines untagged among them: the tag is the line's source, the worker's line is read by its own grammar (its time
    and level), and a worker's traceback is one record under its tag whatever the other rank writes."""
    lines = ["WARNING:torch.distributed.run:", "Setting OMP_NUM_THREADS environment variable for each process to be 1"]
    for i in range(60):
        for rank in (0, 1):
            t = f"2026-03-04 09:{i // 60 + 58:02d}:{i % 60:02d},{100 + rank:03d}"
            lines.append(f"[rank{rank}]: {t} - train - {('INFO', 'WARNING')[i % 10 == 9]} - epoch 1 step {i} loss 3.1")
    lines += ["[rank1]: Traceback (most recent call last):",
              '[rank1]:   File "/workspace/train.py", line 318, in <module>',
              "[rank1]:     main()",
              "[rank1]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 3.07 GiB.",
              "[rank0]:[W304 10:18:16.402771215 ProcessGroupNCCL.cpp:1250] Warning: process group not destroyed",
              "ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 1"]  # fmt: skip
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share > 0.9
    assert level_counts(rep).get("INFO") == 108 and level_counts(rep).get("WARN", 0) >= 12
    assert [g.exception_type for g in rep.exception_groups] == ["torch.OutOfMemoryError"]
    assert any(t.text == "epoch <*> step <*> loss <*>" and t.count == 120 for t in rep.templates)


def test_an_application_lines_own_level_wins_over_the_platforms_stream_level() -> None:
    """A platform's log stream writes every line of the app's stdout at its "[info]" (Fly.io's "<time> app[<id>]
    <region> [info] <line>"); the app's own lines state their level: Python logging's "ERROR:django.request:...",
    gunicorn's "[<time>] [312] [ERROR] Worker ... was sent SIGKILL!". They were INFO (the first one's "ERROR:" even
    cut from its template as a level). A line that states no level of its own keeps the stream's."""
    lines = []
    for i in range(120):
        head = f"{_stamp(i)} app[3d8d9e1f2e6789] ord [info]"
        if i % 30 == 7:
            lines.append(f"{head} ERROR:django.request:Internal Server Error: /api/invoices/{i}/pdf")
        elif i % 30 == 19:
            app = f"[2024-03-05 10:00:{i % 60:02d} +0000] [312] [ERROR]"
            lines.append(f"{head} {app} Worker (pid:{i}) was sent SIGKILL!")
        else:
            lines.append(f'{head} 10.0.0.{i % 9} - - [05/Mar/2024:10:00:00 +0000] "GET /healthz HTTP/1.1" 200 {i} "-"')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert level_counts(rep) == {"ERROR": 8, "INFO": 112}
    texts = {t.text for t in rep.templates}
    assert "Internal Server Error: <*>" in texts, sorted(texts)
