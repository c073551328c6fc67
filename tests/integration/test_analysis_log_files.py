"""What analysis records of a stored log file, on a real PostgreSQL: the upload's time hints survive the round
trip through its table, and the migration gives files stored before it their recorded time as upload time."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import loglens_analysis
from loglens_analysis.adapters.repository import RunRepository
from loglens_analysis.domain import StoredLogFile
from loglens_common.db import async_engine, migrate
from loglens_devstack.servers import Postgres

MIGRATIONS = Path(loglens_analysis.__file__).parent / "migrations"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="loglens-analysis-files-"))
    postgres = Postgres(root)
    try:
        postgres.start()
        yield postgres.url
    finally:
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_time_hints_survive_the_table_and_older_files_get_their_recorded_time(database: str) -> None:
    migrate(database, MIGRATIONS, "analysis", "0003")
    with psycopg.connect(database) as conn:  # a file stored before the hints existed
        conn.execute(
            "INSERT INTO analysis.log_files (id, owner, bucket, object_key, size_bytes, gzip, create_time)"
            " VALUES ('old', 'o', 'b', 'k-old', 1, false, '2024-12-31 23:00:00+00')"
        )
    migrate(database, MIGRATIONS, "analysis")
    upload_time = dt.datetime(2005, 11, 9, 12, 0, 1, tzinfo=dt.UTC)
    hinted = StoredLogFile("new", "o", "b", "k-new", 10, False, "Europe/Berlin", 2005, upload_time)
    plain = StoredLogFile("plain", "o", "b", "k-plain", 10, True, upload_time=upload_time)

    async def round_trip() -> list[StoredLogFile | None]:
        engine = async_engine(database, pool_size=1)
        try:
            repository = RunRepository(engine)
            assert await repository.remember_log_file(hinted) and await repository.remember_log_file(plain)
            return [await repository.log_file("o", name) for name in ("new", "plain", "old")]
        finally:
            await engine.dispose()

    got_hinted, got_plain, got_old = asyncio.run(round_trip())
    assert got_hinted == hinted
    assert got_plain == plain and (got_plain.time_zone, got_plain.year) == ("", None)
    assert got_old is not None and (got_old.time_zone, got_old.year) == ("", None)
    assert got_old.upload_time == dt.datetime(2024, 12, 31, 23, tzinfo=dt.UTC)
