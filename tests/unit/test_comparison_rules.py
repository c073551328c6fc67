"""The comparison rules on hand-made reports (no engine, no servers)."""

from __future__ import annotations

import math

import pytest

from loglens.v1 import comparison_pb2, report_pb2
from loglens_analysis.comparison import RunReport, compare
from loglens_analysis.comparison.identity import covers, generalises, same_message
from loglens_analysis.comparison.rates import benjamini_hochberg, binom_cdf, dispersion, rate_ratio, rate_test_p

F = comparison_pb2
L = report_pb2
HOUR = 3600


def tpl(
    text: str,
    count: int,
    level: int = L.LEVEL_INFO,
    first_line: int = 10,
    placeholders: list[tuple[int, dict[str, int]]] | None = None,
) -> report_pb2.Template:
    t = report_pb2.Template(id="t" + str(abs(hash(text)) % 10**12), text=text, count=count, max_level=level)
    t.first_line = first_line
    t.examples.add(line_number=first_line, text=f"2024-05-01 {text}")
    t.levels.add(level=level, count=count)
    for index, values in placeholders or []:
        p = t.placeholders.add(index=index, kind="number", sampled=sum(values.values()), distinct_values=len(values))
        for v, c in sorted(values.items(), key=lambda kv: -kv[1]):
            p.top_values.add(value=v, count=c)
    return t


def report(
    templates: list[report_pb2.Template],
    hours: float = 1.0,
    template_count: int | None = None,
    exceptions: list[report_pb2.ExceptionGroup] | None = None,
) -> report_pb2.AnalysisReport:
    r = report_pb2.AnalysisReport(record_count=sum(t.count for t in templates), engine_version="test")
    r.templates.extend(templates)
    r.template_count = template_count if template_count is not None else len(templates)
    if hours:
        r.time_range.start_time.FromSeconds(1_700_000_000)
        r.time_range.end_time.FromSeconds(1_700_000_000 + int(hours * HOUR))
    errors = sum(t.count for t in templates if t.max_level >= L.LEVEL_ERROR)
    if errors:
        r.levels.add(level=L.LEVEL_ERROR, count=errors)
    r.levels.add(level=L.LEVEL_INFO, count=r.record_count - errors)
    r.exception_groups.extend(exceptions or [])
    r.caps.max_templates = 1000
    r.caps.max_top_values = 5
    r.caps.max_exception_groups = 1000
    return r


STEADY = [
    ("user <*> logged in from <*>", 4000),
    ("GET <*> status=<*> in <*> ms", 9000),
    ("cache hit for key <*>", 6000),
    ("job <*> done in <*> ms", 2500),
    ("published event <*> to partition <*>", 3000),
    ("heartbeat from node <*>", 700),
    ("connection pool size <*>", 400),
    ("slow query took <*> ms on orders", 350),
    ("retrying connection to <*> attempt <*>", 500),
    ("session <*> expired", 800),
    ("token refreshed for <*>", 1200),
    ("config reloaded", 60),
]


def steady(scale: float = 1.0, drop: str = "", **overrides: int) -> list[report_pb2.Template]:
    out = []
    for text, count in STEADY:
        if text == drop:
            continue
        out.append(tpl(text, overrides.get(text, round(count * scale))))
    return out


def run(name: str, rep: report_pb2.AnalysisReport) -> RunReport:
    return RunReport(f"logFiles/{name}/analysisRuns/r", rep)


def kinds(c: comparison_pb2.Comparison) -> list[int]:
    return [f.kind for f in c.findings]


# Identity ---------------------------------------------------------------------------------------------------


def test_covers_and_same_message() -> None:
    assert covers("<*>", "orders")
    assert covers("status=<*>", "status=503")
    assert covers("<*>:<*>", "10.0.0.1:80")
    assert not covers("status=<*>", "status=")
    assert not covers("orders", "payments")
    a = tuple(["select", "*", "from", "orders", "where", "id", "=", "<*>"])
    b = tuple(["select", "*", "from", "<*>", "where", "id", "=", "<*>"])
    assert same_message(a, b) and generalises(b, a) and not generalises(a, b)
    assert not same_message(tuple(["job", "<*>", "done"]), tuple(["job", "<*>", "failed"]))
    # at most two tokens may change, and the constants shared must outnumber them
    assert not same_message(tuple(["<*>", "<*>", "<*>"]), tuple(["a", "b", "c"]))


def test_lookup_is_linear_on_adversarial_tokens() -> None:
    pattern = "<*>!" * 2000
    token = "a!" * 1999 + "a"
    assert not covers(pattern, token)


# Statistics ---------------------------------------------------------------------------------------------------


def test_binomial_tails_match_exact_sums() -> None:
    def exact(k: int, n: int, p: float) -> float:
        return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k + 1))

    for k, n, p in [(0, 20, 0.3), (3, 10, 0.5), (15, 40, 0.2), (50, 200, 0.3), (199, 200, 0.99)]:
        assert binom_cdf(k, n, p) == pytest.approx(exact(k, n, p), rel=1e-9)


def test_rate_test_uses_both_sides_sizes() -> None:
    assert rate_test_p(10, 1, 10, 1) == pytest.approx(1.0)
    assert rate_test_p(50, 1, 10, 1) < 1e-6
    # the same counts are ordinary when the target's span is five times longer
    assert rate_test_p(50, 5, 10, 1) > 0.5
    # dispersion widens the test: the same counts are weaker evidence
    assert rate_test_p(60, 1, 30, 1, dispersion=4.0) > rate_test_p(60, 1, 30, 1)
    rr = rate_ratio(500, 1, 100, 1)
    assert rr.lower < 5 < rr.upper and rr.ratio == pytest.approx(5)


def test_benjamini_hochberg() -> None:
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])


def test_dispersion_is_one_for_poisson_counts_and_grows_with_spread() -> None:
    poisson = [(1000 + d, 1000) for d in (-30, 10, 25, -5, 40, -45, 0, 15, -20, 30, 5)]
    assert dispersion(poisson, 1, 1) == pytest.approx(1.0)
    wide = [(1000 + d, 1000) for d in (-300, 100, 250, -50, 400, -450, 0, 150, -200, 300, 50)]
    assert dispersion(wide, 1, 1) > 20


# Findings -----------------------------------------------------------------------------------------------------


def test_nothing_changed_finds_nothing() -> None:
    c = compare(run("t", report(steady())), [run("b1", report(steady())), run("b2", report(steady()))])
    assert list(c.findings) == [] and list(c.undecided) == []
    assert c.rate_unit == F.RATE_UNIT_PER_HOUR
    assert c.templates_compared == len(STEADY)
    assert c.target.record_count == sum(n for _t, n in STEADY)


def test_new_error_template_is_reported_even_once_and_ranked_first() -> None:
    target = [*steady(), tpl("payment provider rejected charge <*>", 1, L.LEVEL_ERROR, first_line=4242)]
    target.append(tpl("feature flag <*> evaluated", 2))  # a rare new INFO message: chance, not a finding
    c = compare(run("t", report(target)), [run("b", report(steady()))])
    assert kinds(c) == [F.FINDING_KIND_NEW_TEMPLATE]
    f = c.findings[0]
    assert f.severity == F.SEVERITY_HIGH and f.level == L.LEVEL_ERROR
    assert f.line_numbers[0] == 4242 and f.target_count == 1 and f.baseline_count == 0
    assert "payment provider rejected charge" in f.description


def test_frequent_new_info_message_is_reported() -> None:
    target = [*steady(), tpl("feature flag <*> evaluated", 500)]
    c = compare(run("t", report(target)), [run("b", report(steady()))])
    assert kinds(c) == [F.FINDING_KIND_NEW_TEMPLATE]
    assert c.findings[0].severity == F.SEVERITY_LOW


def test_gone_rate_changes_with_interval_and_both_directions() -> None:
    text_up, text_down, gone = (
        "heartbeat from node <*>",
        "session <*> expired",
        "retrying connection to <*> attempt <*>",
    )
    target = steady(drop=gone, **{text_up: 3500, text_down: 160})
    c = compare(run("t", report(target)), [run("b", report(steady()))])
    by_kind = {f.kind: f for f in c.findings}
    assert set(by_kind) == {F.FINDING_KIND_GONE_TEMPLATE, F.FINDING_KIND_RATE_INCREASE, F.FINDING_KIND_RATE_DECREASE}
    up = by_kind[F.FINDING_KIND_RATE_INCREASE]
    assert up.template_text == text_up
    assert up.rate_change.ratio == pytest.approx(5.0)
    assert up.rate_change.ratio_lower < 5.0 < up.rate_change.ratio_upper
    assert up.rate_change.q_value <= 0.01
    assert by_kind[F.FINDING_KIND_RATE_DECREASE].rate_change.ratio == pytest.approx(0.2)
    assert by_kind[F.FINDING_KIND_GONE_TEMPLATE].template_text == gone
    assert not by_kind[F.FINDING_KIND_GONE_TEMPLATE].line_numbers  # nothing to cite in the target


def test_rates_are_per_time_span() -> None:
    # Twice the records in twice the time: the same rates, nothing to report.
    c = compare(run("t", report(steady(scale=2.0), hours=2)), [run("b", report(steady(), hours=1))])
    assert list(c.findings) == []


def test_rates_per_record_when_a_side_has_no_times() -> None:
    c = compare(run("t", report(steady(scale=2.0), hours=0)), [run("b", report(steady(), hours=1))])
    assert c.rate_unit == F.RATE_UNIT_PER_THOUSAND_RECORDS
    assert list(c.findings) == []


def test_small_change_in_a_big_message_is_not_a_finding() -> None:
    c = compare(run("t", report(steady(**{"GET <*> status=<*> in <*> ms": 10_000}))), [run("b", report(steady()))])
    assert list(c.findings) == []  # significant, but 1.1x is below the minimum ratio


def test_generalised_wording_is_one_message_never_new_and_gone() -> None:
    old, new = "slow query took <*> ms on orders", "slow query took <*> ms on <*>"
    target = [t for t in steady() if t.text != old] + [tpl(new, 350, L.LEVEL_WARN)]
    c = compare(run("t", report(target)), [run("b", report(steady()))])
    assert kinds(c) == [F.FINDING_KIND_TEMPLATE_GENERALISED]
    f = c.findings[0]
    assert f.template_text == new and f.baseline_template_text == old
    assert list(f.baseline_template_ids) == [next(t.id for t in steady() if t.text == old)]
    # the reverse (the target saw one value only) is the same message and no finding
    c = compare(run("t", report(steady())), [run("b", report(target))])
    assert list(c.findings) == []


def test_new_value_in_few_stable_values() -> None:
    text = "GET <*> status=<*> in <*> ms"
    base_values = {"200": 6000, "404": 2000, "201": 1000}

    def with_status(values: dict[str, int]) -> list[report_pb2.Template]:
        return [t for t in steady() if t.text != text] + [tpl(text, 9000, placeholders=[(1, values)])]

    c = compare(
        run("t", report(with_status({**base_values, "503": 300}))),
        [run("b1", report(with_status(base_values))), run("b2", report(with_status(base_values)))],
    )
    assert kinds(c) == [F.FINDING_KIND_NEW_VALUES]
    f = c.findings[0]
    assert [(v.value, v.count) for v in f.new_values] == [("503", 300)]
    assert sorted(v.value for v in f.baseline_values) == ["200", "201", "404"]
    assert f.placeholder_index == 1
    # many distinct values in the baseline (its list is not complete): a new one is no news
    many = {str(i): 100 for i in range(5)}
    rich = [t for t in steady() if t.text != text] + [tpl(text, 9000, placeholders=[(1, many)])]
    rich[-1].placeholders[0].distinct_values = 40
    c = compare(run("t", report(with_status({**base_values, "503": 300}))), [run("b", report(rich))])
    assert F.FINDING_KIND_NEW_VALUES not in kinds(c)


def exception(fp: str, template_id: str, etype: str, frames: list[str], line: int = 77) -> report_pb2.ExceptionGroup:
    g = report_pb2.ExceptionGroup(
        fingerprint=fp, exception_type=etype, root_cause_type=etype, template_id=template_id, count=3
    )
    g.top_frames.extend(frames)
    g.first_line = g.last_line = line
    g.example.line_number = line
    return g


def test_new_exception_group_in_a_known_message() -> None:
    failed = tpl("request <*> failed", 200, L.LEVEL_ERROR)
    known = exception("x1", failed.id, "java.net.SocketTimeoutException", ["a.B.read", "a.C.run"])
    new = exception("x2", failed.id, "java.lang.NullPointerException", ["a.D.total", "a.C.run"], line=901)
    cut = exception("x3", failed.id, "java.net.SocketTimeoutException", ["a.B.read"])  # a trace cut short
    base = report([*steady(), failed], exceptions=[known])
    c = compare(run("t", report([*steady(), failed], exceptions=[known, new, cut])), [run("b", base)])
    assert kinds(c) == [F.FINDING_KIND_NEW_EXCEPTION_GROUP]
    f = c.findings[0]
    assert f.exception_type == "java.lang.NullPointerException" and f.fingerprint == "x2"
    assert f.line_numbers[0] == 901 and f.severity == F.SEVERITY_HIGH


def test_a_new_record_with_its_exception_is_one_finding() -> None:
    boom = tpl("checkout crashed for order <*>", 3, L.LEVEL_ERROR)
    g = exception("x9", boom.id, "java.lang.IllegalStateException", ["a.E.f"])
    c = compare(run("t", report([*steady(), boom], exceptions=[g])), [run("b", report(steady()))])
    assert kinds(c) == [F.FINDING_KIND_NEW_TEMPLATE]
    assert c.findings[0].exception_type == "java.lang.IllegalStateException"


def test_error_share_change() -> None:
    errors = tpl("request <*> failed", 100, L.LEVEL_ERROR)
    more = tpl("request <*> failed", 400, L.LEVEL_ERROR)
    c = compare(run("t", report([*steady(), more])), [run("b", report([*steady(), errors]))])
    assert F.FINDING_KIND_ERROR_SHARE_CHANGE in kinds(c)
    assert F.FINDING_KIND_RATE_INCREASE in kinds(c)
    share = next(f for f in c.findings if f.kind == F.FINDING_KIND_ERROR_SHARE_CHANGE)
    assert share.target_error_share > share.baseline_error_share


def test_capped_baseline_leaves_new_undecided() -> None:
    target = [*steady(), tpl("payment provider rejected charge <*>", 5, L.LEVEL_ERROR)]
    base = report(steady(), template_count=5000)  # lists 12 of 5,000 templates
    c = compare(run("t", report(target)), [run("b", base)])
    assert F.FINDING_KIND_NEW_TEMPLATE not in kinds(c)
    assert [u.kind for u in c.undecided] == [F.FINDING_KIND_NEW_TEMPLATE]
    assert c.undecided_total == 1
    assert "most frequent" in c.undecided[0].reason


def test_capped_target_leaves_gone_undecided() -> None:
    gone = "retrying connection to <*> attempt <*>"
    c = compare(run("t", report(steady(drop=gone), template_count=900)), [run("b", report(steady()))])
    assert F.FINDING_KIND_GONE_TEMPLATE not in kinds(c)
    assert [u.kind for u in c.undecided] == [F.FINDING_KIND_GONE_TEMPLATE]


def test_findings_ranked_by_severity() -> None:
    target = steady(drop="config reloaded", **{"heartbeat from node <*>": 3500})
    target.append(tpl("disk <*> failing", 4, L.LEVEL_FATAL))
    c = compare(run("t", report(target)), [run("b", report(steady())), run("b2", report(steady()))])
    severities = [f.severity for f in c.findings]
    assert severities == sorted(severities, reverse=True)
    assert c.findings[0].severity == F.SEVERITY_CRITICAL


def test_a_baseline_is_required() -> None:
    with pytest.raises(ValueError):
        compare(run("t", report(steady())), [])


def test_placeholders_lined_up_differently_are_not_compared() -> None:
    text = "GET <*> status=<*> in <*> ms"
    base = [t for t in steady() if t.text != text] + [tpl(text, 9000, placeholders=[(1, {"500": 9000})])]
    target = [t for t in steady() if t.text != text] + [tpl(text, 9000, placeholders=[(1, {"v1.19.4": 9000})])]
    target[-1].placeholders[0].kind = "word"  # the same index holds another kind of value: another position
    c = compare(run("t", report(target)), [run("b", report(base))])
    assert F.FINDING_KIND_NEW_VALUES not in kinds(c)


def test_a_count_beyond_a_baseline_cap_is_bounded() -> None:
    # The baseline lists only its top templates; "heartbeat" is not among them, so its count there is at most
    # the smallest listed count (60): a rise to 3,500 is decided, a rise to 90 is not.
    capped = report(steady(drop="heartbeat from node <*>"), template_count=50)
    c = compare(run("t", report(steady(**{"heartbeat from node <*>": 3500}))), [run("b", capped)])
    assert kinds(c) == [F.FINDING_KIND_RATE_INCREASE] and list(c.undecided) == []
    assert c.findings[0].baseline_count == 60 and "at least" in c.findings[0].description
    c = compare(run("t", report(steady(**{"heartbeat from node <*>": 90}))), [run("b", capped)])
    assert list(c.findings) == [] and [u.kind for u in c.undecided] == [F.FINDING_KIND_NEW_TEMPLATE]


def test_values_of_another_shape_of_record_are_not_compared() -> None:
    # The baseline's statistics came from records with three more values (a query string): other records.
    text = "Forbidden: <*> Reason: done"
    base = tpl(
        text, 500, placeholders=[(0, {"/api/v1/pods": 17, "/api/v1/nodes": 5}), (1, {"500": 22}), (2, {"0": 22})]
    )
    for p in base.placeholders:
        p.kind = "path" if p.index == 0 else "number"
    target = tpl(text, 700, placeholders=[(0, {"/apis/storage/csinodes": 550, "/api/v1/nodes": 75})])
    target.placeholders[0].kind = "path"
    c = compare(run("t", report([*steady(), target])), [run("b", report([*steady(), base]))])
    assert F.FINDING_KIND_NEW_VALUES not in kinds(c)
