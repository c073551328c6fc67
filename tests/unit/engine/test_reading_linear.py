"""The reading layer (envelopes, joins, level and time readers, exception parsing) stays linear in the length of
a record on adversarial shapes: quadrupling the record length must not multiply the time by much more than four.

Each case is timed at two lengths in the same run (fastest of three), so machine load cancels out; a quadratic
regex shows as about 16x, an exponential one never finishes (the per-test timeout ends it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from loglens_analysis.engine import analyze
from loglens_analysis.engine.exceptions import exception_of
from loglens_analysis.engine.records import JOIN

pytestmark = pytest.mark.unit

SHORT, LONG = 3000, 12000  # characters of the adversarial part of a record (the cap is 16 KiB)


def _best(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


RECORDS: dict[str, Callable[[int], str]] = {
    "dollar run in an exception name": lambda n: "x" + JOIN + "a" + "$" * n + "!" + JOIN + "\tat a.B.c(B.java:1)",
    "node frame of many :line parts": lambda n: "x" + JOIN + "TypeError: y" + JOIN + "    at " + ":1" * (n // 2) + "x",
    "long word before ruby frames": lambda n: "q" * n + JOIN + "\tfrom b.rb:2:in `c'" + JOIN + "\tfrom b.rb:3:in `d'",
    "dotted name without a colon": lambda n: "x" + JOIN + ("Ab." * (n // 3)) + JOIN + "\tat a.B.c(B.java:1)",
    "closing marks after a cause": lambda n: (
        "x" + JOIN + "    Caused by: java.io.IOException: y" + ")" * (n // 2) + " " * (n // 2) + '"}'
    ),
    "python tail of a long name": lambda n: (
        "Traceback (most recent call last):" + JOIN + '  File "a.py", line 1, in f' + JOIN + "    g()" + JOIN + "E" * n
    ),
}


@pytest.mark.parametrize("case", sorted(RECORDS))
def test_exception_parsing_is_linear(case: str) -> None:
    make = RECORDS[case]
    short, long = make(SHORT), make(LONG)
    t_short = _best(lambda: [exception_of(short) for _ in range(20)])
    t_long = _best(lambda: [exception_of(long) for _ in range(20)])
    assert t_long < 8 * t_short + 0.02, (case, t_short, t_long)


FILES: dict[str, Callable[[int], str]] = {
    "ansi sequences without an end": lambda n: "\x1b]" * (n // 2),
    "control strings without an end": lambda n: "\x1b_bk;t=1" * (n // 8),
    "access-like quotes": lambda n: '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "' + '] "' * (n // 3),
    "compose-like bars": lambda n: "svc " + " " * n + "| x",
    "exception headers after frames": lambda n: (
        "\tat a.B(c)\n" + ("E" * (n // 20) + "Exception: x\n\tat a.B(c)\n") * 20
    ),
    "time keys": lambda n: "x " + "time=" * (n // 5),
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_reading_a_file_of_adversarial_lines_is_linear(case: str) -> None:
    make = FILES[case]

    def data(n: int) -> bytes:
        line = make(n)
        return ("\n".join([line] * 40) + "\n").encode()

    short, long = data(SHORT), data(LONG)
    t_short = _best(lambda: analyze([short]))
    t_long = _best(lambda: analyze([long]))
    assert t_long < 8 * t_short + 0.05, (case, t_short, t_long)
