"""``loglens`` (or ``python -m loglens_cli``): the argument parser and the one place errors become exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TextIO

import grpc

from loglens_presentation import FORMATS

from . import commands, diff, patterns
from .errors import EXIT_CODES_HELP, CliError, ExitCode, from_rpc_error

DESCRIPTION = """\
LogLens from the command line: upload log files, follow their analysis, read the reports.
It talks gRPC to the LogLens gateway."""

EPILOG = f"""\
examples:
  loglens login --username alice
  loglens --server logs.example.com:50051 --insecure login -u alice   # plaintext on a trusted network
  loglens upload app.log --service orders --label env=prod --wait
  loglens upload syslog --timezone Europe/Berlin --year 2005
  kubectl logs deploy/orders | loglens upload - --name orders.log --wait --fail-on error
  loglens ls --service orders
  loglens quota                                          # what you may store and run, and what you use
  loglens runs logFiles/ID
  loglens cancel logFiles/ID/analysisRuns/ID
  loglens report logFiles/ID --format html -o report.html
  loglens diff logFiles/ID --fail-on new-errors          # against the service's last 5 runs
  loglens diff logFiles/ID --baseline logFiles/OLD --format md
  loglens upload app.log --service orders --wait --diff --fail-on new-errors
  loglens services                                       # services with a pattern registry
  loglens patterns orders --new-since 7d --level error   # messages new to the service this week
  loglens pattern orders/t1a2b3c4d5e6f                   # one pattern with its count per run
  loglens mute orders/t1a2b3c4d5e6f --for 7d             # out of summaries and diffs for a week
  loglens label orders/t1a2b3c4d5e6f team=payments --note "retried by the client"

configuration (later ones win):
  config file   $LOGLENS_CONFIG, else ~/.config/loglens/config.toml (written by `loglens login`)
  environment   LOGLENS_SERVER (host:port, https://host for TLS; plaintext only to this machine unless
                --insecure), LOGLENS_TOKEN (access token),
                LOGLENS_API_KEY (API key secret)
  flags         --server, --config, --timeout

{EXIT_CODES_HELP}
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliError(f"{message} (see `{self.prog} --help`)", ExitCode.USAGE)


def _int32(text: str) -> int:
    """An integer the protocol can carry (an int32 field); whether it makes sense is for the server to say."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not -(2**31) <= value < 2**31:
        raise argparse.ArgumentTypeError(f"{text} is out of range for a 32-bit integer")
    return value


def _common() -> _Parser:
    """Flags accepted before or after the command (SUPPRESS keeps a later default from erasing them)."""
    common = _Parser(add_help=False)
    group = common.add_argument_group("connection")
    group.add_argument(
        "--server", default=argparse.SUPPRESS, metavar="HOST:PORT", help="the gateway (default 127.0.0.1:50051)"
    )
    group.add_argument("--config", default=argparse.SUPPRESS, metavar="FILE", help="the config file to read and write")
    group.add_argument(
        "--timeout", type=float, default=argparse.SUPPRESS, metavar="SECONDS", help="deadline of each call (default 30)"
    )
    group.add_argument(
        "--insecure",
        action="store_true",
        default=argparse.SUPPRESS,
        help="allow a password or token to go unencrypted to a host that is not this machine (else exit 9)",
    )
    group.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress or messages")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(
        prog="loglens",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, func: Callable[[commands.Context], None], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            parents=[common],
            epilog="exit codes: see `loglens --help`",  # the table once, not under every command
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    def json_flag(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print proto3 JSON instead of a table")

    def wait_timeout(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--wait-timeout",
            type=float,
            default=3600.0,
            metavar="SECONDS",
            help="give up following the analysis after this long (default 3600; exit 6)",
        )

    def fail_on(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--fail-on",
            choices=sorted(commands.FAIL_ON),
            metavar="LEVEL",
            help="exit 8 when the report has records at LEVEL or above (warn, error, fatal)",
        )

    p = command("login", commands.cmd_login, "log in with a username and password; saves the session")
    p.add_argument("-u", "--username", help="username or email")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    p = command("logout", commands.cmd_logout, "end the saved session on the server and forget it here")
    p.add_argument("--all", action="store_true", help="end every session of your account, on every machine")

    p = command("passwd", commands.cmd_passwd, "change your password; ends every session and saves a new one")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the current and the new password from standard input"
    )

    p = command("register", commands.cmd_register, "create an account")
    p.add_argument("-u", "--username", help="3 to 32 letters, digits, '.', '_' or '-'")
    p.add_argument("-e", "--email", required=True, help="email address")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    p = command("whoami", commands.cmd_whoami, "show the account the credential belongs to")
    json_flag(p)

    p = command("quota", commands.cmd_quota, "show your quotas: each limit and how much of it you use")
    json_flag(p)

    keys = command("api-keys", lambda ctx: None, "create, list and revoke API keys (for CI jobs)")
    key_sub = keys.add_subparsers(dest="key_command", metavar="ACTION", parser_class=_Parser, required=True)
    p = key_sub.add_parser("create", help="create a key; prints its secret once", parents=[common])
    p.add_argument("--name", default="", help="what the key is for, e.g. 'nightly CI'")
    json_flag(p)
    p.set_defaults(func=commands.cmd_api_keys_create)
    p = key_sub.add_parser("list", help="list your keys, revoked ones included", parents=[common])
    json_flag(p)
    p.set_defaults(func=commands.cmd_api_keys_list)
    p = key_sub.add_parser("revoke", help="revoke keys", parents=[common])
    p.add_argument("names", nargs="+", metavar="KEY", help="apiKeys/ID or ID")
    p.set_defaults(func=commands.cmd_api_keys_revoke)

    p = command("upload", commands.cmd_upload, "upload log files (plain or gzip; - reads standard input)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--service", help="the service the logs come from")
    p.add_argument("--label", action="append", default=[], metavar="KEY=VALUE", help="a label (repeatable)")
    p.add_argument("--name", help="the file name to record (default: the file's own; stdin.log for -)")
    p.add_argument("--no-analyze", action="store_true", help="store only; start no analysis")
    p.add_argument(
        "--timezone",
        metavar="ZONE",
        default="",
        help="IANA zone (e.g. Europe/Berlin) of times in the log that carry no offset (default: UTC)",
    )
    p.add_argument(
        "--year", type=_int32, metavar="YYYY", help="year of times in the log that carry none (default: the upload's)"
    )
    p.add_argument("--wait", action="store_true", help="follow the analysis and print its summary (exit 5 if it fails)")
    p.add_argument(
        "--diff",
        action="store_true",
        help="with --wait: then compare the run with the service's recent runs (see `loglens diff`)",
    )
    wait_timeout(p)
    p.add_argument(
        "--fail-on",
        choices=[*sorted(commands.FAIL_ON), *sorted(diff.FAIL_ON)],
        metavar="LEVEL|KIND",
        help="exit 8 when the report has records at LEVEL or above (warn, error, fatal), or with --diff when the "
        "comparison finds KIND (new-errors, new-templates, any)",
    )
    json_flag(p)

    p = command("ls", commands.cmd_ls, "list your log files, newest first")
    p.add_argument("--service", help="only this service's files")
    p.add_argument("--label", action="append", default=[], metavar="KEY=VALUE", help="only files with this label")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50; 0 for all)")
    json_flag(p)

    p = command("runs", commands.cmd_runs, "list a log file's analysis runs, newest first")
    p.add_argument("log_file", metavar="LOG_FILE", help="logFiles/ID or ID")
    json_flag(p)

    p = command("watch", commands.cmd_watch, "follow an analysis run to its end (exit 5 if it fails)")
    p.add_argument("run", metavar="RUN", help="logFiles/ID/analysisRuns/ID, or a log file for its newest run")
    wait_timeout(p)
    json_flag(p)

    p = command("cancel", commands.cmd_cancel, "cancel QUEUED or RUNNING analysis runs")
    p.add_argument(
        "runs", nargs="+", metavar="RUN", help="logFiles/ID/analysisRuns/ID, or a log file for its newest run"
    )

    p = command("report", commands.cmd_report, "print or save the report of a run")
    p.add_argument("run", metavar="RUN", help="logFiles/ID/analysisRuns/ID, or a log file for its newest report")
    p.add_argument("-f", "--format", choices=FORMATS, default="text", help="text (default), json, md or html")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--title", default="", help="the report's title (default: the log file's name)")
    fail_on(p)

    p = command(
        "diff",
        diff.cmd_diff,
        "what changed in a run against earlier runs: the service's recent history, or --baseline runs",
    )
    p.add_argument("run", metavar="RUN", help="logFiles/ID/analysisRuns/ID, or a log file for its newest report")
    p.add_argument(
        "--baseline",
        action="append",
        default=[],
        metavar="RUN",
        help="a baseline run or log file (repeatable; default: the last runs of the target's service)",
    )
    p.add_argument("--history", type=int, default=0, metavar="N", help="runs of the service's history (default 5)")
    p.add_argument("-f", "--format", choices=FORMATS, default="text", help="text (default), json, md or html")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--title", default="", help="the comparison's title (default: the target run's name)")
    p.add_argument("--fail-on", choices=sorted(diff.FAIL_ON), metavar="KIND", help=diff.FAIL_ON_HELP)

    p = command("services", patterns.cmd_services, "list your services that have a pattern registry")
    json_flag(p)

    p = command("patterns", patterns.cmd_patterns, "list a service's patterns: every message its runs logged")
    p.add_argument("service", metavar="SERVICE", help="the service (as given at upload)")
    p.add_argument(
        "--new-since",
        metavar="RUN|TIME|AGE",
        help="only patterns first seen after a run (logFiles/ID/analysisRuns/ID), a time (RFC 3339) or an age (7d)",
    )
    p.add_argument("--state", choices=sorted(patterns.STATES), help="only patterns in this state")
    p.add_argument("--level", choices=sorted(patterns.LEVELS), help="only patterns logged at this level or above")
    p.add_argument("--grep", metavar="TEXT", help="only patterns whose text contains TEXT (any case)")
    p.add_argument("--sort", choices=list(patterns.SORTS), default="last-seen", help="order (default last-seen)")
    p.add_argument("--limit", type=_int32, default=50, metavar="N", help="at most N patterns (default 50)")
    json_flag(p)

    p = command("pattern", patterns.cmd_pattern, "show one pattern with its count in each of the service's last runs")
    p.add_argument("pattern", metavar="PATTERN", help="services/SERVICE/patterns/ID or SERVICE/ID")
    p.add_argument("--history", type=_int32, default=20, metavar="N", help="runs of history (default 20)")
    json_flag(p)

    p = command("mute", patterns.cmd_mute, "mute a pattern: left out of summaries and diffs, still counted")
    p.add_argument("pattern", metavar="PATTERN", help="services/SERVICE/patterns/ID or SERVICE/ID")
    p.add_argument(
        "--for", dest="for_", metavar="AGE", help="for this long only (7d, 12h, 1d12h); default: until unmuted"
    )
    p.add_argument("--unmute", action="store_true", help="unmute it (back to unreviewed)")
    json_flag(p)

    p = command("label", patterns.cmd_label, "set a pattern's labels (KEY=VALUE; KEY- removes) and note")
    p.add_argument("pattern", metavar="PATTERN", help="services/SERVICE/patterns/ID or SERVICE/ID")
    p.add_argument("labels", nargs="*", metavar="KEY=VALUE")
    p.add_argument("--note", help="the pattern's note (empty to clear it)")
    json_flag(p)

    p = command("delete", commands.cmd_delete, "delete log files with their runs and reports")
    p.add_argument("log_files", nargs="+", metavar="LOG_FILE", help="logFiles/ID or ID")

    command("version", commands.cmd_version, "print the version")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: IO[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    # gRPC logs a failing request iterator with a traceback; the CLI reports the failure itself.
    logging.getLogger("grpc").addHandler(logging.NullHandler())
    logging.getLogger("grpc").propagate = False
    ctx: commands.Context | None = None
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "func", None):
            build_parser().print_help(err)
            return ExitCode.USAGE
        ctx = commands.Context(args, out, err, stdin or sys.stdin, os.environ if env is None else env)
        args.func(ctx)
        out.flush()
        return ctx.exit_code
    except CliError as exc:
        print(f"loglens: error: {exc.message}", file=err)
        return exc.code
    except grpc.RpcError as exc:
        server = ctx.settings.server if ctx is not None else "?"
        error = from_rpc_error(exc, server, ctx.args.command if ctx is not None else "")
        print(f"loglens: error: {error.message}", file=err)
        return error.code
    except KeyboardInterrupt:
        print("\nloglens: interrupted", file=err)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `loglens ls | head`: the reader left; nothing more to say
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        except OSError:
            pass
        return ExitCode.OK
    except SystemExit as exc:  # --help and --version print and exit 0
        return int(exc.code or 0) if isinstance(exc.code, int) else ExitCode.USAGE
    finally:
        if ctx is not None:
            for close in reversed(ctx.closers):
                close()


if __name__ == "__main__":
    raise SystemExit(main())
