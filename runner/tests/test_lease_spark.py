"""The lease's heartbeat on real Spark: it keeps renewing while a job occupies every core.

The heartbeat's MERGE is a Spark job too. Under FIFO scheduling it waited until every task of the running
job's stage had started, so a job of many tasks silenced it for longer than the lease's TTL and the
writer lost its lease mid-batch (seen on a loaded 2-core machine with the tests' 8 s TTL).
"""

from __future__ import annotations

import time

from conftest import create_lease_table, ledger_rows
from summary_runner import lease
from summary_runner.session import is_connect


def test_the_heartbeat_renews_while_a_job_of_many_tasks_runs(spark, ns):
    table = create_lease_table(spark, ns)
    keeper = lease.LeaseKeeper(spark, table, "p", "mine", ttl_ms=60_000, every_ms=200).start()
    try:
        time.sleep(2)  # the first renewals plan their MERGE before the job starts
        before = keeper.renewals
        started = time.monotonic()
        # 480 tasks of 50 ms on 2 cores: one stage that keeps both cores busy for ~12 s.
        # (SQL, not an RDD, so that it runs on a Spark Connect session too.)
        slept = spark.range(0, 480, 1, 480).selectExpr("reflect('java.lang.Thread', 'sleep', CAST(50 AS BIGINT)) AS slept")
        slept.write.format("noop").mode("overwrite").save()
        busy_s = time.monotonic() - started
        during = keeper.renewals - before
    finally:
        keeper.stop()
    assert keeper.lost is False
    assert busy_s > 8, f"the job ran only {busy_s:.1f} s: too short to show anything"
    # FIFO scheduling let at most the renewal already under way finish while the stage ran.
    assert during >= 4, f"{during} renewal(s) in the {busy_s:.1f} s the job kept every core busy"


def _lease_row(spark, table: str):
    return spark.sql(f"SELECT renewed_at_ms, expires_at_ms FROM {table}").collect()[0]


def test_a_job_with_keep_alive_renews_its_lease_while_it_runs_and_stops_after(spark, ns):
    # A job submitted to a cluster keeps its writer's lease itself (job.lease.keepAlive): the dispatcher
    # that submitted it may die, and nobody else may write while the job runs.
    from summary_runner.jobs import run_job

    table = create_lease_table(spark, ns)
    before = _lease_row(spark, table)
    fence = {"table": table, "pipeline": "p", "token": "mine", "keepAlive": {"ttlMs": 60_000, "everyMs": 300}}
    # The step holds the job for ~4 s (a SQL sleep on the driver), the time of a few heartbeats.
    job = {
        "schemaVersion": 1,
        "jobId": "keep-alive",
        "lease": fence,
        "steps": [{"name": "wait", "kind": "collect", "maxRows": 1, "sql": "SELECT reflect('java.lang.Thread', 'sleep', CAST(4000 AS BIGINT)) AS slept"}],
    }
    result = run_job(spark, job)
    assert result["status"] == "committed", result
    during = _lease_row(spark, table)
    assert during.renewed_at_ms > before.renewed_at_ms, "the job's driver never renewed its lease"
    assert during.expires_at_ms >= during.renewed_at_ms + 60_000
    time.sleep(1.5)  # five heartbeats' worth: a keeper left running would renew again
    assert _lease_row(spark, table).renewed_at_ms == during.renewed_at_ms, "the keeper went on after the job ended"


def test_a_job_of_another_writer_starts_no_keeper_and_runs_nothing(spark, ns):
    from summary_runner.jobs import run_job

    table = create_lease_table(spark, ns)
    before = _lease_row(spark, table)
    fence = {"table": table, "pipeline": "p", "token": "theirs", "keepAlive": {"ttlMs": 60_000, "everyMs": 300}}
    job = {"schemaVersion": 1, "jobId": "not-mine", "lease": fence, "steps": [{"name": "wait", "kind": "collect", "maxRows": 1, "sql": "SELECT 1 AS one"}]}
    result = run_job(spark, job)
    assert result["status"] == "failed" and result["error"]["type"] == "LeaseNotHeldError", result
    time.sleep(1)
    assert _lease_row(spark, table).renewed_at_ms == before.renewed_at_ms


def test_a_job_with_keep_alive_renews_a_lease_its_submitter_let_lapse_while_nobody_took_it(spark, ns):
    # The submitter's heartbeat ran late on a busy machine (seen in CI: a 6 s TTL while a driver JVM
    # started): the lease row still carries the job's token, so the token, not the clock, decides.
    from summary_runner.jobs import run_job

    table = create_lease_table(spark, ns, expires_in_ms=-1_000)
    fence = {"table": table, "pipeline": "p", "token": "mine", "keepAlive": {"ttlMs": 60_000, "everyMs": 300}}
    job = {"schemaVersion": 1, "jobId": "late-heartbeat", "lease": fence, "steps": [{"name": "one", "kind": "collect", "maxRows": 1, "sql": "SELECT 1 AS one"}]}
    result = run_job(spark, job)
    assert result["status"] == "committed", result
    assert _lease_row(spark, table).expires_at_ms > int(time.time() * 1000) + 50_000

    # Without keepAlive (a job of a writer that renews for itself) a lapsed lease is not the job's.
    spark.sql(f"UPDATE {table} SET expires_at_ms = 0")
    plain = {**job, "jobId": "lapsed", "lease": {k: v for k, v in fence.items() if k != "keepAlive"}}
    refused = run_job(spark, plain)
    assert refused["status"] == "failed" and refused["error"]["type"] == "LeaseNotHeldError", refused
    assert "expired" in refused["error"]["message"]


def test_a_job_with_keep_alive_stops_before_its_next_step_once_another_writer_took_its_lease(spark, ns):
    # Its submitter silent for a TTL, another writer took the lease over while the job ran: the job's keeper
    # finds another token at its next beat, and the job writes nothing after that.
    from summary_runner.jobs import run_job

    table = create_lease_table(spark, ns)
    target = f"{ns}.kept_target"
    spark.sql(f"CREATE TABLE {target} (n INT) USING iceberg")
    fence = {"table": table, "pipeline": "p", "token": "mine", "keepAlive": {"ttlMs": 60_000, "everyMs": 200}}
    # The keeper must see the takeover during the wait. On Spark Connect its renewal queues behind the other suites'
    # statements on the shared server (and may first lose a commit race to the takeover): 2 s was once not enough in
    # the test command. There the keeper's interrupt ends the wait as soon as it sees the takeover, so 20 s costs
    # nothing when it works.
    wait_ms = 20_000 if is_connect(spark) else 2_000
    steps = [
        {"name": "taken over", "kind": "sql", "sql": f"UPDATE {table} SET token = 'theirs', epoch = 2"},
        {"name": "wait", "kind": "collect", "maxRows": 1, "sql": f"SELECT reflect('java.lang.Thread', 'sleep', CAST({wait_ms} AS BIGINT)) AS slept"},
        {"name": "write", "kind": "sql", "sql": f"INSERT INTO {target} VALUES (1)"},
    ]
    result = run_job(spark, {"schemaVersion": 1, "jobId": "taken-over", "lease": fence, "targets": [target], "steps": steps})
    assert result["status"] == "failed" and result["error"]["type"] == "LeaseNotHeldError", result
    if is_connect(spark):
        # On Spark Connect the keeper interrupts the job's statements at once: the sleeping step itself stops.
        assert result["error"]["step"] == "wait"
        assert [s["name"] for s in result["steps"]] == ["taken over"]
    else:
        assert result["error"]["step"] == "write"
        assert [s["name"] for s in result["steps"]] == ["taken over", "wait"]
    assert spark.sql(f"SELECT count(*) AS n FROM {target}").collect()[0].n == 0
    assert spark.sql(f"SELECT token FROM {table}").collect()[0].token == "theirs"


def test_an_attempt_that_fails_after_its_lease_was_taken_leaves_its_rollback_to_the_holder(spark, ns, ledger_table):
    # A rollback is a write: from a writer without the lease it could undo the new holder's commits (rollback_to_snapshot
    # moves the table back past them). The attempt's `started` row stays the newest; the holder rolls it back first.
    from summary_runner.jobs import run_job

    table = create_lease_table(spark, ns)
    target = f"{ns}.lost_target"
    spark.sql(f"CREATE TABLE {target} (n INT) USING iceberg")
    fence = {"table": table, "pipeline": "p", "token": "mine"}
    steps = [
        {"name": "write", "kind": "sql", "sql": f"INSERT INTO {target} VALUES (1)"},
        {"name": "taken over", "kind": "sql", "sql": f"UPDATE {table} SET token = 'theirs', epoch = 2"},
        {"name": "fail", "kind": "sql", "sql": "SELECT no_such_column FROM range(1)"},
    ]
    ledger = {"table": ledger_table, "batchId": "b-000001", "step": "CASE_I"}
    result = run_job(spark, {"schemaVersion": 1, "jobId": "lost", "lease": fence, "ledger": ledger, "targets": [target], "steps": steps})
    assert result["status"] == "failed" and result["error"]["type"] == "LeaseNotHeldError", result
    assert result["error"]["step"] == "fail" and "left to the lease holder's rollback" in result["error"]["message"]
    assert "no_such_column" in result["error"]["message"]
    assert [r.n for r in spark.table(target).collect()] == [1]  # not rolled back by the writer that lost the lease
    assert [(r.status, r.attempt) for r in ledger_rows(spark, ledger_table, "b-000001", "CASE_I")] == [("started", 1)]

    # The holder's attempt rolls it back and runs the step once.
    spark.sql(f"UPDATE {table} SET token = 'mine', epoch = 3")
    again = run_job(spark, {"schemaVersion": 1, "jobId": "again", "lease": fence, "ledger": ledger, "targets": [target], "steps": steps[:1]})
    assert again["status"] == "committed" and again["attempt"] == 2, again
    assert [r.n for r in spark.table(target).collect()] == [1]
