"""Errors the engine raises for input it refuses."""

from __future__ import annotations


class EngineError(Exception):
    """Base class: the engine refused the input; the message says what to do about it."""


class DecompressedSizeExceeded(EngineError):
    """The gzip stream inflates past the configured bound (a gzip bomb or an unexpectedly huge file)."""


class CorruptInput(EngineError):
    """The input could not be decoded (for example a truncated or damaged gzip stream)."""
