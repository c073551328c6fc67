"""What changed, on real servers: CompareAnalysisRuns through the gateway (gRPC), the REST bridge and the CLI
(with its exit code), the service history as the default baseline, and tenant isolation."""

from __future__ import annotations

import io
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from loglens.v1 import analysis_pb2, comparison_pb2, comparison_pb2_grpc
from loglens_cli.__main__ import main
from loglens_cli.errors import ExitCode
from loglens_devstack.client import GatewayClient
from loglens_devstack.stack import Stack
from loglens_loggen import PLANTS, write_log
from tests.e2e.browser import chromium, chromium_or_skip

F = comparison_pb2
SIZE = 1_500_000  # about 11,000 records a file: enough for every planted change to show


@dataclass(frozen=True)
class Shop:
    token: str
    baselines: tuple[str, str]  # runs, oldest first
    target: str  # the run of the file with planted changes, uploaded last
    lone: str  # a run of a file without a service

    @property
    def metadata(self) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {self.token}"),)


def _analysed(client: GatewayClient, path: Path, service: str) -> str:
    log_file = client.upload(path, service=service)
    run = client.wait_for_run(log_file.name, timeout=180)
    assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED, run.failure_reason
    return run.name


@pytest.fixture(scope="module")
def shop(stack: Stack, gateway_channel: grpc.Channel, tmp_path_factory: pytest.TempPathFactory) -> Shop:
    token = stack.token(uuid.uuid4().hex)
    client = GatewayClient(gateway_channel, token)
    folder = tmp_path_factory.mktemp("comparison")
    runs = []
    for name, seed, plants in (("mon.log", 1, ()), ("tue.log", 2, ()), ("wed.log", 3, PLANTS)):
        write_log(str(folder / name), SIZE, seed=seed, plants=plants)
        runs.append(_analysed(client, folder / name, "shop"))
    lone = _analysed(client, folder / "mon.log", "")
    return Shop(token, (runs[0], runs[1]), runs[2], lone)


@pytest.fixture(scope="module")
def stub(gateway_channel: grpc.Channel) -> comparison_pb2_grpc.ComparisonServiceStub:
    return comparison_pb2_grpc.ComparisonServiceStub(gateway_channel)


def _compare(stub: Any, shop: Shop, target: str, baselines: tuple[str, ...] = ()) -> comparison_pb2.Comparison:
    request = comparison_pb2.CompareAnalysisRunsRequest(target=target, baseline_runs=list(baselines))
    return stub.CompareAnalysisRuns(request, metadata=shop.metadata, timeout=30).comparison  # type: ignore[no-any-return]


def test_service_history_is_the_default_baseline_and_planted_changes_are_found(stub: Any, shop: Shop) -> None:
    c = _compare(stub, shop, shop.target)
    assert c.baseline_source == F.BASELINE_SOURCE_SERVICE_HISTORY and c.service == "shop"
    assert [b.analysis_run for b in c.baselines] == [shop.baselines[1], shop.baselines[0]]  # newest first
    assert c.target.analysis_run == shop.target and c.target.record_count > 10_000
    assert c.rate_unit == F.RATE_UNIT_PER_HOUR and c.rate_test.false_discovery_rate == 0.01
    found = {(F.FindingKind.Name(f.kind), f.template_text.split(" <*>")[0][:30]) for f in c.findings}
    new = next(f for f in c.findings if "Payment provider rejected" in f.template_text)
    assert new.kind == F.FINDING_KIND_NEW_TEMPLATE and new.severity == F.SEVERITY_HIGH, found
    assert new.line_numbers and new.template_ids and new.baseline_count == 0
    assert any(f.kind == F.FINDING_KIND_NEW_EXCEPTION_GROUP and "NullPointer" in f.exception_type for f in c.findings)
    assert any(f.kind == F.FINDING_KIND_GONE_TEMPLATE and "rate limit close" in f.template_text for f in c.findings)
    assert any(f.kind == F.FINDING_KIND_RATE_INCREASE and "eth0" in f.template_text for f in c.findings), found
    slow = [f for f in c.findings if "Slow query" in f.template_text + f.baseline_template_text]
    assert [f.kind for f in slow] == [F.FINDING_KIND_TEMPLATE_GENERALISED], found
    assert [f.severity for f in c.findings] == sorted((f.severity for f in c.findings), reverse=True)


def test_named_baseline_runs(stub: Any, shop: Shop) -> None:
    c = _compare(stub, shop, shop.baselines[1], (shop.baselines[0],))
    assert c.baseline_source == F.BASELINE_SOURCE_NAMED_RUNS
    assert [b.analysis_run for b in c.baselines] == [shop.baselines[0]]
    # two files of the same settings: nothing new at ERROR
    assert not [f for f in c.findings if f.kind == F.FINDING_KIND_NEW_TEMPLATE and f.level >= 6]


def test_bad_requests(stub: Any, shop: Shop) -> None:
    with pytest.raises(grpc.RpcError) as bad:
        _compare(stub, shop, shop.target, (shop.target,))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as bad:
        _compare(stub, shop, "logFiles/x")
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as lone:
        _compare(stub, shop, shop.lone)  # no service: no history
    assert lone.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "no service" in (lone.value.details() or "")


def _status(error: grpc.RpcError) -> tuple[grpc.StatusCode, str, bytes]:
    details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin", b"")  # type: ignore[attr-defined]
    return error.code(), error.details() or "", details  # type: ignore[attr-defined]


def test_another_tenants_run_is_not_found_like_a_missing_one(
    stack: Stack, stub: Any, shop: Shop, gateway_channel: grpc.Channel, tmp_path: Path
) -> None:
    other = GatewayClient(gateway_channel, stack.token(uuid.uuid4().hex))
    write_log(str(tmp_path / "x.log"), 100_000, seed=9)
    theirs = _analysed(other, tmp_path / "x.log", "shop")
    file_id, run_id = theirs.split("/")[1], theirs.split("/")[3]
    missing = f"logFiles/{file_id[::-1]}/analysisRuns/{run_id[::-1]}"
    answers = []
    for baseline in (theirs, missing):
        with pytest.raises(grpc.RpcError) as err:
            _compare(stub, shop, shop.target, (baseline,))
        code, message, details = _status(err.value)
        answers.append((code, message.replace(baseline, "RUN"), details.replace(baseline.encode(), b"RUN")))
    assert answers[0][0] == grpc.StatusCode.NOT_FOUND
    assert answers[0] == answers[1]
    # as the target too; and their history never holds our runs (nor ours theirs)
    with pytest.raises(grpc.RpcError) as err:
        _compare(stub, shop, theirs)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    c = _compare(stub, shop, shop.target)
    assert theirs not in [b.analysis_run for b in c.baselines]


def _rest(stack: Stack, shop: Shop, path: str, query: list[tuple[str, str]]) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{stack.ports.http}/v1/{path}:compare?" + urllib.parse.urlencode(query)
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {shop.token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_rest_route_from_the_annotation(stack: Stack, shop: Shop) -> None:
    status, body = _rest(stack, shop, shop.target, [("baselineRuns", b) for b in shop.baselines])
    assert status == 200, body
    c = body["comparison"]
    assert c["baselineSource"] == "BASELINE_SOURCE_NAMED_RUNS"
    assert [b["analysisRun"] for b in c["baselines"]] == list(shop.baselines)
    assert any(f["kind"] == "FINDING_KIND_NEW_TEMPLATE" for f in c["findings"])
    status, body = _rest(stack, shop, shop.target, [("historySize", "1")])
    assert status == 200 and [b["analysisRun"] for b in body["comparison"]["baselines"]] == [shop.baselines[1]]
    status, body = _rest(stack, shop, shop.target, [("historySize", "99")])
    assert status == 400, body


def _cli(stack: Stack, shop: Shop, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = {"LOGLENS_SERVER": stack.ports.addr("gateway"), "LOGLENS_TOKEN": shop.token, "LOGLENS_CONFIG": "/nonexistent"}
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(""), env=env)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def test_cli_diff_formats_and_fail_on_exit_code(stack: Stack, shop: Shop, tmp_path: Path) -> None:
    code, out, err = _cli(stack, shop, "diff", shop.target, "--fail-on", "new-errors")
    assert code == ExitCode.FINDINGS == 8, err
    assert "Payment provider rejected" in out and "compared with the last 2 runs of service 'shop'" in out
    code, out, _err = _cli(stack, shop, "diff", shop.target, "--fail-on", "any", "--baseline", shop.baselines[0])
    assert code == 8
    # the log file stands for its newest run; a comparison of two same-settings files passes the gate
    code, out, err = _cli(
        stack, shop, "diff", shop.baselines[1].split("/analysisRuns/")[0], "--baseline", shop.baselines[0],
        "--fail-on", "new-errors",
    )  # fmt: skip
    assert code == 0, out + err
    code, out, _err = _cli(stack, shop, "diff", shop.target, "-f", "json")
    assert code == 0 and json.loads(out)["target"]["analysisRun"] == shop.target
    page = tmp_path / "diff.html"
    code, _out, _err = _cli(stack, shop, "diff", shop.target, "-f", "html", "-o", str(page))
    assert (
        code == 0 and '<table class="findings">' in page.read_text() and "Content-Security-Policy" in page.read_text()
    )
    code, out, _err = _cli(stack, shop, "diff", shop.target, "-f", "md")
    assert code == 0 and out.startswith("# What changed") and "| # | Severity |" in out
    code, _out, err = _cli(stack, shop, "diff", shop.lone)
    assert code == ExitCode.REJECTED and "NO_SERVICE" in err


def test_cli_upload_wait_diff(stack: Stack, shop: Shop, tmp_path: Path) -> None:
    service = "till-" + uuid.uuid4().hex[:8]
    before, log = tmp_path / "before.log", tmp_path / "after.log"
    write_log(str(before), SIZE, seed=4)
    write_log(str(log), SIZE, seed=5, plants=("new-error",))
    code, out, err = _cli(stack, shop, "upload", str(before), "--service", service, "--wait", "--diff")
    assert code == ExitCode.REJECTED and "NO_BASELINE" in err, out + err  # the first file has no history
    code, out, err = _cli(
        stack, shop, "upload", str(log), "--service", service, "--wait", "--diff", "--fail-on", "new-errors"
    )
    assert code == ExitCode.FINDINGS, out + err
    assert "compared with the last 1 run of service" in out
    assert " SUCCEEDED" in out and "Payment provider rejected" in out
    code, _out, err = _cli(stack, shop, "upload", str(log), "--wait", "--fail-on", "new-errors")
    assert code == ExitCode.USAGE and "needs --diff" in err


async def test_the_comparison_page_in_a_browser(stack: Stack, shop: Shop, stub: Any) -> None:
    """From the report page's "compare with recent runs" to the comparison page, in headless Chromium: a quiet
    console under the page's policy, and every planted change in its table for a reader to see."""
    executable = chromium_or_skip()
    c = _compare(stub, shop, shop.target)
    headers = {"Authorization": f"Bearer {shop.token}"}
    run_url = f"http://127.0.0.1:{stack.ports.http}/v1/{shop.target}"
    async with chromium(executable) as tab:
        await tab.open(f"{run_url}/report:html", headers=headers)
        link = await tab.evaluate("[...document.querySelectorAll('nav.links a')].map(a => [a.innerText, a.href])")
        assert link == [["Compare with recent runs", f"{run_url}/comparison:html"]]
        await tab.open(link[0][1], headers=headers)
        assert tab.console == []  # no CSP refusal (inline styles, SVG), no error, nothing failed to load
        assert await tab.visible_text("h1") == ["What changed: wed.log"]
        assert len(await tab.visible_text("table.findings tbody tr")) == len(c.findings)
        seen = {table: " ".join(await tab.visible_text(f"table.{table} tbody tr")) for table in TABLES}
        assert "Payment provider rejected" in seen["new"] and "NullPointerException" in seen["new"]
        assert "rate limit close" in seen["gone"]
        assert "eth0: link up" in seen["changed"]
        assert "Slow query" in seen["values"]
        assert len(await tab.visible_text("#sidebyside svg.pair")) >= 3  # before and now, side by side
        assert len(await tab.visible_text("table.changed svg.spark")) >= 2
        sides = await tab.evaluate("[...document.querySelectorAll('table.sides a')].map(a => a.href)")
        picture = await tab.screenshot(1280) if os.environ.get("LOGLENS_UPDATE_SCREENSHOT") == "1" else b""
    if picture:
        readme_picture("comparison.png", picture)
    runs = [shop.target, *(b.analysis_run for b in c.baselines)]
    assert sides == [f"http://127.0.0.1:{stack.ports.http}/v1/{run}/report:html" for run in runs]


TABLES = ("new", "gone", "changed", "values")


def readme_picture(name: str, data: bytes) -> None:
    (Path(__file__).resolve().parents[2] / "docs" / name).write_bytes(data)
