"""A few calls through the gateway with the generated stubs (make run and the end-to-end tests use them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc

from loglens.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    log_file_pb2,
    log_file_pb2_grpc,
)

CHUNK = 1024 * 1024
TERMINAL = {
    analysis_pb2.AnalysisRun.STATE_SUCCEEDED,
    analysis_pb2.AnalysisRun.STATE_FAILED,
    analysis_pb2.AnalysisRun.STATE_CANCELLED,
}


def upload_requests(
    path: Path, metadata: log_file_pb2.UploadLogFileMetadata
) -> Iterator[log_file_pb2.UploadLogFileRequest]:
    yield log_file_pb2.UploadLogFileRequest(metadata=metadata)
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield log_file_pb2.UploadLogFileRequest(chunk=chunk)


class GatewayClient:
    def __init__(self, channel: grpc.Channel, token: str, analysis_channel: grpc.Channel | None = None) -> None:
        """Through the gateway; or straight to ingest (``channel``) and analysis (``analysis_channel``)."""
        self.log_files = log_file_pb2_grpc.LogFileServiceStub(channel)
        self.analysis = analysis_pb2_grpc.AnalysisServiceStub(analysis_channel or channel)
        self.metadata = (("authorization", f"Bearer {token}"),)

    def upload(self, path: Path, service: str = "", timeout: float = 600, **meta: object) -> log_file_pb2.LogFile:
        metadata = log_file_pb2.UploadLogFileMetadata(filename=path.name, service=service, **meta)  # type: ignore[arg-type]
        reply = self.log_files.UploadLogFile(upload_requests(path, metadata), metadata=self.metadata, timeout=timeout)
        return reply.log_file

    def runs(self, log_file: str) -> list[analysis_pb2.AnalysisRun]:
        reply = self.analysis.ListAnalysisRuns(
            analysis_pb2.ListAnalysisRunsRequest(parent=log_file), metadata=self.metadata, timeout=10
        )
        return list(reply.analysis_runs)

    def wait_for_run(self, log_file: str, timeout: float = 120) -> analysis_pb2.AnalysisRun:
        """The log file's first run, followed with WatchAnalysisRun to its terminal state."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            runs = self.runs(log_file)
            if runs:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"no analysis run appeared for {log_file}")
            time.sleep(0.2)
        last = runs[-1]
        stream = self.analysis.WatchAnalysisRun(
            analysis_pb2.WatchAnalysisRunRequest(name=last.name),
            metadata=self.metadata,
            timeout=max(1.0, deadline - time.monotonic()),
        )
        for update in stream:
            last = update.analysis_run
        return last

    def report(self, run: str) -> analysis_pb2.GetAnalysisReportResponse:
        return self.analysis.GetAnalysisReport(
            analysis_pb2.GetAnalysisReportRequest(name=f"{run}/report"), metadata=self.metadata, timeout=30
        )

    def list_log_files(self) -> list[log_file_pb2.LogFile]:
        files: list[log_file_pb2.LogFile] = []
        token = ""
        while True:
            reply = self.log_files.ListLogFiles(
                log_file_pb2.ListLogFilesRequest(page_size=200, page_token=token),
                metadata=self.metadata,
                timeout=10,
            )
            files.extend(reply.log_files)
            token = reply.next_page_token
            if not token:
                return files
