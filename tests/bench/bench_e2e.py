"""End-to-end overhead: a 100 MiB log from upload start to SUCCEEDED, against its parts measured bare.

    make bench-e2e [ARGS="--size-mib 100 --rounds 2"]

In one run, on one local stack (real PostgreSQL, NATS JetStream and S3):
- e2e: upload through the gateway and follow the analysis run until SUCCEEDED;
- bare upload: the same file put straight into the same S3 server with minio put_object (same part size);
- bare engine: the analysis engine over the same local file, in this process.
Prints each time and, last, exactly ``e2e_overhead_ratio=<e2e / (bare upload + bare engine)>``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import grpc
from minio import Minio

from loglens.v1 import analysis_pb2
from loglens_analysis.engine import analyze
from loglens_common.objectstore import ensure_bucket
from loglens_devstack.client import GatewayClient
from loglens_devstack.stack import Ports, Stack
from loglens_loggen import write_log

MIB = 1024 * 1024
PART = 16 * MIB  # ingest's default LOGLENS_S3_PART_SIZE_MIB


def file_chunks(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as f:
        while chunk := f.read(MIB):
            yield chunk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="loglens-bench-e2e-"))
    log = root / "bench.log"
    write_log(str(log), args.size_mib * MIB, seed=42)
    size = log.stat().st_size
    lines = sum(chunk.count(b"\n") for chunk in file_chunks(log))
    print(f"file: {size / MIB:.1f} MiB, {lines:,} lines", flush=True)

    stack = Stack(root / "stack", Ports.free(), workers=1)
    try:
        stack.start()
        s3 = Minio(stack.s3.endpoint, stack.s3.access_key, stack.s3.secret_key, secure=False)
        ensure_bucket(s3, "loglens")
        e2e, bare_upload, bare_engine = [], [], []
        with grpc.insecure_channel(stack.ports.addr("gateway")) as channel:
            client = GatewayClient(channel, stack.token())
            for round_no in range(1, args.rounds + 1):
                t0 = time.perf_counter()
                log_file = client.upload(log, service="bench")
                run = client.wait_for_run(log_file.name, timeout=1800)
                e2e.append(time.perf_counter() - t0)
                assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED, run.failure_reason

                t0 = time.perf_counter()
                with log.open("rb") as f:
                    s3.put_object("loglens", f"bench-bare/round-{round_no}", f, length=-1, part_size=PART)
                bare_upload.append(time.perf_counter() - t0)

                t0 = time.perf_counter()
                analyze(file_chunks(log))
                bare_engine.append(time.perf_counter() - t0)
                print(
                    f"round {round_no}: e2e {e2e[-1]:.2f}s | bare upload {bare_upload[-1]:.2f}s"
                    f" + bare engine {bare_engine[-1]:.2f}s = {bare_upload[-1] + bare_engine[-1]:.2f}s",
                    flush=True,
                )
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    e, u, g = statistics.median(e2e), statistics.median(bare_upload), statistics.median(bare_engine)
    print(f"median: e2e {e:.2f}s ({size / MIB / e:.1f} MiB/s), bare upload {u:.2f}s, bare engine {g:.2f}s")
    print(f"e2e_overhead_ratio={e / (u + g):.3f}")


if __name__ == "__main__":
    main()
