"""Ledger: exactly-once in effect, rollback of a failed attempt."""

from __future__ import annotations

import json

from conftest import ledger_rows, snapshot_count
from summary_runner.iceberg import current_snapshot_id
from summary_runner.jobs import run_job


def ledger_job(ledger_table: str, targets: list, steps: list, step: str = "CASE_I") -> dict:
    return {
        "schemaVersion": 1,
        "jobId": f"b-000001-{step}",
        "kind": "case",
        "ledger": {"table": ledger_table, "batchId": "b-000001", "step": step},
        "targets": targets,
        "steps": steps,
    }


def test_second_run_of_a_committed_job_executes_nothing(spark, ns, ledger_table):
    summary = f"{ns}.summary"
    spark.sql(f"CREATE TABLE {summary} (k INT, v STRING) USING iceberg")
    job = ledger_job(
        ledger_table,
        [summary],
        [
            {"name": "insert", "kind": "sql", "sql": f"INSERT INTO {summary} VALUES (1, 'a'), (2, 'b')"},
            {"name": "counts", "kind": "collect", "sql": f"SELECT count(*) AS n FROM {summary}", "maxRows": 1},
        ],
    )

    first = run_job(spark, job)
    snapshot_after_first = current_snapshot_id(spark, summary)
    snapshots_after_first = snapshot_count(spark, summary)
    second = run_job(spark, job)

    assert first["status"] == "committed"
    assert first["attempt"] == 1
    assert first["snapshots"] == {summary: {"before": None, "after": snapshot_after_first}}
    assert second["status"] == "already_committed"
    assert second["collected"] == {"counts": [{"n": 2}]}  # the result recorded by the first run
    assert second["snapshots"] == first["snapshots"]
    assert current_snapshot_id(spark, summary) == snapshot_after_first
    assert snapshot_count(spark, summary) == snapshots_after_first
    assert spark.table(summary).count() == 2
    assert [(r.status, r.attempt) for r in ledger_rows(spark, ledger_table, "b-000001", "CASE_I")] == [("started", 1), ("committed", 1)]


def test_failed_step_rolls_targets_back_and_a_corrected_rerun_commits(spark, ns, ledger_table):
    summary, latest = f"{ns}.summary", f"{ns}.latest_summary"
    spark.sql(f"CREATE TABLE {summary} (k INT, v STRING) USING iceberg")
    spark.sql(f"CREATE TABLE {latest} (k INT, v STRING) USING iceberg")  # no snapshot yet
    spark.sql(f"INSERT INTO {summary} VALUES (0, 'before')")
    summary_before = current_snapshot_id(spark, summary)
    writes = [
        {"name": "merge_summary", "kind": "sql", "sql": f"INSERT INTO {summary} VALUES (1, 'new')"},
        {"name": "latest", "kind": "sql", "sql": f"INSERT INTO {latest} VALUES (1, 'new')"},
    ]
    broken = ledger_job(
        ledger_table,
        [summary, latest],
        writes + [{"name": "bad", "kind": "sql", "sql": f"SELEC k FROM {summary}"}],
    )

    failed = run_job(spark, broken)

    assert failed["status"] == "failed"
    assert failed["error"]["step"] == "bad"
    assert failed["error"]["type"] == "ParseException"
    assert failed["error"]["retriable"] is False
    assert [s["name"] for s in failed["steps"]] == ["merge_summary", "latest"]
    assert current_snapshot_id(spark, summary) == summary_before
    assert sorted(spark.table(summary).collect()) == [(0, "before")]
    assert spark.table(latest).count() == 0  # had no snapshot: emptied with DELETE FROM
    assert failed["snapshots"][summary] == {"before": summary_before, "after": summary_before}
    assert failed["snapshots"][latest]["before"] is None
    rows = ledger_rows(spark, ledger_table, "b-000001", "CASE_I")
    assert [(r.status, r.attempt) for r in rows] == [("started", 1), ("failed", 1)]
    assert json.loads(rows[0].pre_snapshots) == {summary: summary_before, latest: None}
    assert json.loads(rows[1].error)["step"] == "bad"

    corrected = ledger_job(
        ledger_table,
        [summary, latest],
        writes + [{"name": "counts", "kind": "collect", "sql": f"SELECT count(*) AS n FROM {summary}", "maxRows": 1}],
    )
    rerun = run_job(spark, corrected)

    assert rerun["status"] == "committed"
    assert rerun["attempt"] == 2
    assert rerun["collected"]["counts"] == [{"n": 2}]
    assert sorted(spark.table(summary).collect()) == [(0, "before"), (1, "new")]
    assert spark.table(latest).collect() == [(1, "new")]
    statuses = [(r.status, r.attempt) for r in ledger_rows(spark, ledger_table, "b-000001", "CASE_I")]
    assert statuses == [("started", 1), ("failed", 1), ("started", 2), ("committed", 2)]


def test_missing_ledger_table_fails_without_executing_steps(spark, ns):
    summary = f"{ns}.summary"
    spark.sql(f"CREATE TABLE {summary} (k INT) USING iceberg")
    result = run_job(
        spark,
        ledger_job(
            f"{ns}.no_ledger",
            [summary],
            [{"name": "insert", "kind": "sql", "sql": f"INSERT INTO {summary} VALUES (1)"}],
        ),
    )

    assert result["status"] == "failed"
    assert result["error"]["type"] == "AnalysisException"
    assert result["error"]["step"] is None
    assert result["steps"] == []
    assert spark.table(summary).count() == 0
