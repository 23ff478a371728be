"""The ledger table: one row per attempt state (started / committed / failed) of a (batch_id, step).

The runner owns the table: its columns are COLUMNS below, and the init job's `ledger_table` step creates
it (`create_table`; docs/compiled-job-format.md). Rows with status `superseded` (set by the CLI's `repair`)
are history only: never the newest row.
The JSON columns hold: pre/post_snapshots {table: snapshot id string or null}, result the job result (a
`started` row of an attempt on Spark Connect: {"running": {session, user, tag, token}}, where its statements run;
jobs.py), error the error object {type, message, step, retriable}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .iceberg import quote_table_name

STARTED, COMMITTED, FAILED = "started", "committed", "failed"
COLUMNS = (
    "batch_id STRING, step STRING, status STRING, job_id STRING, attempt INT, "
    "pre_snapshots STRING, post_snapshots STRING, result STRING, error STRING, recorded_at TIMESTAMP"
)
# A duplicate committed row an older version left (two writers at once), set aside by `repair`.
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class LedgerRow:
    status: str
    attempt: int
    job_id: str | None
    pre_snapshots: dict
    result: dict | None
    # A `started` attempt's statements on a Spark Connect server: {session, user, tag, token}; None in-process.
    running: dict | None = None


def create_table(spark, table: str) -> None:
    """Creates the ledger table if it does not exist (idempotent; an existing table is left as it is)."""
    spark.sql(f"CREATE TABLE IF NOT EXISTS {quote_table_name(table)} ({COLUMNS}) USING iceberg TBLPROPERTIES ('format-version' = '2')")


class Ledger:
    def __init__(self, spark, table: str, batch_id: str, step: str):
        self.spark = spark
        self.table = table
        self.batch_id = batch_id
        self.step = step

    def newest(self) -> LedgerRow | None:
        """The latest row for (batch_id, step), or None when the job never ran."""
        rows = self.spark.sql(
            f"""
            SELECT status, attempt, job_id, pre_snapshots, result
            FROM {quote_table_name(self.table)}
            WHERE batch_id = :batch_id AND step = :step AND status <> 'superseded'
            -- The started row and the final row of one attempt may share a recorded_at
            -- (microsecond clock): attempt and then 'started first' break the tie.
            ORDER BY recorded_at DESC, attempt DESC, CASE WHEN status = 'started' THEN 0 ELSE 1 END DESC
            LIMIT 1
            """,
            args={"batch_id": self.batch_id, "step": self.step},
        ).collect()
        if not rows:
            return None
        row = rows[0]
        result = json.loads(row.result) if row.result else None
        started = row.status == STARTED
        return LedgerRow(
            status=row.status,
            attempt=row.attempt or 0,
            job_id=row.job_id,
            pre_snapshots=json.loads(row.pre_snapshots) if row.pre_snapshots else {},
            result=None if started else result,
            running=(result or {}).get("running") if started else None,
        )

    def append(
        self,
        status: str,
        job_id: str,
        attempt: int,
        pre_snapshots: dict,
        post_snapshots: dict | None = None,
        result: dict | None = None,
        error: dict | None = None,
        running: dict | None = None,
    ) -> None:
        """Appends one row (one Iceberg commit on the ledger table). `running`: a started attempt's statements."""
        if running is not None:
            result = {"running": running}
        self.spark.sql(
            f"""
            INSERT INTO {quote_table_name(self.table)}
              (batch_id, step, status, job_id, attempt, pre_snapshots, post_snapshots, result, error, recorded_at)
            VALUES (:batch_id, :step, :status, :job_id, :attempt,
                    :pre, CAST(:post AS STRING), CAST(:result AS STRING), CAST(:error AS STRING), current_timestamp())
            """,
            args={
                "batch_id": self.batch_id,
                "step": self.step,
                "status": status,
                "job_id": job_id,
                "attempt": attempt,
                "pre": json.dumps(pre_snapshots),
                "post": _json_or_none(post_snapshots),
                "result": _json_or_none(result),
                "error": _json_or_none(error),
            },
        )


def _json_or_none(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value)


def running_attempts(spark, table: str) -> list[dict]:
    """The `running` of every (batch_id, step) whose newest row is a `started` attempt on Spark Connect: the
    attempts that may still have statements on the server."""
    rows = spark.sql(
        f"""
        SELECT result FROM (
          SELECT status, result, row_number() OVER (
            PARTITION BY batch_id, step
            ORDER BY recorded_at DESC, attempt DESC, CASE WHEN status = 'started' THEN 0 ELSE 1 END DESC) AS newest
          FROM {quote_table_name(table)} WHERE status <> 'superseded')
        WHERE newest = 1 AND status = 'started' AND result IS NOT NULL
        """
    ).collect()
    return [running for running in (json.loads(r.result).get("running") for r in rows) if running]
