"""README.md's examples, run as written against the test stack, so the README cannot drift from the system.

The blocks are read from README.md at test time: the Python example, the CLI sequence and the curl sequence.
Only what a reader would change is substituted: the addresses (the test stack's), the token, the user name (one
per test, so runs do not collide), and what a reader has but a test has not (kubectl's output, a terminal for
the password). Where the README claims an output (a `# {...}` comment), the quoted strings and UPPER_SNAKE
names it shows must be in the real answer; `...` stands for what varies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from loglens_devstack.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SAMPLE = ROOT / "tools" / "loglens_devstack" / "sample.log"  # the README's figures (24769 B, 256 lines) are its
README_GATEWAY = "127.0.0.1:50051"
README_HTTP = "http://127.0.0.1:50080"
VENV_BIN = Path(sys.executable).parent


def section(title: str) -> str:
    """The text under `## title`, its `###` subsections included."""
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, flags=re.S | re.M)


def commands(block: str) -> list[tuple[str, list[str]]]:
    """Each command (continuation lines joined) with the claims about its output: its trailing comment and the
    comment lines right after it."""
    out: list[tuple[str, list[str]]] = []
    pending = ""
    for line in block.splitlines():
        if not line.strip():
            continue
        if line.lstrip().startswith("#") and not pending:
            if out:
                out[-1][1].append(line.lstrip()[1:].strip())
            continue
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1]
            continue
        match = re.search(r"\s{2,}#\s(.*)$", pending) or re.search(r"\s#\s([{\"].*)$", pending)
        command, claims = (pending[: match.start()], [match.group(1)]) if match else (pending, [])
        out.append((command.strip(), claims))
        pending = ""
    return out


def claim_holds(claim: str, output: str) -> bool:
    """Every quoted string and UPPER_SNAKE name of the claim is in the output; alternatives split on ' or ', and
    what follows '; ' is prose."""
    for alternative in claim.split(" or "):
        alternative = alternative.split("; ")[0]
        quoted = [q for q in re.findall(r'"([^"]*)"', alternative) if "..." not in q]
        names = re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", alternative)
        status_line = alternative.strip() if alternative.strip().startswith("HTTP/") else ""
        if all(f'"{q}"' in output for q in quoted) and all(n in output for n in names) and status_line in output:
            return True
    return False


@dataclass
class Sequence:
    """A shell sequence run in one bash, each command's output fenced by a marker so claims can be checked."""

    commands: list[tuple[str, list[str]]]
    outputs: list[str] = field(default_factory=list)

    def script(self, prelude: str) -> str:
        lines = [prelude]
        for i, (command, _) in enumerate(self.commands):
            lines.append(f"printf '\\n@@@{i}@@@\\n'")
            lines.append(command)
            assigned = re.match(r"^([A-Z_]+)=\$\(", command)
            if assigned:  # an assignment prints nothing: its claims are about the value
                lines.append(f'printf "%s" "${assigned.group(1)}"')
        lines.append("printf '\\n@@@end@@@\\n'")
        return "\n".join(lines) + "\n"

    def run(self, prelude: str, cwd: Path, timeout: float = 180) -> str:
        result = subprocess.run(
            ["bash", "-c", self.script(prelude)], cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
        parts = re.split(r"\n@@@(?:\d+|end)@@@\n", result.stdout)
        assert len(parts) == len(self.commands) + 2, f"the sequence stopped early:\n{result.stdout}\n{result.stderr}"
        self.outputs = parts[1:-1]
        return result.stderr

    def failed_claims(self) -> list[str]:
        return [
            f"{command}\n    claims: {claim}\n    got: {output[:600]}"
            for (command, claims), output in zip(self.commands, self.outputs, strict=True)
            for claim in claims
            if not claim_holds(claim, output)
        ]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory holding an `app.log`, as the README asks: the sample its figures come from."""
    shutil.copy(SAMPLE, tmp_path / "app.log")
    return tmp_path


def test_python_example(stack: Stack, subject: str, workdir: Path) -> None:
    (code,) = code_blocks(section("Calling the API from Python"), "python")
    assert code.count(README_GATEWAY) == 1
    code = code.replace(README_GATEWAY, stack.ports.addr("gateway"))
    token = stack.token(subject)
    result = subprocess.run(
        [sys.executable, "-c", f"token = {token!r}\n{code}"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},  # as a user runs it: the venv alone
    )
    assert result.returncode == 0, result.stderr
    states = result.stdout.splitlines()
    assert "STATE_SUCCEEDED 256" in states, result.stdout  # the watch ends with the run done, all 256 lines
    assert len(states[-1]) > 20, result.stdout  # then the summary


def test_curl_sequence(stack: Stack, workdir: Path) -> None:
    rest = section("REST/JSON")
    blocks = code_blocks(rest, "sh")
    assert len(blocks) >= 5 and "The examples run in one shell, in this order" in rest
    user = "alice" + uuid.uuid4().hex[:8]
    http = f"http://127.0.0.1:{stack.ports.http}"
    text = "\n".join(blocks).replace(README_HTTP, http).replace("alice", user)
    sequence = Sequence(commands(text))
    assert sequence.commands[0][0] == f"L={http}"
    # A person reads between commands; a script does not. Before a claim that the upload's run SUCCEEDED, wait
    # for it as a reader would have (bounded), so the claim is checked and not raced.
    for i, (command, claims) in enumerate(sequence.commands):
        if any("STATE_SUCCEEDED" in c for c in claims) and "analysisRuns" in command:
            wait = (
                'for _ in $(seq 300); do command curl -s $L/v1/$NAME/analysisRuns -H "$A" '
                "| grep -q STATE_SUCCEEDED && break; sleep 0.1; done; "
            )
            sequence.commands[i] = (wait + command, claims)
    # Every URL the sequence calls is logged, to hold /openapi.json to "every route below".
    urls = workdir / "urls.txt"
    prelude = (
        f'curl() {{ for a in "$@"; do case "$a" in http://*) echo "$a" >> {urls};; esac; done; command curl "$@"; }}'
    )
    errors = sequence.run(prelude, workdir)
    failed = sequence.failed_claims()
    assert not failed, "README claims that do not hold:\n" + "\n".join(failed) + f"\nstderr: {errors}"

    with urllib.request.urlopen(f"{http}/openapi.json", timeout=10) as reply:
        documented = [
            re.compile("^" + re.sub(r"\\\{[^/]*?\\\}", "[^/:]+", re.escape(p)) + "$") for p in json.load(reply)["paths"]
        ]
    called = {re.sub(r"^http://[^/]+", "", u.split("?")[0]) for u in urls.read_text().split()}
    assert len(called) > 10
    missing = sorted(p for p in called if not any(d.match(p) for d in documented))
    assert not missing, f"README: /openapi.json is 'the OpenAPI 3 document of every route below'; not in it: {missing}"


NEW_PASSWORD = "another horse battery staple"


def test_cli_sequence(stack: Stack, workdir: Path) -> None:
    cli = section("CLI")
    (block,) = code_blocks(cli, "sh")
    user = "alice" + uuid.uuid4().hex[:8]
    password = "correct horse battery staple"
    (workdir / "messages").write_text(
        "Nov 30 10:00:00 host sshd[101]: Accepted publickey for deploy from 10.0.0.1 port 22\n"
        "Nov 30 10:00:05 host sshd[102]: error: Connection closed by 10.0.0.2 port 22\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOGLENS_")},
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "LOGLENS_SERVER": stack.ports.addr("gateway"),
        "LOGLENS_CONFIG": str(workdir / "config.toml"),
    }
    names: dict[str, str] = {}

    def run(command: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", command], cwd=workdir, env=env, input=stdin, capture_output=True, text=True, timeout=120
        )

    steps = commands(block.replace("alice", user))
    assert [c.split()[1] for c, _ in steps[:3]] == ["register", "login", "upload"]
    done = []
    for command, _ in steps:
        stdin = ""
        if command.split()[1] in ("register", "login"):  # no terminal here: the password comes on stdin
            command, stdin = command + " --password-stdin", password + "\n"
        if command.split()[1] == "passwd":  # the current password, then the new one
            command, stdin = command + " --password-stdin", f"{password}\n{NEW_PASSWORD}\n"
            password = NEW_PASSWORD
        command = command.replace("kubectl logs deploy/orders", "cat app.log")
        for placeholder in ("logFiles/ID/analysisRuns/ID", "logFiles/ID", "apiKeys/ID"):
            if placeholder in command:
                command = command.replace(placeholder, names[placeholder])
        result = run(command, stdin)
        allowed = {0}
        if "--fail-on" in command:
            allowed = {0, 8}  # 8: the report has records at that level, as the exit-code table says
        if command.split()[1] == "cancel":
            allowed = {0, 7}  # 7: the run had finished already (the usual case for a small file)
        assert result.returncode in allowed, f"{command}\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr
        done.append(command)
        if command.split()[1] == "upload" and "logFiles/ID" not in names:
            name = result.stdout.splitlines()[0]
            assert re.fullmatch(r"logFiles/[0-9a-f]{32}", name), result.stdout  # "prints the name, then ..."
            assert "Summary" in result.stdout or len(result.stdout.splitlines()) > 2
            names["logFiles/ID"] = name
            listed = run(f"loglens runs {name}")
            names["logFiles/ID/analysisRuns/ID"] = listed.stdout.splitlines()[1].split()[0]
        if command.split()[1:3] == ["api-keys", "create"]:
            listed = run("loglens api-keys list")
            names["apiKeys/ID"] = re.findall(r"apiKeys/\S+", listed.stdout)[0]
    assert any(c.split()[1] == "delete" for c in done)
    if done[-1].split()[1] == "logout":  # the error examples below need a session again
        assert run(f"loglens login -u {user} --password-stdin", password + "\n").returncode == 0

    # "Errors are one line: `loglens ...` prints `loglens: error: ...` (exit N)": each command prints its line.
    examples = re.findall(r"`(loglens [^`]+)`\s+prints\s+`(loglens: error: [^`]+)` \(exit (\d+)\)", cli)
    assert examples, "README's CLI section shows errors as: `loglens ...` prints `loglens: error: ...` (exit N)"
    for command, line, code in examples:
        result = run(" ".join(command.split()))
        assert (result.stderr.strip(), result.returncode) == (" ".join(line.split()), int(code)), command
