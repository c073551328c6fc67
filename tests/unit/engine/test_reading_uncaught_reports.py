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
    # A class in a namespace (most of today's PHP) is named with backslashes.
    "php_namespaced": (
        [
            "PHP Fatal error:  Uncaught Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException: No route"
            ' found for "GET /x" in /var/www/vendor/symfony/http-kernel/EventListener/RouterListener.php:127',
            "Stack trace:",
            "#0 /var/www/vendor/symfony/event-dispatcher/EventDispatcher.php(270):"
            " Symfony\\Component\\HttpKernel\\EventListener\\RouterListener->onKernelRequest(Object(RequestEvent))",
            "#1 {main}",
        ],
        "Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException",
        "FATAL",
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


def test_an_exception_in_a_php_records_context_is_grouped_by_its_class() -> None:
    """PHP's common logging library (Monolog: Laravel, Symfony) writes an exception passed in a record's context as
    "[object] (Class(code: N): message at file:line)" inside the context's JSON (its backslashes doubled), then
    "[stacktrace]" and the "#0 ..." frames, a blank line and the "[previous exception]" it wraps: the record's
    exception is that class, named as PHP names it, and the file's few records are read by their header (fewer
    records than a layout is otherwise found on where bodies are half the lines)."""
    lines = []
    for i in range(12):
        t = f"[2026-11-30 08:{i:02d}:00]"
        lines.append(f'{t} production.INFO: User {i} logged in {{"ip":"10.0.0.{i + 2}"}} ')
        if i % 3 == 1:
            lines += [
                f"{t} production.ERROR: SQLSTATE[HY000] [2002] Connection refused (SQL: select * from `users` where"
                f' `id` = {i} limit 1) {{"exception":"[object] (Illuminate\\\\Database\\\\QueryException(code: 2002):'
                f" SQLSTATE[HY000] [2002] Connection refused at /var/www/vendor/laravel/framework/src/Illuminate/"
                "Database/Connection.php:760)",
                "[stacktrace]",
                "#0 /var/www/vendor/laravel/framework/src/Illuminate/Database/Connection.php(720):"
                " Illuminate\\Database\\Connection->runQueryCallback('select * from `...', Array, Object(Closure))",
                "#1 {main}",
                "",
                "[previous exception] [object] (PDOException(code: 2002): SQLSTATE[HY000] [2002] Connection refused"
                " at /var/www/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php:70)",
                "[stacktrace]",
                "#0 /var/www/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php(70):"
                " PDO->__construct('mysql:host=db;...', 'app', 'secret', Array)",
                "#1 {main}",
                '"} ',
            ]
    for block in (4096, 211):
        rep = run_blocks("\n".join(lines) + "\n", block)
        assert rep.record_count == 16
        assert level_counts(rep) == {"INFO": 12, "ERROR": 4}
        (group,) = rep.exception_groups
        assert (group.exception_type, group.count, group.first_line) == ("Illuminate\\Database\\QueryException", 4, 3)
        assert list(group.top_frames)[:1] == ["Illuminate\\Database\\Connection->runQueryCallback"]


def test_a_cpp_runtimes_terminate_report_is_the_records_exception() -> None:
    """libstdc++ on an exception nothing caught: "terminate called after throwing an instance of
    'std::out_of_range'" and "  what():  ..." under the last record the program logged (spdlog's critical): the
    exception's type and message, grouped (the crash's cause was in no exception group nor the summary)."""
    lines = []
    for i in range(3):
        for k in range(20):
            lines.append(f"[2026-12-05 1{i}:00:{k:02d}.019] [net] [info] Client 10.0.0.{k}:25009 connected")
        lines += [
            f"[2026-12-05 1{i}:01:00.019] [engine] [critical] Invariant violated in room {5521 + i}: slot 12 of 12",
            "terminate called after throwing an instance of 'std::out_of_range'",
            f"  what():  vector::_M_range_check: __n (which is {12 + i}) >= this->size() (which is 12)",
        ]
    rep = run_blocks("\n".join(lines) + "\n")
    (group,) = rep.exception_groups
    assert (group.exception_type, group.count) == ("std::out_of_range", 3)
    assert group.message.startswith("vector::_M_range_check: __n (which is 12)")
