"""The loglens CLI against the real stack: upload --wait, ls, runs, watch, report, delete, login and API keys."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from loglens.v1 import auth_pb2, auth_pb2_grpc
from loglens_cli.__main__ import main
from loglens_cli.errors import ExitCode
from loglens_devstack.stack import Stack
from loglens_loggen import write_log

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*argv: str, env: dict[str, str], stdin: str = "") -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin), env=env)
    assert "Traceback" not in err.getvalue()
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def env(stack: Stack, subject: str, tmp_path: Path) -> dict[str, str]:
    return {
        "LOGLENS_SERVER": stack.ports.addr("gateway"),
        "LOGLENS_TOKEN": stack.token(subject),
        "LOGLENS_CONFIG": str(tmp_path / "config.toml"),
    }


def test_upload_wait_then_list_report_and_delete(env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "orders.log"
    lines = write_log(str(log), 512 << 10, seed=3, kind="app")

    uploaded = run_cli("upload", str(log), "--service", "orders", "--label", "env=ci", "--wait", env=env)
    assert uploaded.code == 0, uploaded.err
    name = uploaded.out.splitlines()[0]
    assert name.startswith("logFiles/")
    assert " SUCCEEDED" in uploaded.out.splitlines()[1]
    assert f"{lines:,} lines" in uploaded.out

    listed = run_cli("ls", "--json", env=env)
    files = json.loads(listed.out)
    assert [f["name"] for f in files] == [name]
    assert files[0]["labels"] == {"env": "ci"} and files[0]["service"] == "orders"
    assert name in run_cli("ls", "--service", "orders", env=env).out

    runs = run_cli("runs", name, env=env)
    assert runs.code == 0 and "SUCCEEDED" in runs.out
    run = runs.out.splitlines()[1].split()[0]
    assert run.startswith(name + "/analysisRuns/")
    watched = run_cli("watch", run, env=env)
    assert watched.code == 0 and watched.out.startswith(f"{run} SUCCEEDED")

    report_json = tmp_path / "report.json"
    assert run_cli("report", run, "--format", "json", "-o", str(report_json), env=env).code == 0
    report = json.loads(report_json.read_text())
    assert int(report["lineCount"]) == lines and report["templates"]

    report_html = tmp_path / "report.html"
    assert run_cli("report", name, "--format", "html", "-o", str(report_html), env=env).code == 0
    page = report_html.read_text()
    assert "<title>orders.log · LogLens</title>" in page and '<svg class="histogram"' in page
    assert "## Top patterns" in run_cli("report", name, "--format", "md", env=env).out

    # The generated app log has errors: a CI gate on them fails with 8.
    assert run_cli("report", name, "-o", os.devnull, "--fail-on", "error", env=env).code == ExitCode.FINDINGS

    assert run_cli("delete", name, env=env).out == f"deleted {name}\n"
    # The file is gone at once; its runs and reports follow through the deletion event (log_file.proto says so).
    gone = run_cli("report", name, env=env)
    deadline = time.monotonic() + 15
    while gone.code == ExitCode.OK and time.monotonic() < deadline:
        time.sleep(0.2)
        gone = run_cli("report", name, env=env)
    assert gone.code == ExitCode.NOT_FOUND and "[NOT_FOUND" in gone.err
    assert json.loads(run_cli("ls", "--json", env=env).out) == []


def test_another_tenants_file_is_not_found(env: dict[str, str], stack: Stack, tmp_path: Path) -> None:
    log = tmp_path / "mine.log"
    log.write_text("2024-05-01 00:00:00 INFO started\n")
    name = run_cli("upload", str(log), "--no-analyze", env=env).out.strip()
    stranger = env | {"LOGLENS_TOKEN": stack.token(uuid.uuid4().hex)}
    assert run_cli("delete", name, env=stranger).code == ExitCode.NOT_FOUND
    assert run_cli("runs", name, env=stranger).code == ExitCode.NOT_FOUND


def test_login_api_keys_and_the_console_script(stack: Stack, tmp_path: Path) -> None:
    with grpc.insecure_channel(stack.ports.addr("gateway")) as channel:
        username = "cli" + uuid.uuid4().hex[:12]
        password = "a long and unusual passphrase " + uuid.uuid4().hex[:6]
        auth_pb2_grpc.AuthServiceStub(channel).Register(
            auth_pb2.RegisterRequest(username=username, email=f"{username}@example.com", password=password),
            timeout=30,
        )
    env = {"LOGLENS_SERVER": stack.ports.addr("gateway"), "LOGLENS_CONFIG": str(tmp_path / "config.toml")}
    assert run_cli("ls", env=env).code == ExitCode.AUTH
    wrong = run_cli("login", "-u", username, "--password-stdin", env=env, stdin="not it at all!!\n")
    assert wrong.code == ExitCode.AUTH
    logged_in = run_cli("login", "-u", username, "--password-stdin", env=env, stdin=password + "\n")
    assert logged_in.code == 0, logged_in.err
    assert username in run_cli("whoami", env=env).out

    created = run_cli("api-keys", "create", "--name", "nightly CI", env=env)
    assert created.code == 0, created.err
    secret = created.out.strip()
    keys = json.loads(run_cli("api-keys", "list", "--json", env=env).out)
    assert [k["displayName"] for k in keys] == ["nightly CI"]

    # The real console entry point in a fresh process, as a CI job would call it, with the key.
    source_dirs = [str(ROOT / d) for d in ("gen", "services/common", "tools")]  # as pytest's pythonpath
    machine = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*source_dirs, os.environ.get("PYTHONPATH", "")]),
        "LOGLENS_SERVER": env["LOGLENS_SERVER"],
        "LOGLENS_API_KEY": secret,
        "LOGLENS_CONFIG": str(tmp_path / "none.toml"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "loglens_cli", "whoami"], env=machine, capture_output=True, text=True, timeout=60,
        cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert username in proc.stdout and "api_key" in proc.stdout

    assert run_cli("api-keys", "revoke", keys[0]["name"], env=env).code == 0
    proc = subprocess.run(
        [sys.executable, "-m", "loglens_cli", "ls"], env=machine, capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == ExitCode.AUTH, proc.stderr
    assert proc.stderr.startswith("loglens: error: ") and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1

    assert run_cli("logout", env=env).code == 0
    assert run_cli("whoami", env=env).code == ExitCode.AUTH


def test_an_empty_file_gets_one_message_by_path_and_from_stdin(env: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    by_path = run_cli("upload", str(empty), env=env)
    from_stdin = run_cli("upload", "-", env=env, stdin="")
    expected = "loglens: error: the file is empty; there is nothing to analyse [INVALID_ARGUMENT/EMPTY_FILE]\n"
    assert (by_path.code, by_path.err) == (from_stdin.code, from_stdin.err) == (ExitCode.REJECTED, expected)


def test_quota_shows_usage_and_limits(env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "small.log"
    write_log(str(log), 64 << 10, seed=4, kind="app")
    assert run_cli("upload", str(log), "--no-analyze", env=env).code == 0
    shown = run_cli("quota", env=env)
    assert shown.code == 0, shown.err
    rows = {line.split()[0]: line for line in shown.out.splitlines()[1:]}
    assert set(rows) == {
        "stored_bytes",
        "log_files",
        "concurrent_uploads",
        "concurrent_runs",
        "runs_per_hour",
        "watch_streams",
    }
    assert rows["log_files"].split()[1:3] == ["1", "1000"]
    assert "KiB" in rows["stored_bytes"] and "10.0 GiB" in rows["stored_bytes"]
    quotas = {q["quotaId"]: q for q in json.loads(run_cli("quota", "--json", env=env).out)["quotaUsage"]["quotas"]}
    assert int(quotas["stored_bytes"]["usage"]) == log.stat().st_size
