"""What a person on call needs next to a finding: where exactly it happened, and what caused it.

Synthetic lines only; each test states the principle it checks.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.formats import structured_cause
from loglens_analysis.engine.report import _STOP_WEAK

T0 = datetime(2024, 5, 1, tzinfo=UTC).timestamp()
RESTART = report_pb2.ANOMALY_KIND_RESTART


def _stamp(t: float) -> str:
    return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S}"


def _analyze(lines: list[str]) -> report_pb2.AnalysisReport:
    return analyze([("\n".join(lines) + "\n").encode()])


def test_a_process_id_change_is_cited_at_the_records_next_to_it_not_at_bucket_edges() -> None:
    # A process id is read from the records at bucket edges; the change lies between two of them. The new
    # process writes a message of its own first, and the old one a message of its own last: both records are
    # held (a variant's first records), so the change is cited at the two adjacent lines, in the middle of a
    # bucket, not at the bucket's first and last records.
    def rec(t: float, pid: int, message: str) -> str:
        return f"{_stamp(t)} [{pid}] INFO worker: {message}"

    lines = [rec(T0 + 5 * i, 4242, f"handled request {i}") for i in range(600)]  # last at T0 + 2995
    lines.append(rec(T0 + 2996, 4242, "flushing metrics buffer to the collector"))
    lines.append(rec(T0 + 2997, 5151, "loading settings from the configuration store"))
    lines += [rec(T0 + 3002 + 5 * i, 5151, f"handled request {i}") for i in range(600)]
    rep = _analyze(lines)
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert len(restarts) == 1, [a.description for a in rep.anomalies]
    assert sorted(restarts[0].line_numbers[:2]) == [601, 602], restarts[0].description
    assert "[4242]" in lines[600] and "[5151]" in lines[601]
    assert "from 4242 (line 601) to 5151 (line 602)" in restarts[0].description


def _ci_log(before: str) -> list[str]:
    def at(i: int, text: str) -> str:
        return f"{datetime.fromtimestamp(T0 + i, UTC):%Y-%m-%dT%H:%M:%S}.1234567Z {text}"

    lines = [at(i, f"Downloading package {i} of 40 from the mirror") for i in range(40)]
    lines.append(at(41, before))
    lines.append(at(42, "##[error]Process completed with exit code 127."))
    lines += [at(43 + i, f"Cleaning up orphan process {i}") for i in range(5)]
    return lines


def test_an_error_is_told_with_the_unlevelled_output_just_before_it() -> None:
    # A runner's error reports that a step failed; the step's own output, the line before it (no level: the
    # runner did not write it), says why. The summary quotes it beside the error and cites its line.
    rep = _analyze(_ci_log("Command not found: pytest"))
    claim = next(c for c in rep.summary.claims if "exit code 127" in c.text)
    assert '(after "Command not found: pytest", line 41)' in claim.text, claim.text
    assert 41 in claim.line_numbers and 42 in claim.line_numbers


def test_a_record_with_a_level_of_its_own_before_an_error_is_not_quoted_as_its_cause() -> None:
    rep = _analyze(_ci_log("INFO: uploading the test report"))
    claim = next(c for c in rep.summary.claims if "exit code 127" in c.text)
    assert "after" not in claim.text, claim.text
    assert 41 not in claim.line_numbers


def test_a_crash_loop_is_one_stop_finding_with_its_count_and_reaches_the_summary() -> None:
    # A record naming a signal a process dies of (SIGSEGV, SIGABRT, ...) at ERROR/FATAL or no level is a crash,
    # however often it comes: a daemon that segfaults every few minutes writes it at every crash (more often
    # than a start banner or a stop message may be). One finding tells them all, scored by their count; a
    # handler installed for the signal, logged at INFO, is no crash.
    def line(t: float, level: str, message: str) -> str:
        return f"{_stamp(t)} {level} gpsd: {message}"

    lines = [line(T0, "INFO", "installed handler for SIGSEGV and SIGABRT")]
    lines += [line(T0 + 1 + 5 * i, "INFO", f"fix {i} acquired with {i % 9} satellites") for i in range(1400)]
    for k in range(15):
        lines.append(line(T0 + 300 + 450 * k, "FATAL", f"signal 11 (SIGSEGV), code 1, fault addr 0x{k:x}0"))
    lines.sort(key=lambda s: s[:19])
    rep = _analyze(lines)
    crashes = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert len(crashes) == 1, [a.description for a in rep.anomalies]
    crash = crashes[0]
    assert crash.count == 15
    assert all("(SIGSEGV)" in lines[ln - 1] and " FATAL " in lines[ln - 1] for ln in crash.line_numbers)
    assert crash.description.startswith('15 crashes: "signal <*> (SIGSEGV), code <*>, fault addr <*>", first at line')
    assert any(c.text.startswith("15 crashes: ") for c in rep.summary.claims), [c.text for c in rep.summary.claims]


def test_a_start_banner_from_a_process_that_was_writing_long_before_is_no_process_start() -> None:
    # The header's first number is the process id. A start banner (a start verb and a version) from a process
    # that has written for an hour is a component of it starting, not a process start; the same banner from a
    # process that first writes a few lines (one start sequence) before it is one.
    def rec(t: float, pid: int, message: str) -> str:
        return f"{_stamp(t)} [{pid}] INFO app: {message}"

    lines = [rec(T0 + 5 * i, 100, f"rendered frame {i} in {i % 17} ms") for i in range(1440)]  # two hours
    lines.append(rec(T0 + 3600 + 2, 100, "Initialized renderer, version 1.4"))
    lines.append(rec(T0 + 5400 + 1, 300, "loading plugin registry"))
    lines.append(rec(T0 + 5400 + 2, 300, "Initialized renderer, version 1.4"))
    # Processes write at once here (100 goes on writing): a new one is told when it writes a start sequence, more
    # than one start message (test_where_many_processes_write_at_once_one_starting_or_shutting_down_is_routine).
    lines.append(rec(T0 + 5400 + 3, 300, "Started plugin host, version 2.0"))
    lines.sort(key=lambda s: s[:19])
    rep = _analyze(lines)
    at = {a.line_numbers[0] for a in rep.anomalies if a.kind == RESTART}
    running = next(i + 1 for i, s in enumerate(lines) if "[100] INFO app: Initialized" in s)
    started = next(i + 1 for i, s in enumerate(lines) if "[300] INFO app: Initialized" in s)
    assert running not in at, [a.description for a in rep.anomalies]
    assert started in at, [a.description for a in rep.anomalies]
    # The banner's first record was no start, so the later one is a process start, not the first "again".
    told = next(a.description for a in rep.anomalies if a.kind == RESTART and a.line_numbers[0] == started)
    assert told.startswith(f"process start at line {started}") and "again" not in told, told


def test_a_json_request_record_without_a_message_reads_as_its_request() -> None:
    # A JSON access log (a proxy's) has no message field: each record is a request, and a person reads it as one
    # ("GET /api/items/3 502"), not as the list of its thirty keys. Its level is still its status's class.
    records = []
    for i in range(300):
        status = 502 if i in (40, 41, 90) else 404 if i % 25 == 3 else 200
        records.append(
            {
                "ClientAddr": f"10.0.0.{i % 7}:{30000 + i}",
                "DownstreamStatus": status,
                "Duration": 1000 + 37 * i,
                "RequestMethod": "GET",
                "RequestPath": f"/api/items/{i % 37}",
                "RouterName": "api@docker",
                "entryPointName": "web",
                "level": "info",
                "msg": "",
                "time": f"{datetime.fromtimestamp(T0 + 3 * i, UTC):%Y-%m-%dT%H:%M:%SZ}",
            }
        )
    rep = _analyze([json.dumps(r) for r in records])
    assert {t.text: t.count for t in rep.templates} == {"GET /api/items/<*> <*>": 300}
    errors = [c.text for c in rep.summary.claims if "ERROR" in c.text and "among" in c.text]
    assert errors and errors[0].startswith(
        '"GET /api/items/<*> <*>": 3 ERROR among its 300 records (status 502 x3; the first at line 41)'
    ), [c.text for c in rep.summary.claims]


def _abort_log(last_words_level: str) -> list[str]:
    def line(t: float, level: str, message: str) -> str:
        return f"{_stamp(t)} {level} engine: {message}"

    lines = [line(T0 + 5 * i, "INFO", f"served batch {i} of {i % 31} items") for i in range(800)]
    lines.append(line(T0 + 4000, last_words_level, "Check failed: queue_ != nullptr"))
    lines.append(f"*** SIGABRT received at time={int(T0) + 4000} on cpu 3 ***")
    lines += [line(T0 + 4001 + 5 * i, "INFO", f"served batch {i} of {i % 31} items") for i in range(100)]
    return lines


def test_a_crash_is_told_with_the_error_the_process_wrote_just_before_it() -> None:
    # A process that aborts writes why first (a FATAL check failure), then its signal handler's line: the crash is
    # told with that record quoted and cited (a check that failed at the fatal level is the crash's first message: its
    # library aborts the process, the signal is its second). A record before it that is no error is not a cause.
    rep = _analyze(_abort_log("FATAL"))
    crash = next(a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN)
    assert crash.description.startswith('crash at line 801 (2024-05-01T01:06:40Z): "Check failed: queue_ != nullptr"')
    assert list(crash.line_numbers)[:2] == [801, 802], crash.description
    rep = _analyze(_abort_log("INFO"))
    crash = next(a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN)
    assert "after" not in crash.description and 801 not in crash.line_numbers, crash.description


def _boot_journal(stopper: int) -> list[str]:
    def rec(t: float, unit: str, pid: int, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%b %d %H:%M:%S} host {unit}[{pid}]: {message}"

    lines = [rec(T0 + i // 4, "kernel", 0, f"probing device {i} on bus {i % 5}") for i in range(40)]
    lines.append(rec(T0 + 10, "supervisor", stopper, "livepatch.service: Main process exited, code=exited"))
    lines.append(rec(T0 + 10, "accountsd", 2126, "accountsd version 3.44.0 starting"))
    for i in range(650):  # the kernel keeps writing: no header number holds one value for a stretch
        lines.append(rec(T0 + 11 + 6 * i, "accountsd", 2126, f"loaded account {i} of user {i % 4}"))
        lines.append(rec(T0 + 14 + 6 * i, "kernel", 0, f"link {i % 3} changed state to up"))
    return lines


def test_a_start_is_not_confirmed_or_told_beside_another_processs_stop() -> None:
    # In a log of many processes (a journal), a start banner in the file's first moments is the initial start;
    # a stop just before it confirms a restart, and is told beside it, only when the same process (the header's
    # process id) wrote both: the supervisor reporting another unit's exit says nothing of this start.
    rep = _analyze(_boot_journal(stopper=1))
    assert not [a for a in rep.anomalies if a.kind == RESTART], [a.description for a in rep.anomalies]
    rep = _analyze(_boot_journal(stopper=2126))
    told = [a.description for a in rep.anomalies if a.kind == RESTART]
    assert len(told) == 1 and "after the stop at line 41" in told[0], [a.description for a in rep.anomalies]


def _broker_log(pause: bool) -> list[str]:
    def line(t: float, level: str, message: str) -> str:
        return f"{_stamp(t)} {level} worker: {message}"

    lines = [line(T0 + 2 * i, "INFO", f"heartbeat {i} from pool {i % 4}") for i in range(1800)]  # an hour
    down = [t for t in range(60, 3540, 20) if not (pause and 1500 <= t < 2400)]
    lines += [line(T0 + t + 1, "ERROR", "Cannot connect to amqp://broker:5672: Connection refused") for t in down]
    lines.sort(key=lambda s: s[:19])
    return lines


def test_an_error_that_stops_for_a_while_and_comes_back_is_told_with_its_pause() -> None:
    # An error written every 20 s that stops for 15 min and comes back (a broker reached, then lost again): its
    # claim tells the pause, between bucket edges (no record of it inside). One written steadily has none.
    rep = _analyze(_broker_log(pause=True))
    claim = next(c.text for c in rep.summary.claims if "Connection refused" in c.text)
    assert "; it pauses for 1" in claim, claim
    start, end = (datetime.fromisoformat(x.rstrip(".")) for x in claim.split(", from ")[1].split(" to "))
    assert start.timestamp() >= T0 + 1481 and end.timestamp() <= T0 + 2401, claim  # between the errors around it
    assert (end - start).total_seconds() >= 600
    rep = _analyze(_broker_log(pause=False))
    claim = next(c.text for c in rep.summary.claims if "Connection refused" in c.text)
    assert "pauses" not in claim, claim


def test_a_stop_whose_record_is_an_error_told_above_is_not_told_twice() -> None:
    # A FATAL "worker exited" in the file's tail is an error claim and a stop finding: the summary tells it once
    # (the error's claim cites its line), the finding stays in the report.
    def line(t: float, level: str, message: str) -> str:
        return f"{_stamp(t)} {level} dispatcher: {message}"

    lines = [line(T0 + 3 * i, "INFO", f"dispatched call {i} to worker {i % 4}") for i in range(1200)]
    lines.append(line(T0 + 3600, "FATAL", "Running worker 1 exited"))
    lines += [line(T0 + 3601 + i, "INFO", f"dispatched call {i} to worker {i % 3}") for i in range(5)]
    rep = _analyze(lines)
    assert [a.line_numbers[0] for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN] == [1201]
    told = [c.text for c in rep.summary.claims if "worker <*> exited" in c.text or "worker 1 exited" in c.text]
    assert len(told) == 1 and told[0].startswith("1 record at FATAL"), [c.text for c in rep.summary.claims]


def test_a_crash_described_in_words_is_a_crash_at_any_level() -> None:
    # A database's supervisor reports a backend's death at its ordinary level, describing the signal as
    # strsignal() does ("Segmentation fault"), not by its name: a crash all the same, told with its count.
    def line(t: float, pid: int, level: str, message: str) -> str:
        return f"{_stamp(t)}.123 UTC [{pid}] {level}:  {message}"

    lines = [line(T0 + 4 * i, 500 + i % 9, "LOG", f"checkpoint complete: wrote {i % 50} buffers") for i in range(900)]
    for k in range(12):
        at = T0 + 200 + 280 * k
        lines.append(
            line(at, 77, "LOG", f"server process (PID {9000 + k}) was terminated by signal 11: Segmentation fault")
        )
    lines.sort(key=lambda s: s[:23])
    rep = _analyze(lines)
    crashes = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert len(crashes) == 1 and crashes[0].count == 12, [a.description for a in rep.anomalies]
    assert all("Segmentation fault" in lines[ln - 1] for ln in crashes[0].line_numbers)


def test_a_bus_error_a_word_qualifies_is_hardware_not_a_crash() -> None:
    # strsignal(SIGBUS) is "Bus error": a process died of it. A memory controller's "general bus error" (or a
    # "PCI bus error") is the machine's hardware reporting, the processes go on: no crash, however often it comes.
    def line(t: float, message: str) -> str:
        return f"{_stamp(t)} node7 {message}"

    lines = [line(T0 + 4 * i, f"crond[{700 + i}]: (root) CMD (run-parts /etc/cron.hourly)") for i in range(300)]
    for k in range(20):
        lines.insert(15 * k + 3, line(T0 + 60 * k, "kernel: EDAC k8 MC0: general bus error: participating processor"))
    lines.insert(200, line(T0 + 800, "kernel: PCI bus error detected on slot 3"))
    lines.insert(250, line(T0 + 1000, "run-parts[901]: /etc/cron.hourly/logrotate: Bus error (core dumped)"))
    lines.sort(key=lambda s: s[:19])
    rep = _analyze(lines)
    crashes = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert len(crashes) == 1, [a.description for a in crashes]
    assert all("(core dumped)" in lines[ln - 1] for ln in crashes[0].line_numbers), crashes[0].description


def test_systemds_signal_status_of_a_units_process_tells_a_crash_or_a_kill() -> None:
    # systemd writes the signal that ended a unit's main process by number and short name, at NOTICE: "code=dumped,
    # status=11/SEGV" is the process crashing, "code=killed, status=9/KILL" it being killed (no start after it here:
    # the signal alone says the process ended, as "SIGKILL" would). A status that is an exit code
    # ("status=1/FAILURE") names no signal, and "exited" alone is a weak stop word no start confirms here.
    def line(t: float, message: str) -> str:
        return f"{_stamp(t)} node-1 {message}"

    lines = [line(T0 + 5 * i, f"orders-api: order {1000 + i} placed in {i % 300} ms") for i in range(400)]
    lines[120] = line(T0 + 600, "systemd: orders-api.service: Main process exited, code=dumped, status=11/SEGV")
    lines[121] = line(T0 + 605, "systemd: Started Orders API.")
    lines[300] = line(T0 + 1500, "systemd: orders-api.service: Main process exited, code=killed, status=9/KILL")
    lines[200] = line(T0 + 1000, "systemd: backup.service: Main process exited, code=exited, status=1/FAILURE")
    rep = _analyze(lines)
    stops = {a.line_numbers[0]: a.description for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN}
    assert stops.keys() == {121, 301}, stops
    assert stops[121].startswith("crash at line 121"), stops[121]
    assert stops[301].startswith("stop at line 301"), stops[301]


def test_a_process_the_kernel_killed_for_memory_is_a_crash_in_a_file_without_levels() -> None:
    # The kernel's ring buffer writes no level (plain dmesg): its one OOM kill among routine interface messages
    # must still reach the summary, with its line. A process an agent kills as routine is no crash.
    lines = []
    for i in range(600):
        stamp = f"[{100 + i * 13.5:12.6f}]"
        lines.append(
            f"{stamp} docker0: port {i % 4 + 1}(veth{i:05x}) entered {('blocking', 'forwarding')[i % 2]} state"
        )
        if i == 300:
            lines.append(f"{stamp} Out of memory: Killed process 4242 (java) total-vm:39506172kB, anon-rss:29382712kB")
        if i % 50 == 7:
            lines.append(f"{stamp} lowmemorykiller: Successfully killed process cgroup uid 10{i} pid {i + 900}")
    rep = _analyze(lines)
    at = next(n for n, x in enumerate(lines, 1) if "Out of memory" in x)
    crashes = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert [a.line_numbers[0] for a in crashes] == [at], [a.description for a in crashes]
    claim = next(c for c in rep.summary.claims if "Out of memory" in c.text)
    assert claim.text.startswith(f"Crash at line {at}") and at in claim.line_numbers, claim.text


def test_a_kernel_panic_is_a_crash_in_a_file_without_levels() -> None:
    # A board's serial console: the kernel's ring buffer with no level, then "Kernel panic - not syncing: Fatal
    # exception" before the boot loader starts again. The panic ends everything the machine ran: a crash, with its
    # line in the summary (it was no finding, and the summary's room went to the console's routine lines).
    lines = []
    for i in range(400):
        lines.append(f"[{100 + i * 1.5:12.6f}] mmc0: new high speed SDHC card at address {i % 9:04x}")
        if i % 40 == 5:
            lines.append(f"[{100 + i * 1.5:12.6f}] galcore: clk_get vg clock failed, disable vg!")
    at = len(lines) + 1
    lines.append(f"[{700.5:12.6f}] Kernel panic - not syncing: Fatal exception")
    lines.append(f"[{700.6:12.6f}] CPU0: stopping")
    rep = _analyze(lines)
    crashes = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert crashes and crashes[0].description.startswith(f"crash at line {at}"), [a.description for a in crashes]
    claim = next(c for c in rep.summary.claims if "Kernel panic" in c.text)
    assert at in claim.line_numbers, claim.text


def test_a_kernel_call_trace_printed_line_by_line_is_one_record() -> None:
    # dmesg -T stamps every line of an OOM report with the same second: the frames under "Call Trace:" ("? func+0x
    # 27/0x30", "<TASK>") are that trace's lines, not one-off messages each (they named "handle_mm_fault" as failures).
    lines = []
    for i in range(300):
        lines.append(f"[Wed Mar  4 13:{i // 60:02d}:{i % 60:02d} 2026] eth0: link {('up', 'down')[i % 2]} check {i}")
        if i == 150:
            at = f"[Wed Mar  4 13:{i // 60:02d}:{i % 60:02d} 2026]"
            lines += [f"{at} python3 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE), order=0",
                      f"{at} Call Trace:", f"{at}  <TASK>", f"{at}  dump_stack_lvl+0x48/0x70",
                      f"{at}  out_of_memory+0x106/0x2f0", f"{at}  filemap_fault+0x5a4/0x9f0",
                      f"{at}  __handle_mm_fault+0x661/0xa80", f"{at}  ? exc_page_fault+0x83/0x1b0",
                      f"{at}  asm_exc_page_fault+0x27/0x30", f"{at}  </TASK>",
                      f"{at} Out of memory: Killed process 4242 (python3) total-vm:39506172kB"]  # fmt: skip
    rep = _analyze(lines)
    assert rep.record_count == 300 + 3
    trace = next(t for t in rep.templates if t.text == "Call Trace:")
    assert trace.count == 1 and not any("+0x" in t.text or "TASK>" in t.text for t in rep.templates)
    assert not any("fault+" in c.text for c in rep.summary.claims), [c.text for c in rep.summary.claims]


def test_a_routine_message_before_an_error_is_not_quoted_as_its_cause() -> None:
    # The record before an error tells why only when it is a message of its own (rare): one of the file's
    # routine messages that happens to come before it (the 41st "Downloading package") says nothing of it.
    lines = _ci_log("Command not found: pytest")
    lines.insert(2, lines.pop(41))  # the error now follows the second "Downloading package" (one held as example)
    lines = [lines[0][:28] + line[28:] for line in lines]  # one second: order by line
    assert "Downloading package 1 of 40" in lines[1] and "exit code 127" in lines[2]
    rep = _analyze(lines)
    claim = next(c for c in rep.summary.claims if "exit code 127" in c.text)
    assert "after" not in claim.text and 2 not in claim.line_numbers, claim.text


def test_a_start_banner_told_as_a_restart_is_not_told_again_as_a_rare_message() -> None:
    # The banner a restart is told with is seen twice in a long file, so it is also a rare message: the summary
    # tells it once (the restart), and the rare message's room goes to the next claim.
    def line(t: float, level: str, message: str) -> str:
        return f"{_stamp(t)} {level} api: {message}"

    lines = [line(T0, "INFO", "Starting api version 2.4.1 on port 3000")]
    lines += [line(T0 + 1 + 3 * i, "INFO", f"request {i} completed in {i % 40} ms") for i in range(1200)]
    lines.append(line(T0 + 3700, "INFO", "received SIGTERM, shutting down"))
    lines.append(line(T0 + 3705, "INFO", "Starting api version 2.4.1 on port 3000"))
    lines += [line(T0 + 3706 + 3 * i, "INFO", f"request {i} completed in {i % 40} ms") for i in range(600)]
    rep = _analyze(lines)
    claims = [c.text for c in rep.summary.claims]
    assert any(c.startswith("Restart at line 1203") for c in claims), claims
    assert not any(c.startswith("Rare message") and "Starting api" in c for c in claims), claims
    assert any(
        a.kind == report_pb2.ANOMALY_KIND_RARE_TEMPLATE and "Starting api" in a.description for a in rep.anomalies
    )


def test_a_rare_message_a_stop_claim_already_cites_is_not_told_again() -> None:
    # A stop told with its second message ("... with 1 more stop message at line(s) N") cites that record; the
    # same record is not told again as a rare message.
    def line(t: float, level: str, message: str) -> str:
        return f"{_stamp(t)} {level} broker: {message}"

    lines = [line(T0 + 3 * i, "INFO", f"rolled segment {i} in {i % 9} ms") for i in range(1200)]
    lines.append(line(T0 + 3600, "INFO", "received SIGTERM, shutting down"))
    lines.append(line(T0 + 3600, "INFO", "shutdown completed"))
    lines += [line(T0 + 3601 + 3 * i, "INFO", f"rolled segment {i} in {i % 9} ms") for i in range(40)]
    rep = _analyze(lines)
    claims = [c.text for c in rep.summary.claims]
    assert any(c.startswith("Stop at line 1201") and "1 more stop message at line(s) 1202" in c for c in claims), claims
    assert not any(c.startswith("Rare message") and "shutdown completed" in c for c in claims), claims


def test_a_separator_glued_to_the_header_is_not_the_messages_first_word() -> None:
    # "[time] INFO [GroupCoordinator 1]: Member ..." closes its bracketed column with a colon: the message is
    # "Member ...", not ": Member ...".
    lines = []
    for i in range(600):
        stamp = f"[{datetime.fromtimestamp(T0 + 2 * i, UTC):%Y-%m-%d %H:%M:%S},{i % 1000:03d}]"
        if i % 10 >= 3:  # the glued form is a minority: the layout's last column is the bracket alone
            lines.append(f"{stamp} INFO [Log partition=orders-{i % 12}, dir=/var/lib/kafka] Rolled new log segment {i}")
        else:
            lines.append(f"{stamp} INFO [GroupCoordinator 1]: Member consumer-{i} in group billing has failed")
    rep = _analyze(lines)
    texts = {t.text for t in rep.templates}
    assert "Member consumer-<*> in group billing has failed" in texts, texts
    assert not any(t.startswith(":") for t in texts), texts


def test_a_process_that_writes_alone_under_the_same_id_after_a_restart_is_restarted() -> None:
    # A container's process is always pid 1: its banner again after the process was killed is a restart, though
    # the same id wrote long before (only where processes write at once does an old id mean a running process).
    def rec(t: float, level: str, message: str) -> str:
        return f"{_stamp(t)} [1] {level} app: {message}"

    lines = [rec(T0, "INFO", "Starting orders-api version 2.4.1")]
    lines += [rec(T0 + 1 + 2 * i, "INFO", f"handled request {i} in {i % 90} ms") for i in range(2000)]
    lines.append(rec(T0 + 4001, "WARN", "Killed by OOM, container restarting"))
    lines.append(rec(T0 + 4020, "INFO", "Starting orders-api version 2.4.1"))
    lines += [rec(T0 + 4021 + 2 * i, "INFO", f"handled request {i} in {i % 90} ms") for i in range(1000)]
    rep = _analyze(lines)
    assert [a.line_numbers[0] for a in rep.anomalies if a.kind == RESTART] == [2003], [
        a.description for a in rep.anomalies
    ]


def test_a_stop_then_a_start_under_a_new_id_in_a_file_of_one_process_at_a_time_is_a_restart() -> None:
    # One process at a time (ids never interleave): the old process's stop and the new one's banner are one
    # restart, though their ids differ, even where the id change itself is too early to be read as one.
    def rec(t: float, pid: int, message: str) -> str:
        return f"{_stamp(t)} [{pid}] INFO api: {message}"

    lines = [rec(T0 + i, 100, f"handled request {i} in {i % 40} ms") for i in range(3)]
    lines.append(rec(T0 + 3, 100, "received SIGTERM, shutting down"))
    lines.append(rec(T0 + 5, 200, "Starting api version 2.4.1"))
    lines += [rec(T0 + 6 + i // 100, 200, f"handled request {i} in {i % 40} ms") for i in range(400)]  # 4 s
    rep = _analyze(lines)
    assert [a.line_numbers[0] for a in rep.anomalies if a.kind == RESTART] == [5], [
        a.description for a in rep.anomalies
    ]


def test_a_process_id_change_and_the_banner_its_start_sequence_writes_later_are_one_restart() -> None:
    # A new process writes 180 flag lines, then its banner: the id change (at its first line) and the banner
    # are one start, told once at the banner with the id change, not as two restarts.
    def rec(t: float, pid: int, message: str) -> str:
        return f"{_stamp(t)} [{pid}] INFO api: {message}"

    lines = [rec(T0 + 3 * i, 100, f"handled request {i} in {i % 40} ms") for i in range(1000)]
    lines.append(rec(T0 + 3000, 100, "received SIGTERM, shutting down"))
    lines += [rec(T0 + 3010, 200, f"FLAG: --option-{i}=value{i}") for i in range(180)]
    lines.append(rec(T0 + 3011, 200, "Starting api version 2.4.1"))
    lines += [rec(T0 + 3012 + 3 * i, 200, f"handled request {i} in {i % 40} ms") for i in range(1000)]
    rep = _analyze(lines)
    restarts = [a.description for a in rep.anomalies if a.kind == RESTART]
    assert len(restarts) == 1, restarts
    assert restarts[0].startswith("restart at line 1182") and "from 100 (line 1001) to 200 (line 1002)" in restarts[0]


def test_a_stack_frame_written_as_a_record_of_its_own_is_not_ranked_as_an_error() -> None:
    # logcat writes each line of a trace under a header of its own: counted as records, its frames made the most
    # frequent ERROR template. A frame is part of the exception its trace reports (told in the exception groups), not
    # an error message.
    def lc(t: float, level: str, tag: str, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%m-%d %H:%M:%S}.000  1234  1250 {level} {tag}: {message}"

    lines = []
    for i in range(1500):
        t = T0 + 2 * i
        lines.append(lc(t, "I", "ActivityManager", f"Start proc {4000 + i}:com.app{i % 7}/u0a{i % 90} for service"))
        if i % 50 == 0:
            lines.append(lc(t, "E", "AndroidRuntime", "FATAL EXCEPTION: main"))
            lines.append(lc(t, "E", "AndroidRuntime", "java.lang.NullPointerException: Attempt to invoke a method"))
            lines += [
                lc(t, "E", "AndroidRuntime", f"\tat com.example.Main{k}.run{k}(Main{k}.java:{100 + k})")
                for k in range(12)
            ]
        if i % 100 == 7:
            lines.append(lc(t, "E", "wifi", f"Failed to connect to network {i % 5}: timeout"))
    rep = _analyze(lines)
    by_id = {t.id: t.text for t in rep.templates}
    ranked = [by_id[e.template_id] for e in rep.error_templates]
    assert ranked and not any(text.startswith("at ") for text in ranked), ranked
    # The frames, under the header of the exception's line, are that record's trace: no template of their own.
    assert not any(t.text.startswith("at com.example.") for t in rep.templates)
    assert [(g.exception_type, g.count) for g in rep.exception_groups] == [("java.lang.NullPointerException", 30)]
    claims = [c.text for c in rep.summary.claims]
    assert not any('"at com.example.' in c for c in claims), claims


def test_the_warnings_of_a_template_ranked_at_error_are_told_too() -> None:
    # A request template holds the 502s (errors) and the 404s (warnings): the errors lead, and the warnings,
    # news of their own, are told among the warnings instead of vanishing behind the template's worst level.
    records = []
    for i in range(300):
        status = 502 if i in (40, 41, 90) else 404 if i % 20 == 3 else 200
        records.append(
            {
                "RequestMethod": "GET",
                "RequestPath": f"/api/items/{i % 37}",
                "DownstreamStatus": status,
                "time": f"{datetime.fromtimestamp(T0 + 3 * i, UTC):%Y-%m-%dT%H:%M:%SZ}",
            }
        )
    rep = _analyze([json.dumps(r) for r in records])
    claims = [c.text for c in rep.summary.claims]
    errors = next(
        i for i, c in enumerate(claims) if c.startswith('"GET /api/items/<*> <*>": 3 ERROR among its 300 records')
    )
    warnings = next(
        i for i, c in enumerate(claims) if c.startswith('"GET /api/items/<*> <*>": 15 WARN among its 300 records')
    )
    assert errors < warnings, claims
    assert "(status 404 x15; the first at line 4)" in claims[warnings], claims


def test_restart_rules_parse_each_held_record_once_however_many_banners(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whether a banner's process was writing before it, and whether the file's processes write at once, are read
    # from the held records' headers (a parse each). With many banners, a record's header must be parsed once per
    # report, not once per banner: the work stays bounded by what the aggregates hold.
    import loglens_analysis.engine.report as report

    parsed: Counter[str] = Counter()
    read = report._header_text

    def counting(an: object, text: str) -> str | None:
        parsed[text] += 1
        return read(an, text)  # type: ignore[arg-type]

    monkeypatch.setattr(report, "_header_text", counting)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    lines = []
    for i in range(2400):  # two processes writing at once, 100 distinct messages
        pid = 100 if i % 2 else 200
        lines.append(f"{_stamp(T0 + 3 * i)} [{pid}] INFO app: {words[i % 10]} {words[i // 10 % 10]} step {i}")
    for k in range(8):  # the running process 100 starts a component every 15 minutes
        lines.append(f"{_stamp(T0 + 900 * (k + 1) + 1)} [100] INFO app: Initialized renderer, version 1.{k}")
    lines.sort(key=lambda s: s[:19])
    _analyze(lines)
    assert parsed, "the restart rules read no header"
    assert max(parsed.values()) <= 2, parsed.most_common(3)


def _many_processes(extra: list[tuple[float, int, str]]) -> list[str]:
    """Three long-running processes that write at once (their ids interleave), two hours, plus ``extra``."""

    def rec(t: float, pid: int, message: str) -> str:
        return f"{_stamp(t)} [{pid}] INFO app: {message}"

    lines = [rec(T0 + 3 * i, (100, 200, 300)[i % 3], f"synced shard {i} in {i % 17} ms") for i in range(2400)]
    lines += [rec(t, pid, message) for t, pid, message in extra]
    lines.sort(key=lambda s: s[:19])
    return lines


def test_where_many_processes_write_at_once_one_starting_or_shutting_down_is_routine() -> None:
    # logcat, a journal, a compose file: processes come and go all the time. A new process's one start banner, or
    # a short-lived tool's "shutting down", is no finding; a process starting again (its banner seen before at a
    # start), a machine or stack booting (several start messages of its own) and a stop in the file's tail are.
    routine = [
        (T0 + 2000, 401, "Initialized renderer, version 1.4"),
        (T0 + 2001, 402, "Shutting down VM"),
        (T0 + 4001, 404, "Shutting down VM"),
    ]
    rep = _analyze(_many_processes(routine))
    lifecycle = [a.description for a in rep.anomalies if a.kind in (RESTART, report_pb2.ANOMALY_KIND_SHUTDOWN)]
    assert lifecycle == [], lifecycle

    boot = [
        (T0 + 3000, 500, "klogd 1.4.1, log source = /proc/kmsg started."),
        (T0 + 3000, 500, "Linux version 2.6.5-1.358 booting"),
        (T0 + 3001, 500, "SELinux: Initializing."),
        (T0 + 7199, 100, "Shutting down VM"),  # the file's last record
    ]
    lines = _many_processes(boot)
    rep = _analyze(lines)
    starts = [a for a in rep.anomalies if a.kind == RESTART]
    stops = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    klogd = next(i + 1 for i, s in enumerate(lines) if "klogd" in s)
    assert [a.line_numbers[0] for a in starts] == [klogd], [a.description for a in rep.anomalies]
    assert [a.line_numbers[0] for a in stops] == [len(lines)], [a.description for a in rep.anomalies]


@pytest.mark.parametrize(
    ("record", "cause"),
    [
        ('time=t level=error msg="failed to start container" error="exec: \\"/app\\": permission denied"', "error"),
        (
            '{"level":"error","msg":"peer became inactive","peer":"91bc","error":"dial tcp: connection refused"}',
            "error",
        ),
        ('ts=t level=warn msg="Append failed" err="out of bounds" target=node', "err"),
        ('{"level":"error","message":"job failed","error":{"message":"disk full","code":28}}', "error.message"),
    ],
)
def test_a_structured_records_cause_is_the_field_it_names_its_error_in(record: str, cause: str) -> None:
    got = structured_cause(record)
    assert got is not None and got[0] == cause, got
    assert got[1] in ('exec: "/app": permission denied', "dial tcp: connection refused", "out of bounds", "disk full")


def test_a_cause_cut_with_its_record_is_told_as_far_as_it_goes() -> None:
    """A record is held to its first EXAMPLE_CHARS characters: a quoted cause the cut falls inside is its text up to
    the cut and "…", not its first word without its quote ("Ge" for 'Get "https://..."')."""
    record = 'ts=t level=error msg="download failed" err="Get \\"https://example.com/report.csv\\": tls: failed to ver'
    assert structured_cause(record) == ("err", 'Get "https://example.com/report.csv": tls: failed to ver…')


@pytest.mark.parametrize(
    "record",
    [
        '{"level":"error","error":"dial tcp: connection refused"}',  # the error is the message: told already
        'time=t level=error msg="failed to start container" container=3f2a',  # no cause field
        "2024-05-01 12:00:00 ERROR failed to start container error=boom",  # neither JSON nor logfmt
        '{"level":"error","msg":"x","error":""}',
        # A Ruby hash's inspection: "=>" is an arrow, not a pair's "=" (the cause was ">Pool::HostUnreachableError,").
        '[t][WARN ][out] Retrying {:url=>"http://es01:9200/", :exception=>Pool::HostUnreachableError, :message=>"x"}',
        # A code of digits alone says no cause (OpenLDAP's "RESULT ... err=80 ... text=internal error").
        "conn=1021 op=3 RESULT tag=105 err=80 qtime=0.000010 etime=0.000191 text=internal error",
    ],
)
def test_a_record_without_a_cause_field_of_its_own_has_none(record: str) -> None:
    assert structured_cause(record) is None


def test_a_structured_error_is_told_with_the_cause_its_record_names() -> None:
    # Go services log the failure as the message and why as a field ("upstream call failed" error="context deadline
    # exceeded"): the summary tells why, from the record it cites, and says which record that is when it tells many.
    lines = []
    for i in range(300):
        t = datetime.fromtimestamp(T0 + i, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if i % 50 == 7:
            lines.append(
                f'time={t} level=error msg="upstream call failed" error="dial tcp 10.0.0.{i % 9}:443: refused"'
            )
        else:
            lines.append(f'time={t} level=info msg="request served" path=/api/items/{i} took={i % 17}ms')
    rep = _analyze(lines)
    claim = next(c.text for c in rep.summary.claims if "upstream call failed" in c.text)
    assert claim.startswith(
        '6 records at ERROR: "upstream call failed" (error at line 8: "dial tcp 10.0.0.7:443: refused"), first at '
        "line 8"
    ), claim


def test_a_json_record_cut_short_still_names_its_cause() -> None:
    """An example holds a record's first characters: a JSON object cut there gives the members it holds whole, so
    its cause is read from it when the cut comes after that field (or right at its end)."""
    record = '{"level":"error","msg":"x","error":"disk full","ctx":{"a":"b","c":[1,2'
    assert structured_cause(record) == ("error", "disk full")
    assert structured_cause('{"level":"error","msg":"x","error":"disk full"') == ("error", "disk full")
    assert structured_cause('{"level":"error","msg":"x","error":"disk fu') is None  # cut inside: not told
    assert structured_cause('{"level":"error","msg":"x"}, "error":"disk full"') is None  # no JSON, not cut


def test_a_wide_json_records_cause_past_the_example_cut_is_told() -> None:
    # An audit trail writes who called what first (hundreds of characters) and why the call failed last: the example
    # the report holds of such a record reaches the end of its cause field, so the claim tells why.
    context = ",".join(f'"field{k}":"{"v" * 40}{k}"' for k in range(20))  # about 1,000 characters
    lines = []
    for i in range(300):
        t = datetime.fromtimestamp(T0 + i, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if i % 50 == 7:
            lines.append(
                f'{{"time":"{t}","level":"error","msg":"call denied","who":{{{context}}},'
                f'"errorMessage":"role orders-sync is not authorized to perform PutItem","id":{i}}}'
            )
        else:
            lines.append(f'{{"time":"{t}","level":"info","msg":"call allowed","who":{{{context}}},"id":{i}}}')
    assert len(lines[7]) > 1000
    rep = _analyze(lines)
    claim = next(c.text for c in rep.summary.claims if "call denied" in c.text)
    assert claim.startswith(
        '6 records at ERROR: "call denied" (errorMessage at line 8: "role orders-sync is not authorized to perform '
        'PutItem"), first at line 8'
    ), claim
    example = next(t for t in rep.templates if t.text == "call denied").examples[0].text
    assert lines[7].startswith(example) and example.endswith('PutItem"'), example[-60:]


def test_a_short_structured_file_quotes_its_messages_and_the_cause_not_lines_of_fields() -> None:
    lines = [
        '{"level":"info","ts":"2024-05-01T12:00:00Z","caller":"main.go:12","msg":"starting","version":"1.4.2"}',
        '{"level":"error","ts":"2024-05-01T12:00:01Z","caller":"peer.go:68","msg":"peer became inactive",'
        '"peer-id":"91bc3c39","error":"failed to dial 91bc3c39: connection refused"}',
    ]
    claims = [c.text for c in _analyze(lines).summary.claims]
    assert claims[1:] == [  # the error first
        'Line 2 (ERROR): "peer became inactive" (error: "failed to dial 91bc3c39: connection refused").',
        'Line 1 (INFO): "starting".',
    ], claims


def test_an_untimed_restart_is_one_finding_and_an_instruction_to_shut_down_is_no_stop() -> None:
    # .NET's console logger writes no time. Its start sequence ends with "Application started. Press Ctrl+C to shut
    # down.": how to stop it, not a stop. A restart's messages, a few lines apart, are one restart (without times an
    # episode is told by lines, not only by one line).
    def rec(category: str, message: str) -> list[str]:
        return [f"info: {category}", f"      {message}"]

    start = rec("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[0]", "Using '/keys' as key repository")
    start += rec("Microsoft.Hosting.Lifetime[14]", "Now listening on: http://[::]:8080")
    start += rec("Microsoft.Hosting.Lifetime[0]", "Application started. Press Ctrl+C to shut down.")
    start += rec("Microsoft.Hosting.Lifetime[0]", "Hosting environment: Production")
    lines = list(start)
    for i in range(1300):
        lines += rec("Shop.Api.Controllers.OrdersController[0]", f"Order {9000 + i} created with {i % 7} items")
        if i == 900:
            lines += rec("Microsoft.Hosting.Lifetime[0]", "Application is shutting down...")
            restart_at = len(lines) + 1
            lines += start
    rep = _analyze(lines)
    stops = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert all("Ctrl+C" not in a.description for a in stops), [a.description for a in stops]
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert len(restarts) == 1 and restarts[0].line_numbers[0] == restart_at, [a.description for a in restarts]
    assert "more start message" in restarts[0].description
    assert _STOP_WEAK.search("Application started. Press Ctrl+C to shut down.") is None
    assert _STOP_WEAK.search("Service failed to shutdown cleanly") is None
    assert _STOP_WEAK.search("Worker shut down after 3 retries") is not None


def test_a_stop_sequence_with_a_repeated_message_is_one_stop_and_an_error_is_no_start() -> None:
    # A broker stopping as its log ends: its signal, then each of its two message stores "Stopping ..." and "... is
    # stopped": one stop (a repeated message inside a sequence is no new one; the sequence's first message coming
    # again would be). An error naming a connection's state "starting" and an Erlang process id that reads as a
    # version is no start.
    def line(t: float, level: str, message: str) -> str:
        return f"{_stamp(t)}.123456+00:00 [{level}] <0.{300 + int(t) % 7}.0> {message}"

    lines = [line(T0 + 5 * i, "info", f"accepting AMQP connection ({i % 250}.0.0.1:{4000 + i})") for i in range(900)]
    for k in range(3):
        lines.append(line(T0 + 2000 + k, "error", f"Error on AMQP connection <0.11928{k}.0> (state: starting):"))
    t = T0 + 4500
    stop = ["SIGTERM received - shutting down", "stopped TCP listener on [::]:5672"]
    stop += [f"Stopping message store for directory '/var/lib/rabbitmq/{d}'" for d in ("transient", "persistent")]
    stop += [f"Message store for directory '/var/lib/rabbitmq/{d}' is stopped" for d in ("transient", "persistent")]
    lines += [line(t + k * 0.1, "info", m) for k, m in enumerate(stop)]
    lines.sort(key=lambda s: s[:26])
    rep = _analyze(lines)
    assert not [a for a in rep.anomalies if a.kind == RESTART and "Error on AMQP" in a.description]
    stops = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert len(stops) == 1 and stops[0].description.startswith("stop at line 904"), [a.description for a in stops]


def test_a_start_worded_step_of_a_stop_is_no_start() -> None:
    # An agent leaving its cluster as it stops: "server starting leave" comes between "Gracefully shutting down" and
    # "Graceful exit completed". The start is the first start message after the stop's last message.
    def line(t: float, message: str, module: str = "agent") -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S}.123Z [INFO]  {module}: {message}"

    def routine(t: float, i: int) -> str:
        return (
            line(t, f"Request finished: method=GET url=/v1/kv/app{i % 40} latency={i % 97}ms", "agent.http"),
            line(t, f"Synced check: check=service:web-{i % 9}"),
            line(t, f"serf: EventMemberJoin: consul-client-{i % 7} 10.0.3.{i % 50}", "agent.server.serf.lan"),
            line(t, f"Check is now critical: check=service:db-{i % 5}"),
            line(t, f"memberlist: Initiating push/pull sync with: consul-client-{i % 7}", "agent.server.memberlist"),
        )[i % 5]

    lines = [routine(T0 + 4 * i, i) for i in range(700)]
    t = T0 + 3000
    lines += [line(t, "Caught: signal=terminated"), line(t, "Gracefully shutting down agent...")]
    lines += [line(t + 1, "server starting leave"), line(t + 2, "Graceful exit completed")]
    lines += [line(t + 2, "shutdown complete"), line(t + 3, "Endpoints down")]
    start_at = len(lines) + 1
    lines += [line(t + 9, "Started DNS server: address=0.0.0.0:8600 network=udp"), line(t + 9, "started state syncer")]
    lines += [routine(t + 10 + 4 * i, i) for i in range(300)]
    rep = _analyze(lines)
    starts = [a for a in rep.anomalies if a.kind == RESTART]
    assert len(starts) == 1 and starts[0].line_numbers[0] == start_at, [a.description for a in starts]
    assert "starting leave" not in starts[0].description


def test_a_crash_signal_written_by_number_is_a_crash_and_the_banner_after_it_a_restart() -> None:
    # A database writes the signal it died of by number ("got signal 6": SIGABRT), which its template masks, and its
    # header's number is a thread's (the main thread is 0 in every run, so the number says nothing of a new
    # process): the crash is told, and the start banner after it is a restart.
    def line(t: float, thread: int, level: str, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S}.{int(t) % 997:06d}Z {thread} [{level}] {message}"

    def start(t: float) -> list[str]:
        return [
            line(t, 0, "System", "/usr/sbin/dbd (dbd 8.0.35) starting as process 30912"),
            line(t + 1, 1, "System", "engine initialization has started."),
            line(t + 2, 0, "System", "/usr/sbin/dbd: ready for connections. Version: '8.0.35'"),
        ]

    lines = start(T0)
    lines += [
        line(T0 + 10 + 7 * i, 5000 + i, "Warning", f"client {i % 13} used a deprecated plugin") for i in range(400)
    ]
    crash_at = T0 + 10 + 7 * 400
    lines.append(line(crash_at, 5400, "ERROR", "Assertion failure: btr0cur.cc:296 thread 5400"))
    lines.append(f"{datetime.fromtimestamp(crash_at, UTC):%Y-%m-%dT%H:%M:%S}Z UTC - dbd got signal 6 ;")
    lines += start(crash_at + 5)
    lines += [
        line(crash_at + 20 + 7 * i, 6000 + i, "Warning", f"client {i % 13} used a deprecated plugin")
        for i in range(300)
    ]
    rep = _analyze(lines)
    crash_line = next(i for i, x in enumerate(lines, 1) if "got signal 6" in x)
    crashes = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert [a.line_numbers[0] for a in crashes] == [crash_line], [a.description for a in rep.anomalies]
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert [a.line_numbers[0] for a in restarts] == [crash_line + 1], [a.description for a in rep.anomalies]


def test_a_daemon_reloading_on_sighup_has_not_stopped() -> None:
    # nginx reloads its configuration on SIGHUP ("signal 1 (SIGHUP) received from 512, reconfiguring") and goes on:
    # no stop there. The SIGTERM it exits on is one.
    def line(t: float, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y/%m/%d %H:%M:%S} [notice] 1#1: {message}"

    lines = [line(T0 + 6 * i, f"*{i} client {i % 7} closed keepalive connection") for i in range(300)]
    lines[150] = line(T0 + 900, "signal 1 (SIGHUP) received from 512, reconfiguring")
    lines[151] = line(T0 + 900, "reconfiguring")
    lines[152] = line(T0 + 900, "start worker process 77")
    lines[299] = line(T0 + 1794, "signal 15 (SIGTERM) received from 1, exiting")
    rep = _analyze(lines)
    stops = [a.line_numbers[0] for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert stops == [300], [a.description for a in rep.anomalies]


@pytest.mark.parametrize(("code", "crash"), [(139, True), (134, True), (137, False), (143, False), (1, False)])
def test_an_exit_status_of_128_plus_a_crash_signal_is_a_crash(code: int, crash: bool) -> None:
    # A supervisor reports how its child ended by the shells' convention, 128 + the signal's number: 139 is SIGSEGV,
    # 134 SIGABRT (a crash); 137 SIGKILL and 143 SIGTERM end a process from outside, 1 is the process's own exit.
    def line(t: float, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S}.{int(t) % 997:06d}+00:00 {message}"

    lines = [line(T0 + 5 * i, f"app[worker.1]: processed job {i} in {i % 40 + 3} ms") for i in range(300)]
    lines[200] = line(T0 + 1000, f"heroku[worker.1]: Process exited with status {code}")
    rep = _analyze(lines)
    crashes = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN and "crash" in a.description]
    assert [a.line_numbers[0] for a in crashes] == ([201] if crash else []), [a.description for a in rep.anomalies]


@pytest.mark.parametrize(
    ("end", "crash"),
    [
        ("orders.service: Main process exited, code=exited, status=139/n/a", True),
        ("ProcMgr: 'Bgp' (PID=2841, status=134) has terminated.", True),
        ("orders.service: Main process exited, code=exited, status=1/FAILURE", False),
        ("ProcMgr: 'Bgp' (PID=2841, status=143) has terminated.", False),
    ],
)
def test_a_status_field_of_128_plus_a_crash_signal_is_a_crash(end: str, crash: bool) -> None:
    # The exit status as a field of the process's end, systemd's "code=exited, status=139/n/a" (a wrapper shell's
    # 128 + SIGSEGV) or a process manager's "(PID=2841, status=134)" (SIGABRT): a crash, as in words.
    def line(t: float, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%b %d %H:%M:%S} host {message}"

    lines = [line(T0 + 5 * i, f"app[{4242}]: processed job {i} in {i % 40 + 3} ms") for i in range(300)]
    lines[200] = line(T0 + 1000, end)
    rep = _analyze(lines)
    crashes = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN and "crash" in a.description]
    assert [a.line_numbers[0] for a in crashes] == ([201] if crash else []), [a.description for a in rep.anomalies]


@pytest.mark.parametrize("stop", ["*** Got signal Terminated ***", "received signal: interrupt"])
def test_a_signal_received_by_its_description_is_a_stop_and_a_version_announced_after_it_a_start(stop: str) -> None:
    # strsignal(3) and Go's os.Signal name a signal by its description. A process that receives one stops, and a
    # version announced right after (no start verb, far from the file's head) is the new process's start.
    def rec(t: float, message: str) -> str:
        return f"{_stamp(t)} 7f1a2b3c INFO {message}"

    lines = [rec(T0 + 10 * i, f"scrubbed placement group {i} in {i % 9} ms") for i in range(300)]
    lines.append(rec(T0 + 3001, stop))
    lines.append(rec(T0 + 3200, "objstore version 18.2.1 (7fe91d5d5842) reef (stable), pid 4242"))
    lines += [rec(T0 + 3210 + 10 * i, f"scrubbed placement group {i} in {i % 9} ms") for i in range(300)]
    rep = _analyze(lines)
    told = {a.kind: a.line_numbers[0] for a in rep.anomalies}
    assert told.get(report_pb2.ANOMALY_KIND_SHUTDOWN) == 301, [a.description for a in rep.anomalies]
    assert told.get(RESTART) == 302, [a.description for a in rep.anomalies]


def test_a_childs_end_by_a_signal_is_no_stop_of_the_process() -> None:
    # "signal: killed" is how Go reports a child process's end: the process that writes it goes on.
    def rec(t: float, level: str, message: str) -> str:
        return f"{_stamp(t)} 7f1a2b3c {level} {message}"

    lines = [rec(T0 + 10 * i, "INFO", f"scrubbed placement group {i} in {i % 9} ms") for i in range(300)]
    lines.append(rec(T0 + 3001, "WARN", "failed to read helper version: signal: killed"))
    lines += [rec(T0 + 3010 + 10 * i, "INFO", f"scrubbed placement group {i} in {i % 9} ms") for i in range(300)]
    rep = _analyze(lines)
    assert not [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN], [
        a.description for a in rep.anomalies
    ]


def test_the_files_first_message_seen_again_with_nothing_of_a_start_around_it_is_no_restart() -> None:
    # A database log opens with a slow statement; the same statement is slow again later. Nothing rare followed the
    # first record (no start sequence to replay), its words say nothing of a start, and no process change, silence
    # or stop comes before the second one: it is no restart. The same message after a process-id change is one.
    def rec(t: float, pid: int, message: str) -> str:
        return f"{_stamp(t)} [{pid}] LOG: {message}"

    slow = "duration: {} ms execute <unnamed>: UPDATE inventory SET reserved = reserved + $1 WHERE sku = $2"
    lines = [rec(T0, 50, slow.format(1169))]
    lines += [rec(T0 + 5 + 5 * i, 50, f"connection authorized: user=app{i % 3} database=orders") for i in range(300)]
    # (At the file's pace: a 100-second pause in a log that writes every 5 seconds is a silence of its own.)
    lines.append(rec(T0 + 1502, 50, slow.format(2210)))
    lines += [rec(T0 + 1505 + 5 * i, 50, f"connection authorized: user=app{i % 3} database=orders") for i in range(300)]
    rep = _analyze(lines)
    assert not [a for a in rep.anomalies if a.kind == RESTART], [a.description for a in rep.anomalies]
    lines[302:] = [s.replace("[50]", "[77]") for s in lines[302:]]
    lines[301] = lines[301].replace("[50]", "[77]")
    rep = _analyze(lines)
    assert [a.line_numbers[0] for a in rep.anomalies if a.kind == RESTART][:1] == [302], [
        a.description for a in rep.anomalies
    ]


def test_a_banner_a_lone_process_writes_first_mid_file_is_a_component_starting_without_a_restart_before_it() -> None:
    # A kubelet (one process, its id in every line) loses its container runtime and reconnects: "Container runtime
    # initialized ... version=1.7.2" is a start-worded message with a version, seen for the first time mid-file, from
    # the process that wrote long before it, with no stop, crash or silence before it: no process start. The same
    # banner after the process fell silent for a while is one.
    def rec(t: float, level: str, message: str) -> str:
        s = _stamp(t)
        return f"{level}{s[5:7]}{s[8:10]} {s[11:]}.000000    1234 kubelet.go:{100 + len(message)}] {message}"

    def file(gap: float) -> list[str]:
        lines = [rec(T0 + 3 * i, "I", f"SyncLoop (PLEG): event for pod web-{i % 7}") for i in range(600)]
        lines += [rec(T0 + 1800 + i, "E", "Failed to list pod sandboxes: connection refused") for i in range(20)]
        t = T0 + 1820 + gap
        lines.append(rec(t, "I", 'Container runtime initialized containerRuntime="containerd" version="1.7.2"'))
        lines += [rec(t + 1 + 3 * i, "I", f"SyncLoop (PLEG): event for pod web-{i % 7}") for i in range(600)]
        return lines

    rep = _analyze(file(1))
    assert not [a for a in rep.anomalies if a.kind == RESTART], [a.description for a in rep.anomalies]
    rep = _analyze(file(1800))
    assert [a.line_numbers[0] for a in rep.anomalies if a.kind == RESTART] == [621], [
        a.description for a in rep.anomalies
    ]


def test_an_error_that_announces_its_causes_is_told_with_the_first_line_under_it() -> None:
    """kubeadm's "error execution phase preflight: [preflight] Some fatal errors occurred:" with the failed checks
    indented under it: the claim quoted the heading only, the causes had to be read in the file. The first line
    under it is told beside it; a stack frame under a heading (Tomcat's "Stack trace of thread:") is no cause."""
    lines = []
    for i in range(40):
        lines.append(f"I0211 10:02:{i:02d}.004117    4812 checks.go:{100 + i}] [preflight] running check {i}")
        if i % 20 == 7:
            lines += [
                f"E0211 10:02:{i:02d}.104117    4812 init.go:93] error execution phase preflight: Some fatal errors "
                "occurred:",
                "\t[ERROR Port-10250]: Port 10250 is in use",
                "\t[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: contents are not set to 1",
            ]
        if i == 30:
            lines += [
                f"W0211 10:02:{i:02d}.204117    4812 leak.go:12] thread [cleanup] was left running. Stack trace of "
                "thread:",
                " java.base/java.lang.Object.wait(Native Method)",
                " com.mysql.cj.jdbc.AbandonedConnectionCleanupThread.run(AbandonedConnectionCleanupThread.java:91)",
            ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    claims = [c.text for c in rep.summary.claims]
    failed = next(c for c in claims if "Some fatal errors occurred:" in c)
    assert '(below it at line 9: "[ERROR Port-10250]: Port 10250 is in use")' in failed, failed
    leak = next(c for c in claims if "was left running" in c)
    assert "below it" not in leak, leak


def test_a_files_first_message_that_tells_a_stop_is_no_start_banner() -> None:
    # A Symfony log opens with the console command a deploy ran ("Command "cache:clear" exited with code "0""), and a
    # worker's command exits the same way later: the first message of the file is taken for its start banner, and
    # its return a restart; one that tells a stop is no start ("process start at line 1, not at the beginning").
    def line(t: float, channel: str, message: str) -> str:
        return f"[{_stamp(t).replace(' ', 'T')}.381204+01:00] {channel}: {message} [] []"

    lines = [line(T0, "console.DEBUG", 'Command "cache:clear" exited with code "0"')]
    lines += [line(T0 + 5 + 3 * i, "request.INFO", f'Matched route "app_{i % 7}".') for i in range(400)]
    lines.append(line(T0 + 1300, "console.DEBUG", 'Command "messenger:consume" exited with code "0"'))
    lines += [line(T0 + 1305 + 3 * i, "request.INFO", f'Matched route "app_{i % 7}".') for i in range(100)]
    rep = _analyze(lines)
    starts = [a.description for a in rep.anomalies if a.kind == RESTART]
    assert not starts, starts


def test_a_start_sequence_under_a_rule_of_dashes_written_again_is_a_restart() -> None:
    # Dask's scheduler opens each start with a rule of dashes over its start lines ("State start", "Scheduler at:
    # ..."): the file's first record stated nothing, so the start written again after a stop and a silence was none.
    def line(t: float, message: str) -> str:
        return f"{_stamp(t)},204 - distributed.scheduler - INFO - {message}"

    def start(t: float) -> list[str]:
        rule = "-" * 47
        return [
            line(t, rule),
            line(t, "To route to workers diagnostics web server please install jupyter-server-proxy"),
            line(t, "State start"),
            line(t, rule),
            line(t, "  Scheduler at:    tcp://10.40.0.10:8786"),
        ]

    lines = start(T0)
    lines += [
        line(T0 + 2 + 3 * i, f"Starting established connection to tcp://10.40.1.{i % 9}:3{i:04d}") for i in range(200)
    ]
    lines += [line(T0 + 700, "Received signal SIGTERM (15)"), line(T0 + 701, "End scheduler")]
    at = len(lines) + 2
    lines += start(T0 + 1300)
    lines += [
        line(T0 + 1302 + 3 * i, f"Starting established connection to tcp://10.40.1.{i % 9}:4{i:04d}")
        for i in range(100)
    ]
    rep = _analyze(lines)
    starts = [a for a in rep.anomalies if a.kind == RESTART]
    assert [a.line_numbers[0] for a in starts] == [at], [a.description for a in rep.anomalies]


def test_a_reboot_is_a_restart_at_the_boots_first_line_not_at_the_kernels_last() -> None:
    """The kernel's last line before a reboot, "reboot: Restarting system", was read as the start, and the restart told
    there, minutes before the boot it announces ("Linux version ..."): "restarting" is said by what goes down. The
    start is the boot's first line."""

    def at(t: float) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S}.305402+00:00"

    def kernel(t: float, uptime: float, message: str) -> str:
        return f"{at(t)} INFO kernel: [{uptime:12.6f}] {message}"

    def proc(t: float, name: str, pid: int, message: str, level: str = "INFO") -> str:
        return f"{at(t)} {level} {name}[{pid}]: {message}"

    lines = []
    for i in range(60):
        lines.append(proc(T0 + 5 * i, "shill", 880, f"Service wifi_{i % 4} state changed to online"))
        if i % 3 == 0:
            lines.append(kernel(T0 + 5 * i + 1, 9000 + 5.0 * i, f"usb {i % 3}-1: new device number {i}"))
    lines.append(proc(T0 + 400, "session_manager", 1104, "SessionManagerService exiting"))
    lines.append(proc(T0 + 400, "pre-shutdown", 9120, "Shutting down for reboot: system-update", "NOTICE"))
    lines.append(kernel(T0 + 400, 9400.0, "reboot: Restarting system"))
    lines.append(kernel(T0 + 620, 0.0, "Linux version 5.15.148 (builder@host) (clang version 17.0.0) #1 SMP PREEMPT"))
    for i in range(1, 40):
        lines.append(proc(T0 + 620 + 5 * i, "shill", 1650, f"Service wifi_{i % 4} state changed to online"))
        if i % 3 == 0:
            lines.append(kernel(T0 + 621 + 5 * i, 5.0 * i, f"usb {i % 3}-1: new device number {i}"))
    rep = _analyze(lines)
    restarts = [a for a in rep.anomalies if a.kind == RESTART]
    assert [a.line_numbers[0] for a in restarts] == [84], [a.description for a in rep.anomalies]
    assert "Linux version" in lines[84 - 1]


def test_a_fatal_signal_a_sentence_ends_on_and_a_failed_check_at_the_fatal_level_are_crashes() -> None:
    """MaxScale writes "received fatal signal 11. Commit ID: ..." (a period after the number, so not read as SIGSEGV);
    glog's CHECK writes "F0101 ... Check failed: _s.ok() Bad status: ..." and aborts the process (Kudu, Impala,
    TensorFlow): both were FATAL records, no crash. A check that failed at a level below fatal ends nothing."""

    def maxscale(t: float, level: str, message: str) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%Y-%m-%d %H:%M:%S}   {level:<6} : {message}"

    lines = [maxscale(T0 + 30 * i, "notice", f"Server changed state: db{i % 3}: running") for i in range(60)]
    lines.append(maxscale(T0 + 1800, "alert", "MaxScale 23.08.4 received fatal signal 11. Commit ID: 6f6f4a7fc4a8a4bb"))
    lines += [maxscale(T0 + 1900 + 30 * i, "notice", f"Server changed state: db{i % 3}: running") for i in range(20)]
    crashes = [a for a in _analyze(lines).anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
    assert [(a.line_numbers[0], a.description.startswith("crash")) for a in crashes] == [(61, True)]

    def glog(t: float, letter: str, message: str) -> str:
        return (
            f"{letter}{datetime.fromtimestamp(t, UTC):%m%d %H:%M:%S}.224116  6281 log_block_manager.cc:2341] {message}"
        )

    for letter, told in (("F", [62]), ("W", [])):
        lines = [glog(T0 + 20 * i, "I", f"Flushed tablet {i} in {i % 7} ms") for i in range(60)]
        lines.append(glog(T0 + 1300, "E", "Directory /data/2/kudu/data marked as failed"))
        lines.append(glog(T0 + 1301, letter, "Check failed: _s.ok() Bad status: IO error: No space left on device"))
        crashes = [a for a in _analyze(lines).anomalies if a.kind == report_pb2.ANOMALY_KIND_SHUTDOWN]
        assert [a.line_numbers[0] for a in crashes] == told, [a.description for a in crashes]


def test_the_cause_a_console_encoded_record_states_in_its_trailing_fields_is_told() -> None:
    """zap's console encoder (Kubernetes operators' controller-runtime) writes the message, then the fields as one JSON
    object: '<time>\\tERROR\\tReconciler error\\t{"controller": "scaledobject", ..., "error": "..."}'. The summary
    quoted the fields' opening, cut, and never said why; a JSON or logfmt record's cause is told, so is this one's."""
    lines = []
    for i in range(300):
        t = datetime.fromtimestamp(T0 + i, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if i % 50 == 7:
            fields = '{"controller": "scaledobject", "namespace": "shop", "reconcileID": "363d3f79-3c17-e29b", '
            fields += f'"error": "error establishing scaler: kafka: run out of available brokers ({i})"}}'
            lines.append(f"{t}\tERROR\tReconciler error\t{fields}")
        else:
            lines.append(f'{t}\tINFO\tscaleexecutor\tSuccessfully updated ScaleTarget\t{{"replicas": {i % 9}}}')
    claim = next(c.text for c in _analyze(lines).summary.claims if "Reconciler error" in c.text)
    assert '(error at line 8: "error establishing scaler: kafka: run out of available brokers (7)")' in claim, claim


def test_an_exception_logged_to_debug_is_no_claim_and_one_logged_as_information_comes_after_the_errors() -> None:
    """A build's daemon connection, refused and handled ("Kotlin compile daemon connection failed, falling back to
    non-daemon execution" with its ConnectException, at DEBUG) led the summary of a build whose compilation failed: an
    exception logged to debug is the report's, not the summary's, and one logged as information comes after the
    exceptions logged as warnings and errors."""

    def rec(t: float, level: str, message: str, exc: str) -> list[str]:
        return [
            f"{_stamp(t)} {level} [worker-1] app.Service - {message}",
            exc,
            "\tat app.Client.connect(Client.java:42)",
        ]

    lines = [f"{_stamp(T0 + i)} INFO [worker-1] app.Service - step {i} done" for i in range(200)]
    lines[20:20] = rec(T0 + 20, "DEBUG", "daemon unreachable, falling back", "java.net.ConnectException: refused")
    lines[60:60] = rec(T0 + 60, "INFO", "cache miss, reloading", "java.io.FileNotFoundException: /tmp/cache.bin")
    lines[120:120] = rec(T0 + 120, "ERROR", "order failed", "java.lang.IllegalStateException: pool exhausted")
    claims = [c.text for c in _analyze(lines).summary.claims]
    said = [c.split(":", 1)[0] for c in claims if " x " in c.split(":", 1)[0]]
    assert said == ["1 x java.lang.IllegalStateException", "1 x java.io.FileNotFoundException"], claims


def test_an_exception_named_under_an_error_without_its_frames_is_told_as_its_cause() -> None:
    """Kafka logs "Error processing append operation on partition payments-0" with the exception's first line under
    it and no frames ("org.apache.kafka.common.errors.NotEnoughReplicasException: The size of the current ISR Set(1)
    is insufficient ..."): the claim told the message and not why. The exception named under it is its cause."""
    lines: list[str] = []
    for i in range(30):
        at = f"[2024-06-03 10:{i:02d}:01,883]"
        lines.append(f"{at} INFO [Log partition=payments-{i % 3}] Rolled new log segment at offset {i * 100}")
        if i % 10 == 9:
            lines.append(f"{at} ERROR [ReplicaManager broker=1] Error processing append operation on partition p-0")
            lines.append(
                "org.apache.kafka.common.errors.NotEnoughReplicasException: The size of the current ISR Set(1) is"
                " insufficient to satisfy the min.isr requirement of 2"
            )
    rep = analyze([("\n".join(lines) + "\n").encode()])
    claims = [c.text for c in rep.summary.claims]
    want = '(below it at line 11: "org.apache.kafka.common.errors.NotEnoughReplicasException: The size of the curr'
    assert any(c.startswith('3 records at ERROR: "Error processing append') and want in c for c in claims), claims
