"""The reading layer on real files from public projects (../shared/realworld, read in place; skipped where the
folder is absent). Each expectation was checked by hand against the file; no line of it is copied here.

Level counts are compared with what a grep on the level / status position counts, as the issue asks.
"""

from __future__ import annotations

import calendar
import collections
import json
import re
from pathlib import Path

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.records import JOIN, RecordReader

pytestmark = pytest.mark.unit

REALWORLD = Path(__file__).resolve().parents[3].parent / "shared" / "realworld"


def _path(name: str) -> Path:
    path = REALWORLD / name
    if not path.is_file():
        pytest.skip(f"{path} is not here (../shared/realworld is only on developers' machines and CI)")
    return path


_REPORTS: dict[str, report_pb2.AnalysisReport] = {}


def _report(name: str) -> report_pb2.AnalysisReport:
    if name not in _REPORTS:
        _REPORTS[name] = analyze([_path(name).read_bytes()])
    return _REPORTS[name]


def _levels(rep: report_pb2.AnalysisReport) -> dict[str, int]:
    return {report_pb2.Level.Name(x.level).removeprefix("LEVEL_"): x.count for x in rep.levels}


def _record_at(name: str, line: int) -> str:
    for block in RecordReader().blocks([_path(name).read_bytes()]):
        n = block.first_line
        for rec in block.text.split("\n"):
            if n == line:
                return rec
            n += 1 + rec.count(JOIN) + rec.count("\x1d")
    raise AssertionError(f"no record starts at line {line}")


SHARED = REALWORLD.parent
UPLOAD_TIME = calendar.timegm((2026, 11, 30, 12, 0, 0))  # the reference for year-less times, as an upload gives

# (file, first time, last time, share of records with a time, share with a level), read with the upload time
# above. Each range was checked by hand against the file (grep of the stamps, offsets applied: tomcat +0530,
# go-test2json -04:00, cilium's +01:00 lines, go-panic -03, rails +0200 written beside its zone-less header;
# BGL and HPC from their epoch seconds; year-less files take the latest year not after the upload, unless a record
# of theirs carries a dated stamp of its own day: journal-popos's "setting system clock to 2023-09-24T06:20:20 UTC"
# (its clock is local, CEST: the kernel's audit records state their instants in epoch seconds two hours behind it,
# "Sep 24 08:20:28 pop-os kernel: audit: type=1400 audit(1695536428.257:2)", 06:20:28 UTC),
# Linux's ftpd "at Fri Jun 17 07:07:00 2005"; logcat's "now=Sat Sep 26 18:18:35 GMT+03:00 2020 (1601133515251)" beside
# its "09-26 18:18:35.260", which also gives its clock's zone, +03:00: the epoch in it is 2020-09-26T15:18:35Z).
# Shares below 95% are files whose other records carry no time or level (banners, joined blocks, CI output;
# journal-popos: the 9 systemd "status=1/FAILURE" lines are levelled by their outcome, a Rust updater's 13 " INFO
# crate::module: ..." lines by the capital word they open with, GNOME Shell's 41 "JS WARNING:" and 1 "JS ERROR:" by
# the level after their tag, NetworkManager's 93 "<info>  [<epoch>] ..." by the level in angle brackets before its
# time, the rest have no level).
# Where most records carry a time, a line without one continues the timed record before it (a leak report's
# "Created at:" block, a healthz dump, java.util.logging's "INFO: message" line), so those files are near 100%.
# (Liferay's last line, "Stopping the server ...", follows a stack trace and has no time: a record of its own.)
# compose-open5gs: the Kamailio services' 574 untimed lines (" 0(36) INFO: ...", a right-aligned process number) are
# records of their own, with their levels: the timed share is 275 of 1318 records.
TIMES = [
    ("realworld/access/nginx-combined.log", "2020-06-01T06:26:49Z", "2020-06-01T16:18:01Z", 1.000, 1.000),
    ("realworld/access/tomcat-access-0530.log", "2020-01-17T19:06:18Z", "2020-01-18T18:02:51Z", 1.000, 1.000),
    ("realworld/access/traefik-json-access.log", "2021-02-05T07:57:16Z", "2021-02-05T08:09:47Z", 1.000, 1.000),
    ("realworld/ci-system/android-logcat-threadtime.log", "2020-09-26T15:17:26Z", "2020-09-26T16:01:25Z", 1.000, 1.000),
    ("realworld/ci-system/compose-open5gs.log", "2021-07-16T17:47:02Z", "2021-07-16T17:47:21Z", 0.209, 0.719),
    ("realworld/ci-system/github-actions-job.log", "2025-06-22T18:59:18Z", "2025-06-22T18:59:34Z", 1.000, 0.005),
    ("realworld/ci-system/jenkins-console.log", "-", "-", 0.000, 0.000),
    ("realworld/ci-system/journal-popos.log", "2023-09-24T06:20:26Z", "2023-09-24T07:07:32Z", 1.000, 0.120),
    ("realworld/ci-system/swarm-service-logs-glog.log", "2022-08-01T16:34:20Z", "2022-08-01T16:35:56Z", 0.984, 0.982),
    ("realworld/go-json-logfmt/cilium-slog-logfmt.log", "2026-03-21T09:15:16Z", "2026-03-21T09:16:58Z", 0.956, 0.961),
    ("realworld/go-json-logfmt/go-test2json-0400.log", "2025-08-12T19:50:15Z", "2025-08-12T19:50:24Z", 1.000, 0.000),
    ("realworld/go-json-logfmt/istiod-zap-console.log", "2023-12-02T20:46:25Z", "2023-12-03T16:21:25Z", 0.999, 0.999),
    (
        "realworld/go-json-logfmt/metallb-speaker-gokit.log",
        "2021-06-08T18:26:05Z",
        "2021-06-08T19:33:01Z",
        1.000,
        0.538,
    ),
    ("realworld/java/elasticsearch-8.log", "2022-09-05T07:35:02Z", "2022-09-08T16:02:19Z", 1.000, 1.000),
    ("realworld/java/liferay-tomcat-catalina.out", "2012-01-12T15:53:59Z", "2012-01-12T15:54:50Z", 0.998, 0.998),
    # (Its year from the head's line 899, "... (2020-11-19 11:50:00 +0000 UTC to ... (now=2020-11-19 11:57:01...": the
    # stamp's day; the upload's year was assumed before that line was read.)
    ("realworld/klog/kube-apiserver-arm64.log", "2020-11-19T11:56:29Z", "2020-11-19T12:13:07Z", 1.000, 1.000),
    ("realworld/klog/windows-kubelet-gce.log", "2019-08-20T20:28:26Z", "2019-08-21T00:00:15Z", 1.000, 1.000),
    ("realworld/python/celery-worker.log", "2025-08-21T07:25:13Z", "2025-08-21T07:40:15Z", 0.943, 0.925),
    ("realworld/python/odoo18-server.log", "2026-03-04T08:43:46Z", "2026-03-04T12:29:36Z", 1.000, 1.000),
    ("realworld/stacktraces/go-panic-droute.log", "2017-05-25T14:49:00Z", "2017-05-25T15:14:00Z", 1.000, 1.000),
    ("realworld/stacktraces/rails-production-puma.log", "2016-05-03T07:34:37Z", "2016-05-03T07:45:27Z", 1.000, 1.000),
    ("loghub2k/Apache/Apache_2k.log", "2005-12-04T04:47:44Z", "2005-12-05T19:15:57Z", 1.000, 1.000),
    ("loghub2k/BGL/BGL_2k.log", "2005-06-03T22:42:50Z", "2006-01-03T15:13:09Z", 1.000, 1.000),
    ("loghub2k/HDFS/HDFS_2k.log", "2008-11-09T20:36:15Z", "2008-11-11T10:20:17Z", 1.000, 1.000),
    ("loghub2k/HPC/HPC_2k.log", "2003-08-06T09:52:50Z", "2006-04-27T01:13:18Z", 1.000, 0.238),
    ("loghub2k/Hadoop/Hadoop_2k.log", "2015-10-18T18:01:47Z", "2015-10-18T18:10:55Z", 1.000, 1.000),
    ("loghub2k/Linux/Linux_2k.log", "2005-06-14T15:16:01Z", "2005-07-27T14:42:00Z", 1.000, 0.001),
    ("loghub2k/OpenSSH/OpenSSH_2k.log", "2025-12-10T06:55:46Z", "2025-12-10T11:04:45Z", 1.000, 0.024),
    ("loghub2k/Spark/Spark_2k.log", "2017-06-09T20:10:40Z", "2017-06-09T20:11:11Z", 1.000, 1.000),
    ("loghub2k/Windows/Windows_2k.log", "2016-09-28T04:30:30Z", "2016-09-29T02:04:40Z", 1.000, 1.000),
    ("loghub2k/Zookeeper/Zookeeper_2k.log", "2015-07-29T17:41:44Z", "2015-08-25T11:26:28Z", 1.000, 1.000),
]


@pytest.mark.parametrize(("name", "first", "last", "timed", "levelled"), TIMES)
def test_first_and_last_time_in_utc_and_shares(name: str, first: str, last: str, timed: float, levelled: float) -> None:
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    rep = analyze([path.read_bytes()], reference_epoch=UPLOAD_TIME)
    got_first = rep.time_range.start_time.ToJsonString() if rep.time_range.HasField("start_time") else "-"
    got_last = rep.time_range.end_time.ToJsonString() if rep.time_range.HasField("end_time") else "-"
    assert (got_first, got_last) == (first, last)
    assert rep.parse_quality.timestamp_share == pytest.approx(timed, abs=0.0015)
    assert rep.parse_quality.level_share == pytest.approx(levelled, abs=0.0015)
    # Every zone in the text applied: no "assumed UTC" where every stamp carries an offset or Z.
    if name.endswith(("go-test2json-0400.log", "tomcat-access-0530.log", "github-actions-job.log")):
        assert not [a for a in rep.parse_quality.time_assumptions if "zone" in a]


LETTER = {"V": "TRACE", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL", "A": "NOTICE"}


@pytest.mark.parametrize(
    ("name", "grep"),
    [
        ("klog/kube-apiserver-arm64.log", r"(?m)^([IWEF])\d{4} "),
        ("klog/windows-kubelet-gce.log", r"(?m)^([IWEF])\d{4} "),
    ],
)
def test_level_counts_equal_grep_on_the_level_letter(name: str, grep: str) -> None:
    text = _path(name).read_text(encoding="utf-8", errors="replace")
    expected = collections.Counter(LETTER[m.group(1)] for m in re.finditer(grep, text))
    assert _levels(_report(name)) == dict(expected)


def test_logcat_level_counts_equal_grep_on_the_level_letter_of_each_record() -> None:
    """logcat writes a stack trace line by line, each under the same header: a frame, "Caused by:" or "... N more"
    under the header of the line before (its time aside: the same pid, tid, level and tag) is part of that record.
    So is a line indented (two blanks or a tab) further than the record's first line under its header in the same
    second: a tombstone's registers and "#00 pc" frames under "backtrace:", a command's arguments one a line
    (vold's "/system/bin/blkid", "    -c", ...), an object dumped under "Found primary storage at ...:". So is an
    exception's first line under the header of a line that is no frame, in the same second, a frame under it
    (StatusBar's "isKeyguardSecure() called before startKeyguard", then "java.lang.Throwable" and its frames: one
    Log.w with its throwable). Every other line is a record at its letter's level."""
    text = _path("ci-system/android-logcat-threadtime.log").read_text(encoding="utf-8", errors="replace")
    header = re.compile(r"\d\d-\d\d (\d\d:\d\d:\d\d)\.\d+( +\d+ +\d+ ([VDIWEFA]) [^:]*: )(.*)")
    frame = r"at (?:[\w$.<>\[\]]+ )?[\w$.<>]+ ?\("  # ART writes the method's return type before it
    trace_line = re.compile(rf"\s*(?:{frame}|Caused by: |Suppressed: |\.\.\. \d+ more)")
    exception_head = re.compile(r"[\w$.]+(?:Exception|Error|Throwable)(?::.*)?")

    def indent(message: str) -> int:
        return len(message[: len(message) - len(message.lstrip(" \t"))].expandtabs(4)) if message.strip() else -1

    expected: collections.Counter[str] = collections.Counter()
    joined = indented = heads = 0
    before = None
    before_second = before_trace = None
    first: tuple[str, str, int, bool] | None = None  # the record's header, second, indent, words
    lines = text.split("\n")
    for k, line in enumerate(lines):
        m = header.match(line)
        if m is not None and m.group(2) == before and trace_line.match(m.group(4)):
            joined += 1
            before_trace = True
            continue
        after = header.match(lines[k + 1]) if k + 1 < len(lines) else None
        if (
            m is not None
            and (m.group(2), m.group(1)) == (before, before_second)
            and not before_trace
            and exception_head.fullmatch(m.group(4))
            and after is not None
            and (after.group(2), after.group(1)) == (m.group(2), m.group(1))
            and re.match(rf"\s*{frame}", after.group(4))
        ):
            heads += 1
            continue
        before_trace = False
        if (
            m is not None
            and first is not None
            and (m.group(2), m.group(1)) == first[:2]
            and indent(m.group(4)) >= max(2, first[2] + 2)
            and first[3]
        ):
            indented += 1
            continue
        if m is not None:
            expected[LETTER[m.group(3)]] += 1
            words = re.search(r"[A-Za-z]{2}", m.group(4)) is not None
            first = (m.group(2), m.group(1), indent(m.group(4)), words)
        else:
            first = None
        before = m.group(2) if m is not None else None
        before_second = m.group(1) if m is not None else None
    assert joined > 300  # the file's traces (ClassCastException under "Bad activity token", ...)
    assert indented > 100
    assert heads > 10
    assert _levels(_report("ci-system/android-logcat-threadtime.log")) == dict(expected)


@pytest.mark.parametrize("name", ["access/nginx-combined.log", "access/tomcat-access-0530.log"])
def test_access_log_level_counts_equal_grep_on_the_status(name: str) -> None:
    text = _path(name).read_text(encoding="utf-8", errors="replace")
    statuses = [int(m.group(1)) for m in re.finditer(r'(?m)^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" (\d{3}) ', text)]
    expected = collections.Counter("ERROR" if s >= 500 else "WARN" if s >= 400 else "INFO" for s in statuses)
    assert sum(expected.values()) == _report(name).record_count
    assert _levels(_report(name)) == dict(expected)


def test_json_access_log_level_counts_equal_jq_on_the_status_field() -> None:
    """Traefik writes "level":"info" on every request: the status decides. Checked with jq: DownstreamStatus and
    OriginStatus agree on every line; 200 x223, 302 x1, 404 x15, 499 x1, 502 x3 (lines 38, 39, 48)."""
    name = "access/traefik-json-access.log"
    lines = _path(name).read_text(encoding="utf-8").splitlines()
    statuses = [json.loads(line)["DownstreamStatus"] for line in lines if line]
    expected = collections.Counter("ERROR" if s >= 500 else "WARN" if s >= 400 else "INFO" for s in statuses)
    assert dict(expected) == {"INFO": 224, "WARN": 16, "ERROR": 3}
    assert _levels(_report(name)) == dict(expected)


def test_header_columns_a_record_lacks_do_not_take_its_words() -> None:
    """Checked by hand: Liferay's line 22 is "<time> INFO  [EasyConf:122] Refreshed the configuration of all
    components" and 11 log4j records say "Upgrading <class>" (the layout ends on a "name:" column these records
    lack); istiod has 33 records "<time>\tinfo\tads\tPush Status: {", 33 "<time>\tinfo\tSidecar injection
    request for ..." and one "<time>\tinfo\tmesh networks configuration updated to: {" (no logger column)."""
    liferay = {t.text: t.count for t in _report("java/liferay-tomcat-catalina.out").templates}
    assert liferay.get("Refreshed the configuration of all components") == 1
    assert sum(c for t, c in liferay.items() if t.startswith("Upgrading ")) == 11
    istiod = {t.text: t.count for t in _report("go-json-logfmt/istiod-zap-console.log").templates}
    assert istiod.get("Push Status: {") == 33 and "{" not in istiod
    assert sum(c for t, c in istiod.items() if t.startswith("Sidecar injection request for ")) == 33
    assert istiod.get("mesh networks configuration updated to: {") == 1


def test_chained_python_traceback_is_one_record_with_its_root_cause() -> None:
    name = "python/celery-worker.log"
    rec = _record_at(name, 111)  # an ERROR line, then two tracebacks chained by "During handling ..."
    assert rec.count(JOIN) == 41  # lines 112-152: the whole chain, blank lines included
    assert "During handling of the above exception" in rec
    groups = [g for g in _report(name).exception_groups if g.first_line == 111]
    assert len(groups) == 1
    (g,) = groups
    assert g.exception_type == "amqp.exceptions.RecoverableConnectionError"
    assert g.root_cause_type == "ConnectionResetError"
    assert g.count == 2  # the same chain again at line 153
    assert g.top_frames[0].endswith(":_read")


def test_python_warnings_run_over_their_paragraphs_to_their_source_lines() -> None:
    """Celery's two warnings: "...pidbox.py:72: UserWarning: A node named ... mailbox!", a blank line, three lines of
    advice, a blank line, the source line (102-108); "...consumer.py:392: CPendingDeprecationWarning:", the
    message's five lines, a blank line, the source line (182-189). Each is one WARN record."""
    rep = _report("python/celery-worker.log")
    texts = {t.text: (t.first_line, t.count) for t in rep.templates}
    assert texts["<*>:<*>: UserWarning: A node named <*> is already using this process mailbox!"] == (102, 1)
    assert texts["CPendingDeprecationWarning: In Celery <*> we introduced an optional breaking change which"] == (
        182,
        1,
    )
    assert not any("warnings.warn" in t or t.startswith("Maybe you forgot") for t in texts)
    # Nothing in lines 103-108 or 183-189 opens a record: the records after each warning start at 110 and 191.
    starts = sorted({e.line_number for t in rep.templates for e in t.examples} | {t.first_line for t in rep.templates})
    assert not any(103 <= n <= 108 or 183 <= n <= 189 for n in starts)


def test_java_caused_by_chain_groups_576_times_on_its_root_cause() -> None:
    name = "java/liferay-tomcat-catalina.out"
    rec = _record_at(name, 38)
    assert "Caused by: java.io.FileNotFoundException" in rec
    (g,) = [g for g in _report(name).exception_groups if g.first_line == 38]
    assert g.exception_type == "com.liferay.portlet.documentlibrary.NoSuchFileException"
    assert g.root_cause_type == "java.io.FileNotFoundException"
    assert g.top_frames[0] == "java.io.FileInputStream.open"
    assert g.count == 576  # grep -c '^Caused by: java.io.FileNotFoundException' says 576


def test_go_panics_join_their_goroutine_dumps_and_group_by_code_path() -> None:
    name = "stacktraces/go-panic-droute.log"
    rec = _record_at(name, 1)
    assert rec.count(JOIN) == 48  # the panic line, a blank line and the goroutine dumps up to line 49
    groups = {g.first_line: g for g in _report(name).exception_groups}
    assert sorted((g.first_line, g.count) for g in groups.values()) == [(1, 2), (111, 4)]
    assert all(g.exception_type == "panic" for g in groups.values())
    assert groups[1].top_frames[1] == "projects2/viperutil.GetMapN"


def test_java_trace_behind_a_compose_prefix_is_joined() -> None:
    name = "ci-system/compose-open5gs.log"
    rep = _report(name)
    assert rep.parse_quality.envelope == "compose-service"
    (g,) = [g for g in rep.exception_groups if g.first_line == 775]
    assert g.exception_type == "java.lang.StringIndexOutOfBoundsException"
    assert list(g.top_frames) == [
        "java.lang.String.checkBounds",
        "java.lang.String.<init>",
        "de.fhg.fokus.hss.main.HSSContainer.waitForExit",
    ]
    rec = _record_at(name, 775)
    assert rec.count(JOIN) == 4 and "|" not in rec  # four frames, the service column removed


def test_kamailios_lines_with_a_padded_process_number_are_records_and_its_indented_lines_continue() -> None:
    # Checked by hand: lines 881-890 are pcscf's " 0(36) INFO: <core> ..." (the process number right-aligned in two
    # columns: " 0(36)" beside "89(125)"), one record each; scscf's "Listening on" at line 918 has its two indented
    # "udp:"/"tcp:" lines under it.
    name = "ci-system/compose-open5gs.log"
    for line in range(881, 891):
        rec = _record_at(name, line)
        assert JOIN not in rec and " INFO: <core> [core/udp_server.c:" in rec, (line, rec)
    listening = _record_at(name, 918)
    assert listening.startswith("Listening on") and listening.count(JOIN) == 2


def test_python_tracebacks_in_the_journal_are_one_record_each_with_their_exception() -> None:
    # Checked by hand: networkd-dispatcher logs "ERROR:Unknown state for interface ..." and then a traceback, every
    # line under the same "Sep 24 08:20:44 pop-os networkd-dispatcher[1412]: " header, three times (lines 2067-2073,
    # 2074-2080, 2081-2087), each ending "UnknownState: n/a"; openrazer-daemon's "Exception ignored in atexit
    # callback" (line 2405) and a 3-line traceback ending "SystemExit: 0"; blueman's "Unable to load plugin module"
    # (line 3748) and a 14-line traceback ending "ImportError: This is not an X11 screen". Those 36 lines join
    # their records: 4772 lines, 21 indented continuation lines. And 114 timed lines indented under a line of the same
    # program in the same second join theirs (the kernel's "  with arguments:" and "    /init" under "Run /init as
    # init process", Xorg's "        compiled for 1.21.1.4" under "(II) Module glx: ...", OBS's encoder settings under
    # "info: [FFmpeg NVENC encoder: ...] settings:"): 4601 records.
    rep = _report("ci-system/journal-popos.log")
    groups = {g.exception_type: g for g in rep.exception_groups}
    assert sorted((g.exception_type, g.count, g.first_line, g.last_line) for g in groups.values()) == [
        ("ImportError", 1, 3748, 3748),
        ("SystemExit", 1, 2405, 2405),
        ("UnknownState", 3, 2067, 2081),
    ]
    assert list(groups["UnknownState"].top_frames) == [
        "networkd-dispatcher:handle_state",
        "networkd-dispatcher:trigger_all",
    ]
    example = groups["UnknownState"].example.text.split("\n")
    assert len(example) == 7 and example[0].endswith("administrative='unmanaged'): n/a")
    assert example[1:3] == [
        "Traceback (most recent call last):",
        '  File "/usr/bin/networkd-dispatcher", line 298, in trigger_all',
    ]
    assert example[-1] == "UnknownState: n/a"
    assert groups["ImportError"].example.text.count("\n") == 14
    assert rep.record_count == 4772 - 21 - 36 - 114


def test_github_actions_timestamp_prefix_is_the_envelope() -> None:
    rep = _report("ci-system/github-actions-job.log")
    assert rep.parse_quality.envelope == "timestamp-prefix"
    assert rep.parse_quality.timestamp_share == 1.0


def test_go_panic_headers_fields_after_the_level_are_not_the_message() -> None:
    # Checked by hand: every panic header is "host - app (pid) - time - panic - <tags> - <empty> - <message>", and
    # the message of the one at line 1 reads "key not found", at line 111 "interface conversion: ...".
    rep = _report("stacktraces/go-panic-droute.log")
    by_line = {t.first_line: t.text for t in rep.templates}
    assert by_line[1] == "key not found"
    assert by_line[111].startswith("interface conversion: ")
    groups = {g.first_line: g for g in rep.exception_groups}
    assert groups[1].message == "key not found"
