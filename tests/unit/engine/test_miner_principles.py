"""Template mining principles (issue 14 item 1), each on small synthetic lines (no system's text):

- key=value: the key stays, the value is the variable, punctuation after it stays;
- a word holding a digit is a value where its place says so (after ``key=``, inside a token that holds a
  variable), so the digit-keyed caches never show one record's word for all;
- distinct constant phrases in the same positions split templates; a lone position with many values
  over many records stays a variable (cardinality, not position alone);
- every template matches each of its records, and on the real files every template its examples.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from loglens_analysis.engine import ENGINE_VERSION, analyze
from loglens_analysis.engine.analyzer import EXAMPLE_CHARS, Analyzer
from loglens_analysis.engine.masking import WILDCARD, mask_tail, mask_text
from loglens_analysis.engine.miner import Cluster, TemplateMiner, generalize, glob_match, resolve_templates
from loglens_analysis.engine.records import JOIN, RecordReader
from loglens_analysis.engine.report import build_report

pytestmark = pytest.mark.unit


def mine(lines: list[str]) -> list[str]:
    """The miner alone (no format detection): one final template per line."""
    miner = TemplateMiner()
    seen = []
    for line in lines:
        tokens = mask_text(line).split()
        seen.append((miner.add_tokens(list(tokens)), tuple(tokens)))
    clusters = miner.finish()
    variants: dict[int, dict[tuple[str, ...], int]] = {}
    for c, tokens in seen:
        d = variants.setdefault(c.root().index, {})
        d[tokens] = d.get(tokens, 0) + 1
    final = resolve_templates(clusters, variants)
    return [final[(c.root().index, tokens)] for c, tokens in seen]


def assert_all_match(lines: list[str], templates: list[str]) -> None:
    for line, template in zip(lines, templates, strict=True):
        assert glob_match(template, " ".join(line.split())), (template, line)


@pytest.mark.parametrize(
    ("a", "b", "out"),
    [
        ("state=up,", "state=down,", "state=<*>,"),
        ("[mode=fast]", "[mode=slow]", "[mode=<*>]"),
        ("mode=fast", "mode=slow", "mode=<*>"),
        ("k=<*>;", "k=none;", "k=<*>;"),
        ('name="abc",', 'name="xy",', 'name="<*>",'),  # the quotes both values open and close with stay
        ('profile="<*>"', 'profile="unconfined"', 'profile="<*>"'),
        ("f(k=a);", "f(k=b);", "f(k=<*>);"),
        ("[Screen Dim Timeout],", "[NlpWakeLock],", "[<*>],"),  # a bracketed value a comma closes keeps both
        ('"kube-system/coredns",', '"default/web",', '"<*>",'),
        ("(eth0):", "(wlan0):", "(<*>):"),
        ("[a],", "b,", "<*>"),  # not the same layers: no layer kept
        # A bracket the values open inside them is theirs, kept whole; never a closing bracket without its opening.
        ("uid=<*>(gps)", "uid=<*>(system)", "uid=<*>(<*>)"),
        ("uid=1000(system),", "uid=1021(gps),", "uid=<*>(<*>),"),
        ("k=a[1]", "k=b[2]", "k=<*>[<*>]"),
        ("k=5)", "k=6)", "k=<*>"),
    ],
)
def test_key_value_keeps_key_and_trailing_punctuation(a: str, b: str, out: str) -> None:
    assert generalize(a, b) == out


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("owner=q7 ready", "owner=<*> ready"),  # a digit word after key= is the value
        ("r7=0x1f r8=0x2e", "r7=<*> r8=<*>"),  # a key that holds a digit stays a key
        ("disk sd3.1: ready", "disk <*>.<*>: ready"),  # in a token that holds a variable
        ("link /dev/bus7/port12 up", "link <*> up"),
        ("relay over tls2 and ipv6", "relay over tls2 and ipv6"),  # standing alone: stays
        ("build 5 of zeta9", "build <*> of zeta9"),
    ],
)
def test_digit_words_are_values_by_their_place(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    got = mask_tail("HDR 12 " + text, text)
    assert got is not None and got[0] == masked and got[1] == 1


def test_key_value_pairs_mine_to_their_keys() -> None:
    lines = [
        f"unit u{i % 40} moved state={('up', 'down', 'paused')[i % 3]}, zone=z{i % 9}, took {i} ms" for i in range(120)
    ]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert {t for t in templates} == {
        f"unit <*> moved state={s}, zone=<*>, took <*> ms" for s in ("up", "down", "paused")
    }  # three states over 120 records: a constant that splits; the zones (digits) are values


def test_distinct_phrases_split_where_a_lone_name_stays_a_variable() -> None:
    """One wrapper sentence holding six different reasons (three words each, moving together) is six events;
    the task name varies alone over many values and stays a variable."""
    reasons = [
        "Disk quota hit",
        "Lease lost early",
        "Peer hung up",
        "Input was empty",
        "Clock went backwards",
        "Key not found",
    ]
    lines = [f"job {i} for task t{i % 7}x failed ({reasons[i % 6]}; code {i % 4})" for i in range(240)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    counts = Counter(templates)
    assert len(counts) == 6, counts
    for reason in reasons:
        assert counts[f"job <*> for task <*> failed ({reason}; code <*>)"] == 40


def test_an_events_name_and_the_keys_after_it_that_vary_with_it_split_where_one_event_writes_bare_values() -> None:
    """wpa_supplicant's events after its interface's name, each with keys of its own ("CTRL-EVENT-SCAN-FAILED ret=-16
    retry=1", "CTRL-EVENT-SSID-REENABLED id=0 ssid=...") and one writing bare values ("PMKSA-CACHE-ADDED
    a0:36:bc:4e:1f:22 0"): the name and the keys vary together, a phrase, though the bare values make the keys'
    positions look like few values with a placeholder among them. One template held all four ("wlp0s20f3: <*> <*>
    <*>"), the scan failures hidden in it."""
    events = [
        "PMKSA-CACHE-ADDED a0:36:bc:4e:1f:{i:02x} 0",
        "CTRL-EVENT-REGDOM-CHANGE init=CORE type=WORLD",
        "CTRL-EVENT-SCAN-FAILED ret=-{i} retry=1",
        'CTRL-EVENT-SSID-REENABLED id={i} ssid="CorpWiFi"',
    ]
    lines = [f"wlp0s20f3: {events[i % 4].format(i=i)}" for i in range(40)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        "wlp0s20f3: PMKSA-CACHE-ADDED <*> <*>",
        "wlp0s20f3: CTRL-EVENT-REGDOM-CHANGE init=CORE type=WORLD",
        "wlp0s20f3: CTRL-EVENT-SCAN-FAILED ret=<*> retry=<*>",
        'wlp0s20f3: CTRL-EVENT-SSID-REENABLED id=<*> ssid="CorpWiFi"',
    }


def test_a_lone_word_position_with_many_values_is_a_variable() -> None:
    names = ["amber", "basil", "cedar", "delta", "ember", "fjord", "gamma", "heron", "iris", "juniper"]
    lines = [f"session opened for user {names[(i * 7) % 10]} from host" for i in range(200)]
    assert set(mine(lines)) == {"session opened for user <*> from host"}


def test_a_position_of_constants_in_capitals_tells_events_apart_however_many() -> None:
    """A program's constants in capitals (an enum's states, a proxy's result codes: "RUNNING", "TCP_DENIED") are the
    statement's own kinds: six of them over many records are six events, where six lower-case names (or constants
    mixed with other words) stay a variable."""
    states = ["NEW", "SUBMITTED", "RUNNING", "SUCCEEDED", "FAILED", "KILLED"]
    lines = [f"application app_{i} moved to {states[i % 6]} after {i % 9} s" for i in range(240)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert Counter(templates) == {f"application <*> moved to {s} after <*> s": 40 for s in states}
    codes = ["TCP_HIT/<*>", "TCP_MISS/<*>", "TCP_DENIED/<*>", "TCP_REFRESH_MODIFIED/<*>"]
    lines = [f"{i}.5 10.0.0.{i % 200} {codes[i % 4].replace('<*>', str(200 + i % 2))} GET /a" for i in range(200)]
    assert len(set(mine(lines))) == 4
    names = ["amber", "basil", "cedar", "delta", "ember", "fjord"]
    lines = [f"application app_{i} moved to {names[i % 6]} after {i % 9} s" for i in range(240)]
    assert set(mine(lines)) == {"application <*> moved to <*> after <*> s"}
    mixed = [*states[:5], "queue"]
    lines = [f"application app_{i} moved to {mixed[i % 6]} after {i % 9} s" for i in range(240)]
    assert set(mine(lines)) == {"application <*> moved to <*> after <*> s"}


def test_few_values_in_one_position_split() -> None:
    lines = [f"link eth{i % 5} went {('up', 'down')[(i // 5) % 2]} after {i} s" for i in range(50)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {"link <*> went up after <*> s", "link <*> went down after <*> s"}


def test_a_word_numbered_otherwise_is_the_same_event() -> None:
    # Two or three names that differ only in their number (an interface, a CPU, a partition) are instances, not
    # wordings: few values, but one event; words that differ otherwise still split.
    lines = [f"{('eth0', 'eth1')[i % 2]}: link is {('up', 'down')[(i // 2) % 2]} at {i} Mbps" for i in range(40)]
    lines += [f"CPU{i % 2}: core temperature above threshold, cpu clock throttled ({i} s)" for i in range(10)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        "<*>: link is up at <*> Mbps",
        "<*>: link is down at <*> Mbps",
        "<*>: core temperature above threshold, cpu clock throttled (<*> s)",
    }


def test_a_dotted_name_is_data_however_few_its_values() -> None:
    # A package, class or host name of three or more dotted labels is named by the message, never its wording:
    # three of them are still one event (as three quoted names are); three plain words still split.
    names = ["org.example.backup.Manager$Lifecycle", "org.example.storage.Service", "mail.example.org"]
    lines = [f"Service {names[i % 3]} took {i} ms in onUnlock" for i in range(30)]
    lines += [f"Field {('a.b.state', 'a.b.status', 'a.b.order')[i % 3]}: unknown parameter 'x'" for i in range(30)]
    components = ["org.example.app/.ui.MainActivity", "org.example.mail/org.example.mail.SyncService"]
    lines += [f"Displayed {components[i % 2]}: +{i}ms" for i in range(20)]
    # A host's name then a path under it names a package or an image as well (go test's "?   \t<package>\t[no test
    # files]", a pull of "docker.io/library/redis"); a slash without a host's dots stays a word ("text/html").
    packages = ["github.com/acme/shop", "github.com/acme/shop/aws"]
    lines += [f"? {packages[i % 2]} [no test files]" for i in range(2)]
    images = ["docker.io/library/redis:7.2", "registry.k8s.io/pause:3.9"]
    lines += [f"Pulled image {images[i % 2]} in {i} s" for i in range(10)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        "Service <*> took <*> ms in onUnlock",
        "Field <*>: unknown parameter 'x'",
        "Displayed <*>: <*>",
        "? <*> [no test files]",
        "Pulled image <*> in <*> s",
    }


def test_a_dotted_name_glued_to_its_key_is_data_as_one_after_a_blank() -> None:
    # "action: <name>" and "action:<name>" name the same data: two names glued to one key are one event, as they
    # are where a blank stands after the key; two keys glued to names still word two statements.
    actions = ["org.example.intent.action.SCREEN_ON", "org.example.intent.action.SCREEN_OFF"]
    lines = [f"onReceive action: {actions[i % 2]}" for i in range(20)]
    lines += [f"handleBroadcast action:{actions[i % 2]}" for i in range(20)]
    lines += [f"dispatch {('intent', 'service')[i % 2]}:org.example.app.Sync" for i in range(20)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        "onReceive action: <*>",
        "handleBroadcast <*>",
        "dispatch intent:org.example.app.Sync",
        "dispatch service:org.example.app.Sync",
    }


def test_a_keys_value_of_any_shape_is_one_event() -> None:
    # The keys word the statement; what a key holds is data, one token or several ("ws=null," beside
    # "ws=Source{10002 org.example.mail},"): the clusters their token counts routed apart are one template.
    apps = ["org.example.mail", "org.example.chat", "org.example.maps"]
    lines = []
    for i in range(60):
        ws = ("null", f"Source{{{1000 + i}}}", f"Source{{{10000 + i} {apps[(i // 3) % 3]}}}")[i % 3]
        lines.append(f"acquire lock={i * 7919}, flags=0x{i % 2}, ws={ws}, uid={1000 + i}, pid={i + 300}")
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {"acquire lock=<*>, flags=<*>, ws=<*>, uid=<*>, pid=<*>"}


def test_a_quoted_value_with_few_values_stays_a_variable() -> None:
    """A message that quotes a value (Go's %q, Python's repr: a volume's or a mode's name) quotes data: a position
    whose tokens are each one quoted string stays a variable with two or three values, where bare words split."""
    volumes = ['"config-dir"', '"plugin-dir"', "'cache'"]
    lines = [f"mount started for volume {volumes[i % 3]} on node a" for i in range(30)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {"mount started for volume <*> on node a"}
    bare = [f"mount started for volume {v.strip(chr(34) + chr(39))} on node a" for v in volumes]
    assert len(set(mine([bare[i % 3] for i in range(30)]))) == 3


def test_grave_and_apostrophe_quote_data_too() -> None:
    # `name' (older tools' quotes) and `name` quote data as "name" does: two of them are one event, and the
    # template keeps its quotes around the placeholder.
    lines = [f"Job `cron.{('daily', 'weekly')[i % 2]}' terminated after {i} s" for i in range(20)]
    lines += [f"can't open table `{('filter', 'nat')[i % 2]}': no such table ({i})" for i in range(20)]
    lines += [f"needs to run as uid `{i % 2}`. It is being run as {i}" for i in range(20)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        "Job `<*>' terminated after <*> s",
        "can't open table `<*>': no such table (<*>)",
        "needs to run as uid `<*>`. It is being run as <*>",
    }


def test_a_key_with_a_quoted_value_names_data() -> None:
    """``key="value"`` (or ``key={...}``): the key is the statement's word and the quoted value the data it writes
    under that name, as any quoted value is (an access decision, an event's type): one template, however few the
    values. A bare ``key=word`` still splits as a word does."""
    lines = [f'audit decision="{("ALLOWED", "DENIED")[i % 2]}" operation="open" pid={100 + i}' for i in range(20)]
    assert set(mine(lines)) == {'audit decision="<*>" operation="open" pid=<*>'}
    bare = [f"audit decision={('ALLOWED', 'DENIED')[i % 2]} operation=open pid={100 + i}" for i in range(20)]
    assert len(set(mine(bare))) == 2


def test_a_structured_record_is_one_statement_whatever_its_quoted_values() -> None:
    """A structured record (klog's ``"message" key="value" ...``) writes its message as one quoted string and its
    data as named quoted values; names quoted inside the message are escaped (``\\"tmp\\"``). Records of one
    statement whose values all differ still agree on the message and the keys: one template, every value a
    variable, closing punctuation after a quoted value included (``\\"kubernetes.io/<kind>/<uid>-tmp\\")``)."""
    kinds = ["configmap", "empty-dir", "projected"]
    vols = ["config", "tmp", "token"]
    types = ["ContainerStarted", "ContainerDied"]
    pods = ["shop/web-1", "batch/report-2", "payments/ledger-3", "shop/cart-4"]
    lines = []
    for i in range(24):
        lines.append(
            f'"MountVolume started for volume \\"{vols[i % 3]}\\" (UniqueName: \\"kubernetes.io/{kinds[i % 3]}/'
            f'u{i}-{vols[i % 3]}\\") pod \\"{pods[i % 4].split("/")[1]}\\" " pod="{pods[i % 4]}"'
        )
        lines.append(
            f'"SyncLoop (PLEG): event for pod" pod="{pods[i % 4]}" '
            f'event={{"ID":"0467ab0d-ef52-41fb-81c4-{i:012x}","Type":"{types[i % 2]}"}}'
        )
    records = [f"I0305 10:00:{i % 60:02d}.000000    2187 kubelet.go:{100 + i % 7}] {m}" for i, m in enumerate(lines)]
    templates = _templates_of(records)
    assert len(templates) == 2, templates
    assert any(t.startswith('"SyncLoop (PLEG): event for pod" pod="<*>" event=') for t in templates), templates
    assert any(t.startswith('"MountVolume started for volume') for t in templates), templates


def test_a_list_of_quoted_values_of_any_length_is_one_variable() -> None:
    """A message that prints a collection (Python's set or list repr, a JSON array) writes as many quoted values as it
    holds: the records differ in token count, yet a run of placeholders joined by punctuation and quotes is one value
    of varying length, so the template is one."""
    ids = [f"5f0c{k:04x}-9a1b-4c2d-8e3f-0a1b2c3d{k:04x}" for k in range(40)]
    lines = []
    for i in range(30):
        members = ", ".join(f"'{ids[(i + k) % 40]}'" for k in range(1 + i % 3))
        lines.append(f"2024-03-01 12:00:{i % 60:02d} INFO Security group member updated {{{members}}}")
        quoted = ", ".join(f'"{ids[(i + k) % 40]}"' for k in range(1 + i % 4))
        lines.append(f"2024-03-01 12:00:{i % 60:02d} INFO Ports bound: [{quoted}]")
    templates = _templates_of(lines)
    assert len(templates) == 2, templates


def test_a_name_opening_a_message_is_judged_by_its_values_as_any_position() -> None:
    """The miner routes a message by its first token, but where that token is a name (a unit's, with dots and dashes)
    the clusters it kept apart are one event whose first position is judged as any other: many names are a variable,
    two or three a closed set. A plain word opening a message (a verb) still tells events apart."""
    units = ["sysstat-collect.service", "phpsessionclean.service", "systemd-tmpfiles-clean.service", "logrotate.timer"]
    units += ["man-db.service", "apt-daily.service", "user@1000.service"]
    lines = [f"Mar  5 10:01:{i % 60:02d} web-02 systemd[1]: {units[i % 7]}: Succeeded." for i in range(42)]
    assert _templates_of(lines) == ["<*>: Succeeded."]
    two = [f"Mar  5 10:01:{i % 60:02d} web-02 systemd[1]: {units[i % 2]}: Succeeded." for i in range(20)]
    assert len(_templates_of(two)) == 2
    verbs = ["Started", "Stopped", "Reached", "Finished", "Closed"]
    said = [f"Mar  5 10:01:{i % 60:02d} web-02 systemd[1]: {verbs[i % 5]} target-{i % 9}.unit." for i in range(45)]
    assert len(_templates_of(said)) == 5


def test_an_account_at_a_host_is_data_a_hash_or_a_line_after_at_is_not() -> None:
    """``user@database`` or ``node@host`` without a domain is an address as an e-mail is; a Java object's
    ``Class@1a2b3c4d`` keeps its class (the hash is a number) and a thread's ``Worker@679`` its name."""
    assert mask_text("orders_app@orders DETAIL: Key exists") == "<*> DETAIL: Key exists"
    assert mask_text("node celery@csae8092 ready") == "node <*> ready"
    assert mask_text("peer QuorumServer@1a2b3c4d joined") == "peer QuorumServer@<*> joined"
    assert mask_text("[SendWorker@679] sending") == "[SendWorker@<*>] sending"
    users = ["orders_app@orders", "billing@billing", "airflow@airflow", "reporting@orders"]
    lines = [
        f"2024-03-05 02:48:{i % 60:02d}.123 UTC [{4000 + i}] {users[i % 4]} DETAIL:  Key (id)=({i}) already exists."
        for i in range(24)
    ]
    assert len(_templates_of(lines)) == 1, _templates_of(lines)


def test_a_loggers_class_and_line_is_no_host_and_port() -> None:
    """Kafka Connect ends each line with its logger and line, "(io.confluent.connect.s3.TopicPartitionWriter:637)":
    a digit in a package's name ("s3") made the class a host and the line its port, "(<*>:<*>)". A class's part (a
    capital, then humps) is no host's label; a host with a digit and its port stays one value."""
    assert mask_text("(io.confluent.connect.s3.TopicPartitionWriter:637)") == (
        "(io.confluent.connect.<*>.TopicPartitionWriter:<*>)"
    )
    assert mask_text("connect to db01.prod:5432 failed") == "connect to <*>:<*> failed"
    assert mask_text("peer Web01.Corp.local:443 closed") == "peer <*>:<*> closed"


def test_a_quoted_value_that_comes_at_a_level_of_its_own_is_a_statement() -> None:
    """A log statement has one level: ``result="failed"`` written at ERROR and ``result="ok"`` at INFO are two
    statements, though a quoted value is data."""
    lines = [
        f"2024-01-01 10:00:{i % 60:02d} {'ERROR' if i % 4 == 0 else 'INFO'} "
        f'job finished result="{"failed" if i % 4 == 0 else ("ok", "skipped", "cached")[i % 3]}" id={i}'
        for i in range(40)
    ]
    templates = _templates_of(lines)
    assert 'job finished result="failed" id=<*>' in templates, templates
    assert len(templates) == 2, templates


def test_an_event_split_off_is_judged_again_on_its_own_records() -> None:
    """Two messages of one length ("<n> bytes (<x> cached) sent" and "sent, <n> bytes (<x> fetched) received") share a
    cluster; where one has a bare number the other has a word, so over the cluster the word's position looks like a
    value. Once the two messages are told apart, the word is judged over each one's records: "cached" and "fetched"
    are different events, and a token every record of an event holds ("(<*>") stays in its template."""
    words = ("cached", "fetched")
    lines = []
    for i in range(240):
        word = words[(i // 2) % 2]
        big = f"{i * 1000} bytes ({i} {word})"
        if i % 2:
            lines.append(f"node{i % 9}:{i} close, {big} sent, {i} bytes received, lifetime {i}")
        else:
            lines.append(f"node{i % 9}:{i} close, {i} bytes sent, {big} received, lifetime {i}")
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        f"<*>:<*> close, <*> bytes (<*> {w}) sent, <*> bytes received, lifetime <*>" for w in words
    } | {f"<*>:<*> close, <*> bytes sent, <*> bytes (<*> {w}) received, lifetime <*>" for w in words}


def test_a_data_size_is_one_value_with_its_unit() -> None:
    """A writer picks a size's unit by the size ("(512 B)", "(1.20 KB)", "(3.4 MB)" of one message; Spark's
    "estimated size 16.0 B, free 2.4 KB"): the unit is the value's, not the message's wording, as it is where it is
    glued on ("640MB"). One template per message, whatever the units; a unit word ("bytes") stays."""
    units = ("B", "KB", "MB", "GiB")
    lines = []
    for i in range(240):
        size = f"{i % 97}.{i % 10}{'' if i % 3 else ' '}{units[(i * 7) % 4]}"
        if i % 2:
            lines.append(f"node{i % 9}:{i} close, {i} bytes ({size}) sent, {i} bytes received, lifetime {i}")
        else:
            lines.append(f"node{i % 9}:{i} close, {i} bytes sent, {i} bytes ({size}) received, lifetime {i}")
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        "<*>:<*> close, <*> bytes (<*>) sent, <*> bytes received, lifetime <*>",
        "<*>:<*> close, <*> bytes sent, <*> bytes (<*>) received, lifetime <*>",
    }, templates


def test_a_bound_on_a_time_is_one_value_with_its_unit() -> None:
    """A connection's lifetime written "00:01:12" by most records and "<1 sec" by the short ones: the bound, its
    number and its unit are one value, so both kinds of record are one message. A comparison in prose ("if n <5
    then") and arrows stay as they are."""
    lines = [
        f"app{i % 5} close, {i} bytes sent, lifetime {'<1 sec' if i % 3 == 0 else f'00:{i % 60:02d}'}"
        for i in range(90)
    ]
    templates = mine(lines)
    assert set(templates) == {"<*> close, <*> bytes sent, lifetime <*>"}, set(templates)
    assert mask_text("took >30 s, ETA ~5 min") == "took <*>, ETA <*>"
    assert mask_text("a -> b <- c if n <5 then") == "a -> b <- c if n <<*> then"


def test_a_value_over_the_cluster_is_not_split_within_an_event() -> None:
    """A user name takes many values over the cluster; once the cluster splits on its few-valued word (opened /
    closed), an event that happens to hold only two user names is not split on them."""
    names = ["amber", "basil", "cedar", "delta", "ember", "fjord", "gamma", "heron"]
    lines = [f"session opened for user {names[i % 8]} by cron" for i in range(160)]
    lines += [f"session closed for user {names[i % 2]} by cron" for i in range(40)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {"session opened for user <*> by cron", "session closed for user <*> by cron"}


def test_placeholder_only_template_only_for_records_without_words() -> None:
    lines = []
    for i in range(30):
        lines += [f"{i} {i * 3} {i * 7}", f"{i} opened {i * 7}", f"{i} closed {i * 7}", f"{i} {i + 1} moved"]
    templates = mine(lines)
    assert_all_match(lines, templates)
    for line, t in zip(lines, templates, strict=True):
        if any(ch.isalpha() for ch in line):
            assert any(ch.isalpha() for ch in t.replace(WILDCARD, "")), (t, line)
    assert "<*> <*> <*>" in templates


def test_words_glued_to_placeholders_are_not_rendered_away() -> None:
    """A record whose words sit glued to placeholders ("!:io\\<*>") would render as "!:<*>", a template
    without a word for records that have one: such a record keeps its masked text."""
    names = ["io", "app", "batch", "apps", "topology", "node"]
    lines = [f" - !:{n}\\\\.kube\\\\.x{i}" for i, n in enumerate(names)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    for name, t in zip(names, templates, strict=True):
        assert name in t, t


REALWORLD = Path(__file__).resolve().parents[3].parent / "shared" / "realworld"
FILES = sorted(p for p in REALWORLD.glob("*/*") if p.suffix not in (".tsv", ".md")) if REALWORLD.is_dir() else []


@pytest.mark.skipif(not FILES, reason="../shared/realworld is only on developers' machines and CI")
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_template_matches_its_examples_on_real_files(path: Path) -> None:
    """Each example's message (parsed as the engine parses it, its wrapped lines with it, or a longer whole-token
    suffix of its first line) is an instance of its template, whitespace runs read as one space. Examples cut at
    EXAMPLE_CHARS are not checked (their end is missing)."""
    reader = RecordReader()
    an = Analyzer()
    for block in reader.blocks([path.read_bytes()]):
        an.feed(block)
    an.finish()
    rep = build_report(an, reader.counters, ENGINE_VERSION)
    assert an.parser is not None
    bad = []
    for t in rep.templates:
        for e in t.examples:
            first = e.text.split("\n", 1)[0]
            if len(e.text) >= EXAMPLE_CHARS:
                continue
            message = an.parser.parse(first).message
            template = " ".join(t.text.split())
            if glob_match(template, " ".join(message.split())):
                continue
            second = an.parser.second_line_message(e.text.replace("\n", JOIN))
            if second is not None and glob_match(template, " ".join(second.split())):
                continue  # a two-line header's record: its message is on its second line
            wrapped = an.parser.wrapped_message(e.text.replace("\n", JOIN), message)
            if wrapped is not None and glob_match(template, " ".join(wrapped.split())):
                continue  # a message wrapped over the record's lines at its column
            # A record's message can start earlier than its first line alone says (a "name:" that is the
            # type of the exception its trace reports belongs to the message): any whole-token suffix.
            words = first.split()
            if not any(glob_match(template, " ".join(words[k:])) for k in range(len(words))):
                bad.append((t.text[:120], e.line_number))
    assert not bad, bad[:5]


def _templates_of(lines: list[str]) -> list[str]:
    from loglens_analysis.engine import analyze

    rep = analyze([("\n".join(lines) + "\n").encode()])
    return sorted(t.text for t in rep.templates)


def test_a_quoted_string_of_several_words_is_one_value() -> None:
    """A CI step's or a wake lock's name quoted in a message is one value whatever its number of words: one template,
    not one per name length (each name of another length was a template of its own)."""
    steps = ["'Publish Docker image'", "'Lint'", "'Run unit tests'", "'Deploy to staging now please'", "'Build'"]
    lines = [
        f"2024-03-01 12:{i // 60:02d}:{i % 60:02d} INFO Step {steps[i * 3 % 5]} started (job {i})" for i in range(100)
    ]
    assert _templates_of(lines) == ["Step '<*>' started (job <*>)"]
    tags = ['"Screen Dim Timeout"', '"NlpWakeLock"', '"Wakeful StateMachine: Geofencer"', '"*alarm*"']
    lines = [
        f"2024-03-01 12:{i // 60:02d}:{i % 60:02d} INFO acquire lock={i * 7919}, tag={tags[i % 4]}, uid={1000 + i % 3}"
        for i in range(100)
    ]
    assert _templates_of(lines) == ['acquire lock=<*>, tag="<*>", uid=<*>']
    names = ["[Screen Dim Timeout]", "[NlpWakeLock]", "[Wakeful StateMachine: Geofencer]", "[*alarm*]"]
    lines = [
        f"2024-03-01 12:{i // 60:02d}:{i % 60:02d} INFO the wake lock was released: lock={i * 7919} {names[i % 4]}, "
        "flags=0"
        for i in range(100)
    ]
    assert _templates_of(lines) == ["the wake lock was released: lock=<*> [<*>], flags=<*>"]


def test_a_quoted_sentence_with_a_variable_keeps_its_words() -> None:
    """A quoted string that holds a variable is a sentence of its own (a structured record's message="..."): its
    constant words stay in the template, only its variable is a placeholder."""
    lines = [
        f'2024-03-01 12:00:{i % 60:02d} INFO cluster message="health changed to GREEN after {i} retries" node=main'
        for i in range(40)
    ]
    assert _templates_of(lines) == ['cluster message="health changed to GREEN after <*> retries" node=main']


@pytest.mark.parametrize(
    ("masked", "tokens"),
    [
        ("Step 'Publish Docker image' started", ["Step", "'Publish Docker image'", "started"]),
        ('acquire tag="Screen Dim Timeout", ws=null', ["acquire", 'tag="Screen Dim Timeout",', "ws=null"]),
        ("don't stop, it's fine", ["don't", "stop,", "it's", "fine"]),  # apostrophes inside words quote nothing
        ('a "b c', ["a", '"b', "c"]),  # a quote that does not close
        ("lock=<*> [Screen Dim Timeout], flags=0", ["lock=<*>", "[Screen Dim Timeout],", "flags=0"]),
        ("[instance: <*>] VM started", ["[instance:", "<*>]", "VM", "started"]),  # a variable inside: words stay
        ('run "make <*> all" now', ["run", '"make', "<*>", 'all"', "now"]),  # a variable inside: words stay
    ],
)
def test_message_tokens(masked: str, tokens: list[str]) -> None:
    from loglens_analysis.engine.masking import message_tokens

    assert message_tokens(masked) == tokens


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # A request's target names a route: its segments stay, the values in them (ids, hashes, numbers) do not.
        (
            '10.1.2.3 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" status: 200',
            '<*> "GET /<*>/<*>/servers/detail HTTP/<*>" status: <*>',
        ),
        (
            "DELETE /api/users/12345/orders?id=7&sort=asc HTTP/1.1",
            "DELETE /api/users/<*>/orders?id=<*>&sort=asc HTTP/<*>",
        ),
        ("GET /static/app.8f3a2c9d.js HTTP/1.1", "GET /static/app.<*>.js HTTP/<*>"),
        # Any other path names a file or an object: data, one value.
        ("open /var/log/app/current.log failed", "open <*> failed"),
        ("TARGET /var/log/x reached", "TARGET <*> reached"),  # a method is a word of its own
    ],
)
def test_a_request_target_keeps_its_route(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_requests_are_told_apart_by_route() -> None:
    """An access log's requests are events of their routes (the endpoints a server answers): one template per
    method and route while the routes are a closed set, as an API's are; a position of paths that keep coming as
    records do (every page of a site) stays one variable."""
    routes = ["/manager/html"] * 30 + ["/", "/", "/script", "/api/v2/items/<id>", "/api/v2/items/<id>/detail"] * 6
    lines = [
        f'10.0.{i % 9}.{i % 200} - - [18/Jan/2020:00:{i % 60:02d}:21 +0530] "GET '
        f'{routes[i % 60].replace("<id>", str(1000 + i))} HTTP/1.1" {(401, 200, 404)[i % 3]} {100 + i}'
        for i in range(300)
    ]
    assert _templates_of(lines) == sorted(
        f"GET {r} HTTP/<*> <*>"
        for r in ("/manager/html", "/", "/script", "/api/<*>/items/<*>", "/api/<*>/items/<*>/detail")
    )
    slugs = [f"{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(400)]
    pages = [
        f'10.0.0.{i % 200} - - [18/Jan/2020:00:{i % 60:02d}:21 +0530] "GET /blog/post-{slug}/ HTTP/1.1" 200 {100 + i}'
        for i, slug in enumerate(slugs)
    ]
    assert _templates_of(pages) == ["GET /blog/<*> HTTP/<*> <*>"]
    # Below a route, more segments than a closed set has (a user's name) end it with a placeholder; the endpoints
    # beside it stay apart.
    names = [f"{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676 % 26)}" for i in range(200)]
    lines = [
        f'10.0.0.{i % 200} - - [18/Jan/2020:00:{i % 60:02d}:21 +0530] "GET '
        + ("/health", f"/users/{names[i % 200]}/profile", f"/api/v1/orders/{i}", f"/users/{names[i % 200]}")[i % 4]
        + f' HTTP/1.1" 200 {100 + i}'
        for i in range(2000)
    ]
    assert _templates_of(lines) == [
        "GET /api/<*>/orders/<*> HTTP/<*> <*>",
        "GET /health HTTP/<*> <*>",
        "GET /users/<*> HTTP/<*> <*>",
    ]


def test_a_request_a_message_reports_after_other_words_is_its_argument() -> None:
    """A server's statement that reports each request it served after other words (a client's address: nova's wsgi
    server, werkzeug) is one statement whatever route the request names: its target is the statement's argument,
    one template per method, not one per route (as an access log's records, which open with their method, are)."""
    tenants = [f"{(i * 7919) % 10**8:08x}{i:024x}" for i in range(40)]
    routes = ["servers/detail", "flavors/detail", "servers/{u}", "os-quota-sets/{u}", "servers/{u}/os-interface"]
    lines = []
    for i in range(400):
        route = routes[i * 3 % 5].format(u=f"{i:08x}-1a2b-4c3d-8e9f-{i:012x}")
        method = "POST" if i % 7 == 0 else "GET"
        stamp = f"2018-02-07 00:{i // 60:02d}:{i % 60:02d}.262 4835 INFO"
        lines.append(
            f"{stamp} nova.osapi_compute.wsgi.server "
            f'10.40.2.{i % 200} "{method} /v2.1/{tenants[i % 40]}/{route} HTTP/1.1" status: 200 len: {900 + i} '
            f"time: 0.{i:04d}"
        )
        lines.append(f"{stamp} nova.compute.manager [instance: {i:08x}-1a2b-4c3d-8e9f-{i:012x}] VM Started")
    assert _templates_of(lines) == [
        '<*> "GET <*> HTTP/<*>" status: <*> len: <*> time: <*>',
        '<*> "POST <*> HTTP/<*>" status: <*> len: <*> time: <*>',
        "[instance: <*>] VM Started",
    ]


def test_an_applications_request_statement_is_one_template_whatever_its_route() -> None:
    """An application's handler that logs each request it served ("GET /api/v1/quotes/GBPUSD -> 200 in 8 ms") among
    its other statements, a minority of its records: its target is the statement's argument, one template (it was one
    per currency pair). A log of requests keeps its routes (``test_requests_are_told_apart_by_route``)."""
    pairs = ["GBPUSD", "USDJPY", "EURUSD", "AUDUSD"]
    lines = []
    for i in range(120):
        stamp = f"2026-12-05 11:{i // 60:02d}:{i % 60:02d},100 INFO  [vert.x-eventloop-thread-{i % 3}] ProxyHandler"
        lines.append(f"{stamp} - GET /api/v1/quotes/{pairs[i % 4]} -> 200 in {i % 50} ms")
        lines.append(f"{stamp} - Refreshed {i % 9} quotes from upstream feed in {i % 40} ms")
        if i % 2:
            lines.append(f"{stamp} - Session {i:06x} renewed, ttl=1800s")
    assert _templates_of(lines) == [
        "GET <*> -> <*> in <*> ms",
        "Refreshed <*> quotes from upstream feed in <*> ms",
        "Session <*> renewed, ttl=<*>",
    ]
    # A log whose records are mostly requests is a log of requests: told by route.
    assert len(_templates_of([x for x in lines if "Session" not in x and "Refreshed" not in x])) == 4


def test_a_target_written_whole_is_told_apart_by_its_route_as_a_path_is() -> None:
    """A load balancer or a proxy writes the request's target whole ("GET https://shop.example.com:443/health"):
    its scheme and authority are one value, its route the event, as in a server's "GET /health". A value that
    starts as a masked target does but follows no method ("1234/sshd", a process and its program) is no route."""
    routes = ["/", "/health", "/api/orders", "/api/orders/{}"]
    lines = [
        f'10.0.0.{i % 200} - - [18/Jan/2020:00:{i % 60:02d}:21 +0530] "GET https://shop.example.com:443'
        f'{routes[i % 4].format(1000 + i)} HTTP/1.1" 200 {100 + i}'
        for i in range(200)
    ]
    assert _templates_of(lines) == sorted(
        f"GET <*>{r} HTTP/<*> <*>" for r in ("/", "/health", "/api/orders", "/api/orders/<*>")
    )
    programs = ["sshd", "nginx", "java", "node", "redis", "etcd", "dockerd", "kubelet", "postgres", "python3"]
    sockets = [
        f"2024-01-15 10:00:{i % 60:02d} socket 0.0.0.0:{8000 + i} held by {4000 + i}/{programs[i % 10]}"
        for i in range(200)
    ]
    assert _templates_of(sockets) == ["socket <*>:<*> held by <*>"]


def test_a_relative_path_to_a_file_is_data_as_an_absolute_one_is() -> None:
    """A build names the file it compiles, and a compiler the file and place of each diagnostic, as relative paths
    ("src/hash.c", "src/net.c:40:12:", tsc's "src/api/client.ts(12,5):"): data, one placeholder, not a word that
    makes a template of each file. A name with a slash and no file's extension stays a word ("TCP_MISS/200",
    "text/html")."""
    files = ["parser", "lexer", "codegen", "main", "util", "hash", "io", "net"]
    lines = []
    for i in range(80):
        lines.append(f"gcc -O2 -Wall -c src/{files[i % 8]}.c -o build/{files[i % 8]}.o")
        if i % 2:
            lines.append(
                f"src/{files[i % 8]}.c:{10 + i}:{1 + i % 30}: warning: comparison of integer expressions of "
                "different signedness: 'int' and 'size_t' [-Wsign-compare]"
            )
        if i % 3 == 0:
            lines.append(f"web/{files[i % 4]}.ts({1 + i},{1 + i % 9}): error TS2322: Type 'string' is not assignable")
    assert _templates_of(lines) == [
        "<*>(<*>): error TS2322: Type 'string' is not assignable",
        "<*>: warning: comparison of integer expressions of different signedness: 'int' and 'size_t' [-Wsign-compare]",
        "gcc -O2 -Wall -c <*> -o <*>",
    ]
    kinds = ["text/html", "application/json", "image/png"]
    served = [f"served {100 + i} bytes as {kinds[i % 3]} to client {i}" for i in range(60)]
    assert _templates_of(served) == sorted(f"served <*> bytes as {k} to client <*>" for k in kinds)


def test_a_request_a_message_quotes_as_a_keys_value_is_one_value() -> None:
    """A server's error about a request names the request under a key ('request: "GET /x HTTP/1.1"'): the event is
    the error, whatever the request, which is one value (not its route, as an access record's request line is)."""
    routes = ["/favicon.ico", "/wp-login.php", "/static/app.js", "/images/banner-7.webp"]
    lines = [
        f'2026/11/30 10:00:{i % 60:02d} [error] 812#812: *{9000 + i} open() "/srv/www{routes[i % 4]}" failed (2: No '
        f"such file or directory), client: 10.0.0.{i % 9}, server: shop.example.com, request: "
        f'"{("GET", "POST", "HEAD")[i % 3]} {routes[i % 4]} HTTP/1.1", host: "shop.example.com"'
        for i in range(120)
    ]
    assert _templates_of(lines) == [
        '*<*> open() "<*>" failed (<*>: No such file or directory), client: <*>, server: <*>, request: "<*>", host: '
        '"<*>"'
    ]
    assert mask_text('x, request="GET /a HTTP/2.0" y') == 'x, request="<*>" y'
    assert mask_text('"GET /a HTTP/1.1" 200') == '"GET /a HTTP/<*>" <*>'  # an access record's own request line


def test_a_word_holding_a_digit_beside_a_masked_value_is_a_value_too() -> None:
    """A cipher's name written as a word with digits ("ECDHE-RSA-AES256-GCM-SHA384") where the message's other
    records hold one the masks take ("TLS_AES_256_GCM_SHA384"): the same event; a plain word beside a masked value
    is a constant of its own records (two events)."""
    lines = [
        f"TLS connection established to mx{i % 3}.example.net[203.0.113.{i}]:25: TLSv1.{2 + i % 2} with cipher "
        + ("TLS_AES_256_GCM_SHA384" if i % 3 else "ECDHE-RSA-AES256-GCM-SHA384")
        + " (256/256 bits)"
        for i in range(60)
    ]
    assert set(mine(lines)) == {"TLS connection established to <*>[<*>]:<*>: <*> with cipher <*> (<*>/<*> bits)"}
    lines = [f"request {i} served" if i % 2 else f"<{i}> {i} served" for i in range(60)]
    assert len(set(mine(lines))) == 2


def test_a_list_of_one_items_shape_is_one_value_however_many_items_it_holds() -> None:
    """A statement that prints a list ("Compacting [Reader(path='a'), Reader(path='b')]") is one event whatever the
    list's length: the lists of one, two and three readers are one template, which every record matches."""
    lines = [
        f"Compacting ({i}) ["
        + ", ".join(f"Reader(path='/data/t{i}-{k}.db')" for k in range(1 + i % 3))
        + "] in keyspace shop"
        for i in range(90)
    ]
    templates = mine(lines)
    assert set(templates) == {"Compacting (<*>) [Reader(path='<*>')] in keyspace shop"}
    assert_all_match(lines, templates)


def test_a_message_of_placeholders_alone_does_not_erase_a_templates_words() -> None:
    """A collector's lines share a numbered prefix ("GC(12) Eden regions: 411->0(410)", "GC(12) User=0.10s
    Sys=0.01s Real=0.02s", "GC(12)   Other: 0.2ms"): a message whose every token holds a value agrees with a worded
    one on placeholders alone, and joining them left "GC(<*>) <*> <*> <*>", which then took the messages of other
    lengths as "GC(<*>) <*>"."""
    lines = []
    for i in range(60):
        lines += [f"GC({i}) {kind} regions: {i * 7 % 400}->{i % 5}({400 + i % 9})" for kind in ("Eden", "Survivor")]
        lines += [f"GC({i}) {kind} regions: {i % 40}->{i % 45}" for kind in ("Old", "Archive", "Humongous")]
        lines.append(f"GC({i}) User=0.{i % 10}0s Sys=0.0{i % 7}s Real=0.0{i % 3}s")
        lines.append(f"GC({i})   Other: 0.{i % 9}ms")
        if i % 10 == 0:  # a concurrent cycle's phases
            lines += [f"GC({i}) Concurrent Mark Cycle", f"GC({i}) Concurrent Preclean 0.{i % 7}87ms"]
    templates = mine(lines)
    assert "GC(<*>) <*>" not in templates
    assert {t for t, n in Counter(templates).items() if n >= 60} == {
        "GC(<*>) <*> regions: <*>",
        "GC(<*>) User=<*> Sys=<*> Real=<*>",
        "GC(<*>) Other: <*>",
    }
    assert_all_match(lines, templates)


def test_a_value_a_key_names_spans_tokens_in_one_template() -> None:
    """A key names the value after it ("ws=null", "ws=WorkSource{1000}", "ws=WorkSource{10113 com.example.app}"):
    where that value takes two tokens the message is still the same statement, merged across lengths by its keys
    although no plain word is left in it (a key is a word telling what the collapsed value is)."""
    lines = []
    for i in range(90):
        ws = ("null", f"WorkSource{{{1000 + i % 3}}}", f"WorkSource{{{10100 + i} com.example.app{i % 4}}}")[i % 3]
        lines.append(
            f"release:lock={58678372 + i * 7919}, flg=0x{i % 2}, tag=View{i % 5}, name=com.app{i % 6}, ws={ws}, "
            f"uid={1000 + i % 4}, pid={2800 + i}"
        )
    templates = mine(lines)
    assert len(set(templates)) == 1, Counter(templates)
    assert_all_match(lines, templates)


def test_words_that_come_at_different_levels_are_different_statements() -> None:
    """A log statement has one level: a position of a few words, each at one level and not all at the same one, splits
    the template by level ("VM crashed" at ERROR apart from the states logged at INFO), while the words of one level
    stay one template. A name whose records come at several levels, or all at one level, stays a variable."""
    states = ["started", "stopped", "crashed", "paused", "resumed"]
    lines = [
        f"2024-01-01 10:{i // 60:02d}:{i % 60:02d} {'ERROR' if states[i % 5] == 'crashed' else 'INFO'} "
        f"vm-{100 + i} VM {states[i % 5]}"
        for i in range(10)
    ]
    assert _templates_of(lines) == ["vm-<*> VM <*>", "vm-<*> VM crashed"]
    users = ["alice", "bob", "carol", "dave", "erin"]
    lines = [
        f"2024-01-01 10:{i // 60:02d}:{i % 60:02d} {'WARN' if i % 3 == 0 else 'INFO'} user {users[i % 5]} logged in"
        for i in range(30)
    ]
    assert _templates_of(lines) == ["user <*> logged in"]


def test_an_identity_value_ends_where_a_bracketed_name_begins() -> None:
    """An identity key's value ("uid=1021") stops before the name in brackets glued to it ("(gps)"): no template
    with a stray closing bracket ("uid=<*>)"), and the account names that vary make "uid=<*>(<*>)"."""
    assert mask_text("uid=1021(gps) /system/bin/gpsd expire 2 lines") == "uid=<*>(gps) <*> expire <*> lines"
    names = ["gps", "system", "su.sniff.cepter", "radio", "bluetooth"]
    lines = [
        f"2024-03-01 12:{i // 60:02d}:{i % 60:02d} INFO uid={1000 + i % 5}({names[i % 5]}) Binder:{i} expire {i} lines"
        for i in range(50)
    ]
    assert _templates_of(lines) == ["uid=<*>(<*>) Binder:<*> expire <*> lines"]


def test_a_placeholder_keeps_the_punctuation_its_records_have_around_it() -> None:
    """Where every record's token closes a bracket opened before it ("(device sda1):"), the template keeps it
    ("(device <*>):"), and a value's own brackets stay whole ("at <*>(<*>)"): a template never loses a bracket its
    records close. A closing quote or bracket that nothing before it opens is not kept (no stray closer)."""
    devices = ["sda1", "nvme1n1p3", "sdb2", "vda", "nvme0n1p1"]
    lines = [
        f"2024-03-01 12:00:{i % 60:02d} INFO Mounted filesystem (device {devices[i % 5]}), using free space tree"
        for i in range(20)
    ]
    assert _templates_of(lines) == ["Mounted filesystem (device <*>), using free space tree"]
    frames = [f"com.a.B{k}.run(B{k}.java:{{}})" for k in "ABCDEFGH"]
    lines = [f"2024-03-01 12:00:{i % 60:02d} ERROR at {frames[i % 8].format(i)}" for i in range(40)]
    assert _templates_of(lines) == ["at <*>(<*>)"]
    names = [
        "Module Device",
        "Processor Device",
        "Linux-Dell Video",
        "Aggregator Device",
        "Linux-HPI Hybrid",
        "Darwin x",
    ]
    lines = [f"2024-03-01 12:00:{i % 60:02d} INFO ACPI added _OSI({names[i % 6]})" for i in range(30)]
    assert _templates_of(lines) == ["ACPI added _OSI(<*> <*>)"]
    calls = [f"{p}.invoke{k}(Native Method)" for k, p in enumerate(["a.B", "c.D", "e.F", "g.H", "i.J", "k.L"])]
    lines = [f"2024-03-01 12:00:{i % 60:02d} WARN at {calls[i % 6]}" for i in range(30)]
    assert _templates_of(lines) == ["at <*>(Native Method)"]
    flags = ["--address", "--port", "--v", "--cloud-provider", "--node-ip", "--root-dir"]
    lines = [f'2024-03-01 12:00:{i % 60:02d} INFO set flag {flags[i % 6]}="{i}"' for i in range(30)]
    assert _templates_of(lines) == ["set flag <*>"]


def test_punctuation_kept_around_a_placeholder_never_splits_a_template() -> None:
    """Records that make one template without the punctuation kept around its placeholders stay one template where
    some of them lost it to their masking ("Starting <*>..." beside "Starting <*>", a description's last word masked
    whole): the template is written without it. Where all agree, it is kept."""
    a = Cluster(["Starting", WILDCARD], 0, 5)
    b = Cluster(["Starting", WILDCARD], 1, 5)
    variants = {
        0: {("Starting", f"{w}..."): 1 for w in ["Journal", "Modules", "Udev", "Snap", "Disk"]},
        1: {("Starting", WILDCARD): 5},
    }
    final = resolve_templates([a, b], variants)
    assert set(final.values()) == {"Starting <*>"}
    final = resolve_templates([a], {0: variants[0]})
    assert set(final.values()) == {"Starting <*>..."}


def test_blanks_padding_a_number_in_brackets_are_no_token_boundary() -> None:
    # A test runner's progress right-aligns its percentage ("[ 12%]" beside "[100%]"), a kernel its uptime: one
    # message, whatever the width of the number.
    from loglens_analysis.engine import analyze

    lines = [f"tests/test_{i}.py::test_case_{i} PASSED{' ' * 20}[{(i + 1) * 100 // 40:>3}%]" for i in range(40)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [(t.text, t.count) for t in rep.templates] == [("tests/<*>.py::<*> PASSED [<*>%]", 40)]


def test_where_the_superuser_is_named_the_other_words_are_account_names() -> None:
    # "root" is an account, data; "nobody" beside it in the same place is one too: one event, not two.
    lines = [f"session opened for user {'nobody' if i % 9 == 4 else 'root'} by (uid={i % 3})" for i in range(90)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {"session opened for user <*> by (uid=<*>)"}


def test_verbs_of_one_inflection_in_one_place_word_distinct_events() -> None:
    # A lifecycle's states ("VM Started", "VM Paused", ...) are the statements' verbs: more of them than a closed
    # set's plain words may be, still each its own event; as many plain words there (names) stay a variable.
    states = ["Started", "Paused", "Resumed", "Stopped", "Suspended"]
    lines = [f"[instance: {i:08x}-aa{i:04d}] VM {states[i % 5]} (Lifecycle Event)" for i in range(100)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {f"[instance: <*>] VM {s} (Lifecycle Event)" for s in states}
    names = ["alice", "bob", "carol", "dave", "erin"]
    lines = [f"[instance: {i:08x}-aa{i:04d}] VM owner {names[i % 5]} (Lifecycle Event)" for i in range(100)]
    assert set(mine(lines)) == {"[instance: <*>] VM owner <*> (Lifecycle Event)"}


def test_an_error_quoted_with_its_type_is_a_sentence_and_a_quoted_name_one_value() -> None:
    # Spring's "Resolved [<exception type>: <its message>]": four errors, four events; a cron job's name in quotes
    # holds a colon too ("Mail: send digest"), and stays one value of one event.
    from loglens_analysis.engine import analyze

    errors = [
        "org.example.web.NoResourceFoundException: No static resource {}.",
        "org.example.web.MethodNotSupportedException: Request method '{}' is not supported",
        "org.example.web.MissingParameterException: Required request parameter '{}' is not present",
        "org.example.web.TypeMismatchException: Failed to convert value '{}' to a number",
    ]
    jobs = ["Mail: send digest", "Users: notify unregistered users", "Backup: rotate snapshots", "Queue: drain"]
    lines = []
    for i in range(80):
        t = f"2024-03-01 10:{i // 60:02d}:{i % 60:02d}"
        lines.append(f"{t} WARN web: Resolved [{errors[i % 4].format(f'item{i}')}]")
        lines.append(f"{t} INFO cron: Job '{jobs[i % 4]}' ({i}) starting")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    resolved = sorted(t.text for t in rep.templates if t.text.startswith("Resolved"))
    assert len(resolved) == 4 and all(t.count == 20 for t in rep.templates if t.text.startswith("Resolved")), resolved
    assert "Resolved [org.example.web.NoResourceFoundException: No static resource <*>.]" in resolved
    assert [(t.text, t.count) for t in rep.templates if t.text.startswith("Job")] == [("Job '<*>' (<*>) starting", 80)]


def test_a_keys_quoted_value_inside_a_printed_structure_is_data() -> None:
    # A printed object names its fields: "CFS(Keyspace='shop', ColumnFamily='carts')": the keyspace is data under its
    # key, however few keyspaces there are, as a bare key's quoted value is.
    tables = {"shop": ["carts", "orders", "order_items"], "iot": ["readings", "device_state"]}
    lines = []
    for i in range(60):
        ks = ("shop", "iot")[i % 2]
        cf = tables[ks][i % len(tables[ks])]
        lines.append(f"Flushing largest CFS(Keyspace='{ks}', ColumnFamily='{cf}') to free up room. Used total: 0.{i}")
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        "Flushing largest CFS(Keyspace='<*>', ColumnFamily='<*>') to free up room. Used total: <*>"
    }


def test_a_value_in_square_brackets_is_data_however_few_its_values() -> None:
    # Elasticsearch writes each datum of a message in brackets, the kernel a disk's name: a user, a realm, a disk
    # named in brackets is data, as a quoted one is, though a file holds few of them.
    users = [("elastic", "reserved"), ("admin", "native"), ("beats_system", "reserved"), ("kibana", "reserved")]
    lines = [
        f"Authentication of [{u}] was terminated by realm [{r}] - failed to authenticate user [{u}]"
        for u, r in (users[i % 4] for i in range(80))
    ]
    lines += [f"sd 0:0:{i % 2}:0: [{('sda', 'sdb')[i % 2]}] Attached SCSI disk" for i in range(20)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        "Authentication of [<*>] was terminated by realm [<*>] - failed to authenticate user [<*>]",
        "sd <*>:<*>:<*>:<*>: [<*>] Attached SCSI disk",
    }


def test_a_value_in_angle_brackets_is_data_however_few_its_values() -> None:
    # Gatekeeper's audit names a container in angle brackets: three containers were three templates of one message.
    lines = [f"container <{('app', 'nginx', 'sidecar')[i % 3]}> has no resource limits" for i in range(60)]
    lines += [f"admission webhook denied request {i} for <Pod>" for i in range(20)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {"container <*> has no resource limits", "admission webhook denied request <*> for <Pod>"}


def test_calls_of_a_few_names_are_told_apart_by_name_their_arguments_data() -> None:
    # nsqd: "TCP: new client(10.40.1.38:55618)" and "TOPIC(webhooks): new channel(dispatch)" (five channels) were one
    # template, "new <*>(<*>)": a call's name is the statement's wording, its argument the data.
    channels = ("analytics", "archiver", "dispatch", "resizer", "sender")
    lines = [f"new client(10.40.1.{i % 50}:{50000 + i})" for i in range(60)]
    lines += [f"new channel({channels[i % 5]})" for i in range(40)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {"new client(<*>:<*>)", "new channel(<*>)"}


def test_a_keys_quoted_value_in_the_sentences_brackets_is_data() -> None:
    # '(ssid="HomeNet" freq=2412)': the key names the value, the brackets are the sentence's.
    ssids = ["HomeNet", "Ziggo5G-88A1", "OfficeGuest"]
    lines = [f'wlan0: association with 10.0.0.{i} completed (ssid="{ssids[i % 3]}" freq={2412 + i})' for i in range(30)]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert len(set(templates)) == 1, set(templates)


def test_plain_words_opening_a_message_that_also_opens_with_a_masked_value_are_values() -> None:
    """A game server's "<player> joined the game": players named by plain words ("blockwright", "tomatoPaste") and
    by words with digits ("Steve42", masked). The statement opens with a masked value in some records: the first
    token is a value there, and the plain words beside it are values too: one template, not one per player. Verbs
    opening the same rest, with no masked value beside them, still tell events apart."""
    players = ["blockwright", "tomatoPaste", "LlamaDrama", "Steve42", "ferro_cat", "Alex_07"]
    lines = [
        f"[10:{i // 60:02d}:{i % 60:02d}] [Server thread/INFO]: {players[i % 6]} {('joined', 'left')[i // 6 % 2]} "
        "the game"
        for i in range(72)
    ]
    assert sorted(set(_templates_of(lines))) == ["<*> joined the game", "<*> left the game"]
    verbs = ["Started", "Stopped", "Reloaded"]
    said = [f"[10:{i // 60:02d}:{i % 60:02d}] [main/INFO]: {verbs[i % 3]} the world save" for i in range(30)]
    assert len(set(_templates_of(said))) == 3


def test_a_value_that_fills_one_events_pattern_is_of_that_event() -> None:
    """A Kubernetes pod's name ends in a random suffix of five letters and digits; one without a digit stays text
    ("batch/report-job-<*>-wwrmh" beside "batch/report-job-<*>"). Where the position tells two events apart
    (namespaces "batch" and "ml"), each such name went alone: 19 one-record templates and as many rare findings.
    A value that fills one event's pattern is of that event."""
    rng = random.Random(11)
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    lines = []
    for i in range(120):
        if i % 3 == 0:
            lines.append(f"Pod ml/trainer-{i % 4} is unschedulable")
            continue
        suffix = "".join(rng.choice(alphabet) for _ in range(5))
        if i % 5 == 0:
            suffix = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(5))
        lines.append(f"Pod batch/report-job-{28860000 + 37 * i}-{suffix} is unschedulable")
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert set(templates) == {
        "Pod batch/report-job-<*> is unschedulable",
        "Pod ml/trainer-<*> is unschedulable",
    }, templates


def test_a_quoted_message_keys_value_is_the_messages_words() -> None:
    """klogr writes a logger's name, then '"msg"="leader elected, starting controllers"' and its other keys: the
    quoted message is words, not one value (a setup logger's start and its shutdown were one template, "setup
    "msg"="<*>"", and the stop was told by no finding)."""
    messages = ["leader elected, starting controllers", "shutting down kyverno", "Kyverno shutdown successful"]
    lines = []
    for i in range(60):
        lines.append(f'setup "msg"="{messages[i % 3]}" "pod"="kyverno-{i}"')
        lines.append(f'EngineValidate "msg"="resource does not match rule" "name"="cart-{i:05x}"')
    assert sorted(_templates_of(lines)) == sorted(
        [f'setup "msg"="{m}" "pod"="kyverno-<*>"' for m in messages]
        + ['EngineValidate "msg"="resource does not match rule" "name"="cart-<*>"']
    )


def test_words_split_off_with_one_event_are_told_apart_beside_another_events_values() -> None:
    """Kafka's "Kafka version: 3.6.1", "Kafka commitId: 5e3c2b73", "Kafka startTimeMs: 1715644801005" beside
    MirrorMaker's "Kafka MirrorMaker started" / "stopping" / "stopped.": split on the second word, the MirrorMaker
    event's three words were one placeholder, as the other events' values made the position many-valued
    ("Kafka MirrorMaker <*>"), and the stop finding lost its first line."""
    info = "(org.apache.kafka.common.utils.AppInfoParser:{})"
    mm = "(org.apache.kafka.connect.mirror.MirrorMaker:{})"
    lines = []
    for i in range(4):
        lines += [
            f"Kafka version: 3.{i}.1 " + info.format(119),
            "Kafka commitId: 5e3c2b738d253ff5 " + info.format(120),
            f"Kafka startTimeMs: {17156448 + i} " + info.format(121),
        ]
    lines += [
        f"Kafka MirrorMaker {w} " + mm.format(n) for w, n in (("started", 155), ("stopping", 163), ("stopped.", 170))
    ]
    templates = mine(lines)
    assert_all_match(lines, templates)
    assert {f"Kafka MirrorMaker {w} " + mm.format("<*>") for w in ("started", "stopping", "stopped.")} <= set(templates)


def test_a_programs_states_in_capitals_tell_events_apart_in_few_records() -> None:
    """CherryPy's "ENGINE Bus STARTING" / "STARTED" / "STOPPING" / "STOPPED" / "EXITING", seven records in a day's log:
    five words in seven records passed the bound of a closed set (about the square root of the records), and they
    were one template "ENGINE Bus <*>", its stop told by no finding. States in capitals are a closed set up to
    CONSTANTS_MAX_VALUES, however few the records; user names of as few records stay one template."""
    words = ["STARTING", "STARTED", "STOPPING", "STOPPED", "EXITING", "STARTING", "STARTED"]
    templates = mine([f"ENGINE Bus {w}" for w in words])
    assert sorted(set(templates)) == sorted({f"ENGINE Bus {w}" for w in words})
    users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"]
    assert set(mine([f"session opened for user {u}" for u in users])) == {"session opened for user <*>"}
    # Names in capitals are data all the same (Oracle's background processes): only states are a lifecycle's steps.
    names = ["MMON", "CJQ0", "QMNC", "MMNL", "SMON", "PMON", "DBW0"]
    assert set(mine([f"Stopping background process {n}" for n in names])) == {"Stopping background process <*>"}


def test_constants_in_capitals_among_a_programs_states_are_its_states_too() -> None:
    """Hazelcast's "[10.0.4.21]:5701 is STARTING" / "STARTED" / "SHUTTING_DOWN" / "SHUTDOWN" in six records: two of the
    words are no verb's "-ING"/"-ED" form, and the four were one template "[<*>]:<*> is <*>": its stop told at other
    lines. Constants in capitals beside states are the lifecycle's steps too; names in capitals alone stay data."""
    words = ["STARTING", "STARTED", "SHUTTING_DOWN", "SHUTDOWN", "STARTING", "STARTED"]
    templates = mine([f"[10.0.4.{i}]:5701 is {w}" for i, w in enumerate(words)])
    assert sorted(set(templates)) == sorted({f"[<*>]:<*> is {w}" for w in words}), templates


def test_short_messages_that_share_one_word_are_not_one_template_of_placeholders() -> None:
    """Prometheus writes "WAL segment loaded" (x23), "WAL checkpoint loaded", "WAL replay completed", "WAL checkpoint
    complete", "WAL watcher stopped" as logfmt messages: one template, "WAL <*> <*>", which kept one word of three. A
    short message whose template would keep fewer words than it generalised is split on its words while they take
    few wordings; a user name beside the words of a longer message stays a variable."""
    msgs = ["WAL segment loaded"] * 23 + ["WAL checkpoint loaded", "WAL replay completed"] * 2
    msgs += ["WAL checkpoint complete", "WAL watcher stopped", "Server is ready to receive web requests."]
    lines = [
        f'ts=2024-06-03T09:58:{i:02d}.491Z caller=head.go:{700 + i} level=info component=tsdb msg="{m}" segment={i}'
        for i, m in enumerate(msgs)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text for t in rep.templates}
    assert {"WAL segment loaded", "WAL checkpoint loaded", "WAL replay completed"} <= texts, texts
    assert not any(t.startswith("WAL <*>") for t in texts), texts
    users = ["alice", "bob", "carol", "dave", "erin"]
    lines = [f"user {users[i % 5]} logged in from {('web', 'cli')[i % 2]}" for i in range(40)]
    assert all(t.startswith("user <*> logged in from ") for t in mine(lines)), Counter(mine(lines))
