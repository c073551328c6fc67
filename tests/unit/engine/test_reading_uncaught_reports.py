"""A runtime's own report of an exception nothing caught, written to stderr after the program's last logged record:
.NET's "Unhandled exception.", Ruby's top-level report, PHP's "Uncaught" error with its "Stack trace:" frames. Each
was glued to the INFO record before it ("1 x NoMethodError ..., logged as 'request <*> served in <*>'", and no
error counted) or cut into a record per frame. Synthetic lines written for these tests from the runtimes' formats."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit

REQUESTS = [f"2026-11-30T08:00:{i:02d}.{i * 7:03d}Z INFO request {i} served in {i % 9 + 1}ms" for i in range(30)]

REPORTS = {
    "dotnet": (
        [
            "Unhandled exception. System.InvalidOperationException: Unable to resolve service for type"
            " 'Orders.IRepository' while attempting to activate 'Orders.OrderController'.",
            "   at Microsoft.Extensions.DependencyInjection.ActivatorUtilities.GetService(IServiceProvider sp, Type t)",
            "   at Orders.Program.Main(String[] args) in /src/Orders/Program.cs:line 42",
        ],
        "System.InvalidOperationException",
        "ERROR",
    ),
    "ruby": (
        [
            "/app/lib/orders/importer.rb:12:in `parse': undefined method `fetch' for nil:NilClass (NoMethodError)",
            "\tfrom /app/lib/orders/importer.rb:5:in `run'",
            "\tfrom bin/import:8:in `<main>'",
        ],
        "NoMethodError",
        "ERROR",
    ),
    "php": (
        [
            "PHP Fatal error:  Uncaught RuntimeException: Cannot connect to Redis at redis:6379 in"
            " /var/www/app/src/Cache.php:31",
            "Stack trace:",
            "#0 /var/www/app/src/Kernel.php(88): App\\Cache->connect()",
            "#1 /var/www/app/public/index.php(12): App\\Kernel->boot()",
            "#2 {main}",
            "  thrown in /var/www/app/src/Cache.php on line 31",
        ],
        "RuntimeException",
        "FATAL",  # PHP's "Fatal error"
    ),
}


@pytest.mark.parametrize("runtime", sorted(REPORTS))
def test_an_uncaught_exception_report_after_the_last_record_is_an_error_record_of_its_own(runtime: str) -> None:
    report, exception, level = REPORTS[runtime]
    for block in (4096, 300, 97):
        rep = run_blocks("\n".join([*REQUESTS, *report]) + "\n", block)
        assert rep.record_count == 31, (runtime, block)
        assert level_counts(rep) == {"INFO": 30, level: 1}
        served = next(t for t in rep.templates if t.text.startswith("request "))
        assert (served.count, served.last_line) == (30, 30)
        (group,) = rep.exception_groups
        assert (group.exception_type, group.first_line) == (exception, 31)
        crash = next(t for t in rep.templates if t.first_line == 31)
        assert crash.levels[0].level == report_pb2.Level.Value(f"LEVEL_{level}")


def test_numbered_build_steps_are_no_stack_frames() -> None:
    """BuildKit's plain progress numbers its steps ("#5 [2/4] RUN ..."): a line of its is a record, not a PHP
    frame continuing the one before."""
    lines = [
        "#1 [internal] load build definition from Dockerfile",
        "#1 transferring dockerfile: 312B done",
        "#1 DONE 0.0s",
        "#5 [2/4] RUN pip install -r requirements.txt",
        "#5 0.512 Collecting flask (from -r requirements.txt (line 1))",
        "#5 DONE 4.1s",
    ]
    assert run_blocks("\n".join(lines) + "\n").record_count == 6
