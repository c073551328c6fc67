"""Backtracking family of issue 15: seconds per MiB of the whole engine for k = 4..12 placeholder parts.

Each file of the family holds lines alternating ``ERROR job 1!!2!!...!!k?`` and ``ERROR job a!!!!...``
(a token whose constant pieces a backtracking matcher tries in every split), repeated with varying
numbers up to about ``--mib`` MiB, beside a plain file of ordinary lines of the same size. Also the bare
12-line file of the report. Each case runs in a child process with a time limit, so a regression shows
as ">LIMIT" instead of a hang.

    .venv/bin/python tests/bench/bench_backtracking.py [--mib 1] [--limit 60] [--k 4-12]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _p in ("gen", "services/analysis"):
    _path = os.path.join(_ROOT, _p)
    if _path not in sys.path:
        sys.path.insert(0, _path)


def adversarial_lines(k: int, rounds: int = 6, start: int = 1) -> list[str]:
    """``rounds`` pairs of the family's lines with ``k`` numeric parts."""
    out = []
    for r in range(rounds):
        n = start + r * k
        out.append("ERROR job " + "!!".join(str(n + i) for i in range(k)) + "?")
        out.append("ERROR job a" + "!" * (24 * k))
    return out


def adversarial_file(k: int, size: int) -> bytes:
    lines: list[str] = []
    total = 0
    start = 1
    while total < size:
        block = adversarial_lines(k, start=start)
        start += 1000
        lines += block
        total += sum(len(x) + 1 for x in block)
    return ("\n".join(lines) + "\n").encode()


def plain_file(size: int) -> bytes:
    lines: list[str] = []
    total = 0
    i = 0
    while total < size:
        line = f"INFO job {i} finished in {i % 97} ms on worker {i % 7}"
        lines.append(line)
        total += len(line) + 1
        i += 1
    return ("\n".join(lines) + "\n").encode()


def seconds(data: bytes) -> float:
    from loglens_analysis.engine import analyze

    t = time.perf_counter()
    analyze([data])
    return time.perf_counter() - t


def _child(kind: str, k: int, size: int) -> None:
    if kind == "plain":
        data = plain_file(size)
    elif kind == "twelve":
        data = ("\n".join(adversarial_lines(k)) + "\n").encode()
    else:
        data = adversarial_file(k, size)
    print(f"{seconds(data):.6f} {len(data)}")


def _run(kind: str, k: int, size: int, limit: float) -> tuple[float | None, int]:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", kind, str(k), str(size)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, check=True).stdout.split()
    except subprocess.TimeoutExpired:
        return None, 0
    return float(out[0]), int(out[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=float, default=1.0)
    ap.add_argument("--limit", type=float, default=60.0, help="seconds per case before it is reported as >LIMIT")
    ap.add_argument("--k", default="4-12")
    ap.add_argument("--child", nargs=3)
    a = ap.parse_args()
    if a.child:
        _child(a.child[0], int(a.child[1]), int(a.child[2]))
        return
    lo, _, hi = a.k.partition("-")
    ks = range(int(lo), int(hi or lo) + 1)
    size = int(a.mib * 2**20)
    t, n = _run("plain", 0, size, a.limit)
    base = t / (n / 2**20) if t is not None else None
    print(f"plain file: {base:.3f} s/MiB" if base is not None else f"plain file: >{a.limit:.0f} s")
    print(f"{'k':>3} {'12-line file s':>15} {'s/MiB':>9} {'x plain':>8}")
    for k in ks:
        t12, _ = _run("twelve", k, 0, a.limit)
        tf, nf = _run("family", k, size, a.limit)
        s12 = f"{t12:.3f}" if t12 is not None else f">{a.limit:.0f}"
        if tf is not None:
            per = tf / (nf / 2**20)
            ratio = f"{per / base:.2f}" if base else "-"
            print(f"{k:>3} {s12:>15} {per:>9.3f} {ratio:>8}")
        else:
            print(f"{k:>3} {s12:>15} {'>' + str(int(a.limit)):>9} {'-':>8}")


if __name__ == "__main__":
    main()
