"""`run` as EMR on EKS starts it: summary_runner_main.py, the engine inline (--engine-json), no master,
job and result as URIs read and written through Hadoop (here `file:`; on EMR `s3://`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summary_runner.errors import ConfigError
from summary_runner.session import spark_conf_for, validate_engine_config
from summary_runner.uris import is_uri

ENTRY = Path(__file__).resolve().parents[1] / "summary_runner_main.py"


def run_entry(args: list) -> subprocess.CompletedProcess:
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    return subprocess.run([sys.executable, str(ENTRY)] + args, env=env, capture_output=True, text=True, timeout=300)


def emr_like_engine(engine_config: dict) -> dict:
    """The test engine without a master (pyspark then defaults to local[*], as spark-submit decides on EMR)."""
    engine = {**engine_config, "master": None}
    engine["sparkConf"] = {**engine_config["sparkConf"], "spark.ui.enabled": "false", "spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1"}
    return engine


@pytest.mark.in_process
def test_run_with_engine_json_reads_the_job_and_writes_the_result_through_file_uris(spark, ns, engine_config, tmp_path):
    table = f"{ns}.accounts"
    job_file = tmp_path / "jobs" / "job.json"
    job_file.parent.mkdir()
    job_file.write_text(
        json.dumps(
            {
                "schemaVersion": 1,
                "jobId": "emr-entry",
                "kind": "init",
                "steps": [
                    {"name": "create", "kind": "sql", "sql": f"CREATE TABLE {table} (k INT, v STRING) USING iceberg"},
                    {"name": "insert", "kind": "sql", "sql": f"INSERT INTO {table} VALUES (1, 'a'), (2, 'b')"},
                    {"name": "counts", "kind": "collect", "sql": f"SELECT count(*) AS n FROM {table}", "maxRows": 1},
                ],
            }
        )
    )
    result_file = tmp_path / "out" / "attempt-1" / "result.json"  # parents do not exist yet

    completed = run_entry(
        ["run", "--engine-json", json.dumps(emr_like_engine(engine_config)), "--job", f"file:{job_file}", "--result", f"file://{result_file}"]
    )

    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    assert result == json.loads(result_file.read_text())
    assert result["status"] == "committed"
    assert result["collected"] == {"counts": [{"n": 2}]}
    assert sorted(spark.table(table).collect()) == [(1, "a"), (2, "b")]


@pytest.mark.in_process
def test_a_job_uri_that_does_not_exist_is_bad_input(engine_config, tmp_path):
    missing = tmp_path / "nowhere" / "job.json"

    completed = run_entry(
        ["run", "--engine-json", json.dumps(emr_like_engine(engine_config)), "--job", f"file://{missing}", "--result", f"file://{tmp_path}/result.json"]
    )

    assert completed.returncode == 2, completed.stderr[-3000:]
    assert f"JobSpecError: cannot read job file://{missing}: java.io.FileNotFoundException" in completed.stderr
    assert completed.stdout == ""
    assert not (tmp_path / "result.json").exists()


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--engine-json", '{"master": 5}'], "ConfigError: engine config 'master' must be a non-empty string or null"),
        (["--engine-json", "{catalogs"], "ConfigError: --engine-json is not valid JSON"),
        (["--engine-json", "{}", "--engine", "engine.json"], "argument --engine: not allowed with argument --engine-json"),
    ],
)
def test_invalid_engine_arguments_exit_2_before_spark_starts(args, expected, tmp_path):
    completed = run_entry(["run", *args, "--job", str(tmp_path / "job.json")])

    assert completed.returncode == 2
    assert expected in completed.stderr


def test_master_may_be_null_and_then_gets_no_local_defaults():
    config = {"master": None, "catalogs": {}}
    validate_engine_config(config)

    conf = spark_conf_for(config)

    assert "spark.master" not in conf
    assert "spark.ui.enabled" not in conf
    assert conf["spark.sql.session.timeZone"] == "UTC"


def test_an_empty_master_is_refused():
    with pytest.raises(ConfigError, match="'master' must be a non-empty string or null"):
        validate_engine_config({"master": ""})


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("s3://bucket/jobs/job.json", True),
        ("s3a://bucket/job.json", True),
        ("file:/tmp/job.json", True),
        ("file:///tmp/job.json", True),
        ("/tmp/job.json", False),
        ("job.json", False),
    ],
)
def test_is_uri(ref, expected):
    assert is_uri(ref) is expected
