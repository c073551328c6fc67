"""The report's format line (``FormatDetection.description``) and the summary's first claim say what a file is
written in as a person reads it: the format when it explains most records, "mixed" when none explains half of
them (a docker-compose run of many services), "plain text" when no format was found, and the prefix a collector
put before every line. Lines written here, no file copied."""

from __future__ import annotations

import json

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.formats import MIXED_BELOW
from loglens_presentation import render
from loglens_presentation.markdown import md_cell

pytestmark = pytest.mark.unit


def _report(lines: list[str]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(lines) + "\n").encode()])


def _klog(i: int) -> str:
    return f"I0716 17:47:{i % 60:02d}.{i:06d}    {100 + i % 7} server.go:{i % 90}] Handled request {i} in {i % 13} ms"


def _overview(rep: report_pb2.AnalysisReport) -> str:
    return rep.summary.claims[0].text


def test_a_file_of_one_format_is_named_with_its_confidence() -> None:
    rep = _report([_klog(i) for i in range(300)])
    assert rep.format.name == "klog"
    assert rep.format.description == f"klog (confidence {rep.format.confidence:.2f})"
    assert _overview(rep).startswith("300 records (klog, ")
    assert f"Format: {rep.format.description}\n" in render(rep, "text", title="t")


def test_a_file_no_format_explains_half_of_is_mixed() -> None:
    lines = []
    for i in range(150):  # a service's logfmt lines among two other programs' output, which no grammar explains
        lines.append(f"zone {i % 200}.100.IN-ADDR.ARPA loaded serial {i}")
        lines.append(f'ts=2021-07-16T17:47:{i % 60:02d}Z level=info msg="tick {i}" peer=10.0.0.{i % 9}')
        lines.append(f"Generating a RSA private key for node {i % 11} of the cluster")
    rep = _report(lines)
    assert rep.format.name == "logfmt"
    assert rep.format.explained_share == pytest.approx(1 / 3, abs=0.01)
    assert rep.format.explained_share < MIXED_BELOW
    assert rep.format.description == "mixed: known formats explain 33.3% of the records (the closest, logfmt)"
    assert _overview(rep).startswith("450 records (mixed, ")
    assert "Format: mixed: known formats explain 33.3%" in render(rep, "text", title="t")
    assert f"Format: {md_cell(rep.format.description)}" in render(rep, "md", title="t")
    assert "mixed: known formats explain 33.3%" in render(rep, "html", title="t")


def test_plain_text_says_no_format_was_found() -> None:
    rep = _report([f"compiling module {i} of the build, {i % 17} warnings so far" for i in range(200)])
    assert rep.format.name == "plain"
    assert rep.format.description == "plain text: no log format found"
    assert _overview(rep).startswith("200 records (plain")


def test_the_collectors_prefix_is_told() -> None:
    lines = [f"{('api', 'worker', 'db')[i % 3]:<8}| {_klog(i)}" for i in range(300)]
    rep = _report(lines)
    assert rep.parse_quality.envelope == "compose-service"
    assert rep.format.description == (
        f"klog (confidence {rep.format.confidence:.2f}), each line prefixed by a docker-compose service name"
    )


def test_kubectls_pod_and_container_prefix_is_a_collectors_prefix() -> None:
    # kubectl logs --prefix over two containers that write differently: "[pod/<pod>/<container>] " is stripped and
    # each container's lines are read in their own format (a JSON line's level and message, not a header's tail).
    lines = []
    for i in range(300):
        if i % 3:
            stamp = f"2024-03-04T09:{i // 60:02d}:{i % 60:02d}.000Z"
            lines.append(f"[pod/web-7d9f8-{i % 2}/app] {stamp} INFO  GET /api/{i}")
        else:
            job = json.dumps({"ts": 1709542800 + i, "level": "error" if i % 9 == 0 else "info", "msg": "job done"})
            lines.append(f"[pod/worker-5c6d7-x/worker] {job}")
    rep = _report(lines)
    assert rep.parse_quality.envelope == "kubectl-prefix"
    assert rep.format.description.endswith("each line prefixed by its pod and container (kubectl logs --prefix)")
    levels = {(t.text, report_pb2.Level.Name(t.max_level)) for t in rep.templates}
    assert ("job done", "LEVEL_ERROR") in levels and ("GET /api/<*>", "LEVEL_INFO") in levels, levels


def test_a_time_range_of_a_few_timed_records_says_how_few_they_are() -> None:
    """A device's serial console: its boot ROM's banner ("ets Jul 29 2019 12:21:46") is its one timed line, the
    rest counts milliseconds since boot. "1150 records (..., 2019-07-29T12:21:46Z to 2019-07-29T12:21:46Z, 0 s)"
    said the whole file was written in no time; the range is that of the records that have a time."""
    lines = ["ets Jul 29 2019 12:21:46", ""]
    lines += [f"I ({31 + i * 7}) wifi: sta connected to ap {i % 3}, rssi -{40 + i % 20}" for i in range(300)]
    rep = _report(lines)
    assert rep.parse_quality.timestamp_share < 0.01
    assert ", times on 0.3% of them, 2019-07-29T12:21:46Z to 2019-07-29T12:21:46Z, 0 s)" in _overview(rep)
    timed = _report([_klog(i) for i in range(300)])
    assert "times on" not in _overview(timed)
