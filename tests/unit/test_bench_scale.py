"""make bench-scale's pure helpers: the report comparison that decides ``scale_same_report`` and the arguments."""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp

from loglens.v1 import analysis_pb2, report_pb2

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_scale.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale_under_test", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _report() -> dict[str, Any]:
    report = report_pb2.AnalysisReport(engine_version="0.1.0", byte_count=1 << 30, line_count=8_000_000)
    report.time_range.start_time.FromSeconds(1_714_521_600)
    report.time_range.end_time.FromSeconds(1_714_608_000)
    for i, count in enumerate((500, 300, 7)):
        template = report.templates.add(id=f"t{i}", text=f"GET /x/<*> {i}", count=count)
        template.first_time.FromSeconds(1_714_521_600 + i)
    report.summary.text = "3 templates"
    return MessageToDict(report, preserving_proto_field_name=True)


def _run(name: str, start_s: int, lines: int = 8_000_000) -> dict[str, Any]:
    run = analysis_pb2.AnalysisRun(
        name=name,
        state=analysis_pb2.AnalysisRun.STATE_SUCCEEDED,
        bytes_done=1 << 30,
        bytes_total=1 << 30,
        lines_done=lines,
        engine_version="0.1.0",
        create_time=Timestamp(seconds=start_s),
        start_time=Timestamp(seconds=start_s + 1),
        finish_time=Timestamp(seconds=start_s + 90),
    )
    return MessageToDict(run, preserving_proto_field_name=True)


def test_equal_reports_have_no_difference(bench: ModuleType) -> None:
    assert bench.differences(_report(), _report(), bench.REPORT_IGNORED) == []


def test_a_count_a_template_or_a_log_time_is_a_difference(bench: ModuleType) -> None:
    a = _report()
    b = _report()
    b["templates"][1]["count"] = "301"
    assert bench.differences(a, b, bench.REPORT_IGNORED) == ["templates[1].count"]

    c = _report()
    c["templates"].pop()
    assert bench.differences(a, c) == ["templates (length 3 vs 2)"]

    # A report's times are the log's own: two analyses of one file must agree on them.
    d = _report()
    d["time_range"]["end_time"] = "2024-05-02T00:00:01Z"
    assert bench.differences(a, d, bench.REPORT_IGNORED) == ["time_range.end_time"]

    e = _report()
    del e["summary"]
    assert bench.differences(a, e) == ["summary (only in first)"]
    assert bench.differences(e, a) == ["summary (only in second)"]


def test_a_value_of_another_type_is_a_difference(bench: ModuleType) -> None:
    assert bench.differences({"n": 1}, {"n": 1.0}) == ["n"]
    assert bench.differences({"n": [1]}, {"n": {"0": 1}}) == ["n"]


def test_two_runs_of_one_file_differ_only_in_name_and_times(bench: ModuleType) -> None:
    a = _run("logFiles/f/analysisRuns/a", 1_000)
    b = _run("logFiles/f/analysisRuns/b", 5_000)
    assert bench.differences(a, b) != []  # the name and three times
    assert bench.differences(a, b, bench.RUN_IGNORED) == []
    c = _run("logFiles/f/analysisRuns/c", 5_000, lines=7_999_999)
    assert bench.differences(a, c, bench.RUN_IGNORED) == ["lines_done"]


def test_ignored_paths_match_any_list_index(bench: ModuleType) -> None:
    a = _report()
    b = _report()
    for template in b["templates"]:
        template["first_time"] = "2030-01-01T00:00:00Z"
    assert len(bench.differences(a, b)) == 3
    assert bench.differences(a, b, {"templates[].first_time"}) == []
    assert bench._generic("a[12].b[3].c") == "a[].b[].c"


def test_arguments_and_their_defaults(bench: ModuleType) -> None:
    args = bench.parse_args([], environ={})
    assert args.file is None
    assert args.size == 1 << 30
    assert args.workers == (1, 2)
    assert args.two_workers == "slots"
    assert args.chunk_bytes == 64 << 20
    assert 0 < args.chunk_threshold < args.size  # chunking on for the default file

    args = bench.parse_args(
        ["--workers", "2,1,2", "--chunk-bytes", "128MiB", "--chunk-threshold", "0", "--two-workers", "processes"],
        environ={"LOGLENS_BENCH_SCALE_FILE": "/data/big.log"},
    )
    assert args.workers == (2, 1)
    assert args.chunk_bytes == 128 << 20
    assert args.chunk_threshold == 0
    assert args.two_workers == "processes"
    assert args.file == Path("/data/big.log")
    assert args.analysis_env == []
    assert args.year == 2024  # loggen's year: its syslog lines carry none, and without a hint it is not chunked
    args = bench.parse_args(["--analysis-env", "LOGLENS_ENGINE_MEMORY_LIMIT_MIB=2048"], environ={})
    assert args.analysis_env == ["LOGLENS_ENGINE_MEMORY_LIMIT_MIB=2048"]
    assert bench.parse_args(["--file", "x.log"], environ={"LOGLENS_BENCH_SCALE_FILE": "y.log"}).file == Path("x.log")


@pytest.mark.parametrize(
    "argv",
    [
        ["--workers", "0"],
        ["--workers", ","],
        ["--workers", "a"],
        ["--chunk-bytes", "1KiB"],
        ["--size", "lots"],
        ["--analysis-env", "PATH=/x"],
        ["--analysis-env", "LOGLENS_WORKERS"],
    ],
)
def test_bad_arguments_are_refused(bench: ModuleType, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(argv, environ={})
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_worker_counts(bench: ModuleType) -> None:
    assert bench.parse_workers(" 1, 2 ,4") == (1, 2, 4)
    with pytest.raises(argparse.ArgumentTypeError):
        bench.parse_workers("-1")


def test_chunk_count(bench: ModuleType) -> None:
    gib = 1 << 30
    assert bench.chunk_count(gib, 64 << 20, 256 << 20) == 16
    assert bench.chunk_count(gib + 1, 64 << 20, 256 << 20) == 17
    assert bench.chunk_count(gib, 64 << 20, 0) == 1  # chunking off
    assert bench.chunk_count(gib, 64 << 20, gib) == 1  # not above the threshold


def test_speedup_and_last_line(bench: ModuleType) -> None:
    assert bench.speedup({1: 90.0, 2: 50.0}) == pytest.approx(1.8)
    assert math.isnan(bench.speedup({1: 90.0}))
    assert bench.result_line({1: 90.0, 2: 50.0}, True) == "scale_speedup_2w=1.80 scale_same_report=1"
    assert bench.result_line({2: 50.0, 1: 100.0}, False) == "scale_speedup_2w=2.00 scale_same_report=0"


def test_step_times_from_polls_of_the_run_chunks_rows(bench: ModuleType) -> None:
    times = bench.StepTimes()
    bench.step_times_update(times, [], 1.0)  # not cut yet (or analysed in one pass)
    assert times.chunks == 0 and times.cut_at == 0.0
    bench.step_times_update(times, [(0, False, "RUNNING"), (1, False, "QUEUED"), (2, True, "QUEUED")], 2.0)
    assert (times.chunks, times.cut_at, times.last_chunk_done_at) == (2, 2.0, 0.0)
    bench.step_times_update(times, [(0, False, "DONE"), (1, False, "DONE"), (2, True, "QUEUED")], 9.0)
    assert times.last_chunk_done_at == 9.0 and times.merge_running_at == 0.0
    bench.step_times_update(times, [(0, False, "DONE"), (1, False, "DONE"), (2, True, "RUNNING")], 9.5)
    bench.step_times_update(times, [(0, False, "DONE"), (1, False, "DONE"), (2, True, "DONE")], 12.0)
    assert (times.cut_at, times.last_chunk_done_at, times.merge_running_at) == (2.0, 9.0, 9.5)
    bench.step_times_update(times, [], 13.0)  # the rows go with the commit that ends the run
    assert times.chunks == 2
