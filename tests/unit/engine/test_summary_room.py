"""The summary's room (``summary.write_summary``): ten lines are not left half empty while errors go untold, and an
error the file ends on (a CI job's verdict) is told whatever the errors ranked before it. Lines written here."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.report import states_failure
from loglens_analysis.engine.summary import SECTION_CAPS, _latest_error_kept

pytestmark = pytest.mark.unit


def _ci_job() -> list[str]:
    lines: list[str] = []

    def at(i: int) -> str:
        return f"2025-06-22T18:{50 + i // 60:02d}:{i % 60:02d}.{i * 7:07d}Z"

    for i in range(40):
        lines.append(f"{at(len(lines))} Collecting package{i}")
    for error in ("Could not find a version for foo", "No matching distribution found for foo", "Failed building bar"):
        for k in range(2):
            lines.append(f"{at(len(lines))} ERROR: {error}")
            lines.append(f"{at(len(lines))} Retrying step {k}")
    lines.append(f"{at(len(lines))} ##[error]Process completed with exit code 1.")
    for i in range(10):
        lines.append(f"{at(len(lines))} Post job cleanup step {i}")
    return lines


def test_errors_past_their_cap_fill_the_room_left_and_the_verdict_is_told() -> None:
    rep = analyze([("\n".join(_ci_job()) + "\n").encode()])
    texts = [c.text for c in rep.summary.claims]
    errors = [t for t in texts if " at ERROR: " in t]
    assert len(errors) == SECTION_CAPS["errors"] + 1  # four error messages, room for all of them
    assert any("Process completed with exit code 1." in t and "at line 53" in t for t in errors)
    assert any("Failed building bar" in t for t in errors)


def _claims(lines: list[int]) -> list[report_pb2.SummaryClaim]:
    return [
        report_pb2.SummaryClaim(text=f"e{i}", template_ids=[f"t{i}"], line_numbers=[ln]) for i, ln in enumerate(lines)
    ]


def _report(end_s: int, line_count: int) -> report_pb2.AnalysisReport:
    rep = report_pb2.AnalysisReport(line_count=line_count)
    if end_s:
        rep.time_range.start_time.FromSeconds(1_000)
        rep.time_range.end_time.FromSeconds(end_s)
    return rep


def _templates(last_times: list[int], bucket_s: int) -> dict[str, report_pb2.Template]:
    out = {}
    for i, t in enumerate(last_times):
        tpl = report_pb2.Template(id=f"t{i}")
        if t:
            tpl.last_time.FromSeconds(t)
            tpl.histogram.bucket_seconds = bucket_s
        out[tpl.id] = tpl
    return out


def test_the_error_the_file_ends_on_takes_the_last_place_of_the_section() -> None:
    claims = _claims([10, 20, 30, 40, 990])  # ranked: the one at line 990 last
    templates = _templates([1_100, 1_200, 1_300, 1_400, 1_995], bucket_s=10)  # in the last 10 s bucket
    got = _latest_error_kept(claims, _report(2_000, 1_000), templates)
    assert [c.text for c in got] == ["e0", "e1", "e4", "e2", "e3"]


def test_a_latest_error_long_before_the_end_keeps_its_rank() -> None:
    claims = _claims([10, 20, 30, 40, 700])
    templates = _templates([1_100, 1_200, 1_300, 1_400, 1_700], bucket_s=10)  # 300 s before the end
    got = _latest_error_kept(claims, _report(2_000, 1_000), templates)
    assert [c.text for c in got] == ["e0", "e1", "e2", "e3", "e4"]


def test_without_times_the_last_64th_of_the_lines_is_the_end() -> None:
    templates = _templates([0, 0, 0, 0, 0], bucket_s=0)
    near = _latest_error_kept(_claims([10, 20, 30, 40, 6_350]), _report(0, 6_400), templates)
    assert [c.text for c in near][2] == "e4"
    far = _latest_error_kept(_claims([10, 20, 30, 40, 6_000]), _report(0, 6_400), templates)
    assert [c.text for c in far][2] == "e2"


def test_a_quiet_file_is_told_by_its_most_frequent_messages_and_a_file_of_small_ones_is_not() -> None:
    """Nothing to report (no error, no warning, nothing rare): the summary still says what the file holds, its most
    frequent messages with their counts, shares and lines, until they hold half the records; a message under a tenth
    of the records is not named (the claim is of the file's bulk)."""
    lines = ["Started by an SCM change", "Building in workspace /var/lib/jenkins/job"]
    lines += [f"RF{i:05d} AB{i * 7:06d}.1 {i % 90} {i % 90 + 118}" for i in range(300)]  # a query's output rows
    lines += [f"Copying artifact {i} of 30" for i in range(30)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    told = [c for c in rep.summary.claims if c.text.startswith("Most frequent")]
    assert len(told) == 1, [c.text for c in rep.summary.claims]
    rows = next(t for t in rep.templates if t.count == 300)
    # The rows' template has no word of its own: the first row is shown as written, at the line the claim cites.
    assert rows.text == "<*> <*> <*> <*>", rows.text
    assert (
        told[0].text
        == 'Most frequent: "<*> <*> <*> <*>" (300, 90%, lines 3 to 302; line 3 reads "RF00000 AB000000.1 0 118").'
    )
    assert list(told[0].template_ids) == [rows.id] and list(told[0].line_numbers) == [3]
    assert lines[3 - 1].startswith("RF00000")
    many = [" ".join(["heartbeat"] * k) for k in range(1, 12) for _ in range(5)]  # eleven messages of 5 records
    rep = analyze([("\n".join(many) + "\n").encode()])
    assert all(t.count < 0.1 * rep.record_count for t in rep.templates), [(t.text, t.count) for t in rep.templates]
    assert not any(c.text.startswith("Most frequent") for c in rep.summary.claims)


def test_an_exception_told_in_room_left_is_not_told_again_as_its_error() -> None:
    """Three exceptions, each logged by its own error message: the third is told in the room the sections left (past
    the exceptions' cap of two), and its error message's claim, which says less, is not told beside it."""
    lines: list[str] = []
    kinds = [
        ("job failed", "ValueError", "bad row"),
        ("sync failed", "KeyError", "'id'"),
        ("crashed", "OSError", "eof"),
    ]
    for i in range(90):
        at = f"2024-03-05 10:{i // 60:02d}:{i % 60:02d},000"
        lines.append(f"{at} INFO request {i} handled")
        if i % 10 == 3:
            message, exc, text = kinds[i // 10 % 3]
            lines += [f"{at} ERROR {message}", "Traceback (most recent call last):", '  File "app.py", line 7, in run']
            lines += ["    step()", f"{exc}: {text}"]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = [c.text for c in rep.summary.claims]
    told = [t for t in texts if " x ValueError" in t or " x KeyError" in t or " x OSError" in t]
    assert len(told) == 3, texts
    assert not [t for t in texts if " at ERROR: " in t], texts  # each error message is told with its exception


def test_a_warning_the_software_wrote_comes_before_the_statuses_it_answered_clients_with() -> None:
    """A server's own warning (one record) is told before request templates' 4xx records, however many: a 4xx is the
    client's request at fault, news of its own but not the service's."""
    lines = []
    for i in range(600):
        status = 404 if i % 9 == 0 else (403 if i % 13 == 0 else 200)
        route = ("/api/users/me", "/api/items", "/api/orders", "/api/carts")[i % 4]
        lines.append(
            f'10.0.0.{i % 50} - - [05/Mar/2024:13:{i // 60 % 60:02d}:{i % 60:02d} +0000] "GET {route} HTTP/1.1" '
            f'{status} {100 + i} "-" "curl/8.0"'
        )
    lines[300] = "2024/03/05 13:05:00 [warn] 12#12: TLS certificate for db.internal expires in 1 day"
    rep = analyze([("\n".join(lines) + "\n").encode()])
    warned = [c.text for c in rep.summary.claims if "at WARN" in c.text or "WARN among" in c.text]
    assert warned and "TLS certificate" in warned[0], [c.text for c in rep.summary.claims]


def test_messages_that_part_past_the_cut_are_quoted_apart() -> None:
    # Two rare messages that differ only in their last words: each summary line quotes the words that tell it from
    # the other, never the same shortened text for both.
    head = "[instance: <*>] Received unexpected event network-vif-plugged for instance with"
    lines = [f"2024-03-01 12:00:{i % 60:02d} INFO worker heartbeat {i} ok" for i in range(300)]
    lines[100] = f"2024-03-01 12:00:40 WARNING {head} vm_state building and task_state spawning."
    lines[200] = f"2024-03-01 12:00:20 WARNING {head} vm_state active and task_state deleting."
    summary = [c.text for c in analyze([("\n".join(lines) + "\n").encode()]).summary.claims]
    told = [c for c in summary if "Received" in c]
    assert len(told) == 2, summary
    assert any("building and task_state spawning" in c for c in told), told
    assert any("active and task_state deleting" in c for c in told), told


def test_exceptions_that_read_the_same_are_told_apart_by_the_frame_where_their_stacks_part() -> None:
    """One exception thrown along two call paths is two groups (their stacks differ) whose claims would read the same:
    each names the first frame of its own that the other does not share."""
    lines: list[str] = []
    for i in range(60):
        at = f"2024-03-05 10:{i // 60:02d}:{i % 60:02d},000"
        lines.append(f"{at} INFO request {i} handled")
        if i % 10 == 3:
            caller = ("getActivityOptions", "setTaskDescription")[i // 10 % 2]
            lines += [
                f"{at} WARN Bad activity token",
                "java.lang.ClassCastException: BinderProxy cannot be cast to ActivityRecord$Token",
                "\tat com.example.am.ActivityRecord.forTokenLocked(ActivityRecord.java:783)",
                f"\tat com.example.am.ActivityManagerService.{caller}(ActivityManagerService.java:10642)",
                "\tat android.os.Binder.execTransact(Binder.java:697)",
            ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    told = sorted(c.text for c in rep.summary.claims if "x java.lang.ClassCastException" in c.text)
    assert len(told) == 2, [c.text for c in rep.summary.claims]
    assert "(via ActivityManagerService.getActivityOptions)" in told[0]
    assert "(via ActivityManagerService.setTaskDescription)" in told[1]


def test_the_frame_told_is_where_each_stack_becomes_its_own() -> None:
    """Three call paths of one exception, two of them parting only at their third frame: each claim names the frame
    from which no other stack is the same (not the second frame, which two of them share)."""
    from loglens_analysis.engine.summary import _distinguishing_frames

    def group(frames: list[str]) -> report_pb2.ExceptionGroup:
        eg = report_pb2.ExceptionGroup(exception_type="java.lang.IllegalStateException", message="closed")
        eg.top_frames.extend(frames)
        return eg

    stacks = [["a.Pool.get", "a.Db.query", "a.Orders.list"], ["a.Pool.get", "a.Db.query", "a.Users.find"]]
    stacks += [["a.Pool.get", "a.Cache.load"], ["a.Pool.get"]]
    groups = [group(s) for s in stacks] + [report_pb2.ExceptionGroup(exception_type="java.io.IOException")]
    assert _distinguishing_frames(groups) == ["Orders.list", "Users.find", "Cache.load", "", ""]


def test_a_short_file_without_levels_tells_the_messages_that_state_a_failure_first() -> None:
    """A kernel's ring buffer (dmesg) writes no level: in a short file whose messages do not all fit, the ones whose
    words state a failure (a timeout, a killed process, an I/O error) are told, right after any errors and warnings,
    before its routine first and last lines; the rest of the room still goes to those."""
    routine = [
        "Linux version 6.1.0-18-amd64 (gcc-12 (Debian 12.2.0-14) 12.2.0)",
        "Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 ro quiet",
        "BIOS-provided physical RAM map:",
        "ACPI: Early table checksum verification disabled",
        "smpboot: Allowing 8 CPUs, 0 hotplug CPUs",
        "EXT4-fs (sda1): mounted filesystem with ordered data mode",
        "systemd[1]: Detected virtualization kvm.",
        "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex",
        "audit: initializing netlink subsys (disabled)",
        "Bluetooth: Core ver 2.22",
        "NET: Registered PF_INET6 protocol family",
        "zram0: detected capacity change from 0 to 8388608",
        "Adding 8388604k swap on /dev/zram0.",
        "input: Power Button as /devices/LNXSYSTM:00/LNXPWRBN:00/input/input0",
        "random: crng init done",
        "snd_hda_intel 0000:00:1f.3: enabling device (0000 -> 0002)",
    ]
    failing = {
        9: "nvme nvme0: I/O 512 QID 3 timeout, aborting",
        13: "Out of memory: Killed process 4321 (java) total-vm:8123456kB",
        16: "Buffer I/O error on dev sda1, logical block 0, lost async page write",
    }
    messages = list(routine)
    for line, text in sorted(failing.items()):
        messages.insert(line - 1, text)
    lines = [f"[{1000 + 13 * n:>5}.{n * 7919 % 1000000:06d}] {m}" for n, m in enumerate(messages)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == len(messages) < 20
    claims = list(rep.summary.claims)[1:]  # after the overview
    assert len(claims) == 9 < len(rep.templates)
    assert [c.line_numbers[0] for c in claims[:3]] == sorted(failing)  # the failures, in line order
    assert all("(no level)" in c.text for c in claims)
    told = {ln for c in claims for ln in c.line_numbers}
    assert 1 in told and len(messages) in told  # the first and the last line still told


def test_a_failure_word_in_a_name_in_parentheses_states_no_failure() -> None:
    """A JVM's routine young collection files itself under its cause, "[GC (Allocation Failure) ...": a name, each word
    capitalised, in parentheses; 80% of a GC log's records were told as messages that state a failure. A failure word
    outside such a name still states one."""
    assert not states_failure("[GC (Allocation Failure) [PSYoungGen: <*>(<*>)] <*>(<*>), <*> secs]")
    assert states_failure("[GC (Allocation Failure) promotion failed]")
    assert states_failure("upstream (payments) failed")
    assert states_failure("probe (Connection refused)")
    assert states_failure("Login incorrect (mschap: MS-CHAP2-Response is incorrect): [<*>]")


def test_a_failure_word_ending_a_nested_fields_name_states_no_failure() -> None:
    """Suricata's eve.json writes a stats document every minute: "stats.capture.errors", "stats.decoder.invalid" are
    counters in nested objects, their values not shown in the record's fields; each document was told as a message
    that states a failure. A top-level field that names an error still states one, and so does a word in a value."""
    assert not states_failure("event_type=stats stats.capture.errors=<v> stats.decoder.invalid=<v> stats.uptime=<v>")
    assert states_failure("error=<v> event_type=alert")
    assert states_failure("event_type=fileinfo state=failed")
    assert states_failure("ingest.error=connection refused")


def test_a_setting_a_name_or_a_denial_states_no_failure_and_a_limit_passed_states_one() -> None:
    """ZooKeeper's "Established session 0x... with negotiated timeout 30000 for client ..." at every connect was "39
    records at INFO that state a failure", and Quarkus' "Installed features: [..., smallrye-fault-tolerance, ...]" at
    every start another: a timeout a number follows is a setting's value, a word joined by hyphens part of a name. A
    limit passed states a failure ("database space exceeded", "Network is unreachable"), unless "not" denies it or a
    count follows it (unbound's "exceeded 0"); so do retries given up and a peer not responding."""
    assert not states_failure("Established session <*> with negotiated timeout <*> for client <*>:<*>")
    assert not states_failure("Established session 0x20000a1b2c30001 with negotiated timeout 30000 for client")
    assert not states_failure("Installed features: [agroal, cdi, smallrye-fault-tolerance, vertx]")
    assert not states_failure("quota not exceeded, <*> bytes free")
    assert states_failure("Read timeout after <*> ms")
    assert states_failure("failed to start etcd: etcdserver: mvcc: database space exceeded")
    assert states_failure("failed to send packet: Network is unreachable")
    assert states_failure("zone example.org/IN: refresh: retry limit for master <*>#<*> exceeded")
    assert states_failure("File not found error")
    assert states_failure("Connection refused - retrying")
    # (Retries exhausted, a peer silent: strongSwan's, NFS's failures.)
    assert states_failure("giving up after <*> retransmits")
    assert states_failure("nfs: server <*> not responding, still trying")
    assert not states_failure("[<*>:<*>] info: server stats: requestlist max <*> avg <*> exceeded <*> jostled <*>")


def test_a_failure_word_a_word_denies_states_no_failure() -> None:
    """smartd writes "previous self-test completed without error" for every disk every half hour: 41 records told as
    messages that state a failure, ahead of the array's real fault. A word that denies the failure word ("without",
    "no", an adverb between them at most) takes it back; another failure word in the message still states one."""
    assert not states_failure("Device: <*> [SAT], previous self-test completed without error")
    assert not states_failure("fsck finished with no errors, <*> files checked")
    assert not states_failure("scrub repaired <*> in <*> with no further errors")
    assert states_failure("completed without any errors but <*> tests failed")
    assert states_failure("error: no such file")
    assert states_failure("no route to host: connection refused")


def test_a_denial_of_a_kind_of_failure_and_a_counter_glued_to_its_value_state_none() -> None:
    """rasdaemon's report ends "No MCE errors." (its file was said to end stating a failure), mcelog writes "This is
    not a software error." under every hardware event (23 failures told), slurmd "error:0 status:0" on every job
    step's end (60): one word saying of what between the denial and the failure word, and a counter's name glued to
    its value. A failure a sentence states of a thing not found still is one."""
    assert not states_failure("No Extlog errors.")
    assert not states_failure("No MCE errors.")
    assert not states_failure("This is not a software error.")
    assert not states_failure("done with StepId=<*>.batch error:<*> status:<*>")
    assert states_failure("Job not found error")
    assert states_failure("SSL_connect: error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure")


def test_a_failure_word_inside_a_name_in_lower_case_words_states_no_failure() -> None:
    """A kernel call trace's frames are functions ("handle_mm_fault", "exc_page_fault"): a word joined by underscores
    to lower-case words is part of a name, as a field's "error_count" is; a constant in capitals names an outcome."""
    assert not states_failure("handle_mm_fault+0x18d/0x380")
    assert not states_failure("do_user_addr_fault+0x169/0x660")
    assert not states_failure("error_count <*> in batch")
    assert states_failure("net::ERR_CONNECTION_REFUSED")
    assert states_failure("page fault at <*>")
    assert states_failure("Fault is of type FAULT_PDE")
    # Digits glued to the word make a program's name of it, as "ssh2" is one (a timer of fail2ban started daily).
    assert not states_failure("Started fail2ban-rotate.timer - Daily fail2ban log rotation.")
    assert states_failure("fail2ban.actions: Ban failed for <*>")


def test_a_failure_word_naming_a_counter_states_no_failure() -> None:
    """A run's recap counts its outcomes under failure words ("failed=0", "unreachable=1", "errors=<*>"): the word
    names a field, what the record says hangs on its value. Such lines are not told as messages that state a
    failure; a word that states one ("status=failed", "error: ...") still is."""
    assert not states_failure("<*> : ok=<*> changed=<*> unreachable=<*> failed=<*> skipped=<*> rescued=<*>")
    assert not states_failure("tests=<*> errors=3 skipped=<*>")
    # With blanks around its "=" (ZooKeeper's client, at every session: "negotiated timeout = 18000"): a setting.
    assert not states_failure("Session establishment complete, session id = <*>, negotiated timeout = <*> (x)")
    assert states_failure("job status=failed")
    assert states_failure("request timeout = expired")
    assert states_failure("error: disk full")
    hosts = [f"web{i}" for i in range(1, 9)]
    lines = ["PLAY [webservers] " + "*" * 60, ""]
    for task in ("Gathering Facts", "Install packages", "Deploy app"):
        lines += [f"TASK [{task}] " + "*" * 60, *(f"ok: [{h}]" for h in hosts), ""]
    lines += ["PLAY RECAP " + "*" * 60]
    lines += [
        f"{h:<26}: ok=3    changed={i % 2}    unreachable=0    failed=0    skipped=0" for i, h in enumerate(hosts)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert not any("state a failure" in c.text for c in rep.summary.claims), [c.text for c in rep.summary.claims]


def test_the_overview_counts_one_record_and_one_template_in_the_singular() -> None:
    """ "1 records ... in 1 templates" read as a slip; a file of one message is said "1 record ... in 1 template"."""
    one = analyze([b"hello world\n"]).summary.claims[0].text
    assert one.startswith("1 record (plain) in 1 template, lines 1 to 1:"), one
    many = analyze([b"".join(b"job %d done\n" % i for i in range(5))]).summary.claims[0].text
    assert many.startswith("5 records (plain) in 1 template, lines 1 to 5:"), many


JVM_BLOCK = [
    "WARNING: An illegal reflective access operation has occurred",
    "WARNING: Illegal reflective access by com.google.inject.internal.cglib.core.$ReflectUtils$1 to method"
    " java.lang.ClassLoader.defineClass(java.lang.String,byte[],int,int)",
    "WARNING: Please consider reporting this to the maintainers of com.google.inject.internal.cglib.core"
    ".$ReflectUtils$1",
    "WARNING: Use --illegal-access=warn to enable warnings of further illegal reflective access operations",
    "WARNING: All illegal access operations will be denied in a future release",
]


def _served(n: int, at: int = 0) -> list[str]:
    return [
        f"2026-11-30 08:{i // 60:02d}:{i % 60:02d}.123 INFO [exec-{i % 4}] GET /api/items/{i} 200" for i in range(at, n)
    ]


def test_a_message_written_line_by_line_is_one_claim_not_one_per_line() -> None:
    """The JVM writes one illegal reflective access as five "WARNING:" lines before the application's first timed
    record: five claims "1 record at WARN" filled half the summary."""
    rep = analyze([("\n".join([*JVM_BLOCK, *_served(120)]) + "\n").encode()])
    texts = [c.text for c in rep.summary.claims]
    (block,) = [c for c in rep.summary.claims if "written together" in c.text]
    assert block.text.startswith('5 records at WARN written together, lines 1 to 5: "An illegal reflective access')
    assert block.text.endswith(" and 3 more.")
    assert list(block.line_numbers) == [1, 5] and len(block.template_ids) == 5
    assert not any(t.startswith("1 record at WARN") for t in texts), texts


def test_lines_of_one_level_are_told_apart_where_nothing_says_they_were_written_at_once() -> None:
    # Two warnings on consecutive lines but written at different times are two claims.
    lines = _served(60)
    lines[30] = "2026-11-30 08:00:30.123 WARN [exec-2] Pool is 90% full"
    lines[31] = "2026-11-30 08:00:31.123 WARN [exec-3] Cache evicted 1200 entries"
    texts = [c.text for c in analyze([("\n".join(lines) + "\n").encode()]).summary.claims]
    assert sum(t.startswith("1 record at WARN") for t in texts) == 2, texts
    # In a file without times (a test runner's summary: each line a failure of its own), each is told.
    plain = [f"ok {i} test_{i}" for i in range(40)] + [
        f"FAILED tests/test_{i}.py::test_x - AssertionError" for i in range(3)
    ]
    texts = [c.text for c in analyze([("\n".join(plain) + "\n").encode()]).summary.claims]
    assert not any("written together" in t for t in texts), texts


def test_lines_of_one_report_parted_by_blank_lines_at_its_level_are_one_claim_in_a_file_without_times() -> None:
    """A package manager's failure report: each line its own record at ERROR, its paragraphs parted by blank "ERR!"
    lines, no times. Seven claims "1 record at ERROR" filled the summary; the blank lines at the level say the lines
    are one report (nobody logs a blank error of its own)."""
    report = [
        "code ERESOLVE",
        "ERESOLVE unable to resolve dependency tree",
        "",
        "While resolving: web@0.1.0",
        "Found: react@18.2.0",
        "",
        "Could not resolve dependency:",
        "peer react@17.0.0 from react-beautiful-dnd@13.1.1",
        "",
        "Fix the upstream dependency conflict, or retry",
        "this command with --force or --legacy-peer-deps",
        "",
        "",
        "For a full report see:",
        "/root/.npm/_logs/eresolve-report.txt",
    ]
    lines = [f"pkg http fetch GET 200 https://registry.example.org/lib{i} {i}ms" for i in range(30)]
    lines += [f"pkg ERR! {line}".rstrip() + (" " if not line else "") for line in report]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = [c.text for c in rep.summary.claims]
    (block,) = [c for c in rep.summary.claims if "written together" in c.text]
    opening = '10 records at ERROR written together, lines 31 to 45: "code ERESOLVE", "ERESOLVE'
    assert block.text.startswith(opening), texts
    assert not any(t.startswith("1 record at ERROR") for t in texts), texts


def test_no_error_goes_untold_for_a_second_warning() -> None:
    # A build's six distinct errors and three warnings: the warnings' first claim is kept (every section's first
    # is), then every error the ten lines hold, before the second warning.
    errors = [
        "src/probe.c:231:5: error: unknown type name 'socklen'; did you mean 'socklen_t'?",
        "src/probe.c:245:22: error: 'struct probe_result' has no member named 'rtt_usec'",
        "src/probe.c:260:1: error: expected ';' before '}' token",
        "src/report.c:88:5: error: conflicting types for 'report_flush'",
        "src/config.c:12:10: fatal error: yaml.h: No such file or directory",
        "src/main.c:40:3: error: too many arguments to function 'init_logging'",
    ]
    warnings = [
        "src/config.c:117:17: warning: unused variable 'line_no' [-Wunused-variable]",
        "src/icmp.c:58:12: warning: cast from pointer to integer of different size",
        "src/tcp.c:203:9: warning: implicit declaration of function 'inet_aton'",
    ]
    lines = [f"gcc -O2 -c -o src/obj{i}.o src/obj{i}.c" for i in range(20)]
    for k, w in enumerate(warnings):
        lines.insert(2 + 3 * k, w)
    for k, e in enumerate(errors):
        lines.insert(12 + 2 * k, e)
    lines.append("make: *** [Makefile:420: all] Error 1")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = [c.text for c in rep.summary.claims]
    assert len(texts) <= 10
    told = [e for e in errors if any(e.split("error: ")[1][:30] in t for t in texts)]
    assert len(told) == len(errors), texts
    assert any(" at WARN: " in t for t in texts), texts


def test_messages_written_one_after_the_other_each_time_are_one_claim() -> None:
    # Each time the container runtime is down, three components report it in a row; two more report a second
    # consequence. Five error templates, two sequences: two claims, each naming how often, leaving room for the rest.
    def at(i: int) -> str:
        return f"2024-03-01 10:{i // 60:02d}:{i % 60:02d}"

    lines: list[str] = []
    for i in range(60):
        lines.append(f"{at(3 * i)} INFO kubelet: SyncLoop event for pod web-{i % 7}")
        if 20 <= i < 32:
            lines.append(f"{at(3 * i)} ERROR kubelet: ListPodSandbox from runtime failed err=connection refused")
            lines.append(f"{at(3 * i)} ERROR kubelet: Failed to list pod sandboxes err=connection refused")
            lines.append(f"{at(3 * i)} ERROR kubelet: GenericPLEG: Unable to retrieve pods err=connection refused")
        if 24 <= i < 32:
            lines.append(f"{at(3 * i + 1)} ERROR kubelet: Container runtime network not ready")
            lines.append(f"{at(3 * i + 1)} ERROR kubelet: Error syncing pod web-{i % 7}, skipping")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = [c.text for c in rep.summary.claims]
    told = [t for t in texts if "written one after the other" in t]
    assert len(told) == 2, texts
    assert told[0].startswith("3 messages at ERROR written one after the other 12 times, lines "), told
    assert told[1].startswith("2 messages at ERROR written one after the other 8 times, lines "), told
    assert not [t for t in texts if "Failed to list pod sandboxes" in t and "written one after" not in t], texts


def test_the_most_frequent_messages_that_read_alike_up_to_the_cut_are_quoted_apart() -> None:
    """A homeserver's access lines read alike for their first 80 characters and differ in the request after them: each
    is quoted from where it parts from the others, not three times the same cut text."""
    head = (
        "::ffff:10.0.0.{0} - 8008 - Processed request: 0.{0:03d}sec/0.000sec (0.001sec, 0.000sec) (0.000sec/0.002sec/2)"
        " 6256B 200 for the client of the homeserver on worker main"
    )
    routes = ("GET /_matrix/client/v3/sync", "POST /_matrix/client/v3/keys/query", "PUT /_matrix/client/v3/rooms/send")
    lines = [
        f"2026-03-04 10:00:{i % 60:02d},{i:03d} - synapse.access - INFO - " + head.format(i) + f' 200 "{routes[i % 3]}"'
        for i in range(90)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    claim = next(c.text for c in rep.summary.claims if c.text.startswith("Most frequent"))
    assert '"GET /_matrix' in claim and '"POST /_matrix' in claim, claim


def test_a_label_whose_record_goes_on_over_lines_of_its_own_is_an_error_told() -> None:
    """dbt ends a failed run with "[error] [MainThread]: Encountered an error:" and the error under it, lines of no
    time ("Database Error", "250001 (08001): Failed to connect to DB ..."): a label closed by a colon, but its record
    says what follows it. It was left out of the errors and the summary as a heading of the records after it."""
    from loglens_analysis.engine import analyze

    lines = []
    for i in range(300):
        lines.append(
            f"21:{i // 60:02d}:{i % 60:02d}.{i:06d} [info ] [Thread-1]: {i} of 300 OK created sql view model m{i}"
        )
    lines.append("22:00:16.044692 [error] [MainThread]: Encountered an error:")
    lines += ["Database Error", "  250001 (08001): Failed to connect to DB: acme.snowflakecomputing.com:443."]
    lines.append("22:00:16.082365 [debug] [MainThread]: Command `dbt run` failed after 16.10 seconds")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    by_id = {t.id: t for t in rep.templates}
    assert [by_id[e.template_id].text for e in rep.error_templates] == ["Encountered an error:"]
    assert any(c.line_numbers[0] == 301 and "Encountered an error" in c.text for c in rep.summary.claims), [
        c.text for c in rep.summary.claims
    ]


def _build(verdict: list[str]) -> str:
    """A build's log: its time and "AM:"/"PM:" on every line, forty deprecation warnings, steps, then ``verdict``
    (its last lines, no level) and a line of clean-up."""
    lines: list[str] = []

    def add(text: str) -> None:
        i = len(lines)
        lines.append(f"11:{55 + i // 60:02d}:{i % 60:02d} AM: {text}")

    for i in range(42):
        add(f"npm WARN deprecated pkg{i}@{i}.0.1: Glob versions prior to v9 are no longer supported")
    for i in range(30):
        add(f"success step {i} - {i / 10:.3f}s")
    for i in range(5):
        add(f"npm WARN deprecated other{i}@1.0.{i}: Rimraf versions prior to v4 are no longer supported")
        add(f"npm WARN deprecated third{i}@2.0.{i}: Please upgrade to version 7 or higher.")
        add(f"npm WARN deprecated fourth{i}@3.0.{i}: This module leaks memory. Do not use it.")
    for text in verdict:
        add(text)
    add("Finished processing build request in 6m3.412s")
    return "\n".join(lines) + "\n"


def test_a_run_that_ends_stating_a_failure_is_told_its_verdict_before_its_warnings() -> None:
    """A build's last lines say it failed, with no level ("Failed during stage 'building site': ...", "Failing
    build: Failed to build site"); its warnings took every place of the summary's warnings, after which statements of
    failure with no level were told: the build's failure was in no claim. Statements of failure made only among the
    file's last records are its verdict, told after the overview, the first and the last quoted."""
    verdict = [
        "Failed during stage 'building site': Build script returned non-zero exit code: 2",
        "Build failed due to a user error: Build script returned non-zero exit code: 2",
        "Failing build: Failed to build site",
    ]
    rep = analyze([_build(verdict).encode()])
    claims = [c.text for c in rep.summary.claims]
    # (Its line of clean-up follows: the file states the failure near its end.)
    start = 'Near its end (its last record at line 91), the file states a failure, at line 88: "Failed during stage'
    assert claims[1].startswith(start), claims
    assert 'line 90: "Failing build: Failed to build site" (and 1 more).' in claims[1], claims
    assert list(rep.summary.claims[1].line_numbers) == [88, 89, 90]


def test_a_file_ends_stating_a_failure_only_where_its_last_record_states_it() -> None:
    """Samba's log ended with four routine connection records after its last "NT_STATUS_DISK_FULL" error, and the
    summary said "The file ends stating a failure" at the error: the failure is stated near the end; the file ends
    on it only where its last record states it."""
    lines = _build(["Failing build: Failed to build site"]).rstrip("\n").split("\n")
    rep = analyze([("\n".join(lines[:-1]) + "\n").encode()])  # without the clean-up line
    claims = [c.text for c in rep.summary.claims]
    assert claims[1] == 'The file ends stating a failure, at line 88: "Failing build: Failed to build site".', claims


def test_a_file_that_states_a_failure_all_along_has_no_verdict() -> None:
    """A message of failure the file writes all along (a server's refused logins) is no verdict where the file ends
    on it: a service's log was cut there, its run did not end so. Nor is a list of counts that names failures ("Failed:
    0, Passed: 139"): its words are the counters' names."""
    rep = analyze([_build(["Passed!  - Failed:     0, Passed:   139, Skipped:     2, Total:   141"]).encode()])
    assert not any("ends stating" in c.text for c in rep.summary.claims), [c.text for c in rep.summary.claims]
    lines = _build(["Login failed for user sa"]).split("\n")
    lines[5:5] = [f"11:55:{i:02d} AM: Login failed for user sa" for i in range(3)]
    rep = analyze([("\n".join(lines)).encode()])
    assert not any("ends stating" in c.text for c in rep.summary.claims), [c.text for c in rep.summary.claims]
    assert not states_failure("Passed! - Failed: <*>, Passed: <*>, Skipped: <*>")
    assert states_failure("ATA status: <*> (DRDY ERR), error: <*> (UNC )")
    # A command line's options name no failure.
    assert not states_failure("$ helm upgrade --install ledger ./charts/ledger --wait --timeout <*>")
    assert not states_failure("==> Fetching <*> curl --disable --show-error --fail --location <*>")
    assert not states_failure("dockerize -wait tcp://localhost:<*> -timeout <*>")
    assert states_failure("INFO-EVENTS-LOST - - - - <*> - - -")


def test_a_plural_failure_word_counting_its_number_states_no_failure() -> None:
    """BeeGFS ends a resync with "Files synced: 184221; ... errors: 0": a count of errors, the file's last line told as
    the file "ending stating a failure". A singular's number is an error's code, and a plural with more words after its
    number says what failed."""
    assert not states_failure("Resync of buddy group <*> finished. Files synced: <*>; errors: <*>")
    assert not states_failure("scan done, failures: <*>.")
    assert states_failure("Socket send error: <*>")
    assert states_failure("errors: <*> files unreadable")


@pytest.mark.parametrize(
    "text",
    [
        "Checking for fsck errors",  # what a check looks for, not what it found
        "scanning for corrupted sectors on /dev/sda",
        "--<*>-client-connection-timeout='<*>'",  # a flag dump's option, placeholders in its name
        # An option's value.
        "starting new backup job: vzdump <*> --mode snapshot --mailnotification failure --quiet <*>",
        "Error.captureStackTrace(err)",  # a name's part before a dot: a line of code
        "Log - Default: <*>, Info: <*>, Debug: <*>, Error: <*>, Fault: <*>",  # the last count of a list of counts
        "Log - Default: 76, Info: 0, Debug: 0, Error: 7, Fault: 1",
    ],
)
def test_words_that_name_what_is_looked_for_configured_or_counted_state_no_failure(text: str) -> None:
    """Failure words that state no failure: found in the messages a service writes at INFO, told once records at INFO
    that state a failure were (Android's "Checking for fsck errors", Cilium's flag dump, Proxmox's echoed vzdump
    command, a Node stack's code line, macOS log's totals)."""
    assert not states_failure(text)


@pytest.mark.parametrize(
    "text",
    [
        "Checking disk: found 3 errors",
        "disk check failed",
        "helm upgrade --timeout 10m failed",
        "Job orders-etl (1f2e) switched from state RUNNING to FAILED.",
        "Backup failed (19: BACKUP_FAILED_TARGET_VOLUME_UNAVAILABLE)",
        "request failed: 3",
    ],
)
def test_a_failure_stated_beside_such_words_is_still_one(text: str) -> None:
    assert states_failure(text)


def test_a_failure_told_at_info_is_told_after_the_warnings() -> None:
    """A service that writes its failures at INFO (Flink's job "switched from RUNNING to FAILED", Rails' "Completed 500
    Internal Server Error", a KDC's "PREAUTH_FAILED") told no failure: the summary said the file was healthy. Such a
    message is told with its level after the warnings, before rare messages and what the file mostly holds; an INFO
    message whose words state no failure is not, and a warning comes before it."""
    lines = []
    for i in range(300):
        t = f"2024-03-14 10:{i // 60:02d}:{i % 60:02d},{i:03d}"
        if i == 60:
            lines.append(f"{t} WARN  CheckpointCoordinator - Checkpoint {i} expired before completing.")
        elif i in (120, 180, 240):
            lines.append(f"{t} INFO  ExecutionGraph - Job orders-etl ({i:04x}) switched from RUNNING to FAILED.")
        else:
            lines.append(f"{t} INFO  TaskExecutor - Checkpoint {i} of job orders-etl completed in {i % 17} ms")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = [c.text for c in rep.summary.claims]
    (told,) = [t for t in texts if "switched from RUNNING to FAILED" in t]
    warned = next(i for i, t in enumerate(texts) if "expired before completing" in t)
    assert warned < texts.index(told)
    assert told.startswith("3 records at INFO that state a failure"), told
    assert "first at line 121, last at line 241" in told
    assert not any("Checkpoint" in t and "state a failure" in t for t in texts)


def test_a_verdict_at_a_level_is_said_once_and_an_adverb_can_take_a_failure_back() -> None:
    """MySQL wrote "[Note] Aborted connection N ... (Got an error reading communication packets)" five times near
    its end, after a crash recovery, and the summary said the file ended stating that failure; Istio's agent writes
    "info Envoy aborted normally" as its proxy exits on a pod's stop. A verdict is said once: a message written again
    and again at a level that says nothing went wrong is routine; an adverb after a failure word that says the thing
    went as meant takes the failure back. A verdict said once at INFO (a backup's "Backup job finished with errors")
    is still told."""

    def mysql(last: list[str]) -> str:
        lines = [
            f"2024-05-14T06:{i:02d}:00.000000Z {i} [Note] [MY-010000] [Server] Client {i} served" for i in range(40)
        ]
        lines += [f"2024-05-14T06:4{i}:00.000000Z 9 [ERROR] [MY-012592] [InnoDB] Table t{i} is full" for i in range(3)]
        lines += [f"2024-05-14T07:{i:02d}:00.000000Z {i} [Note] [MY-010914] [Server] {text}" for i, text in last]
        return "\n".join(lines) + "\n"

    routine = [
        (i, f"Aborted connection {i} to db: 'shop' (Got an error reading communication packets).") for i in range(5)
    ]
    rep = analyze([mysql(routine).encode()])
    assert not any("ends stating" in c.text or "Near its end" in c.text for c in rep.summary.claims), [
        c.text for c in rep.summary.claims
    ]
    once = [(0, "Backup job finished with errors"), (1, "Sending mail to root")]
    rep = analyze([mysql(once).encode()])
    assert any(
        'Near its end (its last record at line 45), the file states a failure, at line 44: "Backup job' in c.text
        for c in rep.summary.claims
    ), [c.text for c in rep.summary.claims]
    assert not states_failure("Envoy aborted normally")
    assert not states_failure("worker <*> killed gracefully")
    assert states_failure("Envoy aborted")
    assert states_failure("request aborted; normally this means the client went away")


def test_a_message_made_only_of_named_values_is_told_by_its_values() -> None:
    """SQL Server writes "Error: 18456, Severity: 14, State: 8." above each error's text: 44 errors of five numbers
    were one claim, "44 records at ERROR: "Error: <*>, Severity: <*>, State: <*>."", that named none. A message made
    only of named values says nothing but its values: its claim tells its first value's most frequent ones."""
    lines: list[str] = []
    codes = [18456] * 6 + [9002] * 3 + [823]
    for i, code in enumerate(codes * 2):
        at = f"2024-08-19 08:{i:02d}:12.31 spid{50 + i}"
        lines.append(f"{at}     Starting up database 'db{i}'.")
        lines.append(f"{at}     Error: {code}, Severity: 14, State: {i % 3}.")
        lines.append(f"{at}     Something about the error {i}.")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    claims = [c.text for c in rep.summary.claims]
    assert any(
        c.startswith('20 records at ERROR: "Error: <*>, Severity: <*>, State: <*>." (Error 18456 x12, 9002 x6, 823 x2)')
        for c in claims
    ), claims


def test_an_exception_told_in_room_left_is_not_told_again_as_a_warning() -> None:
    """ZooKeeper logged "Exception when following the leader" at WARN over a java.io.EOFException once: the third
    exception group, told in room the other sections left, and told again as "1 record at WARN: ... (below it:
    "java.io.EOFException")" at the same line. A record is told once."""
    lines: list[str] = []

    def log(level: str, text: str, trace: list[str] = []) -> None:  # noqa: B006 (read only)
        lines.append(
            f"2024-03-12 09:{len(lines) // 60:02d}:{len(lines) % 60:02d},000 [myid:1] - {level} [main] - {text}"
        )
        lines.extend(trace)

    for i in range(150):
        log("INFO", f"Established session 0x{i:x} with negotiated timeout 30000 for client /10.0.0.{i % 9}:{40000 + i}")
        if i % 12 == 5:
            log("WARN", "Unexpected exception", ["java.io.IOException: Unable to read", "\tat a.B.c(B.java:1)"])
        if i % 40 == 7:
            log(
                "WARN", "Cannot open channel", ["java.net.ConnectException: Connection refused", "\tat x.Y.z(Y.java:2)"]
            )
    log("WARN", "Exception when following the leader", ["java.io.EOFException", "\tat q.R.s(R.java:3)"])
    at = len(lines) - 2
    rep = analyze([("\n".join(lines) + "\n").encode()])
    told = [c for c in rep.summary.claims[1:] if at in c.line_numbers]  # (after the overview, which cites it too)
    assert len(told) == 1 and "EOFException" in told[0].text, [c.text for c in rep.summary.claims]


def test_a_chain_of_wrapped_errors_is_cut_in_its_middle_and_keeps_its_cause() -> None:
    """k3s' "starting kubernetes: preparing server: failed to start etcd: etcdserver: mvcc: database space exceeded" was
    quoted as "... etcdserver: mvcc: …": the cut took the cause, which a chain of wrapped errors writes last. A chain
    keeps its first link and as many of its last as fit; a list of named values is no chain."""
    from loglens_analysis.engine.report import shorten

    chain = "starting kubernetes: preparing server: failed to start etcd: etcdserver: mvcc: database space exceeded"
    assert shorten(chain) == "starting kubernetes: \u2026 etcdserver: mvcc: database space exceeded"
    counts = "Tests run: 8, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 1.204 s <<< FAILURE! - in com.example.A"
    assert shorten(counts).startswith("Tests run: 8, Failures: 1") and shorten(counts).endswith("\u2026")
    lines = [
        f'time="2024-03-12T09:{i // 60:02d}:{i % 60:02d}Z" level=info msg="Tunnel server egress {i}"' for i in range(40)
    ]
    lines.append(f'time="2024-03-12T09:01:00Z" level=fatal msg="{chain}"')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert any("database space exceeded" in c.text and 41 in c.line_numbers for c in rep.summary.claims), [
        c.text for c in rep.summary.claims
    ]


def test_a_diagnostic_seen_once_is_quoted_with_its_files_name_not_a_placeholder() -> None:
    """javac's "/home/ci/work/billing/api/src/main/java/com/acme/billing/api/InvoiceController.java:57: error: cannot
    find symbol" was told as "<*>:57: error: cannot find symbol": its path, too long to quote whole, was left a
    placeholder, and with it the file the error is in. A long path is quoted by its last name."""
    root = "/home/ci/work/billing/api/src/main/java/com/acme/billing/api"
    lines = [f"> Task :api:step{i}" for i in range(30)]
    lines.append(f"{root}/InvoiceController.java:57: error: cannot find symbol")
    lines.append("BUILD FAILED in 1m 3s")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    told = [c.text for c in rep.summary.claims]
    assert any('"\u2026/InvoiceController.java:57: error: cannot find symbol", at line 31' in c for c in told), told
    assert not any("<*>:57" in c for c in told), told
