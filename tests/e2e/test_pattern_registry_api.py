"""The pattern registry on real servers, through the gateway over gRPC and REST (issue 17).

Scenario of the acceptance: five runs of one service from the generator, then a sixth with two new messages
and a noisy one the caller muted after the fifth: the sixth report's summary leads with the two new messages and
does not mention the muted one, and ListPatterns(new since run 5) returns exactly the two.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from loglens.v1 import (
    analysis_pb2,
    comparison_pb2,
    comparison_pb2_grpc,
    log_file_pb2,
    registry_pb2,
    registry_pb2_grpc,
    report_pb2,
)
from loglens_analysis.engine.miner import template_id
from loglens_devstack.client import GatewayClient
from loglens_devstack.stack import Stack
from loglens_loggen import write_log

SIZE = 200 << 10
NOISY = "Cache hit for key user:<*> (ttl=<*>)"
NEW_LINES = [
    "2024-05-02 09:00:00,000 ERROR [main] c.e.billing.LedgerSync - Ledger sync aborted: checksum mismatch in batch 42",
    "2024-05-02 09:00:01,000 WARN  [main] c.e.auth.TokenCache - Token cache evicted 17 entries under memory pressure",
]


@dataclass
class Shop:
    token: str
    runs: list[str]  # six run names, oldest first
    reports: list[report_pb2.AnalysisReport]

    @property
    def metadata(self) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {self.token}"),)


def _analysed(client: GatewayClient, path: Path, service: str) -> str:
    log_file = client.upload(path, service=service)
    run = client.wait_for_run(log_file.name, timeout=180)
    assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED, run.failure_reason
    return run.name


@pytest.fixture(scope="module")
def registry(gateway_channel: grpc.Channel) -> registry_pb2_grpc.PatternRegistryServiceStub:
    return registry_pb2_grpc.PatternRegistryServiceStub(gateway_channel)


@pytest.fixture(scope="module")
def shop(
    stack: Stack,
    gateway_channel: grpc.Channel,
    registry: registry_pb2_grpc.PatternRegistryServiceStub,
    tmp_path_factory: pytest.TempPathFactory,
) -> Shop:
    token = stack.token(uuid.uuid4().hex)
    client = GatewayClient(gateway_channel, token)
    md = (("authorization", f"Bearer {token}"),)
    folder = tmp_path_factory.mktemp("registry")
    runs = []
    for seed in range(1, 6):
        write_log(str(folder / f"day{seed}.log"), SIZE, seed=seed, kind="app")
        runs.append(_analysed(client, folder / f"day{seed}.log", "shop"))
    # The noisy message is muted after the fifth run.
    registry.UpdatePattern(
        registry_pb2.UpdatePatternRequest(
            pattern=registry_pb2.Pattern(
                name=f"services/shop/patterns/{template_id(NOISY)}", state=registry_pb2.PATTERN_STATE_MUTED
            ),
            update_mask=FieldMask(paths=["state"]),
        ),
        metadata=md,
        timeout=10,
    )
    # The sixth: the first day again (every message the service knows), a burst of the noisy message, and two
    # messages the service never logged.
    base = (folder / "day1.log").read_text().splitlines()
    noisy = [
        f"2024-05-02 08:59:{i % 60:02d},{i % 1000:03d} DEBUG [pool-2-thread-5] c.e.orders.OrderService - "
        f"Cache hit for key user:{i} (ttl={i % 97}s)"
        for i in range(3000)
    ]
    (folder / "day6.log").write_text("\n".join(base + noisy + NEW_LINES) + "\n")
    runs.append(_analysed(client, folder / "day6.log", "shop"))
    reports = [client.report(r).report for r in runs]
    return Shop(token, runs, reports)


def _list(registry: Any, shop: Shop, **fields: Any) -> registry_pb2.ListPatternsResponse:
    request = registry_pb2.ListPatternsRequest(parent="services/shop", **fields)
    return registry.ListPatterns(request, metadata=shop.metadata, timeout=10)  # type: ignore[no-any-return]


def test_the_sixth_run_leads_with_its_two_new_messages_and_leaves_the_muted_one_out(registry: Any, shop: Shop) -> None:
    new_ids = {
        template_id(t)
        for t in (
            "Ledger sync aborted: checksum mismatch in batch <*>",
            "Token cache evicted <*> entries under memory pressure",
        )
    }
    sixth = shop.reports[5]
    marked = {t.id for t in sixth.templates if t.new_to_service}
    assert len(marked) == 2, [t.text for t in sixth.templates if t.new_to_service]
    assert sixth.service_memory.earlier_runs == 5 and sixth.service_memory.new_templates == 2
    leading = sixth.summary.claims[:2]
    assert all(c.text.startswith("New to this service") for c in leading)
    assert {i for c in leading for i in c.template_ids} == marked
    noisy = template_id(NOISY)
    assert sixth.service_memory.muted_templates == 1 and sixth.service_memory.muted_records > 3000
    assert all(noisy not in c.template_ids for c in sixth.summary.claims)
    assert "Cache hit" not in sixth.summary.text
    assert {t.id for t in sixth.templates if t.muted} == {noisy}
    # The earlier runs: the first is the baseline (nothing new); none of 2..5 says "new" for the shared messages.
    assert shop.reports[0].service_memory.earlier_runs == 0
    assert not any(t.new_to_service for t in shop.reports[0].templates)

    found = _list(registry, shop, new_since_analysis_run=shop.runs[4])
    assert {p.template_id for p in found.patterns} == marked
    if new_ids <= marked:  # the miner's wording of the two messages, when it masks the numbers
        assert marked == new_ids
    assert all(p.first_analysis_run == shop.runs[5] and p.run_count == 1 for p in found.patterns)


def test_list_filters_orders_and_pages(registry: Any, shop: Shop) -> None:
    everything = _list(registry, shop, page_size=1000).patterns
    assert len(everything) >= 8
    by_count = _list(registry, shop, order_by=registry_pb2.PATTERN_ORDER_TOTAL_COUNT, page_size=1000).patterns
    assert [p.total_count for p in by_count] == sorted((p.total_count for p in by_count), reverse=True)
    paged: list[registry_pb2.Pattern] = []
    token = ""
    while True:
        page = _list(registry, shop, order_by=registry_pb2.PATTERN_ORDER_TOTAL_COUNT, page_size=3, page_token=token)
        paged += page.patterns
        token = page.next_page_token
        if not token:
            break
    assert [p.name for p in paged] == [p.name for p in by_count]
    muted = _list(registry, shop, state=registry_pb2.PATTERN_STATE_MUTED).patterns
    assert [p.text for p in muted] == [NOISY]
    errors = _list(registry, shop, min_level=report_pb2.LEVEL_ERROR).patterns
    assert errors and all(p.max_level >= report_pb2.LEVEL_ERROR for p in errors)
    assert [p.text for p in _list(registry, shop, text_contains="cache HIT").patterns] == [NOISY]
    since = Timestamp()
    since.FromDatetime(dt.datetime.now(dt.UTC))
    assert not _list(registry, shop, new_since_time=since).patterns
    with pytest.raises(grpc.RpcError) as bad:
        _list(registry, shop, page_token=token or "bm90IGEgdG9rZW4")
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_get_pattern_has_its_history_and_a_run_count_per_run(registry: Any, shop: Shop) -> None:
    noisy = registry.GetPattern(
        registry_pb2.GetPatternRequest(name=f"services/shop/patterns/{template_id(NOISY)}"),
        metadata=shop.metadata,
        timeout=10,
    ).pattern
    assert [h.analysis_run for h in noisy.history] == list(reversed(shop.runs))
    per_run = [next(t.count for t in r.templates if t.text == NOISY) for r in reversed(shop.reports)]
    assert [h.count for h in noisy.history] == per_run
    assert noisy.total_count == sum(per_run) and noisy.run_count == 6
    assert noisy.first_analysis_run == shop.runs[0] and noisy.last_analysis_run == shop.runs[5]
    assert noisy.placeholders and any(p.top_values for p in noisy.placeholders)


def test_update_labels_note_and_a_state_with_an_expiry_over_rest(stack: Stack, shop: Shop) -> None:
    base = f"http://127.0.0.1:{stack.ports.http}/v1"
    headers = {"Authorization": f"Bearer {shop.token}"}
    services = requests.get(f"{base}/services", headers=headers, timeout=10).json()["services"]
    assert [s["name"] for s in services] == ["services/shop"] and services[0]["runCount"] == "6"
    name = f"services/shop/patterns/{template_id('Slow query took <*> ms: select * from orders where id = <*>')}"
    expire = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    reply = requests.patch(
        f"{base}/{name}",
        params={"updateMask": "labels,note,state,stateExpireTime"},
        json={
            "labels": {"team": "db"},
            "note": "known slow path",
            "state": "PATTERN_STATE_IMPORTANT",
            "stateExpireTime": expire,
        },
        headers=headers,
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    got = reply.json()["pattern"]
    assert got["labels"] == {"team": "db"} and got["state"] == "PATTERN_STATE_IMPORTANT"
    assert got["stateExpireTime"] == expire
    listed = requests.get(
        f"{base}/services/shop/patterns", params={"state": "PATTERN_STATE_IMPORTANT"}, headers=headers, timeout=10
    ).json()["patterns"]
    assert [p["name"] for p in listed] == [name]
    bad = requests.patch(
        f"{base}/{name}", params={"updateMask": "text"}, json={"text": "x"}, headers=headers, timeout=10
    )
    assert bad.status_code == 400
    past = requests.patch(
        f"{base}/{name}",
        params={"updateMask": "stateExpireTime"},
        json={"stateExpireTime": "2001-01-01T00:00:00Z"},
        headers=headers,
        timeout=10,
    )
    assert past.status_code == 400
    missing = requests.get(f"{base}/services/nope/patterns", headers=headers, timeout=10)
    assert missing.status_code == 404


def test_comparison_findings_leave_the_muted_message_out_but_count_it(
    gateway_channel: grpc.Channel, shop: Shop
) -> None:
    stub = comparison_pb2_grpc.ComparisonServiceStub(gateway_channel)
    result = stub.CompareAnalysisRuns(
        comparison_pb2.CompareAnalysisRunsRequest(target=shop.runs[5], baseline_runs=shop.runs[:5]),
        metadata=shop.metadata,
        timeout=60,
    ).comparison
    noisy = template_id(NOISY)
    assert result.muted_findings >= 1  # the noisy message's rate rose about fourfold: decided, then left out
    assert all(noisy not in (*f.template_ids, *f.baseline_template_ids) for f in result.findings)
    new = {i for f in result.findings if f.kind == comparison_pb2.FINDING_KIND_NEW_TEMPLATE for i in f.template_ids}
    assert new == {t.id for t in shop.reports[5].templates if t.new_to_service}


def test_deleting_a_log_file_takes_its_run_out_of_the_registry(
    stack: Stack, gateway_channel: grpc.Channel, registry: Any, tmp_path: Path
) -> None:
    client = GatewayClient(gateway_channel, stack.token(uuid.uuid4().hex))
    md = client.metadata
    write_log(str(tmp_path / "a.log"), 64 << 10, seed=11, kind="app")
    write_log(str(tmp_path / "b.log"), 64 << 10, seed=12, kind="app")
    _analysed(client, tmp_path / "a.log", "cart")

    def totals() -> dict[str, tuple[int, int]]:
        found = registry.ListPatterns(
            registry_pb2.ListPatternsRequest(parent="services/cart", page_size=1000), metadata=md, timeout=10
        )
        return {p.text: (p.total_count, p.run_count) for p in found.patterns}

    before = totals()
    second = _analysed(client, tmp_path / "b.log", "cart")
    assert totals() != before
    log_file = "/".join(second.split("/")[:2])
    client.log_files.DeleteLogFile(log_file_pb2.DeleteLogFileRequest(name=log_file), metadata=md, timeout=10)
    deadline = time.monotonic() + 30
    while totals() != before and time.monotonic() < deadline:  # the deleted event reaches analysis in ms
        time.sleep(0.2)
    assert totals() == before
    (service,) = registry.ListServices(registry_pb2.ListServicesRequest(), metadata=md, timeout=10).services
    assert service.run_count == 1


def test_the_report_page_links_new_templates_to_their_pattern_page(stack: Stack, shop: Shop) -> None:
    base = f"http://127.0.0.1:{stack.ports.http}"
    headers = {"Authorization": f"Bearer {shop.token}"}
    page = requests.get(f"{base}/v1/{shop.runs[5]}/report:html", headers=headers, timeout=30)
    assert page.status_code == 200 and '<section id="new">' in page.text
    new = sorted(t.id for t in shop.reports[5].templates if t.new_to_service)
    for tid in new:
        assert f'href="/v1/services/shop/patterns/{tid}:html"' in page.text
    pattern = requests.get(f"{base}/v1/services/shop/patterns/{template_id(NOISY)}:html", headers=headers, timeout=30)
    assert pattern.status_code == 200 and pattern.headers["Content-Type"].startswith("text/html")
    for run in shop.runs:  # each run of the history links to its report page
        assert f'href="/v1/{run}/report:html"' in pattern.text
    assert "Count per run" in pattern.text and "Cache hit for key user:" in pattern.text
    other = requests.get(
        f"{base}/v1/services/shop/patterns/{template_id(NOISY)}:html",
        headers={"Authorization": f"Bearer {stack.token(uuid.uuid4().hex)}"},
        timeout=30,
    )
    assert other.status_code == 404
