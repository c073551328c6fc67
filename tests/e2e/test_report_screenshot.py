"""The report page in headless Chromium, as a person gets it: served by the REST bridge of the session stack
(its Content-Security-Policy header included), for a generated log uploaded and analysed for real.

Checked in the browser: the page renders (the chart's bars, the tables, the sparklines have a size on the
page), the console stays quiet (no CSP refusal, no error, no failed load), and what the generator put in the
file is there to be seen: the burst of errors on the timeline, every exception type, the ERROR patterns.
The browser comes from ``make browser`` (see tests/e2e/browser.py). The screenshot is kept in the test's
temporary folder; ``LOGLENS_UPDATE_SCREENSHOT=1`` also writes it to docs/report.png (the README's).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import struct
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from loglens_devstack.stack import Stack
from loglens_loggen import write_log
from tests.e2e.browser import chromium, chromium_or_skip

DOCS_PNG = Path(__file__).resolve().parents[2] / "docs" / "report.png"


async def analysed(stack: Stack, http: aiohttp.ClientSession, path: Path, headers: dict[str, str]) -> str:
    """Uploads ``path`` through the bridge and waits for its analysis run to succeed; the run's name."""
    rest = f"http://127.0.0.1:{stack.ports.http}"
    with path.open("rb") as body:
        async with http.put(f"{rest}/v1/logFiles:upload", params={"filename": path.name}, data=body) as reply:
            uploaded = await reply.json()
            assert reply.status == 200, uploaded
    run: str = uploaded["logFile"]["analysisRun"]
    async with asyncio.timeout(120):
        while True:
            async with http.get(f"{rest}/v1/{run}") as reply:
                state = (await reply.json())["analysisRun"]["state"]
            if state in ("STATE_SUCCEEDED", "STATE_FAILED", "STATE_CANCELLED"):
                assert state == "STATE_SUCCEEDED"
                return run
            await asyncio.sleep(0.2)


async def report_json(stack: Stack, http: aiohttp.ClientSession, run: str) -> dict[str, Any]:
    async with http.get(f"http://127.0.0.1:{stack.ports.http}/v1/{run}/report") as reply:
        return (await reply.json())["report"]  # type: ignore[no-any-return]


async def test_the_report_page_renders_quietly_and_shows_what_was_planted(stack: Stack, tmp_path: Path) -> None:
    executable = chromium_or_skip()
    log = tmp_path / "orders-api.log"
    write_log(str(log), 12 << 20, seed=11, kind="app")  # ~97k lines over 30 minutes, one burst of errors
    headers = {"Authorization": f"Bearer {stack.token(uuid.uuid4().hex)}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        run = await analysed(stack, http, log, headers)
        report = await report_json(stack, http, run)
    exception_types = {g["exceptionType"] for g in report["exceptionGroups"]}
    assert exception_types and report["anomalies"]

    async with chromium(executable) as tab:
        await tab.open(f"http://127.0.0.1:{stack.ports.http}/v1/{run}/report:html", headers=headers)
        assert tab.console == []  # no CSP refusal (inline styles, SVG), no error, nothing failed to load
        assert await tab.evaluate("document.title") == "orders-api.log · LogLens"
        assert await tab.visible_text("h1") == ["orders-api.log"]

        # Rendered: the chart has bars, every section its table, every listed pattern its sparkline.
        bars = await tab.evaluate(
            "[...document.querySelectorAll('svg.histogram rect[fill]')].filter(r => r.getBBox().height > 0).length"
        )
        assert bars > 30
        listed = min(25, len(report["templates"]))
        assert len(await tab.visible_text("#patterns svg.spark")) == listed
        for table in ("patterns", "errors", "exceptions", "anomalies"):
            assert len(await tab.visible_text(f"table.{table} tbody tr")) > 0, table

        # What the file holds, visible to a reader.
        assert any(kind.lower() == "error burst" for kind in await tab.visible_text("#timeline .kind"))
        assert set(await tab.visible_text("#exceptions .exc")) >= exception_types
        assert "ERROR" in await tab.visible_text("#errors .lv")
        link = await tab.evaluate("document.querySelector('nav.links a').href")
        assert link.endswith(f"/v1/{run}/comparison:html")

        data = await tab.screenshot(width=1280)
    png = tmp_path / "report.png"
    png.write_bytes(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1280 and height > 1500
    assert len(data) > 100_000  # a blank page compresses to a few kilobytes
    if os.environ.get("LOGLENS_UPDATE_SCREENSHOT") == "1":
        DOCS_PNG.parent.mkdir(exist_ok=True)
        shutil.copyfile(png, DOCS_PNG)
