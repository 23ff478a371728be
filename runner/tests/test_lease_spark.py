"""The lease's heartbeat on real Spark: it keeps renewing while a job occupies every core.

The heartbeat's MERGE is a Spark job too. Under FIFO scheduling it waited until every task of the running
job's stage had started, so a job of many tasks silenced it for longer than the lease's TTL and the
writer lost its lease mid-batch (seen on a loaded 2-core machine with the tests' 8 s TTL).
"""

from __future__ import annotations

import time

from summary_runner import lease


def _lease_table(spark, ns: str) -> str:
    table = f"{ns}.summary_lease"
    now = int(time.time() * 1000)
    spark.sql(
        f"CREATE TABLE {table} USING iceberg AS SELECT 'p' AS pipeline, 'mine' AS token, 1L AS epoch, 'h' AS host, "
        f"1 AS pid, 'run' AS command, {now}L AS acquired_at_ms, {now}L AS renewed_at_ms, {now + 60_000}L AS expires_at_ms, "
        "CAST(NULL AS BIGINT) AS released_at_ms"
    )
    return table


def test_the_heartbeat_renews_while_a_job_of_many_tasks_runs(spark, ns):
    table = _lease_table(spark, ns)
    keeper = lease.LeaseKeeper(spark, table, "p", "mine", ttl_ms=60_000, every_ms=200).start()
    try:
        time.sleep(2)  # the first renewals plan their MERGE before the job starts
        before = keeper.renewals
        started = time.monotonic()
        # 480 tasks of 50 ms on 2 cores: one stage that keeps both cores busy for ~12 s.
        spark.sparkContext.parallelize(range(480), 480).foreach(lambda _: time.sleep(0.05))
        busy_s = time.monotonic() - started
        during = keeper.renewals - before
    finally:
        keeper.stop()
    assert keeper.lost is False
    assert busy_s > 8, f"the job ran only {busy_s:.1f} s: too short to show anything"
    # FIFO scheduling let at most the renewal already under way finish while the stage ran.
    assert during >= 4, f"{during} renewal(s) in the {busy_s:.1f} s the job kept every core busy"
