"""Placeholder values: where a shape's values stand, the heavy-hitter summary and the quantile sketch."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from loglens_analysis.engine import analyze
from loglens_analysis.engine.analyzer import VALUE_READ_ALL
from loglens_analysis.engine.masking import VARIABLE_RE
from loglens_analysis.engine.values import HeavyHitters, QuantileSketch, ValueReader

pytestmark = pytest.mark.unit


def _reader(first: str, message_at: int = 0) -> ValueReader:
    spans = [(m.lastgroup or "word", *m.span()) for m in VARIABLE_RE.finditer(first) if m.start() >= message_at]
    return ValueReader(first, spans)


def test_reader_reads_every_record_of_the_shape_with_runs_of_other_widths() -> None:
    r = _reader("12:00:01 took 5 ms from 10.0.0.1 port 22 user bob", message_at=9)
    assert r.read("12:00:01 took 5 ms from 10.0.0.1 port 22 user bob") == ["5", "10.0.0.1", "22"]
    # Same shape: every digit run may change width, the constant text stays.
    assert r.read("9:59:59 took 12345 ms from 192.168.100.200 port 65535 user bob") == [
        "12345",
        "192.168.100.200",
        "65535",
    ]


def test_reader_placeholder_without_digits_is_the_shapes_constant() -> None:
    r = _reader("at /var/log/app took 7")
    assert r.read("at /var/log/app took 300") == ["/var/log/app", "300"]


def test_reader_refuses_a_placeholder_edge_inside_a_digit_run() -> None:
    # "c1f" is one digit run for the shape (hex letters before a digit belong to it); a placeholder over "1f"
    # alone does not line up with it.
    assert ValueReader("ab c1f", [("hex", 4, 6)]).read("ab c1f") is None
    assert ValueReader("ab 1f", [("hex", 3, 5)]).read("ab 2e") == ["2e"]


def test_heavy_hitters_exact_until_capacity_then_bounded() -> None:
    hh = HeavyHitters(capacity=8)
    hh.add_all(["a", "b", "a", "c"])
    assert hh.exact and hh.top(2) == [("a", 2), ("b", 1)]
    rng = random.Random(5)
    stream = [rng.choice("abc") for _ in range(3000)] + [f"u{i}" for i in range(3000)]
    rng.shuffle(stream)
    truth = Counter(stream) + Counter({"a": 2, "b": 1, "c": 1})
    for i in range(0, len(stream), 700):  # batches, as blocks arrive
        hh.add_all(stream[i : i + 700])
    assert not hh.exact
    for value, count in hh.counts.items():
        assert truth[value] - hh.error <= count <= truth[value]
    # Every value more frequent than the error bound is kept, and listed.
    assert {v for v, c in truth.items() if c > hh.error} <= {v for v, _ in hh.top(8)}
    assert hh.error <= len(stream) // 8


def test_quantile_sketch_min_max_exact_and_ranks_within_the_reported_bound() -> None:
    rng = random.Random(11)
    xs = [rng.lognormvariate(0, 2) for _ in range(200_000)]
    q = QuantileSketch()
    for i in range(0, len(xs), 8192):
        q.add_all(xs[i : i + 8192])
    ordered = sorted(xs)
    assert (q.min, q.max, q.count) == (ordered[0], ordered[-1], len(xs))
    assert 0 < q.rank_error < 0.02
    for p in (0.5, 0.95, 0.99):
        got = q.quantile(p)
        rank = sum(1 for x in ordered if x <= got) / len(xs)
        assert abs(rank - p) <= q.rank_error + 1 / len(xs), (p, rank, q.rank_error)


def test_quantile_sketch_is_exact_while_small() -> None:
    q = QuantileSketch()
    q.add_all([float(x) for x in range(1, 101)])
    assert q.rank_error == 0
    assert (q.quantile(0.5), q.quantile(0.95), q.quantile(0.99)) == (51.0, 96.0, 100.0)


def _stats(report, text: str):  # type: ignore[no-untyped-def]
    t = next(t for t in report.templates if t.text.startswith(text))
    return t, {p.index: p for p in t.placeholders}


def test_small_file_statistics_are_exact_over_every_record() -> None:
    """A file within VALUE_READ_ALL records: top values, counts and min/max are those of every record (a
    sample would miss the leader that appears late, as it did before)."""
    rng = random.Random(2)
    lines = []
    for i in range(3000):
        late = i > 2000
        ip = "10.9.9.9" if late and i % 2 else f"10.0.0.{rng.randrange(1, 40)}"
        pause = 0.5 if i == 2999 else round(rng.uniform(0.001, 0.05), 4)
        lines.append(f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z INFO Failed login from {ip} pause {pause} s")
    assert len(lines) < VALUE_READ_ALL
    rep = analyze([("\n".join(lines) + "\n").encode()])
    t, ph = _stats(rep, "Failed login from")
    assert ph[0].records == t.count == 3000
    assert ph[0].counts_exact
    assert ph[0].top_values[0].value == "10.9.9.9"
    assert ph[0].top_values[0].count == sum(1 for i in range(3000) if i > 2000 and i % 2)
    assert ph[1].numeric.max == 0.5
    assert ph[1].numeric.count == 3000


def test_values_read_by_digit_key_equal_the_shape_reader() -> None:
    """Records of one digit key are sliced at the spans of the first of them: the values equal what the shape's
    reader finds in each record, for numbers of every width and hex words."""
    from loglens_analysis.engine.values import ClusterValues, KeyValues

    first = "t=1 took 5 ms from 10.0.0.1 port 22 id 0a1f"
    r = _reader(first, message_at=4)
    rng = random.Random(5)
    by_key: dict[str, KeyValues] = {}
    rows: list[tuple[KeyValues, str]] = []
    for i in range(500):
        ms, port, host = rng.randrange(10 ** rng.randrange(1, 6)), rng.randrange(65536), rng.randrange(256)
        rec = f"t={i} took {ms} ms from 10.0.{host}.1 port {port} id {rng.randrange(4096):04x}"
        key = rec.translate(str.maketrans("123456789", "000000000"))
        kv = by_key.get(key)
        if kv is None:
            got = KeyValues.of(ClusterValues(width=4), r, rec)
            assert got is not None
            kv = by_key[key] = got
        kv.rows.append(rec)
        rows.append((kv, rec))
    assert len(by_key) > 20  # many widths: many keys
    for kv, rec in rows:
        assert [get(rec) for _st, get in kv.columns] == r.read(rec), rec


def test_reader_reads_many_records_of_a_shape() -> None:
    r = _reader("t=1 took 5 ms from 10.0.0.1 port 22", message_at=4)
    rng = random.Random(3)
    for i in range(100):
        ms, port, host = rng.randrange(10 ** rng.randrange(1, 6)), rng.randrange(65536), rng.randrange(256)
        rec = f"t={i} took {ms} ms from 10.0.{host}.1 port {port}"
        assert r.read(rec) == [str(ms), f"10.0.{host}.1", str(port)], i
    assert r.read("t=1 took ms from 10.0.0.1 port 22") is None  # another shape: no digit run where one stood


def test_merged_heavy_hitters_keep_exact_counts_and_add_their_error_bounds() -> None:
    a, b = HeavyHitters(capacity=8), HeavyHitters(capacity=8)
    a.add_all(["x"] * 5 + ["y"] * 2)
    b.add_all(["x"] * 3 + ["z"])
    a.merge(b)
    assert a.exact and a.counts == Counter({"x": 8, "y": 2, "z": 1})
    rng = random.Random(7)
    c, d = HeavyHitters(capacity=8), HeavyHitters(capacity=8)
    values = ["hot"] * 300 + [str(rng.randrange(1000)) for _ in range(700)]
    rng.shuffle(values)
    c.add_all(values[:500])
    d.add_all(values[500:])
    c.merge(d)
    true = Counter(values)
    assert not c.exact and c.counts["hot"] <= true["hot"] <= c.counts["hot"] + c.error
    assert all(count <= true[v] <= count + c.error for v, count in c.counts.items())


def test_merged_quantile_sketches_keep_min_max_count_and_the_rank_bound() -> None:
    rng = random.Random(3)
    xs = [rng.expovariate(1.0) for _ in range(30_000)]
    a, b = QuantileSketch(), QuantileSketch()
    a.add_all(xs[:20_000])
    b.add_all(xs[20_000:])
    a.merge(b)
    assert (a.count, a.min, a.max) == (len(xs), min(xs), max(xs))
    ordered = sorted(xs)
    for q, got in zip((0.5, 0.95, 0.99), a.quantiles([0.5, 0.95, 0.99]), strict=True):
        rank = sum(1 for x in ordered if x <= got) / len(xs)
        assert abs(rank - q) <= a.rank_error + 1 / len(xs)


def test_a_templates_statistics_are_its_own_variants_merged() -> None:
    """Statistics are kept per message variant and merged per template: a template the miner made of many
    variants ("user alice", "user bob", ...) counts them all; records of another template of the same cluster
    (split by a word: "azure-disk", "cinder") never enter its figures."""
    names = [a + b for a in "bdfhjl" for b in "aeiou"]  # 30 user names, words without digits
    lines = []
    for i in range(600):
        who = names[i % len(names)]
        lines.append(f"2024-05-01 00:{i // 60 % 60:02d}:{i % 60:02d} INFO user {who} logged in from 10.0.{i % 3}.1")
        plugin = ("azure-disk", "aws-ebs", "cinder")[i % 3] if i % 4 else "cinder"
        lines.append(f"2024-05-01 00:{i // 60 % 60:02d}:{i % 60:02d} INFO no limit for plugin io/{plugin} in {i} ms")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    by_text = {t.text: t for t in rep.templates}
    login = by_text["user <*> logged in from <*>"]
    ip = next(p for p in login.placeholders if p.kind == "ip")
    assert ip.records == 600 and {v.value: v.count for v in ip.top_values} == {f"10.0.{k}.1": 200 for k in range(3)}
    counts = {"azure-disk": 150, "aws-ebs": 150, "cinder": 300}  # one cluster, resolved into three templates
    for plugin, count in counts.items():
        t = by_text[f"no limit for plugin io/{plugin} in <*> ms"]
        took = next(p for p in t.placeholders if p.kind == "number")
        assert (took.records, took.numeric.count) == (count, count)


def test_first_indices_are_the_group_s_first_records_in_order() -> None:
    """``_first_indices`` (examples, unexplained samples, the digit-word check) gives the first ``want`` record
    indices of a group of shapes, in record order, as a scan of every record would: shapes of one record, of two
    (first and last known), and of many, whose next records lie after other shapes' first ones."""
    from loglens_analysis.engine.analyzer import _first_indices

    rng = random.Random(11)
    shapes = [object() for _ in range(12)]
    for _ in range(300):
        infos = [rng.choice(shapes) for _ in range(rng.randrange(1, 400))]
        present = sorted({id(s): s for s in infos}.values(), key=infos.index)
        group = rng.sample(present, rng.randrange(1, len(present) + 1))
        members = []
        for s in group:
            at = [i for i, x in enumerate(infos) if x is s]
            members.append((s, [len(at), at[0], at[-1], -1]))
        want = rng.randrange(0, 20)
        expected = [i for i, x in enumerate(infos) if any(x is s for s in group)][:want]
        assert _first_indices(infos, members, want) == expected  # type: ignore[arg-type]


NAMES = [a + b for a in "bcdfg" for b in ("ar", "el", "ix", "om", "un", "ed")]  # 30 words, no digit


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ('10.0.0.{k} - - [14/Mar/2024:09:{m:02d}:{s:02d} +0000] "GET /docs/{w} HTTP/1.1" 200 {k}', "GET /docs/<*>"),
        ("2024-03-14T09:{m:02d}:{s:02d}Z INFO session opened for {w} by sshd", "session opened for <*> by sshd"),
    ],
)
def test_a_word_the_miner_made_a_placeholder_has_its_values_counted(line: str, text: str) -> None:
    """A placeholder the miner made of words the records write as they are (too many to be the message's own
    wording) lists those words with their exact counts, as a placeholder of masked values does: which pages, which
    accounts. Kind "word"; every record of the template counted."""
    lines, expected = [], Counter[str]()
    for i in range(300):
        w = NAMES[0] if i % 4 == 0 else NAMES[i % 7 + i % 23]  # one word a quarter of the records, 28 others
        expected[w] += 1
        lines.append(line.format(k=i % 9 + 1, m=i // 60, s=i % 60, w=w))
    rep = analyze([("\n".join(lines) + "\n").encode()])
    t = next(t for t in rep.templates if t.text.startswith(text))
    assert t.count == 300
    p = next(p for p in t.placeholders if p.kind == "word")
    assert p.records == 300 and p.counts_exact and p.distinct_values == len(expected)
    ranked = sorted(expected.items(), key=lambda vc: (-vc[1], vc[0]))
    assert [(v.value, v.count) for v in p.top_values] == ranked[: len(p.top_values)]
    assert p.top_values[0].value == NAMES[0] and p.top_values[0].count == expected[NAMES[0]] > 70


def test_a_placeholder_over_variables_and_punctuation_only_states_no_value_of_them() -> None:
    """A kernel's "usb 1-8:" is two numbers joined by "-": the template shows one placeholder there. Its records
    differ in it, so "<*>-<*>" (every record's masked text) is none of their values: it was reported as the one
    value of all of them ("<*>-<*>" x16)."""
    shapes = (
        "usb {a}-{b}: new high-speed USB device number {n} using xhci_hcd",
        "EXT4-fs (dm-0): mounted filesystem with ordered data mode. Quota mode: none.",
        "e1000e 0000:00:1f.6 eno1: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
        'audit: type=1400 audit({n}.120:{b}): apparmor="STATUS" operation="profile_load" pid={n}',
        "Out of memory: Killed process {n} (java) total-vm:{n}0kB, anon-rss:{n}kB, file-rss:0kB",
        "nvme nvme0: I/O {n} QID {b} timeout, aborting",
    )
    lines = [
        f"[{i * 1.5 + 3:12.6f}] " + shapes[i % 6].format(a=1 + i % 2, b=i % 9 + 1, n=i * 7 + 100) for i in range(96)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    (usb,) = [t for t in rep.templates if t.text.startswith("usb ")]
    assert usb.count == 16
    values = [v.value for p in usb.placeholders for v in p.top_values]
    assert values and not [v for v in values if "<*>" in v]
    device = [p for p in usb.placeholders if p.records == 16 and p.kind == "number"]
    assert device and {v.count for v in device[0].top_values} == {1}


def test_a_word_whose_digits_vary_leaves_the_other_placeholders_their_values() -> None:
    """ "User user17 logged in from 10.0.3.4": the user's word holds digits, so its records share one shape, and
    the second user's record made the word a placeholder after the values had begun to be read where the first
    record's variables stand. The template then had no placeholder at all (the variant's new placeholder count no
    longer matched what was read): no client address, no duration, for 5,446 logins. The values are placed by the
    tokens they were read by."""
    rng = random.Random(5)
    lines = []
    for i in range(600):
        user = f"user{rng.randrange(300)}"
        ip = "10.9.9.9" if i % 3 == 0 else f"10.0.0.{rng.randrange(1, 40)}"
        lines.append(f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z INFO User {user} logged in from {ip}")
        lines.append(f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z INFO User {user} logged out after {i % 50}s")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    t, ph = _stats(rep, "User <*> logged in from")
    assert t.text == "User <*> logged in from <*>"
    (ip,) = [p for p in ph.values() if p.kind == "ip"]
    assert ip.index == 1 and ip.records == t.count == 600 and ip.counts_exact
    assert (ip.top_values[0].value, ip.top_values[0].count) == ("10.9.9.9", 200)
    t, ph = _stats(rep, "User <*> logged out after")
    (took,) = [p for p in ph.values() if p.kind == "duration"]
    assert took.index == 1 and took.numeric.count == 600 and took.numeric.max == 49


def test_a_clock_reading_standing_alone_is_one_value_counted_in_seconds() -> None:
    """PostgreSQL's "disconnection: session time: 0:02:58.311" was three placeholders, the first of kind "host" (its
    top value "0"), the last "58.311" (a median of 16 s for sessions of minutes). A clock's reading standing alone
    (hours, minutes, seconds, a fraction) is one value; its numbers are in seconds."""
    times = ["0:00:02.724", "0:02:58.311", "0:10:16.039", "1:00:00.000"]
    lines: list[str] = []
    for i, t in enumerate(times * 3):
        at = f"2024-03-11 08:{i:02d}:00.{i:03d} CET [4{i}1]"
        lines.append(f"{at} LOG:  connection received: host=10.0.3.1{i % 4} port={50000 + i}")
        lines.append(f"{at} LOG:  checkpoint starting: time")
        lines.append(f"{at} app@appdb LOG:  disconnection: session time: {t} user=app host=10.0.3.1{i % 4}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    (t,) = [t for t in rep.templates if "session time" in t.text]
    assert "session time: <*>:<*>:<*> user=app" in t.text, t.text
    clock = next(p for p in t.placeholders if p.kind == "clock")
    assert {v.value for v in clock.top_values} == set(times)
    assert (clock.numeric.min, clock.numeric.max) == (2.724, 3600.0)
    assert not any(p.kind == "host" for p in t.placeholders)


def test_an_address_in_angle_brackets_under_a_generalised_word_is_the_placeholders_value() -> None:
    """Postfix's "from=<bob@example.com>" beside the null sender "from=<>": the template's "from=<*>" counted only
    "<>" (1 of 34 records), the addresses' variable standing in brackets inside the word the miner generalised. And a
    queue id whose first record in one variant was digits only ("number") beside hex ids left the placeholder out.
    A variable in brackets under a generalised word is its placeholder's value, in its brackets; a placeholder of
    values read as several kinds is counted as the kind most of its records read."""
    senders = ["bob@example.com", "noreply@google.com", "ops@example.com"]
    lines = []
    for i in range(30):
        qid = "7263544409" if i == 0 else f"{0x2827283E0A + i * 7919:X}"
        sender = "" if i == 29 else senders[i % 3]
        stamp = f"Mar  3 06:{i:02d}:00 mx1 postfix/qmgr[1514]"
        lines.append(f"{stamp}: {qid}: from=<{sender}>, size={1000 + 37 * i}, nrcpt=1 (queue active)")
        lines.append(f"{stamp}: {qid}: removed")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    t, ph = _stats(rep, "<*>: from=<*>, size=<*>")
    assert t.count == 30
    sent = Counter(f"<{senders[i % 3]}>" for i in range(29))
    assert ph[1].records == 29 and {v.value: v.count for v in ph[1].top_values} == sent
    assert 0 in ph and ph[0].records == 30 and ph[0].distinct_values == 30, ph


def test_a_quoted_message_of_several_words_leaves_the_placeholders_after_it_their_values() -> None:
    """klog's structured line, '"Unable to schedule pod; no fit; waiting" pod="batch/etl-<*>" err="0/5 nodes are
    available: 3 Insufficient cpu, ..."', had no placeholder statistics at all: the quoted message is one token to the
    miner and several to the template's text split on blanks, so no variant lined up with its template."""
    lines = []
    for i in range(40):
        cpu = 2 + i % 2
        lines.append(
            f'I0312 09:21:{i:02d}.609395       1 schedule_one.go:1004] "Unable to schedule pod; no fit; waiting" '
            f'pod="batch/etl-{28511040 + i}" err="0/5 nodes are available: {cpu} Insufficient cpu, {5 - cpu} node(s) '
            'had untolerated taint."'
        )
    rep = analyze([("\n".join(lines) + "\n").encode()])
    t, ph = _stats(rep, '"Unable to schedule pod; no fit; waiting"')
    assert t.count == 40
    insufficient = [p for p in ph.values() if {v.value: v.count for v in p.top_values} == {"2": 20, "3": 20}]
    assert len(insufficient) == 2 and all(p.records == 40 for p in insufficient), ph


def test_hours_minutes_and_seconds_written_apart_are_one_duration() -> None:
    """Gradle's "BUILD FAILED in 1m 3s" was two placeholders ("1m" and "3s", each a duration of its own), and systemd's
    "Consumed 2min 6.152s CPU time" a number "2min" and a duration: a time taken written in its units largest first,
    glued or apart, is one value, its statistics in seconds."""
    took = ["1m 3s", "45s", "2m 10s", "1h 2m 3.5s"]
    cpu = ["2min 6.152s", "1h 13min 5.1s", "3.205s"]
    lines = [f"> Task :lib{i}:compileJava\nBUILD FAILED in {v}" for i, v in enumerate(took)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    t, ph = _stats(rep, "BUILD FAILED in")
    assert t.text == "BUILD FAILED in <*>" and ph[0].kind == "duration"
    assert (ph[0].numeric.min, ph[0].numeric.max) == (45.0, 3723.5)
    lines = [f"2024-03-01T10:01:{i:02d}Z app.service: Consumed {v} CPU time." for i, v in enumerate(cpu)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    t, ph = _stats(rep, "Consumed")
    assert t.text == "Consumed <*> CPU time." and ph[0].kind == "duration", t.text
    assert (ph[0].numeric.min, ph[0].numeric.max) == (3.205, 4385.1)
