"""The two process entry points, each in a subprocess (each pays its own JVM start)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys

from conftest import ledger_rows
from summary_runner.iceberg import current_snapshot_id

RUNNER = [sys.executable, "-m", "summary_runner"]
RESPONSE_TIMEOUT_S = 180


def run_cli(args: list, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(RUNNER + args, env=env, capture_output=True, text=True, timeout=300)


def test_run_mode_recovers_from_a_crash_between_two_writes(spark, ns, ledger_table, engine_file, tmp_path):
    summary, latest = f"{ns}.summary", f"{ns}.latest_summary"
    spark.sql(f"CREATE TABLE {summary} (k INT, v STRING) USING iceberg")
    spark.sql(f"CREATE TABLE {latest} (k INT, v STRING) USING iceberg")
    spark.sql(f"INSERT INTO {summary} VALUES (0, 'old')")
    summary_before = current_snapshot_id(spark, summary)
    job_file = tmp_path / "job.json"
    job_file.write_text(
        json.dumps(
            {
                "schemaVersion": 1,
                "jobId": "b-000002-CASE_II",
                "kind": "case",
                "ledger": {"table": ledger_table, "batchId": "b-000002", "step": "CASE_II"},
                "targets": [summary, latest],
                "steps": [
                    {"name": "write_summary", "kind": "sql", "sql": f"INSERT INTO {summary} VALUES (1, 'a'), (2, 'b')"},
                    {"name": "write_latest", "kind": "sql", "sql": f"INSERT INTO {latest} VALUES (1, 'a'), (2, 'b')"},
                ],
            }
        )
    )
    args = ["run", "--engine", str(engine_file), "--job", str(job_file)]

    crashed = run_cli(args, {"SUMMARY_RUNNER_CRASH_AFTER_STEP": "write_summary"})

    assert crashed.returncode == 137, crashed.stderr[-3000:]
    assert crashed.stdout == ""
    assert spark.table(summary).count() == 3  # the half-done attempt's write is there...
    assert [r.status for r in ledger_rows(spark, ledger_table, "b-000002", "CASE_II")] == ["started"]

    result_file = tmp_path / "result.json"
    rerun = run_cli(args + ["--result", str(result_file)])

    assert rerun.returncode == 0, rerun.stderr[-3000:]
    result = json.loads(rerun.stdout)  # stdout holds the result JSON and nothing else
    assert result == json.loads(result_file.read_text())
    assert result["status"] == "committed"
    assert result["attempt"] == 2
    assert result["snapshots"][summary]["before"] == summary_before  # ...and was rolled back first
    assert sorted(spark.table(summary).collect()) == [(0, "old"), (1, "a"), (2, "b")]
    assert sorted(spark.table(latest).collect()) == [(1, "a"), (2, "b")]
    assert [(r.status, r.attempt) for r in ledger_rows(spark, ledger_table, "b-000002", "CASE_II")] == [("started", 1), ("started", 2), ("committed", 2)]


class ServeProcess:
    """`python -m summary_runner serve` with requests on stdin and responses on a pipe fd."""

    def __init__(self, engine_file, stderr_file, env=None):
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            RUNNER + ["serve", "--engine", str(engine_file), "--response-fd", str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            pass_fds=(write_fd,),
            text=True,
            env={**os.environ, **(env or {})},
        )
        os.close(write_fd)
        self.responses = os.fdopen(read_fd, "r", encoding="utf-8")
        self.progress: list[dict] = []

    def request(self, request: dict) -> dict:
        """The request's response; progress reports that come before it are kept in `self.progress`."""
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        while True:
            ready, _, _ = select.select([self.responses], [], [], RESPONSE_TIMEOUT_S)
            assert ready, f"no response to {request} within {RESPONSE_TIMEOUT_S}s"
            line = self.responses.readline()
            assert line, f"response fd closed before answering {request} (exit code {self.proc.poll()})"
            response = json.loads(line)
            assert response["id"] == request.get("id")
            if "progress" not in response:
                return response
            self.progress.append(response)


def test_serve_mode_protocol(spark, ns, engine_file, tmp_path):
    table = f"{ns}.accounts"
    input_file = tmp_path / "in.jsonl"
    input_file.write_text(
        '{"k": 9007199254740993, "d": "2024-01-31", "ts": "2024-01-31 10:11:12", "name": "a"}\n'
        '{"k": 2, "d": null, "ts": null, "name": null}\n'
        '{"k": 3, "d": "2024-02-01", "ts": "2024-02-01 00:00:00", "name": "c"}\n'
    )
    bad_file = tmp_path / "bad.jsonl"
    bad_file.write_text('{"k": 4, "d": "2024-02-01"}\n{"k": "not a number"}\n')
    schema = [{"name": "k", "type": "BIGINT"}, {"name": "d", "type": "DATE"}, {"name": "ts", "type": "TIMESTAMP"}, {"name": "name", "type": "STRING"}]
    export_file = tmp_path / "out" / "export.jsonl"

    with open(tmp_path / "serve.stderr", "w") as stderr_file:
        server = ServeProcess(engine_file, stderr_file)
        try:
            ping = server.request({"id": 1, "op": "ping"})
            created = server.request(
                {
                    "id": 2,
                    "op": "run_job",
                    "job": {
                        "schemaVersion": 1,
                        "jobId": "create",
                        "kind": "init",
                        "steps": [
                            {"name": "create", "kind": "sql", "sql": f"CREATE TABLE {table} (k BIGINT, d DATE, ts TIMESTAMP, name STRING) USING iceberg"}
                        ],
                    },
                }
            )
            appended = server.request({"id": 3, "op": "append_jsonl", "table": table, "path": str(input_file), "schema": schema, "expectedRows": 3})
            queried = server.request({"id": 4, "op": "query", "sql": f"SELECT * FROM {table} ORDER BY k", "maxRows": 10})
            exported = server.request({"id": 5, "op": "export", "sql": f"SELECT k, d FROM {table} ORDER BY k DESC", "path": str(export_file)})
            bad_append = server.request({"id": 6, "op": "append_jsonl", "table": table, "path": str(bad_file), "schema": schema, "expectedRows": 2})
            bad_sql = server.request({"id": 7, "op": "query", "sql": "SELEC 1"})
            unknown = server.request({"id": 8, "op": "explode"})
            count_after_bad = server.request({"id": 9, "op": "query", "sql": f"SELECT count(*) AS n FROM {table}"})
            shutdown = server.request({"id": 10, "op": "shutdown"})
            exit_code = server.proc.wait(timeout=120)
            stdout = server.proc.stdout.read()
        finally:
            if server.proc.poll() is None:
                server.proc.kill()
                server.proc.wait()

    assert ping["ok"] is True
    assert ping["result"]["spark"].startswith("3.5.")
    assert ping["result"]["iceberg"] == "1.10.1"
    assert ping["result"]["icebergJar"] == "iceberg-spark-runtime-3.5_2.12-1.10.1.jar"
    assert created["ok"] is True and created["result"]["status"] == "committed"
    assert appended["ok"] is True
    assert appended["result"]["rows"] == 3
    assert appended["result"]["snapshotId"] == current_snapshot_id(spark, table)
    assert queried == {
        "id": 4,
        "ok": True,
        "result": {
            "rows": [
                {"k": 2, "d": None, "ts": None, "name": None},
                {"k": 3, "d": "2024-02-01", "ts": "2024-02-01 00:00:00", "name": "c"},
                {"k": 9007199254740993, "d": "2024-01-31", "ts": "2024-01-31 10:11:12", "name": "a"},
            ]
        },
    }
    assert exported["result"] == {"rows": 3}
    assert [json.loads(line) for line in export_file.read_text().splitlines()] == [
        {"k": 9007199254740993, "d": "2024-01-31"},
        {"k": 3, "d": "2024-02-01"},
        {"k": 2, "d": None},
    ]
    assert bad_append["ok"] is False and bad_append["error"]["retriable"] is False
    assert "CANNOT_PARSE_JSON_FIELD" in bad_append["error"]["message"]
    assert "\tat org.apache" not in bad_append["error"]["message"]  # no stack trace in the message
    assert count_after_bad["result"]["rows"] == [{"n": 3}]  # FAILFAST: nothing of the bad file was committed
    assert bad_sql["ok"] is False
    assert bad_sql["error"]["type"] == "ParseException" and bad_sql["error"]["retriable"] is False
    assert unknown["ok"] is False and "unknown op 'explode'" in unknown["error"]["message"]
    assert shutdown == {"id": 10, "ok": True, "result": {}}
    assert exit_code == 0
    assert stdout == ""  # JVM and Python chatter all went to stderr


def test_serve_mode_reports_progress_of_a_long_step(engine_file, tmp_path):
    """Every SUMMARY_PROGRESS_SECONDS while a step runs: {"id", "progress"} lines before the job's response."""
    # A collect step, so the query runs (a plain SELECT in a sql step is lazy); case jobs' MERGEs run eagerly.
    slow = "SELECT count(s) AS n FROM (SELECT reflect('java.lang.Thread', 'sleep', CAST(1500 AS BIGINT)) AS s FROM range(0, 8, 1, 8))"
    with open(tmp_path / "serve.stderr", "w") as stderr_file:
        server = ServeProcess(engine_file, stderr_file, env={"SUMMARY_PROGRESS_SECONDS": "0.5"})
        try:
            ping = server.request({"id": 1, "op": "ping"})
            done = server.request(
                {
                    "id": 2,
                    "op": "run_job",
                    "job": {
                        "schemaVersion": 1,
                        "jobId": "slow-job",
                        "kind": "init",
                        "steps": [{"name": "quick", "kind": "sql", "sql": "SELECT 1"}, {"name": "slow", "kind": "collect", "sql": slow, "maxRows": 1}],
                    },
                }
            )
            server.request({"id": 3, "op": "shutdown"})
            server.proc.wait(timeout=120)
        finally:
            if server.proc.poll() is None:
                server.proc.kill()
                server.proc.wait()
    assert ping["result"]["sparkUi"] is None  # off on local masters unless spark.ui.enabled
    assert done["ok"] is True and done["result"]["status"] == "committed"
    assert done["result"]["collected"]["slow"] == [{"n": 8}]
    reports = [p["progress"] for p in server.progress]
    assert reports and all(p["id"] == 2 for p in server.progress)
    # The slow step is reported; the quick one only when a loaded machine makes it outlast the interval.
    steps = {r["step"] for r in reports}
    assert {r["jobId"] for r in reports} == {"slow-job"} and "slow" in steps and steps <= {"quick", "slow"}
    slow_reports = [r for r in reports if r["step"] == "slow"]
    staged = [r for r in slow_reports if "stage" in r]
    # The 8-partition scan's stage (the count's final stage after it has 1 task), and sane counts in every report.
    assert any(r["tasksTotal"] == 8 for r in staged)
    assert all(0 <= r["tasksCompleted"] <= r["tasksTotal"] for r in staged)
    assert [r["elapsedMs"] for r in slow_reports] == sorted(r["elapsedMs"] for r in slow_reports)
