"""``loglens services|patterns|pattern|mute|label`` against the real stack."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from loglens_cli.__main__ import main
from loglens_cli.errors import ExitCode
from loglens_devstack.stack import Stack
from loglens_loggen import write_log


def run_cli(*argv: str, env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(""), env=env)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def env(stack: Stack, subject: str, tmp_path: Path) -> dict[str, str]:
    return {
        "LOGLENS_SERVER": stack.ports.addr("gateway"),
        "LOGLENS_TOKEN": stack.token(subject),
        "LOGLENS_CONFIG": str(tmp_path / "config.toml"),
    }


def test_services_patterns_pattern_mute_and_label(env: dict[str, str], tmp_path: Path) -> None:
    for seed in (1, 2):
        log = tmp_path / f"day{seed}.log"
        write_log(str(log), 96 << 10, seed=seed, kind="app")
        code, _, err = run_cli("upload", str(log), "--service", "orders", "--wait", env=env)
        assert code == 0, err

    code, out, err = run_cli("services", env=env)
    assert code == 0, err
    assert out.splitlines()[0].split()[:3] == ["SERVICE", "PATTERNS", "RUNS"]
    assert out.splitlines()[1].split()[0] == "orders" and out.splitlines()[1].split()[2] == "2"

    code, out, err = run_cli("patterns", "orders", "--json", "--sort", "count", env=env)
    assert code == 0, err
    listed = json.loads(out)
    counts = [int(p["totalCount"]) for p in listed]
    assert counts == sorted(counts, reverse=True) and len(listed) >= 5
    top = listed[0]
    short = f"orders/{top['templateId']}"

    code, out, _ = run_cli("pattern", short, env=env)
    assert code == 0 and top["name"] in out and "state      unreviewed" in out
    assert len([line for line in out.splitlines() if "/analysisRuns/" in line and line.startswith("logFiles/")]) == 2

    code, out, _ = run_cli("mute", short, "--for", "7d", env=env)
    assert code == 0 and out.startswith(f"{top['name']} is muted until ")
    code, out, _ = run_cli("patterns", "orders", "--state", "muted", env=env)
    assert [line.split()[0] for line in out.splitlines()[1:]] == [top["templateId"]]

    code, out, _ = run_cli("label", short, "team=payments", "tier=1", "--note", "noisy but fine", env=env)
    assert code == 0 and "team=payments" in out and "tier=1" in out
    code, out, _ = run_cli("label", short, "tier-", env=env)
    assert code == 0 and "tier=" not in out and "team=payments" in out
    shown = json.loads(run_cli("pattern", short, "--json", env=env)[1])
    assert shown["note"] == "noisy but fine" and shown["state"] == "PATTERN_STATE_MUTED"

    code, out, _ = run_cli("mute", short, "--unmute", env=env)
    assert code == 0 and out.strip().endswith("is unreviewed")
    code, out, _ = run_cli("patterns", "orders", "--new-since", "1d", env=env)
    assert code == 0 and top["templateId"] in out

    code, _, err = run_cli("pattern", "orders/t000000000000", env=env)
    assert code == ExitCode.NOT_FOUND, err
    code, _, err = run_cli("mute", short, "--for", "soon", env=env)
    assert code == ExitCode.USAGE and "duration" in err
