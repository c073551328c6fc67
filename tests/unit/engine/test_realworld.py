"""The reading layer on real files from public projects (../shared/realworld, read in place; skipped where the
folder is absent). Each expectation was checked by hand against the file; no line of it is copied here.

Level counts are compared with what a grep on the level / status position counts, as the issue asks.
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.records import JOIN, RecordReader

pytestmark = pytest.mark.unit

REALWORLD = Path(__file__).resolve().parents[3].parent / "shared" / "realworld"


def _path(name: str) -> Path:
    path = REALWORLD / name
    if not path.is_file():
        pytest.skip(f"{path} is not here (../shared/realworld is only on developers' machines and CI)")
    return path


_REPORTS: dict[str, report_pb2.AnalysisReport] = {}


def _report(name: str) -> report_pb2.AnalysisReport:
    if name not in _REPORTS:
        _REPORTS[name] = analyze([_path(name).read_bytes()])
    return _REPORTS[name]


def _levels(rep: report_pb2.AnalysisReport) -> dict[str, int]:
    return {report_pb2.Level.Name(x.level).removeprefix("LEVEL_"): x.count for x in rep.levels}


def _record_at(name: str, line: int) -> str:
    for block in RecordReader().blocks([_path(name).read_bytes()]):
        n = block.first_line
        for rec in block.text.split("\n"):
            if n == line:
                return rec
            n += 1 + rec.count(JOIN) + rec.count("\x1d")
    raise AssertionError(f"no record starts at line {line}")


LETTER = {"V": "TRACE", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL", "A": "FATAL"}


@pytest.mark.parametrize(
    ("name", "grep"),
    [
        ("klog/kube-apiserver-arm64.log", r"(?m)^([IWEF])\d{4} "),
        ("klog/windows-kubelet-gce.log", r"(?m)^([IWEF])\d{4} "),
        ("ci-system/android-logcat-threadtime.log", r"(?m)^\d\d-\d\d \S+ +\d+ +\d+ ([VDIWEFA]) "),
    ],
)
def test_level_counts_equal_grep_on_the_level_letter(name: str, grep: str) -> None:
    text = _path(name).read_text(encoding="utf-8", errors="replace")
    expected = collections.Counter(LETTER[m.group(1)] for m in re.finditer(grep, text))
    assert _levels(_report(name)) == dict(expected)


@pytest.mark.parametrize("name", ["access/nginx-combined.log", "access/tomcat-access-0530.log"])
def test_access_log_level_counts_equal_grep_on_the_status(name: str) -> None:
    text = _path(name).read_text(encoding="utf-8", errors="replace")
    statuses = [int(m.group(1)) for m in re.finditer(r'(?m)^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" (\d{3}) ', text)]
    expected = collections.Counter("ERROR" if s >= 500 else "WARN" if s >= 400 else "INFO" for s in statuses)
    assert sum(expected.values()) == _report(name).record_count
    assert _levels(_report(name)) == dict(expected)


def test_chained_python_traceback_is_one_record_with_its_root_cause() -> None:
    name = "python/celery-worker.log"
    rec = _record_at(name, 111)  # an ERROR line, then two tracebacks chained by "During handling ..."
    assert rec.count(JOIN) == 41  # lines 112-152: the whole chain, blank lines included
    assert "During handling of the above exception" in rec
    groups = [g for g in _report(name).exception_groups if g.first_line == 111]
    assert len(groups) == 1
    (g,) = groups
    assert g.exception_type == "amqp.exceptions.RecoverableConnectionError"
    assert g.root_cause_type == "ConnectionResetError"
    assert g.count == 2  # the same chain again at line 153
    assert g.top_frames[0].endswith(":_read")


def test_java_caused_by_chain_groups_576_times_on_its_root_cause() -> None:
    name = "java/liferay-tomcat-catalina.out"
    rec = _record_at(name, 38)
    assert "Caused by: java.io.FileNotFoundException" in rec
    (g,) = [g for g in _report(name).exception_groups if g.first_line == 38]
    assert g.exception_type == "com.liferay.portlet.documentlibrary.NoSuchFileException"
    assert g.root_cause_type == "java.io.FileNotFoundException"
    assert g.top_frames[0] == "java.io.FileInputStream.open"
    assert g.count == 576  # grep -c '^Caused by: java.io.FileNotFoundException' says 576


def test_go_panics_join_their_goroutine_dumps_and_group_by_code_path() -> None:
    name = "stacktraces/go-panic-droute.log"
    rec = _record_at(name, 1)
    assert rec.count(JOIN) == 48  # the panic line, a blank line and the goroutine dumps up to line 49
    groups = {g.first_line: g for g in _report(name).exception_groups}
    assert sorted((g.first_line, g.count) for g in groups.values()) == [(1, 2), (111, 4)]
    assert all(g.exception_type == "panic" for g in groups.values())
    assert groups[1].top_frames[1] == "projects2/viperutil.GetMapN"


def test_java_trace_behind_a_compose_prefix_is_joined() -> None:
    name = "ci-system/compose-open5gs.log"
    rep = _report(name)
    assert rep.parse_quality.envelope == "compose-service"
    (g,) = [g for g in rep.exception_groups if g.first_line == 775]
    assert g.exception_type == "java.lang.StringIndexOutOfBoundsException"
    assert list(g.top_frames) == [
        "java.lang.String.checkBounds",
        "java.lang.String.<init>",
        "de.fhg.fokus.hss.main.HSSContainer.waitForExit",
    ]
    rec = _record_at(name, 775)
    assert rec.count(JOIN) == 4 and "|" not in rec  # four frames, the service column removed


def test_github_actions_timestamp_prefix_is_the_envelope() -> None:
    rep = _report("ci-system/github-actions-job.log")
    assert rep.parse_quality.envelope == "timestamp-prefix"
    assert rep.parse_quality.timestamp_share == 1.0
