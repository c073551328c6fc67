"""A small TCP fault proxy for tests (toxiproxy cannot be installed here): latency, reset and blackhole.

It listens on a free port of 127.0.0.1 and relays every connection to ``upstream``. The mode applies to
connections as they relay bytes and can be changed at any time:

- ``pass``: relay unchanged;
- ``latency``: hold every chunk ``latency_s`` before relaying it (both directions);
- ``reset``: relay ``reset_after_bytes`` client-to-upstream bytes of each new connection, then reset both
  sides (RST, not FIN: the peers see a broken connection, as after a crash or a cut cable);
- ``blackhole``: accept and read, but relay nothing, ever (a peer that hangs).

It runs its own event loop in a thread, so synchronous tests can use it::

    with FaultProxy(("127.0.0.1", port)) as proxy:
        proxy.set(mode="reset", reset_after_bytes=1000)
        channel = grpc.insecure_channel(proxy.addr)
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from dataclasses import dataclass
from types import TracebackType

MODES = ("pass", "latency", "reset", "blackhole")


@dataclass
class Faults:
    mode: str = "pass"
    latency_s: float = 0.0
    reset_after_bytes: int = 0


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST: SO_LINGER on with a zero timeout, then close."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.faults = Faults()
        self.connections = 0
        self.resets = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="faultproxy", daemon=True)
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def addr(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set(self, mode: str = "pass", latency_s: float = 0.0, reset_after_bytes: int = 0) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.faults = Faults(mode, latency_s, reset_after_bytes)

    def start(self) -> FaultProxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._accept, "127.0.0.1", 0), self._loop
        ).result(10)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def reset_all(self) -> None:
        """Reset every open connection now."""

        async def reset() -> None:
            for writer in list(self._writers):
                _reset(writer)

        asyncio.run_coroutine_threadsafe(reset(), self._loop).result(10)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    # The relay -------------------------------------------------------------------------------------
    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        faults = self.faults  # a connection keeps the reset budget it was accepted with
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _reset(client_writer)
            return
        self._writers.update((client_writer, up_writer))
        budget = [faults.reset_after_bytes]

        async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upstream_bound: bool) -> None:
            while True:
                data = await reader.read(65536)
                if not data:
                    with contextlib.suppress(OSError):
                        writer.write_eof()
                    return
                mode = self.faults.mode
                if mode == "blackhole":
                    continue
                if mode == "latency" and self.faults.latency_s > 0:
                    await asyncio.sleep(self.faults.latency_s)
                if mode == "reset" and upstream_bound:
                    if len(data) >= budget[0]:
                        writer.write(data[: budget[0]])
                        with contextlib.suppress(OSError):
                            await writer.drain()
                        self.resets += 1
                        _reset(client_writer)
                        _reset(up_writer)
                        return
                    budget[0] -= len(data)
                writer.write(data)
                await writer.drain()

        try:
            await asyncio.gather(
                pump(client_reader, up_writer, True), pump(up_reader, client_writer, False), return_exceptions=True
            )
        finally:
            for writer in (client_writer, up_writer):
                self._writers.discard(writer)
                writer.transport.abort()
