"""The engine is a pure library: bytes in, a report out, no server or storage client behind it."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

FORBIDDEN = ("grpc", "sqlalchemy", "psycopg", "nats", "minio", "aiohttp", "jwt")


def test_the_engine_imports_no_server_database_queue_or_storage_client() -> None:
    # A fresh interpreter: this test session has those modules loaded already.
    code = (
        "import sys\n"
        "from loglens_analysis.engine import analyze\n"
        "analyze([b'2024-01-01T00:00:00Z ERROR db down\\n'])\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "", f"the engine pulled in: {out.stdout.strip()}"
