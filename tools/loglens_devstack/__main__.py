"""``make run``: the whole system on real local servers, a sample analysed end to end, then serving.

Data stays in .loglens/ so a second run finds the earlier log files and runs. Ctrl-C stops every process
it started.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

import grpc

from loglens.v1 import analysis_pb2, auth_pb2, auth_pb2_grpc
from loglens_devstack.client import GatewayClient
from loglens_devstack.servers import PortTaken
from loglens_devstack.stack import Ports, Stack
from loglens_presentation import render

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).with_name("sample.log")
SAMPLE_SERVICE = "sample-orders"
DEFAULT_GATEWAY = "127.0.0.1:50051"  # the CLI's default server: no --server needed for it


def say(text: str) -> None:
    print(f"loglens: {text}", flush=True)


def demo_login(channel: grpc.Channel, data: Path) -> tuple[dict[str, str], auth_pb2.LoginResponse]:
    """Log in as the local demo account, registering it on the first run (credentials kept in data/)."""
    saved = data / "demo-account.json"
    if saved.exists():
        account = json.loads(saved.read_text())
    else:
        account = {"username": "demo", "email": "demo@localhost.localdomain", "password": secrets.token_urlsafe(18)}
        saved.write_text(json.dumps(account, indent=2) + "\n")
        saved.chmod(0o600)
    auth = auth_pb2_grpc.AuthServiceStub(channel)
    login = auth_pb2.LoginRequest(username=account["username"], password=account["password"])
    try:
        return account, auth.Login(login, timeout=10)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.UNAUTHENTICATED:
            raise
    auth.Register(auth_pb2.RegisterRequest(**account), timeout=10)
    say(f"registered the demo account {account['username']!r} (password in {saved})")
    return account, auth.Login(login, timeout=10)


def next_steps(gateway: str, http_port: int, account: dict[str, str], token: str, report_run: str) -> str:
    """What a newcomer types next: log in with the CLI (which saves the server), upload a log, get a report page."""
    server = "" if gateway == DEFAULT_GATEWAY else f" --server {gateway}"
    if report_run:
        url = f"http://127.0.0.1:{http_port}/v1/{report_run}/report:html"
        page = f"curl -s -H 'Authorization: Bearer {token}' {url} -o report.html"
        page_note = "the sample's report page; open report.html"
    else:
        page = "loglens report logFiles/ID --format html -o report.html"
        page_note = "a report page; ID from the upload"
    steps = [
        (f"loglens login{server} -u {account['username']}", f"password: {account['password']}"),
        ("loglens upload app.log --wait", "any log file: prints its name, then the summary"),
        (page, page_note),
    ]
    path = "`source .venv/bin/activate` or `make install-cli` puts loglens on PATH"
    lines = [f"loglens: next, in another shell ({path}):"]
    lines += [f"  {command}    # {note}" for command, note in steps]
    return "\n".join(lines)


def run() -> int:
    base = int(os.environ.get("LOGLENS_DEV_PORT_BASE", "50050"))
    data = Path(os.environ.get("LOGLENS_DEV_DATA", ROOT / ".loglens"))
    stack = Stack(data, Ports.from_base(base), s3_memory_limit_mib=256)  # idle memory over S3 speed, here
    stopping = threading.Event()
    # Ctrl-C stops everything even when this process inherited SIGINT ignored, as every command started in the
    # background by a non-interactive shell does (a CI runner's `... &`); Python then leaves it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        say(f"starting PostgreSQL, NATS JetStream and S3 (data in {data}) ...")
        stack.start_servers()
        stack.migrate()
        say("starting ingest, analysis and gateway ...")
        stack.start_services()
        gateway = stack.ports.addr("gateway")
        say(f"all services SERVING; gateway at {gateway} (logs in {data / 'logs'})")
        with grpc.insecure_channel(gateway) as channel:
            account, login = demo_login(channel, data)
            token = login.access_token
            client = GatewayClient(channel, token)
            sample_run = ""  # the sample's succeeded run, for the report page in the next steps
            earlier = client.list_log_files()
            if earlier:
                say(f"{len(earlier)} log file(s) from earlier runs:")
                for f in earlier[:10]:
                    runs = client.runs(f.name)
                    states = ", ".join(analysis_pb2.AnalysisRun.State.Name(r.state) for r in runs) or "no runs"
                    say(f"  {f.name}  {f.filename}  {f.size_bytes} B  runs: {states}")
            # Once per data directory: the server is asked whether it holds the sample already.
            sample_sha256 = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
            kept = [f for f in earlier if f.service == SAMPLE_SERVICE and f.sha256 == sample_sha256]
            if kept:
                log_file = kept[0]
                say(f"{SAMPLE.name} was uploaded before as {log_file.name}; its analysis:")
            else:
                log_file = client.upload(SAMPLE, service=SAMPLE_SERVICE)
                size, sha = log_file.size_bytes, log_file.sha256[:12]
                say(f"uploaded {SAMPLE.name} as {log_file.name} ({size} B, sha256 {sha}...)")
            run = client.wait_for_run(log_file.name)
            say(f"{run.name}: {analysis_pb2.AnalysisRun.State.Name(run.state)}, {run.lines_done} lines")
            if run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED:
                sample_run = run.name
                report = client.report(run.name).report
                print("\n" + render(report, "text", title=f"{SAMPLE.name} ({run.name})") + "\n", flush=True)
            else:
                say(f"the run did not succeed: {run.failure_reason}")
        say(f"serving. Call the gateway at {gateway} with 'authorization: Bearer <token>'.")
        say(f"REST/JSON at http://127.0.0.1:{stack.ports.http} (/openapi.json; curl examples in README.md)")
        say(f"a token for {account['username']!r} (15 minutes):")
        print(token, flush=True)
        print(next_steps(gateway, stack.ports.http, account, token, sample_run), flush=True)
        say("press Ctrl-C to stop everything.")
        while not stopping.is_set():
            for name, process in list(stack.processes.items()):
                if process.poll() is not None:
                    say(f"{name} exited with {process.returncode}; see {data / 'logs' / (name + '.log')}")
                    return 1
            time.sleep(0.5)
        return 0
    except PortTaken as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        # A second Ctrl-C (or the terminal's SIGINT to the whole group) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("stopping ...")
        stack.stop()
        say("stopped; no process left running.")


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command != "run":
        print("usage: python -m loglens_devstack run", file=sys.stderr)
        return 2
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
