"""Engine behaviour: formats, timestamps, multi-line joins, gzip, limits, determinism, summary citations."""

from __future__ import annotations

import gc
import gzip
import itertools
import random
import re
import string

import pytest
from google.protobuf import json_format

from loglens.v1 import report_pb2
from loglens_analysis.engine import ENGINE_VERSION, EngineError, Progress, analyze
from loglens_analysis.engine.analyzer import GC_YOUNG_THRESHOLD, Analyzer
from loglens_analysis.engine.formats import detect_format
from loglens_analysis.engine.loghub import parse_lines
from loglens_analysis.engine.miner import MAX_CLUSTERS
from loglens_analysis.engine.records import JOIN, RecordReader, digit_key
from loglens_analysis.engine.timestamps import ASSUME_UTC, ASSUME_YEAR, TimestampParser
from loglens_loggen import generate_lines, records

pytestmark = pytest.mark.unit


def _run(text: str | bytes, **kw: object) -> report_pb2.AnalysisReport:
    data = text.encode() if isinstance(text, str) else text
    return analyze([data[i : i + 4096] for i in range(0, len(data), 4096)], **kw)  # type: ignore[arg-type]


def _lines(kind: str, n: int = 3000, seed: int = 5) -> str:
    return "\n".join(generate_lines(n, seed, kind)) + "\n"


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        ("json", "json"),
        ("access", "access-combined"),
        ("syslog", "syslog-rfc3164"),
        ("logfmt", "logfmt"),
        ("cri", "kubernetes-cri"),
        ("app", "header-message"),
        ("python", "header-message"),
    ],
)
def test_format_detection(kind: str, fmt: str) -> None:
    rep = _run(_lines(kind))
    assert rep.format.name == fmt
    assert rep.format.confidence > 0.5
    assert rep.parse_quality.timestamp_share > 0.9


def test_rfc5424_and_docker() -> None:
    lines = [f"<34>1 2024-05-01T10:00:{i % 60:02d}Z host app 12 ID47 - disk {i} full" for i in range(50)]
    assert detect_format(lines).name == "syslog-rfc5424"
    docker = [f'{{"log":"GET /x/{i} done\\n","stream":"stdout","time":"2024-05-01T10:00:00Z"}}' for i in range(50)]
    assert detect_format(docker).name == "docker-json"


@pytest.mark.parametrize(
    ("text", "epoch", "assumption"),
    [
        ("2024-05-01T10:00:00Z", 1714557600, ""),
        ("2024-05-01T12:00:00+02:00", 1714557600, ""),
        ("2024-05-01 10:00:00,123", 1714557600.123, ASSUME_UTC),
        ("01/May/2024:10:00:00 +0000", 1714557600, ""),
        ("Wed May 01 10:00:00 2024", 1714557600, ASSUME_UTC),
        ("24/05/01 10:00:00", 1714557600, ASSUME_UTC),
        ("1714557600", 1714557600, ""),
        ("1714557600123", 1714557600.123, ""),
        ("May  1 10:00:00", 957175200, ASSUME_YEAR),
    ],
)
def test_timestamps(text: str, epoch: float, assumption: str) -> None:
    t = TimestampParser().parse(text)
    assert t is not None
    assert t.epoch == pytest.approx(epoch, abs=1e-3)
    assert t.assumption == assumption


def test_levels_normalised_and_http_classes() -> None:
    rep = _run(_lines("access"))
    levels = {report_pb2.Level.Name(lc.level) for lc in rep.levels}
    assert "LEVEL_INFO" in levels and "LEVEL_WARN" in levels and "LEVEL_ERROR" in levels


def test_java_python_go_traces_join_and_group() -> None:
    text = (
        "2024-05-01 10:00:00,000 ERROR [main] c.e.Svc - Request 1 failed\n"
        "java.lang.IllegalStateException: closed 5\n"
        "\tat c.e.Svc.close(Svc.java:10)\n"
        "\tat c.e.Ctl.run(Ctl.java:20)\n"
        "Caused by: java.io.IOException: reset\n"
        "\t... 3 more\n"
        "2024-05-01 10:00:01,000 ERROR [main] c.e.Svc - Task 2 failed\n"
        "Traceback (most recent call last):\n"
        '  File "/app/t.py", line 8, in run\n'
        "    x()\n"
        "ValueError: bad 7\n"
        "2024-05-01 10:00:02,000 FATAL [main] c.e.Svc - crashed\n"
        "goroutine 1 [running]:\n"
        "main.main()\n"
        "\t/app/main.go:12 +0x1d\n"
        "2024-05-01 10:00:03,000 INFO [main] c.e.Svc - ok\n"
    )
    rep = _run(text)
    assert rep.line_count == 16
    assert rep.record_count == 4
    assert rep.parse_quality.multiline_records == 3
    causes = {(g.exception_type, g.root_cause_type) for g in rep.exception_groups}
    assert ("java.lang.IllegalStateException", "java.io.IOException") in causes
    assert ("ValueError", "ValueError") in causes
    first = {t.text: t.first_line for t in rep.templates}
    assert first["ok"] == 16
    assert first["crashed"] == 12


def test_cri_partial_lines_are_joined() -> None:
    text = (
        "2024-05-01T10:00:00.000000000Z stdout P hello wor\n"
        "2024-05-01T10:00:00.000000000Z stdout F ld 1\n"
        "2024-05-01T10:00:01.000000000Z stdout F hello world 2\n"
    )
    rep = _run(text)
    assert rep.record_count == 2
    assert rep.parse_quality.cri_partial_lines == 1
    assert [t.text for t in rep.templates] == ["hello world <*>"]


def test_gzip_transparent_and_bounded() -> None:
    text = _lines("app", 2000)
    plain = _run(text)
    zipped = _run(gzip.compress(text.encode()))
    assert zipped.gzip and not plain.gzip
    assert zipped.record_count == plain.record_count
    assert [t.id for t in zipped.templates] == [t.id for t in plain.templates]
    bomb = gzip.compress(b"a" * (4 << 20))
    with pytest.raises(EngineError, match="gzip bomb"):
        _run(bomb, max_decompressed_bytes=1 << 20)
    with pytest.raises(EngineError, match="truncated"):
        _run(gzip.compress(text.encode())[:5000])


def test_invalid_utf8_nul_crlf_and_truncation() -> None:
    data = (
        b"2024-05-01 10:00:00 INFO a \xff\xfe bad bytes 1\r\n"
        b"2024-05-01 10:00:01 INFO a NUL\x00here 2\r\n"
        b"2024-05-01 10:00:02 INFO long " + b"x" * 40000 + b"\r\n"
        b"2024-05-01 10:00:03 INFO a tail 3\r\n"
    )
    rep = _run(data)
    q = rep.parse_quality
    assert q.invalid_utf8_sequences == 2
    assert q.nul_bytes == 1
    assert q.truncated_records == 1
    assert rep.line_count == 4
    assert all("\r" not in t.text for t in rep.templates)


def test_ascii_separators_in_a_line_are_blanks_not_lines() -> None:
    """auditd's enriched format writes a group separator (0x1d) before its translated fields, and RFC 7464 opens each
    JSON text with a record separator (0x1e): a line holding them is one line, its records cited at their lines."""
    lines = [
        f"type=USER_LOGIN msg=audit(1709658{100 + i}.686:{26000 + i}): pid={4000 + i} uid=0 res=success"
        f'\x1dUID="root" AUID="user{i % 3}"'
        for i in range(30)
    ]
    lines[20] = 'type=SERVICE_STOP msg=audit(1709658120.100:26020): unit=sshd res=failed\x1eUID="root"\x1f'
    rep = _run(("\n".join(lines) + "\n").encode())
    assert rep.line_count == 30 and rep.record_count == 30
    assert max(t.last_line for t in rep.templates) == 30
    stop = [t for t in rep.templates if "SERVICE_STOP" in t.text or "unit=" in t.text]
    assert stop and stop[0].first_line == 21, [(t.text, t.first_line) for t in rep.templates]
    assert all(ch not in t.text for t in rep.templates for ch in "\x1d\x1e\x1f")


def test_a_carriage_return_before_no_newline_ends_no_line() -> None:
    """A lone carriage return sends a terminal back to the line's start: a progress bar redrawn, GitLab's section
    marker wiped by an erase-line sequence, an AWS Lambda traceback's lines in one event. Each was read as a line
    break, so every line cited after it was off from the file's (``grep -n``): an apt log's error at line 1382 of a
    597-line file. The line stays one line; what an erase-line wipes is gone; the other pieces are parted by a blank."""
    lines = [
        "2024-05-01 10:00:00 INFO app: section_start:1714557600:step_script\r\x1b[0K\x1b[0KExecuting step script",
        "2024-05-01 10:00:01 INFO app: (Reading database ... \r(Reading database ... 5%\r(Reading database ... 100%\r",
        "\r2024-05-01 10:00:02 INFO app: unpacking libssl3",
        "2024-05-01 10:00:03 ERROR app: [ERROR] KeyError: 'id'\rTraceback (most recent call last):\r"
        '  File "/var/task/app.py", line 5, in handler\r    x = body["id"]',
    ]
    lines += [f"2024-05-01 10:00:{4 + i:02d} INFO app: settled order {i}\r\r" for i in range(20)]
    lines.append("2024-05-01 10:00:30 ERROR app: payment gateway refused order 7")
    rep = _run(("\n".join(lines) + "\n").encode())
    assert rep.line_count == len(lines) and rep.record_count == len(lines), (rep.line_count, rep.record_count)
    of = {t.text: t for t in rep.templates}
    assert of["payment gateway refused order <*>"].first_line == len(lines), of
    assert of["unpacking libssl3"].first_line == 3, of
    assert of["Executing step script"].first_line == 1, of
    assert not any("section_start" in t.text or "\r" in t.text for t in rep.templates), of
    (trace,) = [t for t in rep.templates if "KeyError" in t.text]
    assert trace.first_line == 4 and "Traceback (most recent call last): File" in trace.text, trace.text
    (progress,) = [t for t in rep.templates if "Reading database" in t.text]
    assert progress.first_line == 2 and progress.text.count("(Reading database ...") == 3, progress.text


@pytest.mark.parametrize("cap", [4, 7, 10])
def test_every_line_longer_than_the_cap_is_cut_wherever_it_stands(cap: int) -> None:
    """The reader skips its truncation regex when no window of cap/2 characters lacks a newline: a long
    line must be caught at every length and offset around the cap."""
    for lead in range(0, 2 * cap + 2):
        for length in range(cap - 1, 3 * cap + 2):
            text = "a" * lead + "\n" + "b" * length + "\nend\n"
            reader = RecordReader(max_record_chars=cap, block_bytes=1 << 20)
            got = "\n".join(block.text for block in reader.blocks([text.encode()]))
            want = ("a" * min(lead, cap) + "\n" if lead else "\n") + "b" * min(length, cap) + "\nend"
            assert got == want, (lead, length)
            assert reader.counters.truncated_records == (lead > cap) + (length > cap), (lead, length)


def test_continuations_are_joined_only_after_a_hinting_newline() -> None:
    text = (
        "2024-05-01 10:00:00 ERROR boom... retrying\n"
        "java.lang.IllegalStateException: bad\n"
        "\tat a.b.C.d(C.java:1)\n"
        "Caused by: java.io.IOException: io\n"
        "\t... 3 more\n"
        "2024-05-01 10:00:01 INFO fine\n"
    )
    blocks = list(RecordReader().blocks([text.encode()]))
    records = "\n".join(b.text for b in blocks).split("\n")
    assert len(records) == 2, records  # the exception header joins the ERROR record before it
    assert records[0].count(JOIN) == 4
    plain = "2024-05-01 10:00:00 INFO see ... later\nCaused-by-nothing line\n"
    assert "\n".join(b.text for b in RecordReader().blocks([plain.encode()])).count(JOIN) == 0


def test_huge_single_line_is_truncated_in_constant_memory() -> None:
    rep = analyze(iter([b"x" * (1 << 20)] * 8 + [b"\nend 1\n"]))
    assert rep.parse_quality.truncated_records == 1
    assert rep.record_count == 2


def test_stable_template_ids_across_files() -> None:
    a = _run(_lines("app", 3000, seed=1))
    b = _run(_lines("app", 3000, seed=2))
    common = {t.text: t.id for t in a.templates}.keys() & {t.text for t in b.templates}
    assert common
    ids_a = {t.text: t.id for t in a.templates}
    ids_b = {t.text: t.id for t in b.templates}
    assert all(ids_a[k] == ids_b[k] for k in common)


def test_determinism() -> None:
    text = _lines("mixed", 20000)
    assert _run(text).SerializeToString(deterministic=True) == _run(text).SerializeToString(deterministic=True)


def test_progress_and_version() -> None:
    seen: list[Progress] = []
    rep = _run(_lines("json", 60000), progress=seen.append)
    assert rep.engine_version == ENGINE_VERSION
    assert seen and seen[-1].lines == rep.line_count
    assert all(a.bytes_read <= b.bytes_read for a, b in itertools.pairwise(seen))


def _report_lines(rep: report_pb2.AnalysisReport) -> dict[str, set[int]]:
    """Line numbers the report holds, per template id ('' for file-wide evidence)."""
    out: dict[str, set[int]] = {}
    for t in rep.templates:
        s = out.setdefault(t.id, set())
        s.update({t.first_line, t.last_line, *(e.line_number for e in t.examples)})
    for a in rep.anomalies:
        out.setdefault(a.template_id, set()).update(a.line_numbers)
    for g in rep.exception_groups:
        out.setdefault(g.template_id, set()).update({g.first_line, g.last_line})
    return out


def test_every_summary_claim_cites_evidence_in_the_report() -> None:
    text = "".join(_lines(k, 4000, seed=9) for k in ("app", "python"))
    rep = _run(text)
    assert rep.summary.claims
    held = _report_lines(rep)
    ids = {t.id for t in rep.templates}
    by_id = {t.id: t for t in rep.templates}
    for claim in rep.summary.claims:
        assert claim.text in rep.summary.text
        cited_ids = set(re.findall(r"\bt[0-9a-f]{12}\b", claim.text))
        assert cited_ids <= set(claim.template_ids) <= ids
        cited_lines = {int(x) for x in re.findall(r"\blines? (\d+)", claim.text)}
        assert cited_lines <= set(claim.line_numbers)
        evidence = set().union(*(held.get(i, set()) for i in [*claim.template_ids, ""]))
        assert set(claim.line_numbers) <= evidence, claim.text
        for tid in claim.template_ids:
            # Counts quoted for a template are its counts in the report.
            m = re.search(rf"{tid}\b[^.]*?(?:has|occurs) (\d+)", claim.text)
            if m and "Exception" not in claim.text:
                assert int(m.group(1)) == by_id[tid].count


def test_json_mapping_and_cli(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from loglens_analysis.engine.__main__ import main

    p = Path(str(tmp_path)) / "x.log"
    p.write_text(_lines("syslog", 500))
    assert main([str(p), "--json"]) == 0
    out = capsys.readouterr().out
    rep = json_format.Parse(out, report_pb2.AnalysisReport())
    assert rep.format.name == "syslog-rfc3164"
    assert main([str(p)]) == 0
    assert "Summary:" in capsys.readouterr().out


def test_generic_miner_on_generated_lines() -> None:
    lines = generate_lines(5000, 4, "syslog")
    out = parse_lines(lines)
    templates = {t for _, t in out}
    assert "Failed password for invalid user <*> from <*> port <*> ssh2" in templates
    assert len(templates) < 20


def test_line_parser_answers_every_line_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark adapter cuts blocks by size: one answer per line whatever the cut, the same answers as one
    block, and a line holding a newline is still one line (not two records)."""
    import loglens_analysis.engine.loghub as loghub

    lines = generate_lines(1200, 4, "syslog")
    lines[5] = "Failed password for invalid user bob\nfrom 10.0.0.1 port 22 ssh2"
    lines[6] = ""
    whole = parse_lines(lines)
    monkeypatch.setattr(loghub, "BLOCK_BYTES", 997)  # many blocks, cuts inside lines' sizes
    cut = parse_lines(lines)
    assert len(cut) == len(lines) == len(whole)
    assert cut == whole
    assert whole[6] == ("", "")  # an empty line has no record
    assert whole[5][1] and "\n" not in whole[5][1]


def test_generator_is_deterministic() -> None:
    a = [r for _, r in zip(range(100), records(1, "mixed"), strict=False)]
    b = [r for _, r in zip(range(100), records(1, "mixed"), strict=False)]
    assert a == b


@pytest.mark.parametrize(("step", "shuffled", "cache_on"), [(7, False, True), (7, True, True), (67, True, False)])
def test_times_are_exact_with_and_without_the_minute_cache(step: int, shuffled: bool, cache_on: bool) -> None:
    """Records 7 s apart mostly share a minute (the minute cache answers, in order or not); 67 s apart
    none do, and the cache is switched off. Either way every record's time must be its own."""
    import datetime as dt
    import random

    start = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.UTC)
    steps = list(range(0, 21_600 * step, step))
    if shuffled:
        random.Random(3).shuffle(steps)
    text = "".join(
        f"{(start + dt.timedelta(seconds=s)):%Y-%m-%d %H:%M:%S} INFO tick {i} of {s}\n" for i, s in enumerate(steps)
    )
    analyzer = Analyzer()
    for block in RecordReader().blocks([text.encode()]):
        analyzer.feed(block)
    assert analyzer._minute_cache_pays() is cache_on
    rep = _run(text)
    (template,) = rep.templates
    assert rep.parse_quality.timestamp_share == 1.0
    running, disorder = -1, 0
    for s in steps:
        disorder += s < running
        running = max(running, s)
    assert rep.parse_quality.out_of_order_records == disorder
    hist = template.histogram
    assert sum(hist.counts) == len(steps)
    if not shuffled:
        first = hist.start_time.ToSeconds() - int(start.timestamp())
        want = [0] * len(hist.counts)
        for s in steps:
            want[(s - first) // hist.bucket_seconds] += 1
        assert list(hist.counts) == want
    assert rep.time_range.start_time.ToSeconds() == int(start.timestamp()) + min(steps)
    assert rep.time_range.end_time.ToSeconds() == int(start.timestamp()) + max(steps)
    assert template.first_time.ToSeconds() == int(start.timestamp()) + steps[0]
    assert template.last_time.ToSeconds() == int(start.timestamp()) + steps[-1]


def test_the_collector_runs_less_often_only_while_an_analysis_runs() -> None:
    """The engine raises the cyclic collector's young-generation threshold for its own run and puts the
    caller's settings back after it, also when the analysis fails."""
    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    try:
        gc.set_threshold(900, 11, 12)
        _run(_lines("json", 60000), progress=lambda _p: during.append(gc.get_threshold()))
        assert during and all(t == (GC_YOUNG_THRESHOLD, 11, 12) for t in during)
        assert gc.get_threshold() == (900, 11, 12)
        with pytest.raises(EngineError):
            analyze([b"\x1f\x8b\x08\x00" + bytes(range(256)) * 64])  # gzip magic, then no deflate stream
        assert gc.get_threshold() == (900, 11, 12)
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize(
    "text",
    [
        "081109 203615 148 INFO dfs.DataNode: Receiving block blk_-1608999687919862906",
        "2024-03-01 12:00:01 café 42 — naïve 7 µs\n2nd line 9",  # non-ASCII: the UTF-8 path
        "\udcff bytes that were not UTF-8 123",  # a lone surrogate (surrogateescape) keeps its place
        "٣ Arabic-Indic digit stays, 3 does not",
        "",
    ],
)
def test_a_digit_key_writes_every_ascii_digit_0_whatever_else_the_text_holds(text: str) -> None:
    # records.digit_key takes the UTF-8 bytes of non-ASCII text (str.translate is slow on it): the same key.
    assert digit_key(text) == text.translate(str.maketrans("123456789", "000000000"))


def test_a_no_break_space_before_am_pm_is_a_blank() -> None:
    """Java 20+ formats a 12-hour time with CLDR's narrow no-break space before AM/PM ("1:00:44\\u202fPM",
    java.util.logging's default): the half of the day was lost, so afternoon records read as night ones (a span of
    01:00 to 12:59 for 10:58 to 13:20, out of order). A no-break space is a blank to the reader."""
    lines = []
    for i in range(40):
        h, m = divmod(10 * 60 + 58 + 4 * i, 60)
        clock = f"{(h - 1) % 12 + 1}:{m:02d}:07\u202f{'AM' if h < 12 else 'PM'}"
        lines += [f"Mar 12, 2024 {clock} com.acme.gateway.ProxyHandler handle", f"INFO: GET /api/users/{i} 200"]
    rep = _run(("\n".join(lines) + "\n").encode())
    tr = rep.time_range
    assert (tr.start_time.ToJsonString(), tr.end_time.ToJsonString()) == (
        "2024-03-12T10:58:07Z",
        "2024-03-12T13:34:07Z",
    ), (tr.start_time.ToJsonString(), tr.end_time.ToJsonString())
    assert rep.parse_quality.out_of_order_records == 0


def test_a_severity_word_where_a_syslog_tag_stands_is_the_level_of_a_line_of_no_host() -> None:
    """Dovecot's own log writes syslog's time, then its process and the level where a host and a tag would stand
    ("imap(alice@example.com)<31266><9ioBh>: Panic: ..."): read as host and program "Panic", no record had a level
    (0 ERROR in a log of panics). No program is named by a severity word: it is the level."""
    lines = []
    for i in range(60):
        t = f"Mar 12 07:{i:02d}:06"
        lines.append(
            f"{t} imap-login: Info: Login: user=<u{i}@example.com>, method=PLAIN, rip=10.0.0.{i}, session=<s{i}>"
        )
        if i % 20 == 5:
            lines.append(
                f"{t} imap(alice@example.com)<{31000 + i}><9ioBhXt{i}>: Panic: file mail-index-map.c: line 558"
            )
            lines.append(f"{t} imap(alice@example.com)<{31000 + i}><9ioBhXt{i}>: Error: Raw backtrace: libdovecot.so.0")
        if i % 20 == 9:
            lines.append(f"{t} lmtp({4000 + i}): Warning: Transaction log file was locked for {i} seconds")
    rep = _run(("\n".join(lines) + "\n").encode())
    levels = {t.text.split(":")[0]: t.max_level for t in rep.templates}
    assert levels["file mail-index-map.c"] == report_pb2.LEVEL_FATAL, levels
    assert levels["Raw backtrace"] == report_pb2.LEVEL_ERROR and levels["Login"] == report_pb2.LEVEL_INFO, levels
    assert levels["Transaction log file was locked for <*> seconds"] == report_pb2.LEVEL_WARN, levels


def test_javascripts_error_over_its_frames_is_the_trace_of_the_record_above_whatever_its_level() -> None:
    """electron-log writes a warning, then the error it caught: "Error: net::ERR_INTERNET_DISCONNECTED" and its
    "    at ..." frames. "Error" is JavaScript's base exception type, not a level: the trace was split off a WARN
    record as an ERROR record of its own (and joined to an ERROR record above it)."""
    lines = []
    for i in range(40):
        lines.append(f"[2024-07-01 10:{i:02d}:10.100] [info] (sync) sync: pulled {i} changes")
        if i % 8 == 3:
            lines += [
                f"[2024-07-01 10:{i:02d}:39.671] [warn] (sync) sync: push failed, retrying in 15s (attempt {i})",
                "Error: net::ERR_INTERNET_DISCONNECTED",
                "    at SimpleURLLoaderWrapper.<anonymous> (node:electron/js2c/browser_init:2:114742)",
                "    at SimpleURLLoaderWrapper.emit (node:events:519:28)",
            ]
    rep = _run(("\n".join(lines) + "\n").encode())
    assert rep.record_count == 45, rep.record_count
    (warn,) = [t for t in rep.templates if "push failed" in t.text]
    assert warn.count == 5 and warn.max_level == report_pb2.LEVEL_WARN
    assert not [t for t in rep.templates if t.text.startswith("Error:") or "ERR_INTERNET" in t.text]
    (group,) = rep.exception_groups
    assert group.count == 5 and "ERR_INTERNET_DISCONNECTED" in group.message, group


def test_a_capital_letter_that_opens_a_sentence_where_a_level_stands_is_no_severity() -> None:
    """A CI job's log: its time, then a .NET level word on most lines ("info: ..."), a sentence on others. "A total of
    1 test files matched" read "A" (logcat's Assert) as a FATAL level: the file's only FATAL, second in its summary.
    A one-letter severity is followed by a tag, a name or a bracket, never by a plain lower-case word."""
    lines = []
    for i in range(60):
        lines.append(f"2024-03-06T09:15:{i:02d}.6320080Z info: Acme.Payments[0] Captured payment {i} in {i + 3} ms")
    lines.insert(30, "2024-03-06T09:15:30.1000000Z A total of 1 test files matched the specified pattern.")
    rep = _run(("\n".join(lines) + "\n").encode())
    (t,) = [t for t in rep.templates if "test files matched" in t.text]
    assert t.text.startswith("A total of") and t.max_level == report_pb2.LEVEL_UNSPECIFIED, (t.text, t.max_level)


def test_a_quoted_message_in_brackets_is_the_message_not_a_header_column() -> None:
    """TiDB's, TiKV's and PD's unified log format quotes the message in brackets after the time, the level and the
    place ('[2024/03/12 00:04:18.463 +08:00] [INFO] [conn.go:1069] ["new connection"] [conn=2097177]'): read as one
    more bracketed column, the messages went into the header and the templates were their fields
    ("[conn=<*>]", one template of no text for many messages). A header column is never a quoted sentence."""
    lines = []
    for i in range(60):
        t = f"[2024/03/12 00:{i:02d}:18.463 +08:00]"
        lines.append(
            f'{t} [INFO] [conn.go:1069] ["new connection"] [conn={2097000 + i}] [remoteAddr="10.0.0.{i}:4817"]'
        )
        lines.append(f'{t} [INFO] [conn.go:1101] ["close connection"] [conn={2097000 + i}]')
        if i % 10 == 3:
            lines.append(f'{t} [ERROR] [pd.go:436] ["[pd] failed updateMember"] [error="get member failed"]')
    rep = _run(("\n".join(lines) + "\n").encode())
    texts = {t.text for t in rep.templates}
    assert texts == {
        '["new connection"] [conn=<*>] [remoteAddr="<*>:<*>"]',
        '["close connection"] [conn=<*>]',
        '["[pd] failed updateMember"] [error="get member failed"]',
    }, texts


def test_a_file_whose_every_line_is_a_message_of_its_own_stops_mining_at_the_cluster_cap() -> None:
    """Past ``MAX_CLUSTERS`` distinct messages, further ones go to the one overflow template: every record is still
    counted, and memory stays bounded (each cluster drags a variant and a rolled-up template with it)."""
    rnd = random.Random(11)
    n = MAX_CLUSTERS + 2_000
    words = ("".join(rnd.choices(string.ascii_lowercase, k=10)) for _ in range(3 * n))
    lines = [f"2026-11-25T10:00:00Z INFO {a} {b} {c}" for a, b, c in zip(words, words, words, strict=False)]
    assert len(set(lines)) == n
    rep = analyze([("\n".join(lines) + "\n").encode()])
    overflow = [t for t in rep.templates if t.text.startswith("<overflow>")]
    assert len(overflow) == 1 and overflow[0].count == n - MAX_CLUSTERS, [(t.text, t.count) for t in overflow]
    assert rep.templates[0].text == overflow[0].text, "the overflow template is the most frequent"
