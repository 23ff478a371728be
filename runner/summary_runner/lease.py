"""The pipeline lease, runner side (the lease itself: libs/lease/src/lease.ts).

Two things only:
- `LeaseKeeper`: the heartbeat. It renews the lease row from a thread of the process that writes, so a
  job that runs for an hour keeps its lease, and a runner that dies (kill -9, OOM) stops renewing and its
  lease expires. Requests are served one at a time (server.py), so the renewal cannot be a request.
- `verify`: the fence a job with a `lease` passes before the ledger phase. Only a writer that holds the
  lease may take a `started` ledger row for a dead attempt and roll its tables back; anyone else would
  roll back the live holder's work.
"""

from __future__ import annotations

import logging
import threading
import time

from . import iceberg
from .errors import RunnerError
from .iceberg import quote_table_name
from .session import is_connect, pool_session

log = logging.getLogger("summary_runner.lease")

# Every heartbeat is an Iceberg commit; expire the lease table's old snapshots now and then.
EXPIRE_EVERY_RENEWALS = 100
# The Spark scheduler pool of the heartbeat's thread.
SCHEDULER_POOL = "lease"


class LeaseNotHeldError(RunnerError):
    """The job's lease token is not the lease's current holder (taken over, released or expired)."""

    retriable = True


def _now_ms() -> int:
    return int(time.time() * 1000)


def read(spark, table: str, pipeline: str):
    rows = spark.sql(
        f"SELECT token, epoch, host, pid, command, renewed_at_ms, expires_at_ms, released_at_ms FROM {quote_table_name(table)} "
        "WHERE pipeline = :pipeline ORDER BY epoch DESC LIMIT 1",
        args={"pipeline": pipeline},
    ).collect()
    return rows[0] if rows else None


def verify(spark, spec: dict) -> None:
    """Raises LeaseNotHeldError naming the holder unless `spec["token"]` holds the lease now."""
    row = read(spark, spec["table"], spec["pipeline"])
    now = _now_ms()
    if row is not None and row.token == spec["token"] and row.released_at_ms is None and row.expires_at_ms > now:
        return
    if row is None or row.token is None:
        holder = "nobody"
    else:
        state = "released" if row.released_at_ms is not None else ("expired" if row.expires_at_ms <= now else "live")
        holder = f"{row.command!r} on host {row.host} (pid {row.pid}, lease epoch {row.epoch}, {state})"
    raise LeaseNotHeldError(
        f"this job's writer does not hold the lease of {spec['pipeline']} (held by {holder}); nothing was "
        "rolled back or executed: take the lease again and retry"
    )


def renew(spark, table: str, pipeline: str, token: str, ttl_ms: int) -> bool:
    """Extends the lease if `token` still holds it; False when another writer took it."""
    now = _now_ms()
    spark.sql(
        f"MERGE INTO {quote_table_name(table)} t USING (SELECT :pipeline AS pipeline) s "
        "ON t.pipeline = s.pipeline AND t.token = :token AND t.released_at_ms IS NULL "
        "WHEN MATCHED THEN UPDATE SET t.renewed_at_ms = :now, t.expires_at_ms = :expires",
        args={"pipeline": pipeline, "token": token, "now": now, "expires": now + ttl_ms},
    )
    row = read(spark, table, pipeline)
    return row is not None and row.token == token


# A renewal that lost a commit race (another commit of the lease row in between): Iceberg's
# ValidationException "Found conflicting files", a CommitFailedException, or a scan of a changed table.
_CONFLICT = ("conflicting files", "CommitFailed", "concurrently modified")


def renew_first(spark, table: str, pipeline: str, token: str, ttl_ms: int, deadline_s: float = 60.0) -> bool:
    """`renew`, made once before a kept-alive job runs anything; True when `token` holds a live lease after it.

    The submitter's own heartbeat commits the same row. A renewal that takes longer than one of its beats
    (a cold driver on a busy machine) would lose every commit race to it, so a lost race whose winner kept
    this token and moved `renewed_at_ms` on counts as renewed: the submitter holds the lease for this job and
    renews it, and the job's keeper takes over should it stop. A race lost to a writer that took the lease
    over ends in False (the token is gone). Other races are retried until `deadline_s`.
    """
    before = read(spark, table, pipeline)
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return renew(spark, table, pipeline, token, ttl_ms)
        except Exception as exc:  # noqa: BLE001 - only commit races are retried
            if not any(m in str(exc) for m in _CONFLICT):
                raise
            row = read(spark, table, pipeline)
            if row is None or row.token != token or row.released_at_ms is not None:
                return False
            if before is not None and row.renewed_at_ms > before.renewed_at_ms and row.expires_at_ms > _now_ms():
                log.info("lease of %s: renewed by its submitter while this job's first renewal ran; the lease is this job's", pipeline)
                return True
            if time.monotonic() - started > deadline_s:
                raise
            log.info("lease of %s: first renewal lost a commit race (attempt %d); retrying", pipeline, attempt)
            time.sleep(min(2.0, 0.2 * attempt))


class LeaseKeeper:
    """Renews one lease every `every_ms` until stopped or lost."""

    def __init__(self, spark, table: str, pipeline: str, token: str, ttl_ms: int, every_ms: int):
        self.spark, self.table, self.pipeline, self.token = spark, table, pipeline, token
        self.ttl_ms, self.every_ms = ttl_ms, every_ms
        self.lost = False
        self.renewals = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"lease-keeper-{token[:8]}", daemon=True)

    def start(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=max(30.0, self.every_ms / 1000))

    def _loop(self) -> None:
        # Its own scheduler pool (session.py sets FAIR mode): renewals are not queued behind the job. A classic
        # session takes the pool as this thread's local property; on Spark Connect the heartbeat has a session
        # of its own whose settings name the pool (Spark hands a session's spark.* settings to its jobs).
        watched = self.spark
        if is_connect(self.spark):
            self.spark = pool_session(self.spark, SCHEDULER_POOL)
        else:
            self.spark.sparkContext.setLocalProperty("spark.scheduler.pool", SCHEDULER_POOL)
        self._beat(watched)

    def _beat(self, watched) -> None:
        while not self._stop.wait(self.every_ms / 1000):
            try:
                if not renew(self.spark, self.table, self.pipeline, self.token, self.ttl_ms):
                    self.lost = True
                    log.error("lease of %s lost: another writer holds it now; the next job fails its lease check", self.pipeline)
                    if watched is not self.spark:
                        # On Spark Connect the job's statements run in the server, not in this process: stop them
                        # now rather than let them commit under another writer's lease.
                        interrupted = watched.interruptAll()
                        log.error("lease of %s lost: interrupted %d statement(s) of the job", self.pipeline, len(interrupted))
                    return
                self.renewals += 1
                if self.renewals % EXPIRE_EVERY_RENEWALS == 0:
                    self._expire_snapshots()
            except Exception as exc:  # a commit conflict or a catalog hiccup: the next beat tries again
                log.warning("lease of %s: renewal failed (%s); retrying in %d ms", self.pipeline, exc, self.every_ms)

    def _expire_snapshots(self) -> None:
        catalog = self.table.split(".")[0]
        older = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 3600))
        self.spark.sql(
            iceberg.procedure_call(catalog, "expire_snapshots", self.table.split(".", 1)[1], f", older_than => TIMESTAMP '{older}', retain_last => 10")
        )
