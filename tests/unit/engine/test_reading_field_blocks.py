"""Records written as blocks of "Name: value" lines parted by blank lines (an event log's text export, a shell's list
view): each block is one record, read by its fields' names. Synthetic events written for these tests after
``wevtutil qe /f:text`` and PowerShell's ``Format-List``."""

from __future__ import annotations

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.fieldblocks import MAX_BLOCK_LINES
from loglens_analysis.engine.records import RecordReader

pytestmark = pytest.mark.unit

_EVENTS = [
    ("Information", 7036, "The Windows Update service entered the running state."),
    ("Error", 7031, "The Print Spooler service terminated unexpectedly.  It has done this {} time(s)."),
    ("Warning", 129, "NtpClient was unable to set a domain peer to use as a time source: discovery error {}."),
]


def _wevtutil(n: int) -> list[str]:
    lines = []
    for i in range(n):
        level, event_id, text = _EVENTS[i % 3]
        lines += [
            f"Event[{i}]:",
            "  Log Name: System",
            "  Source: Service Control Manager",
            f"  Date: 2024-01-15T10:{i // 60:02d}:{i % 60:02d}.{i % 1000:03d}0000Z",
            f"  Event ID: {event_id}",
            "  Task: N/A",
            f"  Level: {level}",
            "  Keyword: Classic",
            "  Computer: WIN-SRV01",
            "  Description: ",
            text.format(i % 5 + 1),
            "",
        ]
    return lines


def _levels(rep: report_pb2.AnalysisReport) -> dict[str, int]:
    return {report_pb2.Level.Name(lc.level).removeprefix("LEVEL_"): lc.count for lc in rep.levels}


def test_an_event_export_is_one_record_per_block_with_its_time_level_and_description() -> None:
    lines = _wevtutil(60)
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.envelope == "field-blocks"
    assert 'block of "name: value" lines' in rep.format.description
    assert rep.record_count == 60
    assert rep.parse_quality.timestamp_share == 1.0
    assert _levels(rep) == {"INFO": 20, "ERROR": 20, "WARN": 20}
    counts = {t.text: t.count for t in rep.templates}
    assert counts["The Windows Update service entered the running state."] == 20
    # The description's ": " is the description's, not a field (it is not at the fields' indentation).
    assert counts["NtpClient was unable to set a domain peer to use as a time source: discovery error <*>."] == 20
    spooler = next(t for t in rep.templates if t.text.startswith("The Print Spooler"))
    assert spooler.first_line == lines.index("Event[1]:") + 1
    assert spooler.last_line == lines.index("Event[58]:") + 1
    assert rep.line_count == len(lines)


def test_a_list_view_with_padded_names_and_wrapped_values() -> None:
    lines = []
    for i in range(30):
        level, event_id, text = _EVENTS[i % 3]
        message = text.format(i % 4)
        cut = message.rindex(" ", 0, 30)  # wrapped at a blank before the view's width
        lines += [
            f"TimeCreated      : 2024-01-15T10:00:{i:02d}Z",
            "ProviderName     : Service Control Manager",
            f"Id               : {event_id}",
            f"Level            : {level}",
            f"Message          : {message[:cut]}",
            f"                   {message[cut + 1 :]}",
            "",
        ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.envelope == "field-blocks"
    assert rep.record_count == 30
    assert _levels(rep) == {"INFO": 10, "ERROR": 10, "WARN": 10}
    assert {t.text for t in rep.templates} >= {"The Windows Update service entered the running state."}


def _paragraphs(n: int) -> list[str]:
    """Format-List blocks whose message has paragraphs, blank lines between them, at the value's column."""
    lines = ["", ""]
    for i in range(n):
        lines += [
            f"TimeCreated      : 12/5/2026 11:{i % 60:02d}:53 PM",
            "ProviderName     : Microsoft-Windows-Hyper-V-VMMS",
            f"Id               : {21502 + i % 2}",
            f"LevelDisplayName : {'Error' if i % 2 else 'Information'}",
            f"Message          : 'VM{i}' failed to perform the 'Live Migration' operation."
            if i % 2
            else f"Message          : Checkpoint operation for 'VM{i}' was completed.",
        ]
        if i % 2:
            lines += ["", "                   Live migration of the virtual machine failed.", ""]
            lines += ["                   The service failed to establish a connection with host 'HV02'."]
        lines.append("")
    return lines


def test_a_values_paragraphs_after_blank_lines_stay_the_blocks() -> None:
    """Format-List writes a Windows event's message of several paragraphs with blank lines between them, each
    paragraph at the value's column: one event, its message whole (the paragraphs were records of their own, of no
    time and an empty template). A line at the fields' indentation after a blank line opens the next block."""
    lines = _paragraphs(30)
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.envelope == "field-blocks"
    assert rep.record_count == 30
    assert rep.parse_quality.timestamp_share == 1.0
    assert _levels(rep) == {"INFO": 15, "ERROR": 15}
    failed = next(t for t in rep.templates if "Live Migration" in t.text)
    assert failed.count == 15 and "establish a connection" in failed.text
    assert rep.line_count == len(lines)


@pytest.mark.parametrize("block_bytes", [64, 500, 4096, 1 << 20])
def test_blocks_are_the_same_records_however_the_text_is_cut(block_bytes: int) -> None:
    data = ("\n".join(_wevtutil(40) + _paragraphs(20)) + "\n").encode()
    whole = RecordReader()
    expected = [b.text for b in whole.blocks([data])]
    reader = RecordReader(block_bytes=block_bytes)
    got = [b.text for b in reader.blocks([data[i : i + 97] for i in range(0, len(data), 97)])]
    assert "\n".join(got) == "\n".join(expected)
    assert reader.counters.lines == whole.counters.lines == data.count(b"\n")


def test_a_block_longer_than_the_cap_ends_the_reading_and_every_line_is_still_read() -> None:
    lines = _wevtutil(10)
    lines += ["Event[10]:", *(f"  Field: value {k}" for k in range(MAX_BLOCK_LINES + 5)), ""]
    lines += _wevtutil(3)
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.line_count == len(lines)
    assert sum(t.count for t in rep.templates if t.text.startswith("The Windows Update")) >= 4


@pytest.mark.parametrize(
    "text",
    [
        # Lines that open with a time or a count are no fields, blank lines or not.
        "".join(f"Jan 15 10:00:{i:02d} web-1 sshd[{800 + i}]: Accepted key for root\n\n" for i in range(40)),
        "".join(f"2024-01-15 10:00:{i:02d} INFO: worker {i} ready\nWARN: retrying\n\n" for i in range(40)),
        # A few fields among prose.
        "".join(f"Processing batch {i}\nstatus: ok\nThe batch was read and stored.\n\n" for i in range(40)),
    ],
)
def test_logs_with_blank_lines_are_no_field_blocks(text: str) -> None:
    assert analyze([text.encode()]).parse_quality.envelope == ""


def test_blocks_of_fields_are_not_cut_into_chunks() -> None:
    from loglens_analysis.engine.chunks import FileContext

    assert FileContext(("\n".join(_wevtutil(40)) + "\n").encode()).refusal is not None


def test_a_blocks_heading_gives_its_time_and_the_fields_it_states() -> None:
    """IBM DB2's db2diag.log heads each record with its time, an id and "LEVEL: Error" over the record's "Name : value"
    fields. The heading was dropped: no record had a time or a level (0 errors in a file of lock timeouts)."""
    lines = []
    for i in range(30):
        level = ("Info", "Error", "Warning")[i % 3]
        lines += [
            f"2026-12-05-00.{i:02d}.14.602576+060 I4123{i:04d}E562       LEVEL: {level}",
            "PID     : 28114                  TID : 140187449349062  PROC : db2sysc 0",
            "INSTANCE: db2inst1               NODE : 000            DB   : BANKDB",
            "FUNCTION: DB2 UDB, data protection services, sqlpgArchiveLogFile, probe:3180",
            f'MESSAGE : ADM1846I  Completed archive for log file "S00{12354 + i}.LOG" to',
            '          "/db2/archlog/db2inst1/BANKDB/".',
            "",
        ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.envelope == "field-blocks"
    assert rep.record_count == 30
    assert rep.parse_quality.timestamp_share == 1.0
    assert _levels(rep) == {"INFO": 10, "ERROR": 10, "WARN": 10}


def test_log_lines_with_a_summary_of_fields_under_them_are_records_of_a_log() -> None:
    """Apache Kylin logs each query over a few timed lines, then a summary of some twenty "Name: value" lines
    between rules and a blank line. The fields were most of the file's lines: it was read as blocks of fields, 1,409
    lines as 38 records with no level (15 errors with their traces missed). A block of fields opens with a time once
    at most (its heading); one of several timed lines is a log's, its summary the last record's text."""
    lines: list[str] = []
    for q in range(12):
        t = f"2024-03-12 07:{q * 4:02d}:3{q % 10},702"
        thread = f"[Query 3760f73d-4109-17db-9404-da106ccedaf{q % 10}-227]"
        lines += [
            f"{t} INFO  {thread} service.QueryService:469 : Using project: learn_kylin",
            f"{t} INFO  {thread} service.QueryService:470 : The original query:  select part_dt from kylin_sales",
            f"{t} {'ERROR' if q % 4 == 3 else 'INFO '} {thread} service.QueryService:491 : ",
            "==========================[QUERY]===============================",
            f"Query Id: 3760f73d-4109-17db-9404-da106ccedaf{q % 10}",
            f"SQL: select part_dt from kylin_sales limit {q}",
            "User: bi_svc",
            f"Success: {'false' if q % 4 == 3 else 'true'}",
            f"Duration: {q * 1.5:.3f}",
            "Project: learn_kylin",
            f"Total scan count: {q * 1000}",
            "Message: null",
            "==========================[QUERY]===============================",
            "",
        ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 36
    assert rep.parse_quality.timestamp_share == 1.0
    assert _levels(rep).get("ERROR") == 3


def test_a_descriptions_paragraphs_at_the_margin_stay_the_events() -> None:
    """wevtutil writes a description of several paragraphs at the margin under its block's indented fields (a failed
    live migration, then why): after a blank line, a line at the margin that does not open as the blocks' headings do
    ("Event[N]:") is a paragraph of the event's description. Each paragraph was a block of its own: the file read as
    no blocks of fields, no record had a time or a level."""
    lines = _wevtutil(30)
    at = lines.index("Event[4]:")
    block = lines[at : at + 12]
    block[6] = "  Level: Error"
    block[10] = "Live migration of 'Virtual Machine SQL01' failed."
    block[11:] = ["", "Virtual machine migration operation for 'SQL01' failed at migration source 'HV01'.", ""]
    block += ["Failed to send data for a virtual machine migration: The operation timed out (0x800705B4).", ""]
    lines[at : at + 12] = block
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.envelope == "field-blocks"
    assert rep.record_count == 30
    assert rep.parse_quality.timestamp_share == 1.0
    (migration,) = [t for t in rep.templates if t.text.startswith("Live migration")]
    assert migration.first_line == at + 1 and migration.max_level == report_pb2.LEVEL_ERROR
    assert "The operation timed out" in migration.examples[0].text


def test_log_lines_stamped_with_a_months_name_over_a_report_of_fields_are_records_of_a_log() -> None:
    """Bacula's director writes each job's report of fields under its timed lines ("11-Mar 23:10 bacula-dir JobId
    4813: Bacula bacula-dir 13.0.3 (02Mar23):" over "  Build OS: ...", "  JobId: 4813", ...). The stamp names its
    month, so the lines were not told as opening with a time: the file was read as blocks of fields, 281 lines as 7
    records, its warning and fatal errors inside them."""
    lines: list[str] = []
    for j in range(6):
        t = f"1{j}-Mar 23:{j * 5:02d}"
        lines += [
            f"{t} bacula-dir JobId {4813 + j}: Start Backup JobId {4813 + j}, Job=BackupWeb0{j}",
            f'{t} bacula-dir JobId {4813 + j}: Using Device "FileChgr1-Dev{j % 2}" to write.',
        ]
        if j == 3:
            lines += [
                f"{t} bacula-dir JobId {4813 + j}: Warning: bsockcore.c:258 Could not connect to Client: app02-fd",
                f"{t} bacula-dir JobId {4813 + j}: Fatal error: No Job status returned from FD.",
            ]
        lines += [
            f"{t} bacula-dir JobId {4813 + j}: Bacula bacula-dir 13.0.3 (02Mar23):",
            "  Build OS:               x86_64-pc-linux-gnu debian 12.4",
            f"  JobId:                  {4813 + j}",
            f"  Job:                    BackupWeb0{j}",
            "  Backup Level:           Incremental",
            f"  Elapsed time:           {j + 2} mins 0 secs",
            f"  Termination:            {'*** Backup Error ***' if j == 3 else 'Backup OK'}",
            "",
        ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.record_count == 6 * 3 + 2
    assert _levels(rep) == {"WARN": 1, "FATAL": 1}
