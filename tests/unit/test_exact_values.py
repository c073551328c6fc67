"""Placeholder statistics over every record of a file of up to VALUE_READ_ALL records (issue 14, point 2).

The files are built here: a rare template ("Failed password ...", "GC pause ...") among many records of another,
whose leaders and largest value come after the file's first 10,000 records, at positions the old deterministic
sample (the first 10,000 records, a cluster's first 16, every 256th record) does not read."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.analyzer import VALUE_READ_ALL, VALUE_SAMPLE_EVERY
from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, can_chunk, merge_partials, plan_chunks
from loglens_analysis.engine.values import HeavyHitters, PlaceholderStats

pytestmark = pytest.mark.unit

RECORDS = 30_000
LEADERS = {"181.26.186.35": 24, "122.163.61.218": 18}
LATE_MAX = 0.182


def _ssh_and_gc_lines() -> list[str]:
    """30,000 records: mostly "Accepted publickey", 1 in 20 a failed login from one of 250 addresses (each at
    most 9 times), 1 in 40 a GC pause under 0.045 s; after record 10,000 the two leading addresses and the
    longest pause, never at a position the old sample read (a multiple of 256)."""
    rng = random.Random(14)
    background = [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(250)]
    late = [i for i in range(12_000, RECORDS) if i % 20 == 7 and i % VALUE_SAMPLE_EVERY]
    rng.shuffle(late)
    leader_at: dict[int, str] = {}
    for ip, n in LEADERS.items():
        for _ in range(n):
            leader_at[late.pop()] = ip
    max_at = next(i for i in range(20_001, RECORDS) if i % 40 == 13 and i % VALUE_SAMPLE_EVERY)
    used: dict[str, int] = {}
    lines = []
    for i in range(RECORDS):
        stamp = f"2024-05-0{1 + i // 20_000} {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
        if i % 20 == 7:
            ip = leader_at.get(i)
            if ip is None:
                ip = rng.choice([b for b in background if used.get(b, 0) < 9])
                used[ip] = used.get(ip, 0) + 1
            msg = f"sshd[{1000 + i % 97}]: Failed password for root from {ip} port {rng.randrange(1024, 65536)} ssh2"
        elif i % 40 == 13:
            pause = LATE_MAX if i == max_at else rng.randrange(1, 45) / 1000
            msg = f"gc: GC pause (young) took {pause} secs"
        else:
            msg = (
                f"sshd[{1000 + i % 97}]: Accepted publickey for deploy from 10.1.1.{i % 7 + 1} port {i % 50000 + 1024}"
            )
        lines.append(f"{stamp} host1 {msg}")
    assert max(used.values()) < min(LEADERS.values())
    return lines


def _placeholders(
    rep: report_pb2.AnalysisReport, text: str
) -> tuple[report_pb2.Template, list[report_pb2.Placeholder]]:
    t = next(t for t in rep.templates if text in t.text)
    return t, list(t.placeholders)


def _by_kind(placeholders: list[report_pb2.Placeholder], kind: str) -> report_pb2.Placeholder:
    return next(p for p in placeholders if p.kind == kind)


def test_top_values_and_max_are_exact_over_every_record_past_the_first_10000() -> None:
    """The sample saw the late leaders about twice and never the longest pause: the leaders counted exactly
    (x24, x18) and the max exact, every record of the templates read."""
    lines = _ssh_and_gc_lines()
    assert RECORDS <= VALUE_READ_ALL
    rep = analyze([("\n".join(lines) + "\n").encode()], year=2024)
    assert rep.record_count == RECORDS

    t, ph = _placeholders(rep, "Failed password for")
    ip = _by_kind(ph, "ip")
    assert [(v.value, v.count) for v in ip.top_values[:2]] == list(LEADERS.items())
    assert ip.counts_exact and ip.count_error == 0
    assert ip.records == t.count == RECORDS // 20

    t, ph = _placeholders(rep, "GC pause")
    pause = _by_kind(ph, "number")
    assert pause.numeric.max == LATE_MAX
    assert pause.numeric.min == 0.001
    assert pause.records == pause.numeric.count == t.count == RECORDS // 40
    # The quantiles come from the sketch over every value, within its stated rank error.
    assert 0 <= pause.numeric.rank_error <= 0.01
    assert 0.015 <= pause.numeric.median <= 0.030


def test_a_chunked_analysis_counts_the_same_values_as_one_pass() -> None:
    """Chunks read every record of theirs too: merged, the counts, min, max and records of every placeholder
    are the one-pass ones (the quantiles may differ within the rank error: the sketches compacted elsewhere)."""
    lines = _ssh_and_gc_lines()
    data = ("\n".join(lines) + "\n").encode()
    head = data[:HEAD_BYTES]
    assert can_chunk(head, year=2024) is None
    plans = plan_chunks(len(data), 512 * 1024)
    assert len(plans) > 3
    merged = merge_partials([analyze_chunk(head, [data[p.read_from :]], p, year=2024) for p in plans])
    one = analyze([data], year=2024)
    assert [t.text for t in merged.templates] == [t.text for t in one.templates]
    for a, b in zip(merged.templates, one.templates, strict=True):
        assert len(a.placeholders) == len(b.placeholders), a.text
        for p, q in zip(a.placeholders, b.placeholders, strict=True):
            assert (p.index, p.kind, p.records, p.counts_exact) == (q.index, q.kind, q.records, q.counts_exact)
            if q.counts_exact:
                assert list(p.top_values) == list(q.top_values), a.text
                assert p.distinct_values == q.distinct_values
            if q.HasField("numeric"):
                assert (p.numeric.min, p.numeric.max, p.numeric.count) == (
                    q.numeric.min,
                    q.numeric.max,
                    q.numeric.count,
                )


def test_the_statistics_do_not_depend_on_how_the_input_was_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values settle into their summaries at batches of the file's records, not at the ends of the blocks the
    input's chunks make, and a full digit-key cache (cleared between blocks) does not count them early: one file
    fed in chunks of other sizes gives the same report, pruned summaries and compacted sketches included (the
    engine's sandbox child reads the file in other chunks than an analysis in process)."""
    from loglens_analysis.engine import analyzer, values
    from loglens_loggen import generate_lines

    monkeypatch.setattr(analyzer, "VALUE_BATCH_ROWS", 3000)
    monkeypatch.setattr(analyzer, "MAX_DIGIT_KEYS", 400)
    monkeypatch.setattr(values, "PENDING_VALUES", 64)
    data = ("\n".join(generate_lines(24_000, seed=11)) + "\n").encode()
    reports = []
    for size in (1 << 20, 65_536 + 12_345, 7_777):
        reports.append(analyze([data[i : i + size] for i in range(0, len(data), size)]))
    placeholders = [p for t in reports[0].templates for p in t.placeholders]
    assert any(not p.counts_exact for p in placeholders), "a summary was pruned"
    assert any(p.numeric.rank_error > 0 for p in placeholders), "a sketch compacted"
    first = reports[0].SerializeToString(deterministic=True)
    assert all(r.SerializeToString(deterministic=True) == first for r in reports[1:])


def _reference_numbers(values: list[str]) -> list[float]:
    """What a number placeholder's values are worth, one by one: separators dropped, then a decimal number."""
    out = []
    for v in values:
        w = v.replace(",", "")
        try:
            float(w)
        except ValueError:
            continue
        if w.strip() == w and w.lower().lstrip("+-") not in ("inf", "infinity", "nan"):
            out.append(float(w))
    return out


def test_a_column_of_numbers_with_others_among_them_counts_every_number_whatever_its_batches() -> None:
    """Numbers with separators and values that are no number ("12ms", a dotted date, a version) in one column:
    every number is counted once with its value, and the count, min and max do not depend on where the column's
    batches end (a batch with a non-number used to switch the rest of the column to a slower path)."""
    rng = random.Random(3)
    pool = ["1,234", "12ms", "2005.06.03", "v1.2", "-3.5e2", ".5", "7.", "0", "1,000,000", "12:30"]
    values = [rng.choice(pool) if rng.random() < 0.3 else str(rng.randrange(100_000)) for _ in range(5000)]
    expected = _reference_numbers(values)
    for size in (1, 7, 600, 5000):
        st = PlaceholderStats("number")
        for k in range(0, len(values), size):
            st.add_column(values[k : k + size])
        st.settle()
        assert st.numbers is not None
        assert (st.numbers.count, st.numbers.min, st.numbers.max) == (len(expected), min(expected), max(expected))


def test_a_pruned_summary_is_the_misra_gries_one() -> None:
    """The prune (in C: the counts sorted, the values above the cut picked by a mask) keeps what Misra-Gries
    keeps: every count above the (capacity+1)-th largest, less that count; the error grows by it."""
    rng = random.Random(1)
    for _ in range(100):
        got, ref, error = HeavyHitters(capacity=8), Counter[str](), 0
        for _batch in range(40):
            batch = Counter(
                rng.choice("abcdefghijklmnopqrstuvwxyz") * rng.randint(1, 2) for _ in range(rng.randint(1, 30))
            )
            got.add_counts(Counter(batch))
            ref.update(batch)
            if len(ref) > 8:
                cut = sorted(ref.values(), reverse=True)[8]
                error += cut
                ref = Counter({v: c - cut for v, c in ref.items() if c > cut})
        assert dict(got.counts) == dict(ref)
        assert got.error == error
