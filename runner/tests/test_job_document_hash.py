"""`run --job-sha256`: a job document read from shared storage is refused unless its bytes have the sha256
its submitter computed (issue 25: any job run may write the artifacts prefix, so without the check one job
could rewrite another's job.json before that run reads it). The launchers pass the hash in the run's own
arguments (libs/launcher jobDocument), which no job run can change.

Only the last test starts Spark (one subprocess); the refusals happen before a JVM or with a stand-in session.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summary_runner import __main__ as entry

ENTRY = Path(__file__).resolve().parents[1] / "summary_runner_main.py"
JOB = {"schemaVersion": 1, "jobId": "b-000007-CASE_I", "kind": "init", "steps": [{"name": "one", "kind": "collect", "sql": "SELECT 1 AS n", "maxRows": 1}]}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_entry(args: list) -> subprocess.CompletedProcess:
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    return subprocess.run([sys.executable, str(ENTRY)] + args, env=env, capture_output=True, text=True, timeout=300)


def write_job(path: Path, job: dict) -> bytes:
    data = json.dumps(job).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def test_a_job_file_changed_after_its_hash_was_taken_is_refused_before_spark_starts(tmp_path):
    job_file = tmp_path / "jobs" / "job.json"
    submitted = sha256(write_job(job_file, JOB))
    tampered = write_job(job_file, {**JOB, "steps": [{"name": "drop", "kind": "sql", "sql": "DROP TABLE local.db.summary"}]})
    result_file = tmp_path / "result.json"

    # No engine a session could be built from: the refusal must come first.
    completed = run_entry(
        ["run", "--engine-json", '{"master": "local[1]", "catalogs": {}}', "--job", str(job_file), "--job-sha256", submitted, "--result", str(result_file)]
    )

    assert completed.returncode == 2, completed.stderr[-3000:]
    assert completed.stdout == ""
    message = next(line for line in completed.stderr.splitlines() if "JobSpecError" in line)
    assert str(job_file) in message
    assert f"sha256 {sha256(tampered)}" in message
    assert f"submitter computed {submitted}" in message
    assert "not retriable" in message
    # The dispatcher learns why, and that a retry cannot help: a failed result, retriable false.
    result = json.loads(result_file.read_text())
    assert result["status"] == "failed"
    assert result["jobId"] == JOB["jobId"]
    assert result["error"]["type"] == "JobDocumentMismatch"
    assert result["error"]["retriable"] is False
    assert submitted in result["error"]["message"] and sha256(tampered) in result["error"]["message"]


class StandInSession:
    """What _run needs of a SparkSession when the job is refused: it must be stopped, never used for a job."""

    def __init__(self):
        self.stopped = False

    def stop(self):
        self.stopped = True


def test_a_job_uri_whose_bytes_differ_is_refused_and_never_run(tmp_path, monkeypatch):
    uri = "s3://artifacts/summary/jobs/p/b-000007/CASE_I/attempt-1/job.json"
    submitted = sha256(json.dumps(JOB).encode("utf-8"))
    rewritten = json.dumps({**JOB, "steps": []}).encode("utf-8")  # another job run rewrote it after the upload
    session = StandInSession()
    written = {}
    monkeypatch.setattr(entry, "create_session", lambda engine: session)
    monkeypatch.setattr(entry, "read_bytes", lambda spark, ref: rewritten, raising=False)
    monkeypatch.setattr(entry, "read_text", lambda spark, ref: rewritten.decode("utf-8"), raising=False)  # before the fix
    monkeypatch.setattr(entry, "write_text", lambda spark, ref, text: written.update({ref: text}))
    monkeypatch.setattr(entry, "run_job", lambda spark, job: pytest.fail(f"ran the rewritten job {job}"))

    with pytest.raises(entry.JobSpecError) as refused:
        entry._run({}, uri, "s3://artifacts/result.json", io.StringIO(), submitted)

    assert str(refused.value) == (
        f"job document {uri} has sha256 {sha256(rewritten)}, but its submitter computed {submitted}: it was "
        "changed after it was submitted (by another job or writer of its location); not run, not retriable"
    )
    assert refused.value.retriable is False
    assert session.stopped
    assert json.loads(written["s3://artifacts/result.json"])["error"]["retriable"] is False


@pytest.mark.parametrize("value", ["abc", "g" * 64, "A" * 63])
def test_a_malformed_hash_argument_is_bad_input(value, tmp_path):
    job_file = tmp_path / "job.json"
    write_job(job_file, JOB)

    completed = run_entry(["run", "--engine-json", '{"master": "local[1]", "catalogs": {}}', "--job", str(job_file), "--job-sha256", value])

    assert completed.returncode == 2
    assert "--job-sha256" in completed.stderr and "64 hexadecimal" in completed.stderr


@pytest.mark.in_process
def test_a_job_uri_with_its_submitted_hash_runs(engine_config, tmp_path):
    job_file = tmp_path / "jobs" / "job.json"
    submitted = sha256(write_job(job_file, JOB))
    result_file = tmp_path / "out" / "result.json"
    engine = {**engine_config, "master": "local[1]"}
    engine["sparkConf"] = {**engine_config["sparkConf"], "spark.ui.enabled": "false", "spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1"}

    completed = run_entry(
        ["run", "--engine-json", json.dumps(engine), "--job", f"file:{job_file}", "--job-sha256", submitted.upper(), "--result", f"file://{result_file}"]
    )

    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    assert result["status"] == "committed"
    assert result["collected"] == {"one": [{"n": 1}]}
