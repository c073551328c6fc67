"""Ingest throughput against bare S3, and ingest's peak memory on a 1 GiB upload.

    make bench-ingest [ARGS="--size-mib 256 --rounds 5 --big-mib 1024"]

In one run, on one local stack (real PostgreSQL, NATS JetStream and S3; ingest and gateway as processes):
- rounds alternate: the generated log uploaded through the gateway (UploadLogFile, 1 MiB chunks), then the
  same file put straight into the same S3 server with minio put_object, with ingest's part size and
  parallelism; each prints MiB/s, then the median of each and their ratio;
- then a 1 GiB stream (the file repeated) through the gateway while ingest's RSS is sampled every 50 ms;
  the peak is the larger of the samples and the kernel's high-water mark (VmHWM) of the ingest process.
Last line, exactly: ``ingest_ratio=<gateway MiB/s / put_object MiB/s> ingest_peak_rss_mib=<peak>``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import psutil
from minio import Minio

from loglens.v1 import log_file_pb2, log_file_pb2_grpc
from loglens_devstack.stack import Ports, Stack
from loglens_ingest.config import IngestSettings
from loglens_loggen import write_log

MIB = 1024 * 1024
BUCKET = "loglens"
_DEFAULTS = IngestSettings.model_fields
PART_MIB = int(_DEFAULTS["s3_part_size_mib"].default)
PARALLEL = int(_DEFAULTS["s3_parallel_parts"].default)


def requests(path: Path, total: int, filename: str) -> Iterator[log_file_pb2.UploadLogFileRequest]:
    """Metadata, then the file's bytes in 1 MiB chunks, repeated until ``total`` bytes went out."""
    yield log_file_pb2.UploadLogFileRequest(
        metadata=log_file_pb2.UploadLogFileMetadata(filename=filename, service="bench", analyze=False)
    )
    sent = 0
    while sent < total:
        with path.open("rb") as f:
            while sent < total and (chunk := f.read(min(MIB, total - sent))):
                sent += len(chunk)
                yield log_file_pb2.UploadLogFileRequest(chunk=chunk)


def vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssSampler:
    def __init__(self, pid: int, every_s: float = 0.05) -> None:
        self._process = psutil.Process(pid)
        self._every_s = every_s
        self._stop = threading.Event()
        self.peak_mib = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mib = max(self.peak_mib, self._process.memory_info().rss / MIB)
            self._stop.wait(self._every_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=256)
    # Five: the machine is shared, and a median of five shrugs off a round slowed by another job.
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--part-mib", type=int, default=PART_MIB, help="S3 part size of ingest and put_object")
    parser.add_argument("--parallel", type=int, default=PARALLEL, help="parts in flight, both sides")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="loglens-bench-ingest-"))
    log = root / "bench.log"
    t0 = time.perf_counter()
    write_log(str(log), args.size_mib * MIB, seed=42)
    size = log.stat().st_size
    print(f"file: {size / MIB:.1f} MiB generated in {time.perf_counter() - t0:.1f}s", flush=True)
    part_mib, parallel = args.part_mib, args.parallel
    print(f"S3 part size {part_mib} MiB, {parallel} parts in parallel (the same for ingest and put_object)", flush=True)

    stack = Stack(root / "stack", Ports.free())
    gateway_rates: list[float] = []
    direct_rates: list[float] = []
    try:
        stack.start_servers()
        stack.migrate()
        # No analysis: uploads say analyze=false.
        stack.start_service("ingest", LOGLENS_S3_PART_SIZE_MIB=str(part_mib), LOGLENS_S3_PARALLEL_PARTS=str(parallel))
        stack.start_service("gateway")
        for service in ("ingest", "gateway"):
            stack.wait_serving(service)
        ingest_pid = stack.processes["ingest"].pid
        print(f"ingest RSS when idle: {psutil.Process(ingest_pid).memory_info().rss / MIB:.1f} MiB", flush=True)
        s3 = Minio(stack.s3.endpoint, stack.s3.access_key, stack.s3.secret_key, secure=False)
        auth = (("authorization", f"Bearer {stack.token()}"),)
        with grpc.insecure_channel(stack.ports.addr("gateway")) as channel:
            stub = log_file_pb2_grpc.LogFileServiceStub(channel)
            warm = stub.UploadLogFile(requests(log, MIB, "warm.log"), metadata=auth, timeout=60).log_file
            stub.DeleteLogFile(log_file_pb2.DeleteLogFileRequest(name=warm.name), metadata=auth, timeout=30)

            for round_no in range(1, args.rounds + 1):
                t0 = time.perf_counter()
                log_file = stub.UploadLogFile(requests(log, size, "bench.log"), metadata=auth, timeout=1800).log_file
                gateway_s = time.perf_counter() - t0
                assert log_file.size_bytes == size
                gateway_rates.append(size / MIB / gateway_s)

                key = f"bench-direct/round-{round_no}"
                t0 = time.perf_counter()
                with log.open("rb") as f:
                    s3.put_object(BUCKET, key, f, length=size, part_size=part_mib * MIB, num_parallel_uploads=parallel)
                direct_s = time.perf_counter() - t0
                direct_rates.append(size / MIB / direct_s)
                print(
                    f"round {round_no}: gateway->ingest {gateway_rates[-1]:.1f} MiB/s ({gateway_s:.2f}s) | "
                    f"put_object {direct_rates[-1]:.1f} MiB/s ({direct_s:.2f}s)",
                    flush=True,
                )
                stub.DeleteLogFile(log_file_pb2.DeleteLogFileRequest(name=log_file.name), metadata=auth, timeout=30)
                s3.remove_object(BUCKET, key)

            big = args.big_mib * MIB
            with RssSampler(ingest_pid) as sampler:
                t0 = time.perf_counter()
                log_file = stub.UploadLogFile(requests(log, big, "big.log"), metadata=auth, timeout=3600).log_file
                big_s = time.perf_counter() - t0
            assert log_file.size_bytes == big
            hwm = vm_hwm_mib(ingest_pid)
            peak = max(sampler.peak_mib, hwm)
            print(
                f"{args.big_mib} MiB through the gateway: {big / MIB / big_s:.1f} MiB/s; ingest RSS peak "
                f"{sampler.peak_mib:.1f} MiB sampled every 50 ms, VmHWM {hwm:.1f} MiB (whole run)",
                flush=True,
            )
            stub.DeleteLogFile(log_file_pb2.DeleteLogFileRequest(name=log_file.name), metadata=auth, timeout=30)
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    gateway, direct = statistics.median(gateway_rates), statistics.median(direct_rates)
    print(f"median: gateway->ingest {gateway:.1f} MiB/s, put_object {direct:.1f} MiB/s")
    print(f"ingest_ratio={gateway / direct:.3f} ingest_peak_rss_mib={peak:.1f}")


if __name__ == "__main__":
    main()
