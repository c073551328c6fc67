"""A one-line progress bar on stderr, drawn only on a terminal (a CI log gets no carriage returns)."""

from __future__ import annotations

import shutil
import threading
import time
from collections import deque
from typing import TextIO

from loglens_presentation.reading import human_bytes, human_duration


class ProgressBar:
    """Bytes done of a total (or of an unknown total), with the rate over the last few seconds."""

    REDRAW_S = 0.1
    WINDOW_S = 3.0

    def __init__(self, label: str, total: int | None, stream: TextIO, *, enabled: bool) -> None:
        self.label = label
        self.total = total
        self.stream = stream
        self.enabled = enabled
        self.done = 0
        self.extra = ""
        self.started = time.monotonic()
        self._samples: deque[tuple[float, int]] = deque([(self.started, 0)])
        self._drawn = 0.0
        self._lock = threading.Lock()  # gRPC pulls upload chunks on its own thread

    def advance(self, n: int) -> None:
        self.set(self.done + n)

    def set(self, done: int, total: int | None = None, extra: str = "") -> None:
        with self._lock:
            self.done = done
            if total:
                self.total = total
            if extra:
                self.extra = extra
            now = time.monotonic()
            self._samples.append((now, done))
            while len(self._samples) > 2 and now - self._samples[0][0] > self.WINDOW_S:
                self._samples.popleft()
            if self.enabled and now - self._drawn >= self.REDRAW_S:
                self._drawn = now
                self._draw(now)

    def rate(self) -> float:
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def line(self, now: float | None = None) -> str:
        rate = self.rate()
        width = shutil.get_terminal_size((100, 20)).columns
        label = self.label if len(self.label) <= 24 else "…" + self.label[-23:]
        parts = [f"{label:<24}"]
        if self.total:
            frac = min(1.0, self.done / self.total)
            bar_w = max(10, min(30, width - 80))
            filled = int(frac * bar_w)
            parts.append(f"{frac:6.1%} [{'#' * filled}{'.' * (bar_w - filled)}]")
            parts.append(f"{human_bytes(self.done)}/{human_bytes(self.total)}")
        else:
            parts.append(human_bytes(self.done))
        parts.append(f"{human_bytes(rate)}/s")
        if self.total and rate > 0 and self.done < self.total:
            parts.append(f"ETA {human_duration((self.total - self.done) / rate)}")
        if self.extra:
            parts.append(self.extra)
        return " ".join(parts)[: width - 1]

    def _draw(self, now: float) -> None:
        self.stream.write("\r\x1b[2K" + self.line(now))
        self.stream.flush()

    def close(self) -> None:
        """Clears the bar (the caller prints the outcome)."""
        if self.enabled:
            with self._lock:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started
