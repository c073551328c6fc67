"""Template text: typed masks, canonical rendering and how clusters split (generic rules, no system names)."""

from __future__ import annotations

import collections
import random
import re

import pytest

from loglens.v1 import report_pb2
from loglens_analysis.engine import analyze
from loglens_analysis.engine.loghub import parse_lines
from loglens_analysis.engine.masking import mask_text
from loglens_analysis.engine.miner import render

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Old: node-7/10.1.2.3:9000 New: node-7:9000", "Old: <*>/<*>:<*> New: <*>:<*>"),
        ("Opening proxy : 04AB.example.com:5488", "Opening proxy : <*>:<*>"),
        ("Resolved web1.corp.example.com to /default-rack", "Resolved <*> to <*>"),
        ("src: /10.0.0.1:5010 ok", "src: <*>:<*> ok"),
        ("enabled:true cache=null", "enabled:<*> cache=<*>"),
        # A literal is a value where it stands as one; between two words of prose it qualifies the word after it.
        ("config null", "config <*>"),
        ("x is None, flag true", "x is <*>, flag <*>"),
        ("invalid memory address or nil pointer dereference", "invalid memory address or nil pointer dereference"),
        ("on a null object reference", "on a null object reference"),
        ("logname= uid=0 rhost=10.1.2.3.dyn.example.nl", "logname= uid=<*> rhost=<*>"),
        ("sdpd v1.17 started with 640MB", "sdpd <*> started with <*>"),
        ("at Fri Jun 17 07:07:00 2005", "at <*>:<*>:<*>"),
        ('10.0.0.9 - - [04/Mar/2026 08:45:21] "GET /x HTTP/1.1" 200', '<*> - - [<*>:<*>:<*>] "GET /x HTTP/<*>" <*>'),
        ("[10/Oct/2000:13:55:36 -0700] served", "[<*>:<*>:<*>] served"),
        ("via interface ee0", "via interface ee0"),
        ("Foo.java:123", "Foo.java:<*>"),
        # A key is a name, a digit in it too (bitcoind's "log2_work=94.840200": the key was "<*>_work").
        ("height=834494 log2_work=94.840200 tx=3491137838", "height=<*> log2_work=<*> tx=<*>"),
        # A number's signed exponent is the number's (CP2K's "1.0E+03", Fortran's "1.0D-08", "loss=3.2e-05").
        ("ENERGY DRIFT = -1.234567E+02 -2.0D-08", "ENERGY DRIFT = <*> <*>"),
        ("loss=3.2e-05 lr=1e-4", "loss=<*> lr=<*>"),
        # Numbers a comma joins are one value whatever their signs (a position: Minecraft's "moved too quickly!" was two
        # templates, one for the negative coordinates).
        ("moved too quickly! 17.897988,0.783755,3.319876", "moved too quickly! <*>"),
        ("moved too quickly! -8.863157,-0.508221,-5.649153", "moved too quickly! <*>"),
    ],
)
def test_masks(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    ("template", "text"),
    [
        ("headroom=<memory:<*>, vCores:<*>>", "headroom=<memory:<*>, vCores:<*>"),
        ("Linux version <*>-<*> built", "Linux version <*> built"),
        ("session for user root", "session for user <*>"),
        ("Failed password for root from <*>", "Failed password for <*> from <*>"),
        ("rhost=<*>  user=root", "rhost=<*>  user=<*>"),
        ("Access denied for user 'root'@'<*>'", "Access denied for user '<*>'@'<*>'"),
        ('acct="root" exe="<*>"', 'acct="<*>" exe="<*>"'),
        ("(root) CMD (<*>)", "(<*>) CMD (<*>)"),
        # The word as a word of its own, or a key's name, is no account: not a value.
        ("ro root=LABEL=/ quiet", "ro root=LABEL=/ quiet"),
        ("Content root path: <*>", "Content root path: <*>"),
        ("threw exception [<*>] with root cause", "threw exception [<*>] with root cause"),
        ("loaded ca certificate CN=Acme Root CA", "loaded ca certificate CN=Acme Root CA"),
        ("x509: root certificate expired", "x509: root certificate expired"),
        ("user: root", "user: <*>"),
        ("uprooted tree", "uprooted tree"),
        ("no placeholders", "no placeholders"),
    ],
)
def test_render(template: str, text: str) -> None:
    assert render(template) == text


def test_split_on_constant_text_not_on_instances() -> None:
    lines = []
    for i in range(30):
        lines.append(f"session opened for user u{i % 7} by (uid={i})")
        lines.append(f"session opened for user u{i % 5} by LOGIN(uid={i})")
        lines.append(f"LOGIN chdir(/home/u{i}/x) failed" if i % 4 else "LOGIN chdir(pwd) failed")
        lines.append(f"job {i} moved from {'NEW' if i % 2 else 'RUNNING'} to DONE")
    templates = {t for _, t in parse_lines(lines)}
    assert "session opened for user <*> by (uid=<*>)" in templates
    assert "session opened for user <*> by LOGIN(uid=<*>)" in templates
    assert "LOGIN chdir(<*>) failed" in templates
    assert not any("pwd" in t for t in templates)
    assert {"job <*> moved from NEW to DONE", "job <*> moved from RUNNING to DONE"} <= templates


def test_cri_partial_chain_is_joined() -> None:
    from loglens_analysis.engine import analyze

    text = (
        "2024-05-01T10:00:00.000000000Z stdout P hel\n"
        "2024-05-01T10:00:00.000000000Z stdout P lo wor\n"
        "2024-05-01T10:00:00.000000000Z stdout F ld 1\n"
        "2024-05-01T10:00:01.000000000Z stdout F hello world 2\n"
    )
    rep = analyze([text.encode()])
    assert rep.record_count == 2
    assert rep.parse_quality.cri_partial_lines == 2
    assert [t.text for t in rep.templates] == ["hello world <*>"]


def test_digit_key_cache_keeps_letters_apart() -> None:
    """Records equal once digits are zeroed share a cache entry; records differing in letters never do."""
    from loglens_analysis.engine import analyze

    lines = []
    for i in range(400):
        word = ("bad", "fed", "add")[i % 3]  # hex letters only: must still be told apart
        lines.append(f"2024-05-01 10:00:{i % 60:02d} INFO [main] svc - {word} request {i} from node-{i % 7}")
        lines.append(f"2024-05-01 10:00:{i % 60:02d} DEBUG [main] svc - cache warm")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = sorted(t.text for t in rep.templates)
    assert texts == sorted(["cache warm"] + [f"{w} request <*> from node-<*>" for w in ("add", "bad", "fed")])
    assert sum(t.count for t in rep.templates) == 800


def test_interleaved_sources_get_their_own_layouts_and_times() -> None:
    """A file mixing sources: each header layout is cut, each timestamp format read, syslog takes the year."""
    from loglens_analysis.engine import analyze
    from loglens_analysis.engine.timestamps import ASSUME_FILE_YEAR
    from loglens_loggen import generate_lines

    rep = analyze([("\n".join(generate_lines(20_000, 4, "mixed")) + "\n").encode()])
    assert rep.parse_quality.timestamp_share > 0.99
    texts = {t.text for t in rep.templates}
    assert "Created order <*> for customer <*> in <*> ms" in texts  # app lines, also inside CRI records
    assert "Processed batch <*> with <*> items" in texts  # python logging lines
    assert not any(":<*>:<*> INFO" in t for t in texts)
    assert ASSUME_FILE_YEAR in rep.parse_quality.time_assumptions
    assert rep.time_range.end_time.seconds - rep.time_range.start_time.seconds < 86_400


def test_digit_holding_words_that_vary_become_placeholders_and_constant_ones_stay() -> None:
    """The caches treat digits as variable, so "node3" must not stay in a template as the first record's
    value; "ssh2" and "ipv6", the same in every record, are constants."""
    lines = [f"worker node{i % 9} joined over ssh2 and ipv6" for i in range(400)]
    lines += [f"{i} {chr(97 + i % 5)}" for i in range(3)]  # a little noise of another shape
    templates = {t for _, t in parse_lines(lines)}
    assert "worker <*> joined over ssh2 and ipv6" in templates
    assert not any("node0" in t for t in templates)


def test_a_digit_word_that_varies_inside_a_longer_token_is_the_only_placeholder_there() -> None:
    """A flag dump writes one token per line: "--lb-ipv4-cidr=''" and "--lb-ipv6-cidr=''" share a digit key, and
    the word that differs becomes the placeholder, not the whole token (a template of one "<*>" claimed no
    constant word although each record has several)."""
    lines = [f"  --lb-rss-ipv{4 + 2 * (i % 2)}-src-cidr=''" for i in range(40)]
    lines += [f"  --flag-{name}=true" for name in ("alpha", "beta", "gamma")]
    templates = {t for _, t in parse_lines(lines)}
    assert "--lb-rss-<*>-src-cidr=''" in templates
    assert "<*>" not in templates


def test_a_constant_word_beside_a_masked_value_in_one_position_keeps_two_templates() -> None:
    """'done <n>' and 'done request' share a length and a first word: 'request' stands against a masked
    number, so they stay two templates and 'done request' keeps its word (it used to read 'done <*>')."""
    from loglens_analysis.engine import analyze

    lines = [f"done {i * 7}" if i % 3 == 0 else "done request" for i in range(30)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    texts = {t.text: t.count for t in rep.templates}
    assert texts == {"done request": 20, "done <*>": 10}, texts


def test_a_route_to_files_named_with_digits_keeps_its_segments() -> None:
    """Requests for files whose names hold digits ("PUT /uploads/u304.bin", "/uploads/u67.bin"): a word with digits
    is a word to masking, and the records of one shape (digits zeroed) share a variant until a sample shows the
    word differs. The word that differs is the placeholder, not the whole target ("PUT /<*>" lost the route). Also
    where the cluster generalised the target before (a bucket's access log: its message is put together from the
    request's columns, and records of many shapes reach one cluster): the target the records all write stays."""
    from loglens_analysis.engine import analyze

    combined = [
        f'10.0.0.{i % 9} - - [30/Nov/2026:08:{i // 60:02d}:{i % 60:02d} +0000] "PUT /uploads/u{7 + i * 37 % 900}.bin '
        f'HTTP/1.1" {503 if i % 5 == 0 else 200} 123 "-" "curl/8"'
        for i in range(300)
    ]
    rep = analyze([("\n".join(combined) + "\n").encode()])
    assert [t.text for t in rep.templates] == ["PUT /uploads/<*>.bin HTTP/<*> <*>"]
    bucket = [
        f"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be shop-data [30/Nov/2026:08:{i // 60:02d}:"
        f"{i % 60:02d} +0000] 10.0.{i % 7}.{i % 250} arn:aws:iam::123456789012:role/app {i * 7919:016X} "
        + (
            f'REST.PUT.OBJECT uploads/u{i * 37 % 900}.bin "PUT /shop-data/uploads/u{i * 37 % 900}.bin HTTP/1.1" '
            if i % 2
            else f'REST.GET.OBJECT reports/r{i}.csv "GET /shop-data/reports/2026/r{i}.csv HTTP/1.1" '
        )
        + f'{503 if i % 10 == 1 else 200} {"SlowDown" if i % 10 == 1 else "-"} {i * 13} {i * 17} {i % 90} {i % 9} "-" '
        f'"aws-sdk-go/1.44.0" - {i * 104729:x}= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader s3.amazonaws.com TLSv1.2'
        for i in range(300)
    ]
    rep = analyze([("\n".join(bucket) + "\n").encode()])
    texts = {t.text for t in rep.templates}
    assert any(t.startswith("PUT /shop-data/uploads/<*>") for t in texts), texts
    assert not any(t.startswith("PUT <*>") or t.startswith("PUT /<*>") for t in texts), texts


def test_a_closing_quote_and_a_blank_part_two_fields_of_a_merged_template() -> None:
    """Uvicorn's access line: the quoted request, then the status and its reason phrase of one to three words. The
    phrases' lengths merge clusters, whose text collapses runs of placeholders; the request's closing quote and a
    blank stood between two of them, and the status was lost from the text ('"POST /health HTTP/<*> OK'): no status
    placeholder, no values, and the summary told each route's 404s apart."""
    phrases = {200: "OK", 201: "Created", 404: "Not Found", 422: "Unprocessable Entity", 500: "Internal Server Error"}
    # Under the same header as the application's own lines, through a logging config of the application's (a log of
    # requests only, or of requests in a layout of their own, is read as an access log: each record its request and
    # status, ``RequestColumns``).
    lines = ["INFO     Started server process [8]", "INFO     Application startup complete."]
    for i in range(90):
        status = (200, 201, 404, 200, 422, 200, 500, 404, 200)[i % 9]
        method, route = ("GET", "POST")[i % 2], ("/health", "/users/me", f"/items/{i}")[i % 5 % 3]
        lines.append(
            f'INFO     172.18.0.{i % 7 + 2}:{40000 + i} - "{method} {route} HTTP/1.1" {status} {phrases[status]}'
        )
        if i % 4 == 0:  # the application's own lines between them
            lines.append(f"WARNING  cache miss for key item:{i}" if i % 8 else f"INFO     order {i} created")
    lines = [f"2024-03-12 07:{i // 60:02d}:{i % 60:02d},{i:03d} {line}" for i, line in enumerate(lines)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    requests = [t for t in rep.templates if t.text.startswith('"')]
    assert requests and all('HTTP/<*>" <*> ' in t.text for t in requests), [t.text for t in requests]
    ok = next(t for t in rep.templates if t.text == '"POST /health HTTP/<*>" <*> OK')
    assert [(v.value, v.count) for p in ok.placeholders if p.kind == "status" for v in p.top_values] == [
        ("200", ok.count)
    ]
    warned = [i for i in range(90) if (200, 201, 404, 200, 422, 200, 500, 404, 200)[i % 9] in (404, 422)]
    told = f"{len(warned)} records answered at WARN (status 404 x"
    assert any(c.text.startswith(told) for c in rep.summary.claims), [c.text for c in rep.summary.claims]


def test_the_statuses_told_for_a_level_add_up_to_the_records_at_that_level() -> None:
    """A route answered with more distinct statuses than a placeholder lists values (200, 401, 404, 502, 503, 504):
    the summary adds each level's statuses up over the routes, so a status beyond the listed ones went missing
    ("16 records answered at ERROR (status 504 x6, 503 x5, 502 x4)")."""
    statuses = [200] * 40 + [401, 401, 404, 502, 503, 504, 504] + [502, 503, 503, 504]
    lines = []
    for i, status in enumerate(statuses):
        route = "/api/users/me" if i < 47 else "/api/cart"
        at = f"14/Mar/2026:09:{i // 60:02d}:{i % 60:02d} +0000"
        lines.append(f'10.0.0.{i % 9 + 1} - - [{at}] "GET {route} HTTP/1.1" {status} 512')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    me = next(t for t in rep.templates if "/users/me" in t.text)
    listed = {v.value: v.count for p in me.placeholders if p.kind == "status" for v in p.top_values}
    assert listed == {"200": 40, "401": 2, "404": 1, "502": 1, "503": 1, "504": 2}, listed
    claim = next(c.text for c in rep.summary.claims if "answered at ERROR" in c.text)
    assert claim.startswith("8 records answered at ERROR (status ") and " on 2 routes" in claim, claim
    told = dict(part.split(" x") for part in claim.split("(status ", 1)[1].split(")", 1)[0].split(", "))
    assert told == {"502": "2", "503": "3", "504": "3"}, claim


def test_a_request_statement_names_the_targets_of_its_records_at_a_level() -> None:
    """Uvicorn's access lines, a third of an application's records: one template per status (the target is the
    statement's argument); the summary's claim for the 500s names the targets those records asked for, from the
    target placeholder's counts (every record of the template is at the level)."""
    phrases = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}
    lines = []
    failed: collections.Counter[str] = collections.Counter()
    for i in range(90):
        status = (200, 404, 200, 500, 200, 200)[i % 6]
        route = ("/health", "/users/me", f"/items/{i}")[i % 5 % 3]
        if status == 500:
            failed["/items/<*>" if route.startswith("/items/") else route] += 1
        lines.append(f'INFO:     172.18.0.{i % 7 + 2}:{40000 + i} - "GET {route} HTTP/1.1" {status} {phrases[status]}')
        lines.append(f"INFO:     order {i} created")
        lines.append(f"WARNING:  cache miss for key item:{i}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    told = ", ".join(f"{r} x{n}" for r, n in sorted(failed.items(), key=lambda rn: (-rn[1], rn[0])))
    claim = next(c.text for c in rep.summary.claims if c.text.startswith("15 records at ERROR (status 500 x15)"))
    assert f'Internal Server Error" ({told}), first at line 10' in claim, claim


def _examples_match(t: report_pb2.Template, lines: list[str]) -> bool:
    """Whether every example line of a template is an instance of its text."""
    tokens = (".*?".join(map(re.escape, token.split("<*>"))) for token in t.text.split())
    pattern = re.compile(r"\s+".join(tokens))
    return all(pattern.search(lines[e.line_number - 1]) for e in t.examples)


def test_a_value_masked_in_part_is_a_variable_where_its_records_write_it_otherwise() -> None:
    """A request id of two hex groups ("a158a4c2-c8de"): the masks take the first (it holds digits where they stand
    as a number's), the second is left as a word where it happens to read as one. Records of one shape (their hex runs
    holding a digit, the same) shared the first record's variant, its word kept: the template claimed one record's
    value for all ("request_id=<*>-c8de") and no other example matched it. The word is checked as any word left with
    a digit is, and is a placeholder where the records differ."""
    rng = random.Random(7)
    lines = [
        f"2026-12-05 06:{i // 60:02d}:{i % 60:02d} ERROR reservation failed order_id={rng.randint(10**5, 10**6)} "
        f"request_id={rng.getrandbits(32):08x}-{rng.choice('abcdef')}{rng.randint(0, 9)}{rng.getrandbits(8):02x} "
        f"sku=SKU-{rng.randint(10**4, 10**5)}"
        for i in range(120)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    (t,) = rep.templates
    assert t.text == "reservation failed order_id=<*> request_id=<*> sku=SKU-<*>"
    assert _examples_match(t, lines)


def test_a_key_stays_where_its_values_are_masked_in_different_shapes() -> None:
    """A request id of two hex groups is masked whole where both hold digits ("d7ab0cf5-19bc": "<*>-<*>") and in part
    where the second reads as a word ("8510d1ad-e002": "<*>-e002"). Records of the second shape checked against the
    first one's ("<*>-a752") differ in more than a word's digits: the token became one placeholder, and with it went
    its key (structlog's "stock_lookup qty=<*> <*> sku=..."): the key is the statement's wording, its value the data."""
    rng = random.Random(11)
    groups = ["a752", "19bc", "e002", "7b98", "5c1f", "da5d", "c687", "1234"]
    lines = [
        f"2026-12-05 06:{i // 60:02d}:{i % 60:02d} INFO stock lookup qty={rng.randint(1, 500)} "
        f"request_id={rng.getrandbits(32) | 1 << 28:08x}-{groups[i % len(groups)]} sku=SKU-{rng.randint(10**4, 10**5)}"
        for i in range(120)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    (t,) = rep.templates
    assert t.text == "stock lookup qty=<*> request_id=<*> sku=SKU-<*>"
    assert _examples_match(t, lines)
