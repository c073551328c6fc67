"""One file's analysis split across workers: a big plain file's run is cut into chunks (RunChunking), each chunk is
analysed into a partial result by whichever worker takes its message, and the worker that finishes the last chunk
merges them into the report (ExecuteChunk). Orchestration over ports only, with the fences of a run's execution.

- Planning: a claimed run of a plain file above the threshold, whose head the engine can read from the middle
  given the upload's time hints (``can_chunk``), is cut by ``plan_chunks``; its steps (one per chunk, then the
  merge) are written QUEUED, tied to the run's attempt, the chunks' messages published on the run's work queue,
  and JetStream's acknowledgements recorded (an outbox: the reconciler re-sends only what was not acknowledged or
  is gone from the stream, never a chunk merely waiting its turn). The run stays RUNNING.
- A step is claimed like a run (a new attempt of the step, fenced by it and by the run's attempt); a claimed
  chunk reads the file's head and its own range (S3 range reads), is analysed in the sandbox within bounds scaled
  to its bytes, and is DONE with its partial result in one commit. Its heartbeat records its progress and the
  run's (the sum over its chunks), which is what keeps the run alive: the reconciler never re-queues a chunked
  run as a whole; it gives back stalled steps and re-sends lost messages instead.
- The merge: the worker whose chunk was the last DONE claims the merge step at once; a redelivered message of a
  DONE chunk claims it too, if the merge is waiting or its worker went silent. It reads the partial results in
  chunk order, merges them in the sandbox and stores the report as a one-pass run does (registry merge included);
  the run's steps and partial results go in the commit that ends the run, whatever ends it.
- Failures: a chunk the engine refuses or that passes its bounds FAILS the run with its reason and code (TERM);
  a transient failure gives the step back (RETRY with backoff); a step delivered and claimed past the delivery
  bound FAILS the run (TOO_MANY_ATTEMPTS). A run cancelled, deleted or failed meanwhile refuses every claim and
  heartbeat of its steps: running children are stopped, messages acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Protocol

from loglens_analysis.domain import MERGE_INDEX, AnalysisRun, FailureCode, RunChunk, StoredLogFile, backoff_s
from loglens_analysis.engine.chunks import HEAD_BYTES, can_chunk, plan_chunks
from loglens_analysis.sandbox import EngineFailure, EngineStopped
from loglens_analysis.use_cases.execute_run import (
    ACK,
    TERM,
    EngineBounds,
    ExecutionPolicy,
    Outcome,
    ProgressTracker,
    Settle,
)
from loglens_analysis.use_cases.ports import (
    ChunkMessages,
    ChunkStore,
    Clock,
    Delivery,
    EngineRunner,
    ObjectReader,
    PoisonInput,
    RunLost,
    SystemClock,
)
from loglens_common import metrics, names
from loglens_common.logs import log_fields

log = logging.getLogger("loglens.analysis.worker")


@dataclass(frozen=True)
class ChunkPolicy:
    threshold_bytes: int  # a plain file larger than this is analysed in chunks (0: never)
    chunk_bytes: int  # nominal size of a chunk
    max_chunks: int = 1024  # a bigger file's chunks grow past chunk_bytes, so it has no more than this many

    def chunk_bytes_for(self, size: int) -> int:
        """The nominal chunk size for a file of ``size`` bytes: chunk_bytes, or larger so that the file has at most
        max_chunks chunks (each chunk is a message, a sandboxed child and a partial result in the database)."""
        return max(self.chunk_bytes, -(-size // max(1, self.max_chunks)))

    def applies(self, log_file: StoredLogFile) -> bool:
        return self.threshold_bytes > 0 and not log_file.gzip and log_file.size_bytes > self.threshold_bytes


class ChunkPlanStore(ChunkStore, Protocol):
    """The steps' store as the planner uses it: ChunkStore, and the record of JetStream's acknowledgements."""

    async def chunk_messages_published(self, sent: Collection[tuple[str, int, int, int]]) -> None:
        """(run id, run attempt, step index, generation) of messages JetStream acknowledged."""


class RunChunking:
    """Cuts a claimed run into chunks when its file is big enough and can be read from the middle."""

    def __init__(
        self, runs: ChunkPlanStore, objects: ObjectReader, messages: ChunkMessages, policy: ChunkPolicy
    ) -> None:
        self.runs = runs
        self.objects = objects
        self.messages = messages
        self.policy = policy

    async def plan(self, run: AnalysisRun, log_file: StoredLogFile) -> bool:
        """True when the run is now analysed in chunks (its steps written, its chunks' messages sent); False when
        it is analysed in one pass. Raises RunLost when the run is no longer this attempt's, PoisonInput when
        the object is gone, anything else when a retry may do better."""
        if not self.policy.applies(log_file):
            return False
        plans = plan_chunks(log_file.size_bytes, self.policy.chunk_bytes_for(log_file.size_bytes))
        if len(plans) < 2:
            return False
        head = await asyncio.to_thread(self.objects.head, log_file, HEAD_BYTES)
        # The upload's time hints, as EngineBounds.options gives them to the analysis: a year hint makes year-less
        # times chunkable, and the file is judged as it will be read.
        why_not = can_chunk(
            head,
            time_zone=log_file.time_zone or None,
            year=log_file.year,
            reference_epoch=log_file.upload_time.timestamp(),
        )
        if why_not is not None:
            log.info("run analysed in one pass", extra=log_fields(run=run.id, reason=why_not))
            return False
        steps = await self.runs.start_chunks(run, [(p.start, p.end) for p in plans], log_file.size_bytes)
        if steps is None:
            raise RunLost("the run is no longer this worker's")
        run_name = names.analysis_run_name(run.log_file_id, run.id)
        acknowledged: list[tuple[str, int, int, int]] = []  # (run, attempt, step, generation 0: the planner's)
        for step in steps:
            if step.merge:  # the merge is started by the worker that finishes the last chunk
                continue
            if await self.messages.publish_chunk(run_name, run.id, run.attempts, step.index):
                acknowledged.append((run.id, run.attempts, step.index, 0))
        try:
            await self.runs.chunk_messages_published(acknowledged)
        except Exception as exc:  # not lost: the reconciler sends unacknowledged messages again (a duplicate at worst)
            log.warning("chunk messages' acknowledgements of %s not recorded: %s", run.id, exc)
        log.info(
            "run cut into chunks",
            extra=log_fields(run=run.id, chunks=len(plans), unacknowledged=len(plans) - len(acknowledged)),
        )
        return True


@dataclass(frozen=True)
class ClaimedStep:
    run: AnalysisRun
    step: RunChunk


class ExecuteChunk:
    def __init__(
        self,
        runs: ChunkStore,
        objects: ObjectReader,
        engine: EngineRunner,
        policy: ExecutionPolicy,
        bounds: EngineBounds,
        clock: Clock | None = None,
    ) -> None:
        self.runs = runs
        self.objects = objects
        self.engine = engine
        self.policy = policy
        self.bounds = bounds
        self.clock = clock or SystemClock()

    async def claim(self, run_id: str, run_attempt: int, index: int, delivered: int) -> ClaimedStep | Outcome:
        """The step, RUNNING for this worker, or what to do with its message instead. A message of a chunk that is
        DONE (redelivered, or re-sent) claims the run's merge if the merge waits for a worker."""
        try:
            claimed = await self.runs.claim_chunk(run_id, run_attempt, index, self.policy.stale_after_s)
            if claimed is None and index != MERGE_INDEX:
                claimed = await self.runs.claim_chunk(run_id, run_attempt, MERGE_INDEX, self.policy.stale_after_s)
        except Exception as exc:
            log.warning("claiming chunk %s of %s failed, retrying: %s", index, run_id, exc)
            return Outcome(Settle.RETRY, backoff_s(self.policy.retry_backoff_s, delivered))
        if claimed is None:  # done, held by a live worker, or its run is over (or is another attempt's)
            return ACK
        run, step = claimed
        if step.attempts > 1:  # its message came again: its worker died, stalled or gave it back
            log.info("chunk claimed again", extra=log_fields(run=run.id, chunk=step.index, attempt=step.attempts))
        limit = self.policy.max_deliveries  # both counts, as for a run (execute_run.ExecuteRun.claim)
        if delivered > limit and step.attempts > limit:
            what = "the merge" if step.merge else f"chunk {step.index}"
            await self.runs.fail(
                run, f"{what} gave up after {step.attempts - 1} attempts", FailureCode.TOO_MANY_ATTEMPTS
            )
            return TERM
        return ClaimedStep(run, step)

    async def execute(self, claimed: ClaimedStep, delivery: Delivery) -> Outcome:
        """Analyse a claimed chunk (and merge, if it was the last) or merge, and record what came of it.
        Cancelled (shutting down), it gives the step back before the cancellation goes on."""
        run, step = claimed.run, claimed.step
        try:
            log_file = await self.runs.log_file(run.owner, run.log_file_id)
            if log_file is None:  # deleted, and its run with it
                return ACK
            if not step.merge:
                if not await self._chunk(run, step, log_file, delivery):
                    return ACK  # others remain, or the run is no longer this attempt's
                merge = await self.runs.claim_chunk(run.id, run.attempts, MERGE_INDEX, self.policy.stale_after_s)
                if merge is None:
                    return ACK
                run, step = merge
            await self._merge(run, step, log_file, delivery)
            return ACK
        except (RunLost, EngineStopped):
            return ACK
        except (EngineFailure, PoisonInput) as exc:  # final: the same input would fail the same way again
            await self.runs.fail(run, str(exc), exc.code)
            log.warning(
                "run failed in a chunk",
                extra=log_fields(run=run.id, chunk=step.index, code=exc.code.value, reason=str(exc)),
            )
            return TERM
        except asyncio.CancelledError:  # shutting down: give the step back for another worker to take now
            await asyncio.shield(self._give_back(step))
            raise
        except Exception as exc:
            log.warning("chunk will be retried", extra=log_fields(run=run.id, chunk=step.index, error=repr(exc)))
            await self._give_back(step)
            return Outcome(Settle.RETRY, backoff_s(self.policy.retry_backoff_s, delivery.delivered))

    async def _chunk(self, run: AnalysisRun, step: RunChunk, log_file: StoredLogFile, delivery: Delivery) -> bool:
        """Analyse one chunk and store its partial result; True when it was the run's last chunk."""
        stop = threading.Event()
        tracker = ProgressTracker()
        heartbeat = asyncio.create_task(self._heartbeat(run, step, delivery, tracker, stop))
        try:
            options = {**self.bounds.options(log_file), "plan": (step.index, step.start, step.end)}
            result = await self.engine.analyze_chunk(
                self._chunk_input(log_file, step, stop),
                self.bounds.for_bytes(step.end - step.start),
                options,
                tracker.update,
                stop,
            )
        finally:
            stop.set()
            heartbeat.cancel()
        last = await self.runs.finish_chunk(run, step, result.report, step.end - step.start, result.lines)
        if last is None:
            raise RunLost("the chunk is no longer this worker's")
        return last

    def _chunk_input(self, log_file: StoredLogFile, step: RunChunk, stop: threading.Event) -> Iterator[bytes]:
        """What a chunk's engine reads: the file's head (one piece), then the file from one byte before the chunk."""
        yield self.objects.head(log_file, HEAD_BYTES)
        yield from self.objects.chunks_from(log_file, max(0, step.start - 1), stop)

    async def _merge(self, run: AnalysisRun, step: RunChunk, log_file: StoredLogFile, delivery: Delivery) -> None:
        """Merge the run's partial results in chunk order and store the report as a one-pass run does."""
        stop = threading.Event()
        heartbeat = asyncio.create_task(self._heartbeat(run, step, delivery, ProgressTracker(), stop))
        count = await self.runs.chunk_count(run)
        try:
            result = await self.engine.merge(
                self._partials(run, count, asyncio.get_running_loop(), stop),
                self.bounds.limits(log_file),
                {},
                lambda _: None,
                stop,
            )
        finally:
            stop.set()
            heartbeat.cancel()
        if await self.runs.succeed(
            run, result.report, log_file.size_bytes, result.lines, log_file.service, self.policy.registry_max_patterns
        ):
            metrics.ANALYSIS_LINES.inc(result.lines)
            log.info("run succeeded", extra=log_fields(run=run.id, lines=result.lines, chunks=count))

    def _partials(
        self, run: AnalysisRun, count: int, loop: asyncio.AbstractEventLoop, stop: threading.Event
    ) -> Iterator[bytes]:
        """The partial results in chunk order, read one at a time (from the engine's feeder thread)."""
        for index in range(count):
            if stop.is_set():
                raise RunLost("stopped")
            partial = asyncio.run_coroutine_threadsafe(self.runs.partial(run, index), loop).result()
            if partial is None:
                raise RunLost(f"chunk {index}'s partial result is gone: the run is no longer this attempt's")
            yield partial

    async def _give_back(self, step: RunChunk) -> None:
        try:
            await self.runs.release_chunk(step)
        except Exception as exc:  # the reconciler gives it back once its heartbeat is stale
            log.warning("could not release chunk %s of %s: %s", step.index, step.run_id, exc)

    async def _heartbeat(
        self, run: AnalysisRun, step: RunChunk, delivery: Delivery, tracker: ProgressTracker, stop: threading.Event
    ) -> None:
        while not stop.is_set():
            await self.clock.sleep(self.policy.heartbeat_s)
            try:
                await delivery.keep_alive()
                if not await self.runs.chunk_heartbeat(run, step, tracker.bytes_read, tracker.lines):
                    stop.set()  # the run cancelled, deleted or failed, or the step re-claimed: stop, record nothing
            except Exception as exc:
                log.warning("heartbeat of chunk %s of %s failed: %s", step.index, run.id, exc)
