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


PY_UNCAUGHT = [
    "Traceback (most recent call last):",
    '  File "/workspace/train.py", line 142, in <module>',
    "    trainer.fit(model)",
    '  File "/opt/conda/lib/python3.10/site-packages/torch/nn/modules/conv.py", line 456, in _conv_forward',
    "    return F.conv2d(input, weight, bias)",
    "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.13 GiB.",
]


def _print_lines(last: str) -> list[str]:
    bars = [f"Epoch {i}: 100%|##########| 1184/1184 [05:47<00:00, 3.41it/s, loss={2.8 - i / 10:.2f}]" for i in range(6)]
    return [*bars, last]


@pytest.mark.parametrize(
    ("before", "joined"),
    [
        # A progress bar's line: the interpreter wrote its report of the uncaught exception after it.
        ("Epoch 6:   4%|          | 50/1184 [00:44<16:52, 1.12it/s, v_num=k2x9, val_loss=2.172]", False),
        # A line relayed from another process.
        ("(raylet, ip=10.0.8.12) Refer to the documentation on how to address the memory issue: https://ray.io", False),
        # The message the traceback was logged with (logging's default format, a colon announcing it).
        ("ERROR:trainer:Step 200 aborted", True),
        ("Process detector:coral:", True),
    ],
)
def test_a_python_traceback_joins_the_line_before_only_where_that_line_announces_it(before: str, joined: bool) -> None:
    """The interpreter's report of an uncaught exception opens at the left edge after whatever the program printed
    last: a record of its own, its exception not "logged as" a progress bar's line (PyTorch Lightning's tqdm line,
    Ray's relayed raylet line were the exception's record). A line that tells an error, ends with a colon or opens
    with a time (``announces_traceback``) is the message the traceback was logged with: one record with it."""
    text = "\n".join([*_print_lines(before), *PY_UNCAUGHT]) + "\n"
    for block in (4096, 160):
        rep = run_blocks(text, block)
        (group,) = rep.exception_groups
        assert group.exception_type == "torch.cuda.OutOfMemoryError"
        assert rep.record_count == (7 if joined else 8), block
        assert group.first_line == (7 if joined else 8), block
        owner = next(t for t in rep.templates if t.id == group.template_id)
        assert owner.text.startswith("Traceback") != joined, owner.text


def test_a_traceback_logged_at_info_after_a_timed_record_stays_its_record() -> None:
    """A logger's record at any level may carry a traceback (Python's ``exc_info=True``: Odoo's "INFO ... _read_file
    reading ..." over a FileNotFoundError): the line before opens with a time, so it announces the traceback."""
    lines = [f"2026-03-04 08:45:{i:02d},052 12836 INFO odoo18 werkzeug: request {i} served" for i in range(20)]
    lines += [
        "2026-03-04 08:45:44,140 12836 INFO odoo18 odoo.addons.base.models.ir_attachment: _read_file reading f6/f6ef5c",
        "Traceback (most recent call last):",
        '  File "/opt/odoo/odoo/addons/base/models/ir_attachment.py", line 127, in _file_read',
        "    with open(full_path, 'rb') as f:",
        "FileNotFoundError: [Errno 2] No such file or directory: 'f6/f6ef5c'",
        "2026-03-04 08:45:45,001 12836 INFO odoo18 werkzeug: request 21 served",
    ]
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.record_count == 22
    (group,) = rep.exception_groups
    assert (group.exception_type, group.first_line) == ("FileNotFoundError", 21)
    assert level_counts(rep) == {"INFO": 22}


def test_a_traceback_a_transport_stamped_line_by_line_is_one_record_with_its_chain() -> None:
    """s6-log (Frigate's container) stamps every line a program writes, two blanks after the stamp: the lines of a
    chained traceback each under their own stamp. The exception's last line stands less far in than the code line
    before it (``py_last_line``), and the blank lines of the chain are the stamp alone: one record, whose exception is
    the last one raised (the exception lines were records of their own, the groups had no frames)."""
    s = "2024-03-16 09:30:31.8420034"
    lines = [
        f"2024-03-16 09:30:{i:02d}.332003540  [2024-03-16 09:30:{i:02d}] frigate.watchdog  INFO : tick {i}"
        for i in range(20)
    ]
    lines += [
        f"{s}45  Process detector:coral:",
        f"{s}16  Traceback (most recent call last):",
        f'{s}52    File "/usr/lib/python3/dist-packages/tflite_runtime/interpreter.py", line 119, in __init__',
        f"{s}39      raise ValueError(capture.message)",
        f"{s}63  ValueError",
        f"{s}64  ",
        f"{s}50  During handling of the above exception, another exception occurred:",
        f"{s}64  ",
        f"{s}31  Traceback (most recent call last):",
        f'{s}65    File "/opt/frigate/frigate/detectors/plugins/edgetpu_tfl.py", line 41, in __init__',
        f'{s}24      edge_tpu_delegate = load_delegate("libedgetpu.so.1.0", device_config)',
        f"{s}43  ValueError: Failed to load delegate from libedgetpu.so.1.0",
        "2024-03-16 09:30:51.842003891  [INFO] Service Frigate exited with code 1 (by signal 0)",
    ]
    for block in (4096, 700):
        rep = run_blocks("\n".join(lines) + "\n", block)
        assert rep.record_count == 22, block
        (group,) = rep.exception_groups
        assert (group.exception_type, group.message, group.first_line) == (
            "ValueError",
            "Failed to load delegate from libedgetpu.so.1.0",
            21,
        )
        # (The root cause: the exception being handled where the last one was raised, its frames.)
        assert (group.root_cause_type, list(group.top_frames)) == ("ValueError", ["interpreter.py:__init__"])
