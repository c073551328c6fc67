"""The loglens CLI: arguments, configuration, exit codes and messages, against an in-process fake gateway."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from google.protobuf import timestamp_pb2

from loglens.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    log_file_pb2,
    log_file_pb2_grpc,
    report_pb2,
)
from loglens_analysis.engine import analyze
from loglens_cli.__main__ import build_parser, main
from loglens_cli.commands import display_width
from loglens_cli.config import ConfigFile, Credentials, resolve
from loglens_cli.errors import ExitCode, from_rpc_error
from loglens_cli.progress import ProgressBar
from loglens_common.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    ResourceExhausted,
    not_found,
    to_grpc_status,
)
from loglens_gateway.domain import check_password
from loglens_ingest.domain import validate_metadata
from loglens_loggen import generate_lines

GOOD = "good-token"
PASSWORD = "correct horse battery staple"
Run = analysis_pb2.AnalysisRun


# --------------------------------------------------------------------------------------------------------
# A fake gateway: just enough of the three services, with the real error shapes
# --------------------------------------------------------------------------------------------------------


@dataclass
class FakeGateway:
    files: dict[str, log_file_pb2.LogFile] = field(default_factory=dict)
    data: dict[str, bytes] = field(default_factory=dict)
    runs: dict[str, list[analysis_pb2.AnalysisRun]] = field(default_factory=dict)
    refreshed: list[str] = field(default_factory=list)
    uploads: list[log_file_pb2.UploadLogFileMetadata] = field(default_factory=list)
    logged_out: list[str] = field(default_factory=list)


def _authorized(context: grpc.ServicerContext, tokens: tuple[str, ...] = (GOOD, "fresh-token")) -> None:
    auth = dict(context.invocation_metadata()).get("authorization", "")
    if auth.removeprefix("Bearer ") not in tokens:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, "the access token is invalid or expired")


def _in(seconds: int) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.GetCurrentTime()
    ts.FromSeconds(ts.seconds + seconds)
    return ts


class LogFiles(log_file_pb2_grpc.LogFileServiceServicer):
    def __init__(self, state: FakeGateway) -> None:
        self.state = state

    def UploadLogFile(self, request_iterator, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        meta = next(request_iterator).metadata
        data = b"".join(r.chunk for r in request_iterator)
        if meta.HasField("declared_size_bytes") and meta.declared_size_bytes != len(data):
            context.abort_with_status(to_grpc_status(InvalidArgument("size differs", reason="SIZE_MISMATCH")))
        if len(data) > 10 << 20:
            context.abort_with_status(to_grpc_status(ResourceExhausted("too large", reason="FILE_TOO_LARGE")))
        self.state.uploads.append(meta)
        name = f"logFiles/f{len(self.state.files) + 1}"
        log_file = log_file_pb2.LogFile(
            name=name, filename=meta.filename, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
            service=meta.service, labels=dict(meta.labels), create_time=_in(0),
        )  # fmt: skip
        self.state.files[name] = log_file
        self.state.data[name] = data
        self.state.runs[name] = []
        if not meta.HasField("analyze") or meta.analyze:
            failed = b"POISON" in data
            run = Run(name=f"{name}/analysisRuns/r1", state=Run.STATE_FAILED if failed else Run.STATE_SUCCEEDED,
                      bytes_done=len(data), bytes_total=len(data), lines_done=data.count(b"\n"),
                      failure_reason="the input is not a log" if failed else "")  # fmt: skip
            run.create_time.CopyFrom(_in(0))
            self.state.runs[name].append(run)
            if meta.service != "old-server":  # a server from before uploads named their run answers without
                log_file.analysis_run = run.name
        return log_file_pb2.UploadLogFileResponse(log_file=log_file, analysis_run=log_file.analysis_run)

    def GetLogFile(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        if request.name not in self.state.files:
            context.abort_with_status(to_grpc_status(not_found(request.name)))
        return log_file_pb2.GetLogFileResponse(log_file=self.state.files[request.name])

    def ListLogFiles(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        files = [f for f in reversed(self.state.files.values()) if not request.service or f.service == request.service]
        return log_file_pb2.ListLogFilesResponse(log_files=files)

    def DeleteLogFile(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        if self.state.files.pop(request.name, None) is None:
            context.abort_with_status(to_grpc_status(not_found(request.name)))
        self.state.runs.pop(request.name, None)
        return log_file_pb2.DeleteLogFileResponse()


class Analysis(analysis_pb2_grpc.AnalysisServiceServicer):
    def __init__(self, state: FakeGateway) -> None:
        self.state = state

    def _run(self, name: str, context: grpc.ServicerContext) -> analysis_pb2.AnalysisRun:
        parent = name.split("/analysisRuns/")[0]
        for run in self.state.runs.get(parent, []):
            if run.name == name:
                return run
        context.abort_with_status(to_grpc_status(not_found(name)))
        raise AssertionError  # unreachable

    def ListAnalysisRuns(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        if request.parent not in self.state.runs:
            context.abort_with_status(to_grpc_status(not_found(request.parent)))
        return analysis_pb2.ListAnalysisRunsResponse(analysis_runs=list(reversed(self.state.runs[request.parent])))

    def GetAnalysisRun(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        return analysis_pb2.GetAnalysisRunResponse(analysis_run=self._run(request.name, context))

    def WatchAnalysisRun(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        run = self._run(request.name, context)
        running = Run(name=run.name, state=Run.STATE_RUNNING, bytes_total=run.bytes_total)
        yield analysis_pb2.WatchAnalysisRunResponse(analysis_run=running)
        yield analysis_pb2.WatchAnalysisRunResponse(analysis_run=run)

    def CancelAnalysisRun(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        run = self._run(request.name, context)
        if run.state in (Run.STATE_SUCCEEDED, Run.STATE_FAILED, Run.STATE_CANCELLED):
            error = FailedPrecondition(
                f"{run.name} is already {Run.State.Name(run.state).removeprefix('STATE_')}; only QUEUED or RUNNING"
                " runs can be cancelled",
                reason="RUN_FINISHED",
            )
            context.abort_with_status(to_grpc_status(error))
        run.state = Run.STATE_CANCELLED
        return analysis_pb2.CancelAnalysisRunResponse(analysis_run=run)

    def GetAnalysisReport(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        run = self._run(request.name.removesuffix("/report"), context)
        if run.state != Run.STATE_SUCCEEDED:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "the run has no report")
        data = self.state.data[run.name.split("/analysisRuns/")[0]]
        return analysis_pb2.GetAnalysisReportResponse(report=analyze([data]))


class Auth(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, state: FakeGateway) -> None:
        self.state = state

    def Register(self, request, context):  # type: ignore[no-untyped-def]
        if len(request.password) < 12:
            error = InvalidArgument(
                "the password is too short", reason="WEAK_PASSWORD", violations=[FieldViolation("password", "12+")]
            )
            context.abort_with_status(to_grpc_status(error))
        user = auth_pb2.User(name="users/u2", username=request.username, email=request.email)
        return auth_pb2.RegisterResponse(user=user)

    def Login(self, request, context):  # type: ignore[no-untyped-def]
        if request.password != PASSWORD:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "wrong username or password")
        return auth_pb2.LoginResponse(
            access_token=GOOD, access_token_expire_time=_in(900), refresh_token="refresh-1",
            refresh_token_expire_time=_in(86400), user=auth_pb2.User(name="users/u1", username=request.username),
        )  # fmt: skip

    def Refresh(self, request, context):  # type: ignore[no-untyped-def]
        self.state.refreshed.append(request.refresh_token)
        if request.refresh_token != "refresh-1":
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "the refresh token was already used")
        return auth_pb2.RefreshResponse(
            access_token="fresh-token", access_token_expire_time=_in(900), refresh_token="refresh-2",
            refresh_token_expire_time=_in(86400),
        )  # fmt: skip

    def Logout(self, request, context):  # type: ignore[no-untyped-def]
        self.state.logged_out.append(request.refresh_token)
        return auth_pb2.LogoutResponse()

    def LogoutAll(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        return auth_pb2.LogoutAllResponse(revoked_session_count=3)

    def ChangePassword(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        if request.current_password != PASSWORD:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "the username or password is wrong")
        return auth_pb2.ChangePasswordResponse(
            access_token="fresh-token", access_token_expire_time=_in(900), refresh_token="refresh-1",
            refresh_token_expire_time=_in(86400), revoked_session_count=2,
        )  # fmt: skip

    def GetMe(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        return auth_pb2.GetMeResponse(
            user=auth_pb2.User(name="users/u1", username="alice", email="a@example.com"), credential_type="jwt"
        )

    def CreateApiKey(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        if not request.api_key.display_name:
            error = InvalidArgument("bad key", reason="INVALID_FIELD", violations=[FieldViolation("api_key", "empty")])
            context.abort_with_status(to_grpc_status(error))
        key = auth_pb2.ApiKey(name="apiKeys/k1", display_name=request.api_key.display_name, key_prefix="llk_ab")
        return auth_pb2.CreateApiKeyResponse(api_key=key, secret="llk_abcdef")

    def ListApiKeys(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        key = auth_pb2.ApiKey(name="apiKeys/k1", display_name="ci", key_prefix="llk_ab", create_time=_in(0))
        return auth_pb2.ListApiKeysResponse(api_keys=[key])

    def RevokeApiKey(self, request, context):  # type: ignore[no-untyped-def]
        _authorized(context)
        if request.name != "apiKeys/k1":
            context.abort_with_status(to_grpc_status(not_found(request.name)))
        return auth_pb2.RevokeApiKeyResponse(api_key=auth_pb2.ApiKey(name=request.name, revoke_time=_in(0)))


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, FakeGateway]]:
    state = FakeGateway()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    log_file_pb2_grpc.add_LogFileServiceServicer_to_server(LogFiles(state), server)
    analysis_pb2_grpc.add_AnalysisServiceServicer_to_server(Analysis(state), server)
    auth_pb2_grpc.add_AuthServiceServicer_to_server(Auth(state), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}", state
    server.stop(0)


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
def env(fake: tuple[str, FakeGateway], tmp_path: Path) -> dict[str, str]:
    return {"LOGLENS_SERVER": fake[0], "LOGLENS_TOKEN": GOOD, "LOGLENS_CONFIG": str(tmp_path / "config.toml")}


@pytest.fixture
def app_log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text("\n".join(generate_lines(3000, seed=5, kind="app")) + "\n")
    return path


# --------------------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------------------


def test_connection_flags_work_before_and_after_the_command() -> None:
    parser = build_parser()
    before = parser.parse_args(["--server", "h:1", "--timeout", "5", "ls", "--limit", "3"])
    after = parser.parse_args(["ls", "--server", "h:1", "--timeout", "5", "--limit", "3"])
    for args in (before, after):
        assert (args.server, args.timeout, args.limit) == ("h:1", 5.0, 3)
    upload = parser.parse_args(["upload", "a.log", "b.log", "--label", "env=ci", "--label", "team=x", "--wait"])
    assert upload.files == ["a.log", "b.log"] and upload.label == ["env=ci", "team=x"] and upload.wait


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "usage"),
        (["upload"], "the following arguments are required: FILE"),
        (["report", "logFiles/x", "--format", "pdf"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        (["api-keys"], "required"),
        (["ls", "--limit", "many"], "invalid int value"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(*argv, env={})
    assert result.code == ExitCode.USAGE
    assert message in result.err + capsys.readouterr().err


def test_help_lists_exit_codes_and_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--help", env={}).code == 0
    text = capsys.readouterr().out
    assert "exit codes:" in text and "LOGLENS_API_KEY" in text and "config.toml" in text
    for code in ExitCode:
        assert f"\n  {code.value} " in text
    assert "loglens cancel" in text


@pytest.mark.parametrize("command", ["upload", "ls", "cancel", "report", "login", "api-keys"])
def test_subcommand_help_points_at_the_exit_codes_instead_of_repeating_them(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(command, "--help", env={}).code == 0
    text = capsys.readouterr().out
    assert "130 interrupted" not in text and "\n  8 " not in text
    assert text.rstrip().endswith("exit codes: see `loglens --help`")


# --------------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------------


def test_flags_beat_the_environment_which_beats_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    ConfigFile(path, server="saved:1", credentials=Credentials(access_token="saved-token")).save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    base = {"LOGLENS_CONFIG": str(path)}
    assert (resolve(base).server, resolve(base).token, resolve(base).source) == ("saved:1", "saved-token", "config")
    env = base | {"LOGLENS_SERVER": "saved:1", "LOGLENS_API_KEY": "key"}
    assert (resolve(env).token, resolve(env).source) == ("key", "LOGLENS_API_KEY")
    env |= {"LOGLENS_TOKEN": "tok"}
    assert resolve(env).token == "tok"
    assert resolve(env, server_flag="flag:2").server == "flag:2"
    tls = resolve(base | {"LOGLENS_SERVER": "https://loglens.example.com"})
    assert (tls.server, tls.tls) == ("loglens.example.com:443", True)


def test_saved_credentials_are_never_sent_to_another_server(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    ConfigFile(path, server="saved:1", credentials=Credentials(access_token="secret")).save()
    other = resolve({"LOGLENS_CONFIG": str(path), "LOGLENS_SERVER": "evil:1"})
    assert other.token == "" and other.server == "evil:1"


def test_config_round_trip_keeps_unknown_keys_and_odd_characters(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('server = "h:1"\ncolor = "auto"\n[credentials]\nusername = "a\\"b\\\\c ✓"\n')
    config = ConfigFile.load(path)
    config.save()
    again = ConfigFile.load(path)
    assert again.other == {"color": "auto"} and again.credentials.username == 'a"b\\c ✓'


def test_a_broken_config_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("server = [unclosed\n")
    result = run_cli("ls", env={"LOGLENS_CONFIG": str(path)})
    assert result.code == ExitCode.USAGE and "not valid TOML" in result.err


# --------------------------------------------------------------------------------------------------------
# Errors and exit codes
# --------------------------------------------------------------------------------------------------------


class FakeRpcError(grpc.RpcError):
    def __init__(self, status: grpc.Status) -> None:
        self._status = status

    def code(self) -> grpc.StatusCode:
        return self._status.code

    def details(self) -> str:
        return str(self._status.details)

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        return tuple(self._status.trailing_metadata)


def test_rich_errors_become_one_line_with_code_reason_and_fields() -> None:
    error = InvalidArgument(
        "labels are invalid", reason="INVALID_LABEL", violations=[FieldViolation("labels", "keys are lowercase")]
    )
    cli = from_rpc_error(FakeRpcError(to_grpc_status(error)), "h:1")
    assert cli.code == ExitCode.REJECTED
    assert cli.message == "labels are invalid (labels: keys are lowercase) [INVALID_ARGUMENT/INVALID_LABEL]"
    limited = ResourceExhausted("slow down", reason="RATE_LIMITED", retry_after_s=7)
    assert "retry in 7s" in from_rpc_error(FakeRpcError(to_grpc_status(limited)), "h:1").message
    assert from_rpc_error(FakeRpcError(to_grpc_status(not_found("logFiles/x"))), "h").code == ExitCode.NOT_FOUND


def test_messages_say_each_thing_once() -> None:
    """The server's message already holds the field's description or the retry delay: not said twice."""
    limited = ResourceExhausted("too many attempts from this address; retry in 11 s", reason="RATE_LIMITED",
                                retry_after_s=11)  # fmt: skip
    message = from_rpc_error(FakeRpcError(to_grpc_status(limited)), "h:1").message
    assert message == "too many attempts from this address; retry in 11 s [RESOURCE_EXHAUSTED/RATE_LIMITED]"
    with pytest.raises(InvalidArgument) as weak:
        check_password("short", "alice", "alice@example.com")
    message = from_rpc_error(FakeRpcError(to_grpc_status(weak.value)), "h:1").message
    assert message.count("too weak") == 1 and "(" not in message.replace("(a few", ""), message
    with pytest.raises(InvalidArgument) as bad:
        validate_metadata(
            filename="", content_type="", labels={}, service="", request_id="", declared_size=None,
            declared_sha256="", analyze=True, max_bytes=10,
        )  # fmt: skip
    message = from_rpc_error(FakeRpcError(to_grpc_status(bad.value)), "h:1").message
    assert message.count("metadata.filename") == 1, message


def test_a_wrong_password_at_login_does_not_advise_logging_in(env: dict[str, str]) -> None:
    env = {k: v for k, v in env.items() if k != "LOGLENS_TOKEN"}
    wrong = run_cli("login", "-u", "alice", "--password-stdin", env=env, stdin="nope\n")
    assert wrong.err == "loglens: error: wrong username or password [UNAUTHENTICATED]\n"
    refused = run_cli("ls", env=env | {"LOGLENS_TOKEN": "forged"})
    assert "run `loglens login`" in refused.err  # elsewhere logging in is the fix


def test_no_credential_exits_3(env: dict[str, str]) -> None:
    result = run_cli("ls", env={k: v for k, v in env.items() if k != "LOGLENS_TOKEN"})
    assert result.code == ExitCode.AUTH and "loglens login" in result.err


def test_a_refused_credential_exits_3(env: dict[str, str]) -> None:
    result = run_cli("ls", env=env | {"LOGLENS_TOKEN": "forged"})
    assert result.code == ExitCode.AUTH
    assert result.err.startswith("loglens: error: the access token is invalid or expired;")
    assert "[UNAUTHENTICATED]" in result.err


def test_an_unreachable_server_exits_6(env: dict[str, str]) -> None:
    result = run_cli("ls", "--timeout", "5", env=env | {"LOGLENS_SERVER": "127.0.0.1:1"})
    assert result.code == ExitCode.UNAVAILABLE
    assert "cannot reach the LogLens server at 127.0.0.1:1" in result.err and result.err.count("\n") == 1


def test_missing_things_exit_4(env: dict[str, str]) -> None:
    result = run_cli("delete", "nope", env=env)
    assert result.code == ExitCode.NOT_FOUND
    assert result.err == "loglens: error: logFiles/nope was not found [NOT_FOUND/RESOURCE_NOT_FOUND]\n"
    assert run_cli("runs", "logFiles/nope", env=env).code == ExitCode.NOT_FOUND
    assert run_cli("api-keys", "revoke", "k9", env=env).code == ExitCode.NOT_FOUND


def test_local_mistakes_exit_2(env: dict[str, str], app_log: Path) -> None:
    assert run_cli("upload", str(app_log.with_name("missing.log")), env=env).code == ExitCode.USAGE
    assert run_cli("upload", str(app_log), "--wait", "--no-analyze", env=env).code == ExitCode.USAGE
    assert run_cli("upload", str(app_log), "--label", "novalue", env=env).code == ExitCode.USAGE
    assert run_cli("runs", "logFiles/a/analysisRuns/b", env=env).code == ExitCode.USAGE


# --------------------------------------------------------------------------------------------------------
# Commands against the fake gateway
# --------------------------------------------------------------------------------------------------------


def test_upload_wait_ls_runs_report_delete(env: dict[str, str], app_log: Path, tmp_path: Path) -> None:
    result = run_cli("upload", str(app_log), "--service", "orders", "--label", "env=ci", "--wait", env=env)
    assert result.code == 0, result.err
    name, summary = result.out.splitlines()[0], result.out.splitlines()[1:]
    assert name.startswith("logFiles/f")
    assert summary[0] == f"{name}/analysisRuns/r1 SUCCEEDED"
    assert "3,000 lines" in summary[1] and "errors" in summary[1]
    assert "uploaded app.log" in result.err and "/s)" in result.err

    listed = run_cli("ls", "--service", "orders", env=env)
    assert listed.out.splitlines()[0].split() == ["NAME", "FILENAME", "SERVICE", "SIZE", "CREATED", "LABELS"]
    assert name in listed.out and "env=ci" in listed.out
    as_json = json.loads(run_cli("ls", "--json", env=env).out)
    assert as_json[0]["name"] == name and as_json[0]["labels"] == {"env": "ci"}

    runs = run_cli("runs", name.removeprefix("logFiles/"), env=env)
    assert "SUCCEEDED" in runs.out and "100%" in runs.out

    html_path = tmp_path / "r.html"
    report = run_cli("report", name, "--format", "html", "-o", str(html_path), env=env)
    assert report.code == 0 and "wrote the html report" in report.err
    assert "<title>app.log · LogLens</title>" in html_path.read_text()
    text = run_cli("report", f"{name}/analysisRuns/r1", env=env)
    assert text.out.startswith("app.log\n") and "Top patterns" in text.out
    as_report = json.loads(run_cli("report", name, "-f", "json", env=env).out)
    assert int(as_report["lineCount"]) == 3000

    assert run_cli("report", name, "-o", os.devnull, "--fail-on", "error", env=env).code == ExitCode.FINDINGS
    assert run_cli("report", name, "-o", os.devnull, "--fail-on", "fatal", env=env).code == 0

    deleted = run_cli("delete", name, env=env)
    assert deleted.out == f"deleted {name}\n"
    assert run_cli("runs", name, env=env).code == ExitCode.NOT_FOUND


def test_upload_sends_metadata_declared_size_and_chunks(
    env: dict[str, str], fake: tuple[str, FakeGateway], tmp_path: Path
) -> None:
    big = tmp_path / "big.log"
    big.write_bytes(b"2024-05-01 00:00:00 INFO hello\n" * 100_000)  # 3 MiB: several chunks
    result = run_cli("upload", str(big), "--no-analyze", "--label", "a=1", "--name", "renamed.log", env=env)
    assert result.code == 0, result.err
    meta = fake[1].uploads[-1]
    assert (meta.filename, dict(meta.labels), meta.analyze) == ("renamed.log", {"a": "1"}, False)
    assert meta.declared_size_bytes == big.stat().st_size
    assert fake[1].files[result.out.strip()].sha256 == hashlib.sha256(big.read_bytes()).hexdigest()


def test_upload_sends_the_time_hints_as_given(
    env: dict[str, str], fake: tuple[str, FakeGateway], app_log: Path
) -> None:
    assert run_cli("upload", str(app_log), "--timezone", "Europe/Berlin", "--year", "2005", env=env).code == 0
    meta = fake[1].uploads[-1]
    assert (meta.time_zone, meta.HasField("year"), meta.year) == ("Europe/Berlin", True, 2005)
    # Not judged here: the server is the one source of truth for zone names and year ranges.
    assert run_cli("upload", str(app_log), "--timezone", "Mars/Olympus", "--year", "1", env=env).code == 0
    assert (fake[1].uploads[-1].time_zone, fake[1].uploads[-1].year) == ("Mars/Olympus", 1)
    assert run_cli("upload", str(app_log), env=env).code == 0
    meta = fake[1].uploads[-1]
    assert (meta.time_zone, meta.HasField("year")) == ("", False)  # no hints: none sent


@pytest.mark.parametrize("year", ["twenty", "2005.5", str(2**31)])
def test_a_year_that_is_not_an_int32_is_a_usage_error(env: dict[str, str], app_log: Path, year: str) -> None:
    result = run_cli("upload", str(app_log), "--year", year, env=env)
    assert result.code == ExitCode.USAGE and "--year" in result.err


def test_upload_from_stdin(env: dict[str, str], fake: tuple[str, FakeGateway]) -> None:
    out, err = io.StringIO(), io.StringIO()

    class Stdin(io.StringIO):
        buffer = io.BytesIO(b"line one\nline two\n")

    code = main(["upload", "-", "--name", "piped.log", "--json"], stdout=out, stderr=err, stdin=Stdin(), env=env)
    assert code == 0, err.getvalue()
    assert json.loads(out.getvalue())["logFile"]["filename"] == "piped.log"
    assert not fake[1].uploads[-1].HasField("declared_size_bytes")


def test_a_failed_analysis_exits_5(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.log"
    bad.write_text("POISON\n")
    result = run_cli("upload", str(bad), "--wait", env=env)
    assert result.code == ExitCode.ANALYSIS_FAILED
    assert "FAILED: the input is not a log" in result.err
    name = result.out.strip()
    assert run_cli("watch", name, env=env).code == ExitCode.ANALYSIS_FAILED
    report = run_cli("report", name, env=env)
    assert report.code == ExitCode.ANALYSIS_FAILED and "has no report" in report.err


def test_login_saves_a_session_and_refreshes_it(
    env: dict[str, str], fake: tuple[str, FakeGateway], tmp_path: Path
) -> None:
    env = {k: v for k, v in env.items() if k != "LOGLENS_TOKEN"}
    wrong = run_cli("login", "-u", "alice", "--password-stdin", env=env, stdin="nope\n")
    assert wrong.code == ExitCode.AUTH and "wrong username or password" in wrong.err
    ok = run_cli("login", "-u", "alice", "--password-stdin", env=env, stdin=PASSWORD + "\n")
    assert ok.code == 0, ok.err
    config = ConfigFile.load(Path(env["LOGLENS_CONFIG"]))
    assert config.server == env["LOGLENS_SERVER"] and config.credentials.access_token == GOOD
    assert PASSWORD not in Path(env["LOGLENS_CONFIG"]).read_text()
    assert "alice" in run_cli("whoami", env=env).out

    config.credentials.access_token_expire_time = "2000-01-01T00:00:00Z"  # expired: refreshed before the call
    config.save()
    assert run_cli("whoami", env=env).code == 0
    assert fake[1].refreshed[-1] == "refresh-1"
    assert ConfigFile.load(config.path).credentials.refresh_token == "refresh-2"

    stale = ConfigFile.load(config.path)
    stale.credentials.access_token_expire_time = "2000-01-01T00:00:00Z"
    stale.save()  # refresh-2 is unknown to the fake: the session is over
    result = run_cli("ls", env=env)
    assert result.code == ExitCode.AUTH and "session has expired" in result.err

    assert run_cli("login", "-u", "alice", "--password-stdin", env=env, stdin=PASSWORD + "\n").code == 0
    changed = run_cli("passwd", "--password-stdin", env=env, stdin=f"{PASSWORD}\nanother long password\n")
    assert changed.code == 0 and "2 session(s) ended, a new one is saved" in changed.err
    assert ConfigFile.load(config.path).credentials.access_token == "fresh-token"
    wrong = run_cli("passwd", "--password-stdin", env=env, stdin="not it\nanother long password\n")
    assert wrong.code == ExitCode.AUTH and "password is wrong" in wrong.err
    assert run_cli("passwd", env=env).code == ExitCode.USAGE  # no terminal, no --password-stdin

    logged_out = run_cli("logout", env=env)
    assert logged_out.code == 0 and "the session is ended on" in logged_out.err
    assert fake[1].logged_out[-1] == "refresh-1"  # the server was told, with the session's refresh token
    assert ConfigFile.load(config.path).credentials == Credentials()
    assert "No saved session" in run_cli("logout", env=env).err

    assert run_cli("login", "-u", "alice", "--password-stdin", env=env, stdin=PASSWORD + "\n").code == 0
    everywhere = run_cli("logout", "--all", env=env)
    assert everywhere.code == 0 and "Ended 3 session(s)" in everywhere.err
    assert ConfigFile.load(config.path).credentials == Credentials()


@pytest.mark.parametrize(
    ("server", "refused"),
    [
        ("127.0.0.1:50051", False),
        ("localhost:50051", False),
        ("[::1]:50051", False),
        ("app.localhost:50051", False),
        ("unix:/run/loglens.sock", False),
        ("logs.example.com:50051", True),
        ("10.0.0.7:50051", True),
        ("http://logs.example.com", True),
        ("https://logs.example.com", False),
        ("grpcs://logs.example.com:8443", False),
    ],
)
def test_credentials_never_go_in_plaintext_to_a_remote_host(server: str, refused: bool, tmp_path: Path) -> None:
    env = {"LOGLENS_SERVER": server, "LOGLENS_TOKEN": GOOD, "LOGLENS_CONFIG": str(tmp_path / "c.toml")}
    # --timeout 0.2: the allowed cases try to connect (to nothing) and fail fast with "unreachable".
    result = run_cli("ls", "--timeout", "0.2", env=env)
    if refused:
        assert result.code == ExitCode.PLAINTEXT == 9
        assert "refusing to send credentials unencrypted to" in result.err and "--insecure" in result.err
        login = run_cli("login", "-u", "a", "--password-stdin", env=env, stdin=PASSWORD + "\n")
        assert login.code == ExitCode.PLAINTEXT  # the password is never sent either
        result = run_cli("ls", "--insecure", "--timeout", "0.2", env=env)
    assert result.code != ExitCode.PLAINTEXT and "refusing" not in result.err


def test_insecure_and_its_exit_code_are_documented() -> None:
    text = build_parser().format_help()
    assert "--insecure" in text and "9  refused to send a password or token unencrypted" in text


def test_register(env: dict[str, str]) -> None:
    weak = run_cli("register", "-u", "bob", "-e", "b@example.com", "--password-stdin", env=env, stdin="short\n")
    assert weak.code == ExitCode.REJECTED and "(password: 12+)" in weak.err
    ok = run_cli("register", "-u", "bob", "-e", "b@example.com", "--password-stdin", env=env, stdin=PASSWORD)
    assert ok.code == 0 and ok.out == "users/u2\n" and "loglens login" in ok.err


def test_login_without_a_terminal_wants_password_stdin(env: dict[str, str]) -> None:
    result = run_cli("login", "-u", "alice", env=env)
    assert result.code == ExitCode.USAGE and "--password-stdin" in result.err


def test_api_keys(env: dict[str, str]) -> None:
    created = run_cli("api-keys", "create", "--name", "ci", env=env)
    assert created.out == "llk_abcdef\n" and "shown only this once" in created.err
    invalid = run_cli("api-keys", "create", env=env)
    assert invalid.code == ExitCode.REJECTED and "(api_key: empty)" in invalid.err
    listed = run_cli("api-keys", "list", env=env)
    assert "apiKeys/k1" in listed.out and "active" in listed.out
    assert run_cli("api-keys", "revoke", "k1", env=env).out == "revoked apiKeys/k1\n"


def test_progress_bar_draws_rate_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = ProgressBar("app.log", 10 << 20, stream, enabled=True)
    bar.REDRAW_S = 0.0
    bar.set(5 << 20)
    line = bar.line()
    assert "50.0%" in line and "5.0 MiB/10.0 MiB" in line and "/s" in line
    assert "\r" in stream.getvalue()
    bar.close()
    quiet = io.StringIO()
    silent = ProgressBar("x", 10, quiet, enabled=False)
    silent.set(5)
    silent.close()
    assert quiet.getvalue() == ""


def test_report_text_has_no_terminal_escapes_from_the_log(env: dict[str, str], tmp_path: Path) -> None:
    evil = tmp_path / "evil\x1b[31m.log"
    evil.write_text("2024-05-01 00:00:00 ERROR boom \x1b]0;pwned\x07 id=1\n" * 5)
    result = run_cli("upload", str(evil), "--wait", env=env)
    assert result.code == 0, result.err
    assert "\x1b" not in result.out + result.err
    report = run_cli("report", result.out.splitlines()[0], env=env)
    assert "\x1b" not in report.out and "\x07" not in report.out
    assert isinstance(report_pb2.LEVEL_ERROR, int)


def test_upload_wait_follows_the_run_the_upload_named(
    env: dict[str, str], app_log: Path, fake: tuple[str, FakeGateway]
) -> None:
    for service in ("orders", "old-server"):  # named in the answer; or listed, from an older server
        result = run_cli("upload", str(app_log), "--service", service, "--wait", "--json", env=env)
        assert result.code == 0, result.err
        entry = json.loads(result.out)
        assert entry["analysisRun"]["name"] == entry["logFile"]["name"] + "/analysisRuns/r1"
        assert entry["analysisRun"]["state"] == "STATE_SUCCEEDED"


def test_cancel(env: dict[str, str], app_log: Path, fake: tuple[str, FakeGateway]) -> None:
    name = run_cli("upload", str(app_log), env=env).out.strip()
    run = fake[1].runs[name][0]
    run.state = Run.STATE_RUNNING
    result = run_cli("cancel", run.name, env=env)
    assert (result.code, result.out) == (0, f"{run.name} CANCELLED\n")
    again = run_cli("cancel", name, env=env)  # a log file: its newest run
    assert again.code == ExitCode.REJECTED
    assert again.err == (
        f"loglens: error: {run.name} is already CANCELLED; only QUEUED or RUNNING runs can be cancelled"
        " [FAILED_PRECONDITION/RUN_FINISHED]\n"
    )
    assert run_cli("cancel", name + "/analysisRuns/nope", env=env).code == ExitCode.NOT_FOUND


def test_ls_aligns_columns_by_display_width(env: dict[str, str], tmp_path: Path) -> None:
    names = ["日本語のログ.log", "app.log", "café\u0301.log", "🚀launch.log"]
    for filename in names:
        path = tmp_path / "x.log"
        path.write_text("2026-01-01T00:00:00Z INFO hello\n")
        assert run_cli("upload", str(path), "--name", filename, "--service", "wide", "--no-analyze", env=env).code == 0
    lines = run_cli("ls", "--service", "wide", env=env).out.splitlines()
    assert len(lines) == 1 + len(names)
    columns = {display_width(line[: line.index("wide")]) for line in lines[1:]}
    assert len(columns) == 1, lines  # the SERVICE column starts at the same terminal column on every row
    assert display_width("日本") == 4 and display_width("e\u0301") == 1 and display_width("🚀") == 2


def test_make_run_ends_with_the_next_three_commands_a_newcomer_types() -> None:
    from loglens_devstack.__main__ import next_steps

    account = {"username": "demo", "password": "s3cret-pw"}
    text = next_steps("127.0.0.1:50051", 50080, account, "eyJtoken", "logFiles/f1/analysisRuns/r1")
    commands = [line.split("    #")[0].strip() for line in text.splitlines()[1:]]
    assert commands == [
        "loglens login -u demo",
        "loglens upload app.log --wait",
        "curl -s -H 'Authorization: Bearer eyJtoken' http://127.0.0.1:50080/v1/logFiles/f1/analysisRuns/r1/report:html"
        " -o report.html",
    ]
    assert "password: s3cret-pw" in text and "make install-cli" in text and "grpcurl" not in text
    moved = next_steps("127.0.0.1:60051", 60080, account, "eyJtoken", "")  # another port base, no sample report
    assert "loglens login --server 127.0.0.1:60051 -u demo" in moved
    assert "loglens report logFiles/ID --format html -o report.html" in moved
