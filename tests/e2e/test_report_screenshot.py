"""The HTML report of a real analysis, loaded in headless Chromium: the chart and the tables are on the page.

Needs Debian's ``chromium`` (``apt-get install chromium``); skipped without it. The screenshot is kept in
the test's temporary folder; ``LOGLENS_UPDATE_SCREENSHOT=1`` also writes it to docs/report.png (the README's).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from loglens_analysis.engine import analyze
from loglens_loggen import write_log
from loglens_presentation import render

CHROMIUM = Path("/usr/bin/chromium")
DOCS_PNG = Path(__file__).resolve().parents[2] / "docs" / "report.png"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={profile}",
    ]  # fmt: skip
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=True)


def chunks(path: Path) -> object:
    with path.open("rb") as f:
        while data := f.read(1 << 20):
            yield data


def test_the_report_page_shows_the_chart_and_the_tables(tmp_path: Path) -> None:
    log = tmp_path / "orders-api.log"
    write_log(str(log), 12 << 20, seed=11, kind="app")  # ~97k lines over 30 minutes, one burst of errors
    report = analyze(chunks(log))  # type: ignore[arg-type]
    assert report.anomalies and report.exception_groups
    page = tmp_path / "report.html"
    page.write_text(render(report, "html", title=log.name), encoding="utf-8")
    url = page.as_uri()

    dom = chromium(tmp_path / "profile", "--dump-dom", url).stdout
    assert '<svg class="histogram"' in dom and dom.count("<rect") > 30
    assert dom.count('<svg class="spark"') == len(report.templates)
    for table in ("patterns", "errors", "exceptions", "anomalies"):
        assert f'<table class="{table}">' in dom
    assert '<ol class="timeline">' in dom and "Error burst" in dom

    png = tmp_path / "report.png"
    chromium(tmp_path / "profile", "--window-size=1280,2300", f"--screenshot={png}", url)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2300)
    assert len(data) > 100_000  # a blank page compresses to a few kilobytes
    if os.environ.get("LOGLENS_UPDATE_SCREENSHOT") == "1":
        DOCS_PNG.parent.mkdir(exist_ok=True)
        shutil.copyfile(png, DOCS_PNG)
