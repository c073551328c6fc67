"""Fixtures shared by the integration tests of one service's store."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import loglens_analysis
from loglens_common.db import migrate
from loglens_devstack.servers import Postgres

ANALYSIS_MIGRATIONS = Path(loglens_analysis.__file__).parent / "migrations"


@pytest.fixture(scope="module")
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A real PostgreSQL of the test module's own, migrated to the analysis service's newest schema (a module that
    migrates step by step defines its own)."""
    root = Path(tempfile.mkdtemp(prefix=f"loglens-{request.module.__name__.rsplit('.', 1)[-1]}-"))
    postgres = Postgres(root)
    try:
        postgres.start()
        migrate(postgres.url, ANALYSIS_MIGRATIONS, "analysis")
        yield postgres.url
    finally:
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)
