"""Secrets out of every message a service writes: log lines, tracebacks, start-up errors.

Two nets. By shape: the password (or token) in a URL's user info (``postgresql://app:***@db/loglens``,
``nats://***@nats:4222``), ``password=`` style pairs (libpq key/value strings, query strings), API keys
(``llk_...``) and JWTs. By value: the configured secrets themselves (the S3 secret key, the passwords inside the
configured URLs, the signing key), registered once at start-up by the entrypoint, wherever they show up.
The log formatter applies both to every line, so a library's exception text is covered as well as our own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

MASK = "***"
# scheme://user:password@ or scheme://token@ (NATS token auth): everything up to the last '@' of the authority.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]{0,30}://)(?P<info>[^\s/?#@'\"]*(?:@[^\s/?#@'\"]*)*)@")
_PAIR = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|sslpassword|secret|secret_key|token|access_token|refresh_token|api_key)"
    r"[\"']?\s*[=:]\s*)(?P<value>'[^']*'|\"[^\"]*\"|[^\s&,;'\"]+)",
    re.IGNORECASE,
)
_API_KEY = re.compile(r"\bllk_[A-Za-z0-9_-]{16,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# Shorter configured values are not searched for: "loglens" as a secret would mask the word everywhere.
MIN_SECRET_CHARS = 6

_secrets: tuple[str, ...] = ()


def _userinfo(match: re.Match[str]) -> str:
    user, colon, _ = match.group("info").partition(":")  # a user name holds no ':'; a password may
    return f"{match.group('scheme')}{user if colon else ''}{colon}{MASK}@"


def redact(text: str) -> str:
    """``text`` with every secret it holds (by shape, or one of the registered values) replaced by ***."""
    if not text:
        return text
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    if "://" in text:
        text = _USERINFO.sub(_userinfo, text)
    text = _PAIR.sub(lambda m: m.group("key") + MASK, text)
    if "llk_" in text:
        text = _API_KEY.sub(MASK, text)
    if "eyJ" in text:
        text = _JWT.sub(MASK, text)
    return text


def redact_url(url: str) -> str:
    """A URL (or a comma-separated list of them) that can be shown: its password or token masked.

    A value too malformed for the shape (``postgresql//app:pw@db``) keeps only what follows its last '@'."""
    shown = ",".join(redact(part) for part in url.split(","))
    return ",".join(
        part if "@" not in part or MASK in part.rpartition("@")[0] else MASK + "@" + part.rpartition("@")[2]
        for part in shown.split(",")
    )


def url_secrets(url: str) -> list[str]:
    """The passwords and tokens inside a URL (or a comma-separated list), as written and percent-decoded."""
    found: list[str] = []
    for match in _USERINFO.finditer(url):
        info = match.group("info")
        secret = info.partition(":")[2] if ":" in info else info
        if secret:
            found += [secret, unquote(secret)]
    return found


def register_secrets(values: Iterable[str]) -> None:
    """Values to mask wherever they appear from now on (in this process). Short ones are ignored."""
    global _secrets
    found = set(_secrets)
    for value in values:
        for piece in [value, *value.splitlines()]:  # a PEM key: each line of it
            piece = piece.strip()
            if len(piece) >= MIN_SECRET_CHARS and not piece.startswith("-----"):
                found.add(piece)
    _secrets = tuple(sorted(found, key=len, reverse=True))  # longest first: no half-masked longer secret
