"""sql, collect and incremental_view steps, without a ledger."""

from __future__ import annotations

import time

import pytest

from summary_runner.errors import JobSpecError
from summary_runner.iceberg import current_snapshot_id
from summary_runner.jobs import run_job


def job(job_id: str, steps: list, **extra) -> dict:
    return {"schemaVersion": 1, "jobId": job_id, "kind": "case", "steps": steps, **extra}


def test_sql_and_collect_steps_return_rows_as_json(spark, ns):
    table = f"{ns}.accounts"
    result = run_job(
        spark,
        job(
            "sql-collect",
            [
                {
                    "name": "create",
                    "kind": "sql",
                    "sql": f"CREATE TABLE {table} (k BIGINT, d DATE, ts TIMESTAMP, tags ARRAY<STRING>, amount DECIMAL(12,2)) USING iceberg",
                },
                {
                    "name": "insert",
                    "kind": "sql",
                    "sql": f"""INSERT INTO {table} VALUES
            (9007199254740993, DATE'2024-02-29', TIMESTAMP'2024-02-29 23:59:58', array('a', NULL), 1234.50),
            (2, NULL, NULL, NULL, NULL)""",
                },
                {"name": "rows", "kind": "collect", "sql": f"SELECT * FROM {table} ORDER BY k DESC", "maxRows": 10},
                {"name": "counts", "kind": "collect", "sql": f"SELECT count(*) AS n FROM {table}", "maxRows": 1},
            ],
        ),
    )

    assert result["status"] == "committed"
    assert [s["name"] for s in result["steps"]] == ["create", "insert", "rows", "counts"]
    assert result["collected"]["rows"] == [
        {"k": 9007199254740993, "d": "2024-02-29", "ts": "2024-02-29 23:59:58", "tags": ["a", None], "amount": 1234.5},
        {"k": 2, "d": None, "ts": None, "tags": None, "amount": None},
    ]
    assert result["collected"]["counts"] == [{"n": 2}]
    assert spark.table(table).count() == 2


def test_collect_over_max_rows_fails_the_job(spark, ns):
    result = run_job(spark, job("too-many", [{"name": "rows", "kind": "collect", "sql": "SELECT id FROM range(5)", "maxRows": 4}]))

    assert result["status"] == "failed"
    assert result["error"]["type"] == "TooManyRowsError"
    assert result["error"]["step"] == "rows"
    assert result["error"]["retriable"] is False
    assert "maxRows=4" in result["error"]["message"]


def test_incremental_view_reads_exactly_the_appended_range(spark, ns):
    table = f"{ns}.raw"
    spark.sql(f"CREATE TABLE {table} (k INT, batch STRING) USING iceberg")
    snapshots = []
    for batch, keys in (("b1", (1, 2)), ("b2", (3,)), ("b3", (4, 5))):
        values = ", ".join(f"({k}, '{batch}')" for k in keys)
        spark.sql(f"INSERT INTO {table} VALUES {values}")
        snapshots.append(current_snapshot_id(spark, table))
    first, second, third = snapshots

    def view_keys(start, end) -> list:
        result = run_job(
            spark,
            job(
                "incremental",
                [
                    {"name": "src", "kind": "incremental_view", "view": "src", "table": table, "startSnapshotId": start, "endSnapshotId": end},
                    {"name": "rows", "kind": "collect", "sql": "SELECT k, batch FROM src ORDER BY k", "maxRows": 100},
                ],
            ),
        )
        assert result["status"] == "committed", result.get("error")
        return [(row["k"], row["batch"]) for row in result["collected"]["rows"]]

    assert view_keys(None, third) == [(1, "b1"), (2, "b1"), (3, "b2"), (4, "b3"), (5, "b3")]
    assert view_keys(first, third) == [(3, "b2"), (4, "b3"), (5, "b3")]
    assert view_keys(second, third) == [(4, "b3"), (5, "b3")]
    # The end is inclusive and time travel ignores later appends.
    assert view_keys(None, second) == [(1, "b1"), (2, "b1"), (3, "b2")]
    assert view_keys(first, second) == [(3, "b2")]


def test_analysis_error_is_reported_as_not_retriable(spark, ns):
    result = run_job(spark, job("missing-table", [{"name": "read", "kind": "collect", "sql": f"SELECT * FROM {ns}.does_not_exist", "maxRows": 1}]))

    assert result["status"] == "failed"
    assert result["error"]["type"] == "AnalysisException"
    assert "does_not_exist" in result["error"]["message"]
    assert result["error"]["retriable"] is False


@pytest.mark.parametrize(
    "bad_job, expected",
    [
        ({"schemaVersion": 2, "jobId": "j", "steps": []}, "schemaVersion is 2"),
        ({"schemaVersion": 1, "jobId": "j", "steps": [{"name": "s", "kind": "shell"}]}, "job.steps[0].kind is 'shell'"),
        ({"schemaVersion": 1, "jobId": "j", "steps": [{"name": "s", "kind": "collect", "sql": "SELECT 1"}]}, "missing 'maxRows'"),
        (
            {
                "schemaVersion": 1,
                "jobId": "j",
                "steps": [{"name": "v", "kind": "incremental_view", "view": "v", "table": "a.b", "startSnapshotId": 1, "endSnapshotId": "2"}],
            },
            "startSnapshotId must be",
        ),
        ({"schemaVersion": 1, "jobId": "j", "ledger": {"table": "l"}, "steps": [{"name": "s", "kind": "sql", "sql": "x"}]}, "job.ledger.batchId"),
        (
            {
                "schemaVersion": 1,
                "jobId": "j",
                "lease": {"table": "t", "pipeline": "p", "token": "k", "keepAlive": {"ttlMs": 1000, "everyMs": 1000}},
                "steps": [{"name": "s", "kind": "sql", "sql": "x"}],
            },
            "job.lease.keepAlive must be {ttlMs, everyMs} integers with 0 < everyMs < ttlMs",
        ),
        (
            {
                "schemaVersion": 1,
                "jobId": "j",
                "lease": {"table": "t", "pipeline": "p", "token": "k", "keepAlive": {"ttlMs": "120000"}},
                "steps": [{"name": "s", "kind": "sql", "sql": "x"}],
            },
            "job.lease.keepAlive must be",
        ),
    ],
)
def test_invalid_job_is_rejected_before_anything_runs(spark, bad_job, expected):
    with pytest.raises(JobSpecError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        run_job(spark, bad_job)


def test_temp_views_do_not_outlive_their_job(spark, ns):
    def create_view_job(job_id: str, value: int) -> dict:
        return job(
            job_id,
            [
                # Plain CREATE (not OR REPLACE) fails if an earlier job's view were still there.
                {"name": "view", "kind": "sql", "sql": f"CREATE TEMPORARY VIEW prepared AS SELECT {value} AS v"},
                {"name": "rows", "kind": "collect", "sql": "SELECT v FROM prepared", "maxRows": 1},
            ],
        )

    first = run_job(spark, create_view_job("first", 1))
    second = run_job(spark, create_view_job("second", 2))

    assert (first["status"], second["status"]) == ("committed", "committed")
    assert second["collected"]["rows"] == [{"v": 2}]
    assert not spark.catalog.tableExists("prepared")


def test_ledger_table_step_creates_the_runners_ledger_once(spark, ns):
    from summary_runner.ledger import COLUMNS, Ledger

    table = f"{ns}.summary_runs"
    create = {"name": "create ledger", "kind": "ledger_table", "table": table}
    assert run_job(spark, job("init-1", [create], kind="init"))["status"] == "committed"
    described = [(r.col_name, r.data_type) for r in spark.sql(f"DESCRIBE TABLE {table}").collect() if r.col_name and not r.col_name.startswith("#")]
    assert described == [tuple(c.strip().split(" ")) for c in COLUMNS.lower().split(",")]

    # The runner's own ledger code writes and reads it; a second init leaves the row where it was.
    Ledger(spark, table, "b-000001", "CASE_I").append("started", "b-000001-CASE_I", 1, {})
    assert run_job(spark, job("init-2", [create], kind="init"))["status"] == "committed"
    assert Ledger(spark, table, "b-000001", "CASE_I").newest().status == "started"


def test_ledger_table_step_without_a_table_is_refused_before_anything_runs(spark):
    with pytest.raises(JobSpecError, match=r"job.steps\[0\] \(ledger_table\) is missing 'table'"):
        run_job(spark, job("bad", [{"name": "create ledger", "kind": "ledger_table"}]))


def test_each_step_reports_its_start_and_spark_jobs(spark, ns, monkeypatch):
    # Counting a Connect server's jobs costs a REST call per step, so it is done only when profiling.
    monkeypatch.setenv("SUMMARY_PROFILE", "1")
    table = f"{ns}.profiled"
    before_ms = int(time.time() * 1000)
    result = run_job(
        spark,
        job(
            "profiled",
            [
                {"name": "create", "kind": "sql", "sql": f"CREATE TABLE {table} (k BIGINT) USING iceberg"},
                {"name": "view", "kind": "sql", "sql": "CREATE OR REPLACE TEMPORARY VIEW `__v` AS SELECT id AS k FROM range(10)"},
                {"name": "insert", "kind": "sql", "sql": f"INSERT INTO {table} SELECT k FROM `__v`"},
                {"name": "count", "kind": "collect", "sql": f"SELECT count(*) AS n FROM {table}", "maxRows": 1},
            ],
        ),
    )

    assert result["status"] == "committed", result.get("error")
    steps = {s["name"]: s for s in result["steps"]}
    # DDL and a temp view run no Spark job; a write and an aggregate run at least one each.
    assert steps["create"]["sparkJobs"] == 0
    assert steps["view"]["sparkJobs"] == 0
    assert steps["insert"]["sparkJobs"] >= 1
    assert steps["count"]["sparkJobs"] >= 1
    starts = [s["startedAtMs"] for s in result["steps"]]
    assert starts == sorted(starts) and starts[0] >= before_ms
    assert starts[-1] <= int(time.time() * 1000)
