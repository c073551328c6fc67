"""Network devices' lines: a system message that carries its syslog severity in its tag ("%FACILITY-SEVERITY-
MNEMONIC:", 0 emergency .. 7 debug), and a router's syslog file with two blanks after the time. Synthetic lines
written for these tests from the documented formats."""

from __future__ import annotations

import pytest

from tests.unit.engine.reading_support import level_counts, run_blocks

pytestmark = pytest.mark.unit

MESSAGES = [
    ("%LINK-3-UPDOWN: Interface GigabitEthernet0/{i}, changed state to down", "ERROR"),
    ("%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/{i}, changed state to up", "NOTICE"),
    ("%ASA-4-106023: Deny tcp src outside:203.0.113.{i}/5{i}01 dst inside:10.0.0.5/22 by access-group", "WARN"),
    ("%SEC-6-IPACCESSLOGP: list 101 denied tcp 203.0.113.{i}(5{i}01) -> 10.0.0.1(22), 1 packet", "INFO"),
    ("%SYS-2-MALLOCFAIL: Memory allocation of {i}0000 bytes failed from 0x6040A1B0", "FATAL"),
]


@pytest.mark.parametrize("prefix", ["", "*", "{n}: *"])
def test_the_severity_in_a_message_tag_is_the_record_level(prefix: str) -> None:
    """ "*Nov 30 08:00:00.123: %LINK-3-UPDOWN: ..." (the star: the device's clock not synchronised; a sequence
    number before it where the device numbers its messages): levels 0%, the interface going down uncounted."""
    lines = []
    for n in range(50):
        message, _level = MESSAGES[n % len(MESSAGES)]
        head = prefix.format(n=1000 + n)
        lines.append(f"{head}Nov 30 08:{n // 60:02d}:{n % 60:02d}.{n * 7:03d}: {message.format(i=n % 4)}")
    rep = run_blocks("\n".join(lines) + "\n", 700)
    assert rep.parse_quality.level_share == 1.0
    # (Syslog's critical, alert and emergency are the report's FATAL.)
    assert level_counts(rep) == {"ERROR": 10, "NOTICE": 10, "WARN": 10, "INFO": 10, "FATAL": 10}


def test_a_percent_sign_in_words_is_no_severity_tag() -> None:
    # A share written with its sign, a format string: no tag of facility, digit and mnemonic closed by a colon.
    lines = [f"2026-11-30 08:00:{i:02d} disk at 93%-4-full: check volume {i}" for i in range(20)]
    lines += [f"2026-11-30 08:01:{i:02d} printf('%s-{i}-%d: x')" for i in range(20)]
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {}


def test_a_syslog_line_with_two_blanks_after_its_time_is_syslog() -> None:
    """Junos writes "Nov 30 08:00:01  mx1 rpd[1500]: RPD_OSPF_NBRDOWN: ..." (two blanks before the host): the host and
    the program's tag opened every template ("mx1 rpd[<*>]: RPD_OSPF_NBRDOWN: ...")."""
    lines = [
        f"Nov 30 08:{i // 60:02d}:{i % 60:02d}  mx1 rpd[1500]: RPD_OSPF_NBRDOWN: OSPF neighbor 10.0.0.{i % 5} state"
        " changed from Full to Down"
        if i % 2
        else f"Nov 30 08:{i // 60:02d}:{i % 60:02d}  mx1 mgd[{2000 + i}]: UI_COMMIT: User 'admin' requested 'commit'"
        for i in range(40)
    ]
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.format.name == "syslog-rfc3164"
    assert {t.text for t in rep.templates} == {
        "RPD_OSPF_NBRDOWN: OSPF neighbor <*> state changed from Full to Down",
        "UI_COMMIT: User 'admin' requested 'commit'",
    }


def test_a_bracketed_level_a_separator_follows_a_few_words_into_the_message_is_the_level() -> None:
    """A storage daemon's cluster channel: "<time> <thread> <debug level> log_channel(cluster) log [WRN] : Health
    check failed: ...": the level in brackets after the channel's words, closed off by " : ". Levels were 0%, the
    data-damage errors told as records of no level."""
    messages = [
        ("INF", "osd.{i} boot"),
        ("WRN", "Health check failed: {i} osds down (OSD_DOWN)"),
        ("ERR", "2.1f scrub {i} errors"),
        ("DBG", "pgmap v{i}: 40 pgs: 40 active+clean"),
    ]
    lines = []
    for n in range(40):
        level, message = messages[n % 4]
        lines.append(
            f"2026-12-05T10:{n // 60:02d}:{n % 60:02d}.123+0000 7f1a2b3c4d50  0 log_channel(cluster) log [{level}] : "
            + message.format(i=n)
        )
        # Between them, the daemon's own lines, of other words (no level column of the file's layout).
        lines.append(f"2026-12-05T10:{n // 60:02d}:{n % 60:02d}.500+0000 7f1a2b3c4e60  1 mon.a@0(leader).osd e{n} up")
    # Prose that names a level in brackets keeps its own level (none here).
    lines += [
        f"2026-12-05T11:00:{n:02d}.123+0000 7f1a2b3c4d50  0 mon.a scrub of {n} pgs found no [ERROR] entries in the map"
        for n in range(10)
    ]
    rep = run_blocks("\n".join(lines) + "\n", 700)
    # The daemon's lines and the prose have none.
    assert level_counts(rep) == {"INFO": 10, "WARN": 10, "ERROR": 10, "DEBUG": 10}


def test_words_after_a_closed_bracket_are_no_syslog_tag() -> None:
    """A cluster engine's file log: "Dec 05 10:00:02 [1234] node1 corosync notice  [QUORUM] Sync members[1]: 1". Read
    as syslog, the 'program' ran from "node1" to "members[1]" and the message was "1": templates "<*>" and
    "<*> <*>" were what the file mostly held. A tag ends at its pid's bracket."""
    messages = ("Sync members[{i}]: 1", "Members[{i}]: 1 2", "A new membership (1.{i}) was formed. Members joined: 1")
    lines = [
        f"Dec 05 10:{n // 60:02d}:{n % 60:02d} [1234] node1 corosync notice  [QUORUM] " + messages[n % 3].format(i=n)
        for n in range(30)
    ]
    rep = run_blocks("\n".join(lines) + "\n", 700)
    texts = sorted(t.text for t in rep.templates)
    assert "<*>" not in texts and "<*> <*>" not in texts, texts
    assert any(t.startswith("Sync members[") for t in texts), texts
    # A tag with its instance in parentheses after a blank is still one (launchd's).
    launchd = "Nov 30 08:00:01 mac com.apple.xpc.launchd[1] (com.apple.suggestd[40890]): Service exited with code: 1"
    rep = run_blocks("\n".join([launchd] * 20) + "\n", 700)
    assert [t.text for t in rep.templates] == ["Service exited with code: <*>"]


def test_a_level_after_the_arrow_a_tool_writes_after_its_header_is_the_level() -> None:
    """An updater's log: "Sat Dec  5 07:01:31 2026 -> ERROR: Update failed.": the arrow closes the header; the level
    word after it was not read (the update's failure a record of no level)."""
    messages = ("-> ERROR: Update failed for database: daily{i}", "-> daily.cld updated (version: 2711{i})")
    lines = [f"Sat Dec  5 07:{n // 60:02d}:{n % 60:02d} 2026 " + messages[n % 2].format(i=n) for n in range(30)]
    rep = run_blocks("\n".join(lines) + "\n", 700)
    assert level_counts(rep) == {"ERROR": 15}


def test_a_severity_column_before_the_program_is_the_level() -> None:
    """A relay that writes the severity as a column of its own before the program ("bigip1 warning tmm[18872]:", a
    BIG-IP's /var/log/ltm): levels 0% before, "warning tmm[18872]" read as the program and no failure counted."""
    severities = ["warning", "notice", "err", "crit", "info"]
    lines = [
        f"Dec  5 09:{i // 60:02d}:{i % 60:02d} lb01 {severities[i % 5]} tmm[18872]: 0101{i % 5}:{i % 8}: "
        f"Pool /Common/app member 10.0.0.{i % 9}:80 event {i}"
        for i in range(50)
    ]
    rep = run_blocks("\n".join(lines) + "\n")
    assert rep.format.name == "syslog-rfc3164"
    assert level_counts(rep) == {"WARN": 10, "NOTICE": 10, "ERROR": 10, "FATAL": 10, "INFO": 10}


def test_a_syslog_selector_or_a_list_of_topics_names_the_level() -> None:
    """A relay's "facility.severity" column (OpenWrt's logread: "Sat Dec  5 18:02:39 2026 daemon.err dnsmasq[2214]:")
    and a router's topics naming a severity among them (RouterOS: "gw system,error,critical login failure ..."): the
    level (0% before); a word with a dot that names no facility ("app.err") or topics without a severity name none."""
    selectors = ["daemon.err", "kern.warn", "authpriv.info", "local7.notice", "daemon.debug"]
    lines = [
        f"Sat Dec  5 18:{i // 60:02d}:{i % 60:02d} 2026 {selectors[i % 5]} dnsmasq[2214]: query {i} from 10.0.0.{i % 7}"
        for i in range(50)
    ]
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {
        "ERROR": 10, "WARN": 10, "INFO": 10, "NOTICE": 10, "DEBUG": 10,
    }  # fmt: skip
    topics = ["system,error,critical", "pppoe,ppp,info", "dhcp,info", "script,warning"]
    lines = [
        f"Dec  5 08:{i // 60:02d}:{i % 60:02d} gw-core {topics[i % 4]} event {i} on ether{i % 3} done"
        for i in range(40)
    ]
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {"ERROR": 10, "INFO": 20, "WARN": 10}


@pytest.mark.parametrize("word", ["app.err", "tag,other", "Daemon.Err", "user.notaseverity"])
def test_words_with_dots_or_commas_that_name_no_severity(word: str) -> None:
    from loglens_analysis.engine.levels import level_from_word

    assert level_from_word(word) is None


@pytest.mark.parametrize(
    ("line", "level"),
    [
        # IOS XR: a blank before the tag's colon, the tag among the header's columns.
        (
            "LC/0/0/CPU0:Mar 14 00:{m:02d}:38.047 UTC: pfilter_ea[284]: %PKT_INFRA-FM-3-FAULT_MAJOR : ALARM_MAJOR"
            " :IPv4 ACL: TCAM utilization {m}% exceeds threshold",
            "ERROR",
        ),
        # HPE Comware (H3C): the severity between slashes, the milliseconds after a colon, the year after them.
        (
            "%Mar 14 00:{m:02d}:32:007 2024 HPE-5130-Core1 IFNET/3/PHY_UPDOWN: Physical state on {m} changed to down.",
            "ERROR",
        ),
        # Extreme EXOS: a level cut to four letters, capitalised, in angle brackets with its component.
        ("03/15/2024 01:{m:02d}:59.92 <Erro:cli.logRemoteCmd> Slot-1: Command failed: vlan {m}", "ERROR"),
        # Cumulus Linux: a source file and line, then a level in capitals.
        (
            "2024-03-14T00:{m:02d}:20.150002+00:00 leaf03 switchd[1744]: sync.c:8021 CRIT sfp: swp{m}: read failed",
            "FATAL",
        ),
        (
            "2024-03-14T00:{m:02d}:20.150002+00:00 leaf03 switchd[1744]: hal_bcm.c:81 ERR route add failed for {m}",
            "ERROR",
        ),
        # Dell OS10: a daemon's name in brackets, then the level after a percent sign.
        ("Mar 14 00:{m:02d}:37 OS10 dn_bgp[1401]: [bgpd] %WARN: BGP: {m} prefixes received exceeds threshold", "WARN"),
        # NFS-Ganesha: fields each opened by a colon, the level one of them.
        (
            "12/03/2025 06:{m:02d}:11 : epoch 67d11553 : nfs01 : ganesha.nfsd-2154[main] gsh_dbus_pkginit :DBUS :CRIT"
            " :dbus_bus_get failed for {m}",
            "FATAL",
        ),
        # XCP-ng's xapi: the level opens a bracketed field of parts split by bars.
        (
            "Mar 10 07:{m:02d}:05 xcp-ng-02 xapi: [error||6701 /var/lib/xcp/xapi|VM.start R:f1{m}|xenops] Caught x",
            "ERROR",
        ),
        ("Mar 10 07:{m:02d}:05 xcp-ng-02 xapi: [ info||6701 /var/lib/xcp/xapi|session.login R:a{m}|xapi] ok", "INFO"),
    ],
)
def test_more_devices_ways_of_writing_a_severity_are_read(line: str, level: str) -> None:
    """Each written as its device or daemon writes it: "0 ERROR/FATAL, 0 WARN" was reported for files full of them."""
    lines = [line.format(m=m) for m in range(30)]
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {level: 30}


def test_a_tags_severity_between_slashes_before_a_sequence_number_is_the_level() -> None:
    """Huawei's VRP writes "%%01DEVM/1/hwPowerFail_active(l)[35]:The power module experienced a partial failure." (a
    mnemonic in mixed case, the message's sequence number before the colon): levels 0%, a power supply's failure, an
    OSPF neighbour down and the link flaps were no errors nor warnings."""
    tags = [
        ("%%01DEVM/1/hwPowerFail_active(l)[{i}]:The power module experienced a partial failure.", "FATAL"),
        ("%%01OSPF/3/NBR_DOWN_REASON(l)[{i}]:Neighbor state leaves full or changed to Down.", "ERROR"),
        (
            "%%01IFNET/4/LINK_STATE(l)[{i}]:The line protocol IP on interface Vlanif200 has entered the DOWN state.",
            "WARN",
        ),
        ("%%01SHELL/5/CMDRECORD(s)[{i}]:Recorded command information. (Task=VT0, User=admin)", "NOTICE"),
    ]
    lines = []
    for n in range(40):
        tag, _level = tags[n % len(tags)]
        lines.append(f"Oct 12 2023 14:{n // 60:02d}:{n % 60:02d}+08:00 HQ-S5735-CORE {tag.format(i=n)}")
    assert level_counts(run_blocks("\n".join(lines) + "\n")) == {"FATAL": 10, "ERROR": 10, "WARN": 10, "NOTICE": 10}
