"""One function per command. Results go to ``ctx.out``; progress and messages to ``ctx.err``."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import IO, Any, TextIO

import grpc
from google.protobuf import json_format

from loglens.v1 import analysis_pb2, auth_pb2, log_file_pb2, quota_pb2, report_pb2
from loglens_common.text import visible_name
from loglens_presentation import render, render_comparison
from loglens_presentation.reading import human_bytes, human_duration, level_name

from .client import TERMINAL_STATES, Gateway, _iso
from .config import Settings, resolve
from .errors import CliError, ExitCode
from .progress import ProgressBar

CHUNK = 1 << 20  # the most an upload message may carry
LOG_FILE_PREFIX = "logFiles/"
RUN_SEGMENT = "/analysisRuns/"
FAIL_ON = {"warn": report_pb2.LEVEL_WARN, "error": report_pb2.LEVEL_ERROR, "fatal": report_pb2.LEVEL_FATAL}
Run = analysis_pb2.AnalysisRun


@dataclass
class Context:
    args: argparse.Namespace
    out: TextIO
    err: TextIO
    stdin: IO[str]
    env: Mapping[str, str]
    _settings: Settings | None = None
    _gateway: Gateway | None = None
    exit_code: ExitCode = ExitCode.OK
    closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = resolve(
                self.env, server_flag=getattr(self.args, "server", None), config_flag=getattr(self.args, "config", None)
            )
        return self._settings

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            self._gateway = Gateway(
                self.settings, float(getattr(self.args, "timeout", 30.0)), bool(getattr(self.args, "insecure", False))
            )
            self.closers.append(self._gateway.close)
        return self._gateway

    @property
    def quiet(self) -> bool:
        return bool(getattr(self.args, "quiet", False))

    @property
    def progress(self) -> bool:
        return not self.quiet and self.err.isatty()

    def say(self, message: str) -> None:
        """A message for the person at the terminal (stderr, so stdout stays parseable)."""
        if not self.quiet:
            print(message, file=self.err)

    def fail_with(self, code: ExitCode) -> None:
        """Remember the worst outcome of a command that goes on with its other inputs."""
        order = (ExitCode.OK, ExitCode.FINDINGS, ExitCode.ANALYSIS_FAILED)
        if order.index(code) > order.index(self.exit_code):
            self.exit_code = code


# --------------------------------------------------------------------------------------------------------
# Names and formatting
# --------------------------------------------------------------------------------------------------------


def log_file_name(text: str) -> str:
    text = text.strip().strip("/")
    if RUN_SEGMENT in "/" + text:
        raise CliError(f"{text!r} is an analysis run; give a log file (logFiles/ID)", ExitCode.USAGE)
    name = text if text.startswith(LOG_FILE_PREFIX) else LOG_FILE_PREFIX + text
    if name == LOG_FILE_PREFIX or "/" in name[len(LOG_FILE_PREFIX) :]:
        raise CliError(f"{text!r} is not a log file name (logFiles/ID or ID)", ExitCode.USAGE)
    return name


def api_key_name(text: str) -> str:
    text = text.strip().strip("/")
    return text if text.startswith("apiKeys/") else "apiKeys/" + text


def when(ts: Any) -> str:
    if not ts.seconds and not ts.nanos:
        return "-"
    return str(ts.ToDatetime(tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%SZ"))


def state_name(state: int) -> str:
    try:
        return Run.State.Name(state).removeprefix("STATE_")  # type: ignore[arg-type]
    except ValueError:
        return str(state)


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: wide and fullwidth characters (CJK, most emoji) take two, combining
    marks and zero-width characters none."""
    width = 0
    for c in text:
        if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    return width


def table(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> None:
    widths = [max([display_width(h)] + [display_width(r[i]) for r in rows]) for i, h in enumerate(header)]

    def fmt(row: Sequence[str]) -> str:
        cells = []
        for i, c in enumerate(row):
            pad = " " * (widths[i] - display_width(c))
            cells.append(pad + c if i in right else c + pad)
        return "  ".join(cells).rstrip()

    print(fmt(header), file=out)
    for row in rows:
        print(fmt(row), file=out)


def as_json(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message)  # type: ignore[no-any-return]


def print_json(out: TextIO, value: Any) -> None:
    print(json.dumps(value, indent=2), file=out)


def clean(text: str) -> str:
    """Server text shown on a terminal, on one line: control, bidi and zero-width characters escaped (a file
    name is kept as given and could carry escape codes or a right-to-left override)."""
    return visible_name(text)


# --------------------------------------------------------------------------------------------------------
# Account
# --------------------------------------------------------------------------------------------------------


def _read_password(ctx: Context, prompt: str = "Password: ") -> str:
    if ctx.args.password_stdin:
        password = ctx.stdin.readline().rstrip("\r\n")
    elif ctx.stdin.isatty():
        password = getpass.getpass(prompt, stream=ctx.err)
    else:
        raise CliError("no terminal to ask for the password: pass it on stdin with --password-stdin", ExitCode.USAGE)
    if not password:
        raise CliError("the password is empty", ExitCode.USAGE)
    return password


def _read_username(ctx: Context) -> str:
    if ctx.args.username:
        return str(ctx.args.username)
    if ctx.stdin.isatty() and not ctx.args.password_stdin:
        ctx.err.write("Username: ")
        ctx.err.flush()
        name = ctx.stdin.readline().strip()
        if name:
            return name
    raise CliError("give the username with --username", ExitCode.USAGE)


def cmd_login(ctx: Context) -> None:
    username = _read_username(ctx)
    password = _read_password(ctx)
    gw = ctx.gateway
    reply = gw.auth.Login(auth_pb2.LoginRequest(username=username, password=password), timeout=gw.timeout)
    config = ctx.settings.config
    config.server = ctx.settings.server if not ctx.settings.tls else f"https://{ctx.settings.server}"
    config.tls = False  # the scheme in `server` says it
    creds = config.credentials
    creds.username = reply.user.username or username
    creds.access_token = reply.access_token
    creds.access_token_expire_time = _iso(reply.access_token_expire_time)
    creds.refresh_token = reply.refresh_token
    creds.refresh_token_expire_time = _iso(reply.refresh_token_expire_time)
    creds.api_key = ""
    config.save()
    ctx.say(f"Logged in to {ctx.settings.server} as {clean(creds.username)}; the session is saved in {config.path}")
    if ctx.settings.source in ("LOGLENS_TOKEN", "LOGLENS_API_KEY"):
        ctx.say(f"note: {ctx.settings.source} is set and takes precedence over the saved session")


def _forget_session(ctx: Context) -> bool:
    """Remove the saved credentials; whether there were any."""
    config = ctx.settings.config
    had = any(vars(config.credentials).values())
    config.credentials = type(config.credentials)()
    if config.path.exists():
        config.save()
    return had


def cmd_logout(ctx: Context) -> None:
    settings = ctx.settings
    creds = settings.config.credentials
    if ctx.args.all:
        gw = ctx.gateway
        reply = gw.call(gw.auth.LogoutAll, auth_pb2.LogoutAllRequest())
        forgot = _forget_session(ctx) if settings.source == "config" else False
        ctx.say(
            f"Ended {reply.revoked_session_count} session(s) of your account"
            + (f"; credentials removed from {settings.config.path}" if forgot else "")
            + ". API keys still work: `loglens api-keys revoke` ends those."
        )
        return
    if settings.source == "config" and creds.refresh_token:
        gw = ctx.gateway
        try:
            gw.auth.Logout(auth_pb2.LogoutRequest(refresh_token=creds.refresh_token), timeout=gw.timeout)
        except grpc.RpcError as exc:
            # An expired or unknown token: the session is over already. Anything else: keep it, say so.
            if exc.code() != grpc.StatusCode.UNAUTHENTICATED:  # type: ignore[attr-defined]
                raise
        _forget_session(ctx)
        ctx.say(f"Logged out: the session is ended on {settings.server} and removed from {settings.config.path}")
        return
    had = _forget_session(ctx)
    ctx.say(f"Logged out; credentials removed from {settings.config.path}" if had else "No saved session.")
    if settings.source in ("LOGLENS_TOKEN", "LOGLENS_API_KEY"):
        ctx.say(f"note: {settings.source} is set in the environment; unset it too")


def cmd_passwd(ctx: Context) -> None:
    if ctx.args.password_stdin:
        current = ctx.stdin.readline().rstrip("\r\n")
        new = ctx.stdin.readline().rstrip("\r\n")
    elif ctx.stdin.isatty():
        current = getpass.getpass("Current password: ", stream=ctx.err)
        new = getpass.getpass("New password (12+ characters): ", stream=ctx.err)
        if getpass.getpass("New password again: ", stream=ctx.err) != new:
            raise CliError("the new passwords do not match; nothing was changed", ExitCode.USAGE)
    else:
        raise CliError(
            "no terminal to ask for the passwords: pass the current and the new one on two lines of stdin with "
            "--password-stdin",
            ExitCode.USAGE,
        )
    if not current or not new:
        raise CliError("the current and the new password are both needed", ExitCode.USAGE)
    gw = ctx.gateway
    reply = gw.call(gw.auth.ChangePassword, auth_pb2.ChangePasswordRequest(current_password=current, new_password=new))
    ended = f"{reply.revoked_session_count} session(s) ended"
    settings = ctx.settings
    if settings.source == "config":
        creds = settings.config.credentials
        creds.access_token = reply.access_token
        creds.access_token_expire_time = _iso(reply.access_token_expire_time)
        creds.refresh_token = reply.refresh_token
        creds.refresh_token_expire_time = _iso(reply.refresh_token_expire_time)
        settings.config.save()
        ctx.say(f"Password changed; {ended}, a new one is saved in {settings.config.path}")
    else:
        ctx.say(f"Password changed; {ended}. Run `loglens login` to start a new one.")


def cmd_register(ctx: Context) -> None:
    username = _read_username(ctx)
    password = _read_password(ctx, "Choose a password (12+ characters): ")
    gw = ctx.gateway
    reply = gw.auth.Register(
        auth_pb2.RegisterRequest(username=username, email=ctx.args.email, password=password), timeout=gw.timeout
    )
    ctx.say(f"Registered {clean(reply.user.username)} ({clean(reply.user.email)}); now run `loglens login`")
    print(reply.user.name, file=ctx.out)


def cmd_whoami(ctx: Context) -> None:
    gw = ctx.gateway
    reply = gw.call(gw.auth.GetMe, auth_pb2.GetMeRequest())
    if ctx.args.json:
        print_json(ctx.out, as_json(reply))
        return
    user = reply.user
    print(
        f"{clean(user.username)} <{clean(user.email)}> ({user.name}) via {reply.credential_type or '?'} "
        f"on {ctx.settings.server}",
        file=ctx.out,
    )


def _amount(value: int, unit: str) -> str:
    """A quota's number as people read it: bytes in KiB/MiB/GiB, anything else as a count."""
    return human_bytes(value) if unit == "bytes" else str(value)


def cmd_quota(ctx: Context) -> None:
    gw = ctx.gateway
    reply = gw.call(gw.quotas.GetQuotaUsage, quota_pb2.GetQuotaUsageRequest())
    if ctx.args.json:
        print_json(ctx.out, as_json(reply))
        return
    rows = [
        [
            q.quota_id,
            _amount(q.usage, q.unit),
            _amount(q.limit, q.unit),
            f"{100 * q.usage // q.limit}%" if q.limit else "",
            clean(q.description),
        ]
        for q in reply.quota_usage.quotas
    ]
    table(ctx.out, ["QUOTA", "USED", "LIMIT", "USE", "WHAT"], rows, right=(1, 2, 3))


def cmd_api_keys_create(ctx: Context) -> None:
    gw = ctx.gateway
    reply = gw.call(
        gw.auth.CreateApiKey, auth_pb2.CreateApiKeyRequest(api_key=auth_pb2.ApiKey(display_name=ctx.args.name))
    )
    if ctx.args.json:
        print_json(ctx.out, as_json(reply))
    else:
        print(reply.secret, file=ctx.out)
    ctx.say(
        f"Created {reply.api_key.name}. The secret above is shown only this once: store it now, and use it as "
        "LOGLENS_API_KEY=<secret>."
    )


def cmd_api_keys_list(ctx: Context) -> None:
    gw = ctx.gateway
    keys: list[auth_pb2.ApiKey] = []
    token = ""
    while True:
        reply = gw.call(gw.auth.ListApiKeys, auth_pb2.ListApiKeysRequest(page_size=200, page_token=token))
        keys += reply.api_keys
        token = reply.next_page_token
        if not token:
            break
    if ctx.args.json:
        print_json(ctx.out, [as_json(k) for k in keys])
        return
    rows = [
        [
            k.name,
            clean(k.display_name),
            k.key_prefix + "…",
            when(k.create_time),
            when(k.last_use_time),
            "revoked " + when(k.revoke_time) if k.revoke_time.seconds else "active",
        ]
        for k in keys
    ]
    table(ctx.out, ["NAME", "DESCRIPTION", "PREFIX", "CREATED", "LAST USED", "STATUS"], rows)


def cmd_api_keys_revoke(ctx: Context) -> None:
    gw = ctx.gateway
    for raw in ctx.args.names:
        reply = gw.call(gw.auth.RevokeApiKey, auth_pb2.RevokeApiKeyRequest(name=api_key_name(raw)))
        print(f"revoked {reply.api_key.name}", file=ctx.out)


# --------------------------------------------------------------------------------------------------------
# Log files
# --------------------------------------------------------------------------------------------------------


def _labels(pairs: Sequence[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--label wants KEY=VALUE, got {pair!r}", ExitCode.USAGE)
        labels[key.strip()] = value
    return labels


def _upload_deadline(size: int | None) -> float:
    # Generous: 5 minutes plus the time at 512 KiB/s, at most the gateway's own 6 hours.
    return min(6 * 3600.0, 300.0 + (size or 0) / (512 << 10)) if size is not None else 6 * 3600.0


def _upload(ctx: Context, path_arg: str, labels: dict[str, str]) -> log_file_pb2.LogFile:
    args = ctx.args
    source: IO[bytes]
    if path_arg == "-":
        source = ctx.stdin.buffer if hasattr(ctx.stdin, "buffer") else ctx.stdin  # type: ignore[assignment]
        filename, size = args.name or "stdin.log", None
    else:
        path = Path(path_arg)
        try:
            source = path.open("rb")
            size = path.stat().st_size
        except OSError as exc:
            raise CliError(f"cannot read {path_arg}: {exc.strerror or exc}", ExitCode.USAGE) from None
        if not path.is_file():
            source.close()
            raise CliError(f"{path_arg} is not a file", ExitCode.USAGE)
        filename = args.name or path.name
        ctx.closers.append(source.close)
    # The time hints go as given: the server is the one judge of zone names and year ranges.
    metadata = log_file_pb2.UploadLogFileMetadata(
        filename=filename,
        service=args.service or "",
        labels=labels,
        analyze=not args.no_analyze,
        time_zone=args.timezone,
        year=args.year,
    )
    if size is not None:
        # A file that is still growing is read up to this size, a snapshot the server can check.
        metadata.declared_size_bytes = size
    bar = ProgressBar(filename, size, ctx.err, enabled=ctx.progress)
    digest = hashlib.sha256()
    read_error: list[OSError] = []

    def requests() -> Iterator[log_file_pb2.UploadLogFileRequest]:
        yield log_file_pb2.UploadLogFileRequest(metadata=metadata)
        remaining = size
        while remaining is None or remaining > 0:
            try:
                chunk = source.read(CHUNK if remaining is None else min(CHUNK, remaining))
            except OSError as exc:  # abort the call: a partial file must not be stored
                read_error.append(exc)
                raise
            if not chunk:
                break
            digest.update(chunk)
            bar.advance(len(chunk))
            if remaining is not None:
                remaining -= len(chunk)
            yield log_file_pb2.UploadLogFileRequest(chunk=chunk)

    gw = ctx.gateway
    try:
        reply = gw.log_files.UploadLogFile(requests(), metadata=gw.metadata, timeout=_upload_deadline(size))
    except grpc.RpcError:
        if read_error:
            raise CliError(f"cannot read {path_arg}: {read_error[0]}", ExitCode.USAGE) from None
        raise
    finally:
        bar.close()
    log_file = reply.log_file
    if log_file.sha256 and log_file.sha256 != digest.hexdigest():
        raise CliError(f"{filename}: the server stored different bytes (SHA-256 mismatch); upload again")
    elapsed = max(bar.elapsed, 1e-6)
    ctx.say(
        f"uploaded {clean(filename)}: {human_bytes(bar.done)} in {elapsed:.1f}s "
        f"({human_bytes(bar.done / elapsed)}/s) as {log_file.name}"
    )
    return log_file


def cmd_upload(ctx: Context) -> None:
    args = ctx.args
    if args.wait and args.no_analyze:
        raise CliError("--wait follows the analysis, which --no-analyze turns off", ExitCode.USAGE)
    if args.diff and not args.wait:
        raise CliError("--diff compares the finished analysis: give it with --wait", ExitCode.USAGE)
    if args.fail_on and (args.fail_on in FAIL_ON) == bool(args.diff):
        raise CliError(
            f"--fail-on {args.fail_on} "
            + ("is a report LEVEL; with --diff give a KIND" if args.diff else "needs --diff"),
            ExitCode.USAGE,
        )
    if args.name and len(args.files) > 1:
        raise CliError("--name names one file; give one FILE with it", ExitCode.USAGE)
    if args.files.count("-") > 1:
        raise CliError("standard input (-) can be uploaded once", ExitCode.USAGE)
    labels = _labels(args.label)
    uploaded = []
    for path_arg in args.files:
        log_file = _upload(ctx, path_arg, labels)
        uploaded.append(log_file)
        if not args.json:
            print(log_file.name, file=ctx.out)
    results: list[dict[str, Any]] = []
    for log_file in uploaded:
        entry: dict[str, Any] = {"logFile": as_json(log_file)}
        if args.wait:
            if log_file.analysis_run:  # the server names the run the upload started
                run = ctx.gateway.call(
                    ctx.gateway.analysis.GetAnalysisRun, analysis_pb2.GetAnalysisRunRequest(name=log_file.analysis_run)
                ).analysis_run
            else:  # a server from before uploads named their run
                run = wait_for_first_run(ctx, log_file.name, args.wait_timeout)
            run = follow(ctx, run, args.wait_timeout, label=log_file.filename)
            entry["analysisRun"] = as_json(run)
            report = _conclude(ctx, run, log_file.filename)
            if report is not None and args.json:
                entry["summary"] = as_json(report.summary)
            if report is not None and args.diff:
                from . import diff

                comparison = diff.compare(ctx.gateway, run.name)
                if args.json:
                    entry["comparison"] = as_json(comparison)
                else:
                    ctx.out.write(render_comparison(comparison, "text", title=log_file.filename))
                diff.gate(ctx, comparison, args.fail_on)
        results.append(entry)
    if args.json:
        print_json(ctx.out, results if len(results) != 1 else results[0])


def cmd_ls(ctx: Context) -> None:
    gw = ctx.gateway
    files: list[log_file_pb2.LogFile] = []
    token = ""
    limit = ctx.args.limit
    while True:
        page = min(1000, limit - len(files)) if limit else 1000
        reply = gw.call(
            gw.log_files.ListLogFiles,
            log_file_pb2.ListLogFilesRequest(
                page_size=page, page_token=token, service=ctx.args.service or "", labels=ctx.args.label
            ),
        )
        files += reply.log_files
        token = reply.next_page_token
        if not token or (limit and len(files) >= limit):
            break
    if ctx.args.json:
        print_json(ctx.out, [as_json(f) for f in files])
        return
    rows = [
        [
            f.name,
            clean(f.filename),
            clean(f.service) or "-",
            human_bytes(f.size_bytes),
            when(f.create_time),
            clean(",".join(f"{k}={v}" for k, v in sorted(f.labels.items()))) or "-",
        ]
        for f in files
    ]
    table(ctx.out, ["NAME", "FILENAME", "SERVICE", "SIZE", "CREATED", "LABELS"], rows, right=[3])
    if token:
        ctx.say(f"(first {len(files)}; --limit 0 lists all)")


def cmd_delete(ctx: Context) -> None:
    gw = ctx.gateway
    for raw in ctx.args.log_files:
        name = log_file_name(raw)
        gw.call(gw.log_files.DeleteLogFile, log_file_pb2.DeleteLogFileRequest(name=name))
        print(f"deleted {name}", file=ctx.out)


# --------------------------------------------------------------------------------------------------------
# Runs and reports
# --------------------------------------------------------------------------------------------------------


def list_runs(ctx: Context, log_file: str) -> list[analysis_pb2.AnalysisRun]:
    gw = ctx.gateway
    runs: list[analysis_pb2.AnalysisRun] = []
    token = ""
    while True:
        reply = gw.call(
            gw.analysis.ListAnalysisRuns,
            analysis_pb2.ListAnalysisRunsRequest(parent=log_file, page_size=200, page_token=token),
        )
        runs += reply.analysis_runs
        token = reply.next_page_token
        if not token:
            return runs  # newest first


def resolve_run(ctx: Context, text: str, *, succeeded: bool = False) -> analysis_pb2.AnalysisRun:
    """A run by name, or a log file's newest run (its newest successful one when ``succeeded``)."""
    gw = ctx.gateway
    text = text.strip().strip("/")
    if RUN_SEGMENT in "/" + text:
        name = text if text.startswith(LOG_FILE_PREFIX) else LOG_FILE_PREFIX + text
        return gw.call(gw.analysis.GetAnalysisRun, analysis_pb2.GetAnalysisRunRequest(name=name)).analysis_run
    log_file = log_file_name(text)
    runs = list_runs(ctx, log_file)
    if succeeded:
        done = [r for r in runs if r.state == Run.STATE_SUCCEEDED]
        runs = done or runs
    if not runs:
        raise CliError(f"{log_file} has no analysis run yet", ExitCode.NOT_FOUND)
    return runs[0]


def cmd_runs(ctx: Context) -> None:
    runs = list_runs(ctx, log_file_name(ctx.args.log_file))
    if ctx.args.json:
        print_json(ctx.out, [as_json(r) for r in runs])
        return
    rows = []
    for r in runs:
        progress = f"{r.bytes_done / r.bytes_total:.0%}" if r.bytes_total else "-"
        took = "-"
        if r.finish_time.seconds and r.start_time.seconds:
            took = human_duration((r.finish_time.ToDatetime() - r.start_time.ToDatetime()).total_seconds())
        rows.append(
            [
                r.name,
                state_name(r.state),
                progress,
                f"{r.lines_done:,}",
                when(r.create_time),
                took,
                clean(r.failure_reason),
            ]
        )
    table(ctx.out, ["RUN", "STATE", "DONE", "LINES", "CREATED", "TOOK", "FAILURE"], rows, right=[2, 3])


def wait_for_first_run(ctx: Context, log_file: str, timeout: float) -> analysis_pb2.AnalysisRun:
    """The run the upload started; the analysis service creates it when the upload's event arrives."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        runs = list_runs(ctx, log_file)
        if runs:
            return runs[-1]  # the oldest: the one the upload started
        if time.monotonic() + delay > deadline:
            raise CliError(f"no analysis run started for {log_file} within {timeout:.0f}s", ExitCode.UNAVAILABLE)
        time.sleep(delay)
        delay = min(1.0, delay * 1.5)


def follow(ctx: Context, run: analysis_pb2.AnalysisRun, timeout: float, label: str = "") -> analysis_pb2.AnalysisRun:
    """Follows a run with WatchAnalysisRun to its end, drawing its progress."""
    gw = ctx.gateway
    deadline = time.monotonic() + timeout
    bar = ProgressBar(f"analysing {label or run.name}", run.bytes_total or None, ctx.err, enabled=ctx.progress)
    try:
        while run.state not in TERMINAL_STATES:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CliError(
                    f"{run.name} did not finish within {timeout:.0f}s (it is {state_name(run.state)})",
                    ExitCode.UNAVAILABLE,
                )
            try:
                stream = gw.analysis.WatchAnalysisRun(
                    analysis_pb2.WatchAnalysisRunRequest(name=run.name), metadata=gw.metadata, timeout=left
                )
                for update in stream:
                    run = update.analysis_run
                    bar.set(run.bytes_done, run.bytes_total, extra=f"{run.lines_done:,} lines {state_name(run.state)}")
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.DEADLINE_EXCEEDED:  # type: ignore[attr-defined]
                    raise
            if run.state not in TERMINAL_STATES:  # the stream ended early: look again, then watch again
                run = gw.call(
                    gw.analysis.GetAnalysisRun, analysis_pb2.GetAnalysisRunRequest(name=run.name)
                ).analysis_run
    finally:
        bar.close()
    return run


def _has_findings(report: report_pb2.AnalysisReport, threshold: int) -> bool:
    return any(lc.count and lc.level >= threshold for lc in report.levels)


def _conclude(ctx: Context, run: analysis_pb2.AnalysisRun, title: str) -> report_pb2.AnalysisReport | None:
    """Prints how a finished run ended (and its summary); records the exit code it implies."""
    gw = ctx.gateway
    if run.state != Run.STATE_SUCCEEDED:
        reason = f": {clean(run.failure_reason)}" if run.failure_reason else ""
        print(f"{run.name} {state_name(run.state)}{reason}", file=ctx.err)
        ctx.fail_with(ExitCode.ANALYSIS_FAILED)
        return None
    report = gw.call(
        gw.analysis.GetAnalysisReport, analysis_pb2.GetAnalysisReportRequest(name=f"{run.name}/report")
    ).report
    if not ctx.args.json:
        took = ""
        if run.finish_time.seconds and run.start_time.seconds:
            took = f" in {(run.finish_time.ToDatetime() - run.start_time.ToDatetime()).total_seconds():.1f}s"
        print(f"{run.name} SUCCEEDED{took}", file=ctx.out)
        print(_summary_text(report, title), file=ctx.out)
    threshold = FAIL_ON.get(getattr(ctx.args, "fail_on", None) or "")
    if threshold is not None and _has_findings(report, threshold):
        ctx.say(f"{clean(title)}: records at {level_name(threshold)} or above found (--fail-on)")
        ctx.fail_with(ExitCode.FINDINGS)
    return report


def _summary_text(report: report_pb2.AnalysisReport, title: str) -> str:
    counts = {lc.level: lc.count for lc in report.levels}
    errors = counts.get(report_pb2.LEVEL_ERROR, 0) + counts.get(report_pb2.LEVEL_FATAL, 0)
    lines = [
        f"  {clean(title)}: {report.line_count:,} lines, {report.record_count:,} records, "
        f"{report.template_count:,} patterns; {errors:,} errors, {counts.get(report_pb2.LEVEL_WARN, 0):,} warnings"
    ]
    claims = [c.text for c in report.summary.claims] or [report.summary.text]
    lines += [f"  - {clean(c)}" for c in claims if c]
    return "\n".join(lines)


def cmd_watch(ctx: Context) -> None:
    run = resolve_run(ctx, ctx.args.run)
    run = follow(ctx, run, ctx.args.wait_timeout)
    if ctx.args.json:
        print_json(ctx.out, as_json(run))
    else:
        reason = f": {clean(run.failure_reason)}" if run.failure_reason else ""
        print(f"{run.name} {state_name(run.state)}{reason} ({run.lines_done:,} lines)", file=ctx.out)
    if run.state != Run.STATE_SUCCEEDED:
        ctx.fail_with(ExitCode.ANALYSIS_FAILED)


def cmd_cancel(ctx: Context) -> None:
    gw = ctx.gateway
    for text in ctx.args.runs:
        run = resolve_run(ctx, text)
        cancelled = gw.call(
            gw.analysis.CancelAnalysisRun, analysis_pb2.CancelAnalysisRunRequest(name=run.name)
        ).analysis_run
        print(f"{cancelled.name} {state_name(cancelled.state)}", file=ctx.out)


def cmd_report(ctx: Context) -> None:
    gw = ctx.gateway
    run = resolve_run(ctx, ctx.args.run, succeeded=True)
    if run.state in (Run.STATE_FAILED, Run.STATE_CANCELLED):
        reason = f": {clean(run.failure_reason)}" if run.failure_reason else ""
        raise CliError(f"{run.name} {state_name(run.state)}{reason}; it has no report", ExitCode.ANALYSIS_FAILED)
    if run.state != Run.STATE_SUCCEEDED:
        raise CliError(
            f"{run.name} is {state_name(run.state)}; `loglens watch {run.name}` waits for it", ExitCode.REJECTED
        )
    report = gw.call(
        gw.analysis.GetAnalysisReport, analysis_pb2.GetAnalysisReportRequest(name=f"{run.name}/report")
    ).report
    title = ctx.args.title
    if not title:
        parent = run.name.split(RUN_SEGMENT)[0]
        try:
            title = gw.call(gw.log_files.GetLogFile, log_file_pb2.GetLogFileRequest(name=parent)).log_file.filename
        except grpc.RpcError:
            title = ""  # the report stands without it
        title = title or run.name
    text = render(report, ctx.args.format, title=title)
    if ctx.args.output and ctx.args.output != "-":
        try:
            Path(ctx.args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {ctx.args.output}: {exc.strerror or exc}") from None
        ctx.say(f"wrote the {ctx.args.format} report of {run.name} to {ctx.args.output}")
    else:
        ctx.out.write(text)
    threshold = FAIL_ON.get(ctx.args.fail_on or "")
    if threshold is not None and _has_findings(report, threshold):
        ctx.fail_with(ExitCode.FINDINGS)


def cmd_version(ctx: Context) -> None:
    from importlib import metadata

    try:
        version = metadata.version("loglens")
    except metadata.PackageNotFoundError:
        version = "unknown"
    print(f"loglens {version}", file=ctx.out)
