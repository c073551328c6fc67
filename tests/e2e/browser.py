"""A headless Chromium driven over the DevTools protocol (a websocket from aiohttp; no driver, no Playwright).

What a page check needs: open a URL (with headers, e.g. ``Authorization``), collect what the console says (CSP
refusals, script errors, failed loads), ask the DOM what a person would see, and take a screenshot.

The browser: ``LOGLENS_CHROMIUM`` if set, else the one ``make browser`` unpacks into the venv
(``.venv/chromium``, from the npm package ``@sparticuz/chromium``; no root), else ``chromium`` on ``PATH``.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

START_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 60.0


def find_chromium() -> Path | None:
    named = os.environ.get("LOGLENS_CHROMIUM")
    if named:
        return Path(named)
    bundled = Path(sys.prefix) / "chromium" / "chromium"
    if bundled.exists():
        return bundled
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def chromium_or_skip() -> Path:
    """The browser; without one a test skips, except in CI, where a missing browser is a broken install step."""
    found = find_chromium()
    if found is None:
        message = "no headless Chromium: `make browser` unpacks one into .venv/chromium (needs npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@dataclass
class Tab:
    """One page target: calls, and what the page said while it loaded."""

    ws: aiohttp.ClientWebSocketResponse
    console: list[str] = field(default_factory=list)  # errors and warnings: CSP refusals, exceptions, failed loads
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _loaded: asyncio.Event = field(default_factory=asyncio.Event)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        await self.ws.send_json({"id": number, "method": method, "params": params})
        async with asyncio.timeout(CALL_TIMEOUT_S):
            while True:
                message = await self.ws.receive()
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise RuntimeError(f"the browser closed the connection ({message.type.name})")
                reply = json.loads(message.data)
                if reply.get("id") == number:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})  # type: ignore[no-any-return]
                self._event(reply.get("method", ""), reply.get("params", {}))

    def _event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Page.loadEventFired":
            self._loaded.set()
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            entry = params["entry"]
            self.console.append(f"{entry['level']} [{entry['source']}] {entry['text']}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning", "assert"):
            self.console.append(f"console.{params['type']}: {params['args']}")
        elif method == "Runtime.exceptionThrown":
            self.console.append(f"exception: {params['exceptionDetails'].get('text')}")

    async def open(self, url: str, headers: dict[str, str] | None = None) -> None:
        """Loads ``url`` and waits for its load event; ``console`` then holds what this page said."""
        self.console.clear()
        for domain in ("Page", "Runtime", "Log", "Network"):
            await self.call(f"{domain}.enable")
        await self.call("Network.setExtraHTTPHeaders", headers=headers or {})
        self._loaded.clear()
        navigated = await self.call("Page.navigate", url=url)
        if navigated.get("errorText"):
            raise RuntimeError(f"{url}: {navigated['errorText']}")
        async with asyncio.timeout(CALL_TIMEOUT_S):
            while not self._loaded.is_set():
                message = await self.ws.receive()
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise RuntimeError(f"the browser closed the connection ({message.type.name})")
                event = json.loads(message.data)
                self._event(event.get("method", ""), event.get("params", {}))
        await self.call("Runtime.evaluate", expression="0")  # and what the page logged while it loaded

    async def evaluate(self, expression: str) -> Any:
        """The value of ``expression`` in the page (DevTools evaluation is not the page's script: the page's
        policy forbids scripts, and this still runs)."""
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def visible_text(self, selector: str) -> list[str]:
        """The text of each element matching ``selector`` that has a size on the page and is not hidden."""
        return await self.evaluate(  # type: ignore[no-any-return]
            f"""[...document.querySelectorAll({json.dumps(selector)})].filter(e => {{
                const r = e.getBoundingClientRect(), s = getComputedStyle(e);
                return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
                    && parseFloat(s.opacity) > 0;
            }}).map(e => e.innerText)"""
        )

    async def screenshot(self, width: int = 1280) -> bytes:
        """The whole page at ``width`` CSS pixels, as a PNG."""
        metrics = {"width": width, "deviceScaleFactor": 1, "mobile": False}
        await self.call("Emulation.setDeviceMetricsOverride", height=800, **metrics)  # lay it out at this width
        height = int(await self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        await self.call("Emulation.setDeviceMetricsOverride", height=height, **metrics)
        shot = await self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        return base64.b64decode(shot["data"])


@asynccontextmanager
async def chromium(executable: Path) -> AsyncIterator[Tab]:
    """A fresh headless browser with one blank tab; stopped (and its profile removed) on the way out."""
    profile = Path(tempfile.mkdtemp(prefix="loglens-chromium-"))
    env = dict(os.environ)
    fonts = executable.parent / "fonts.conf"
    if fonts.exists():  # the bundled browser's fonts: the system's plus one of its own
        env["FONTCONFIG_FILE"] = str(fonts)
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
        "--hide-scrollbars", "--mute-audio", f"--user-data-dir={profile}", "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1", "about:blank",
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        str(executable), *flags, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        port_file = profile / "DevToolsActivePort"
        async with asyncio.timeout(START_TIMEOUT_S):
            while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
                if process.returncode is not None:
                    raise RuntimeError(f"{executable} exited with {process.returncode} before it listened")
                await asyncio.sleep(0.05)
        port = port_file.read_text().splitlines()[0]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as reply:
                pages = [t for t in await reply.json() if t["type"] == "page"]
            async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                yield Tab(ws)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        shutil.rmtree(profile, ignore_errors=True)
