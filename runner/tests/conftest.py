"""One SparkSession for the whole test run (a JVM start costs seconds), warehouse in a tmp dir.

Each test works in its own namespace (fixture `ns`), so tests never see each other's tables.
With SUMMARY_SPARK_REMOTE=sc://host:port the session is a Spark Connect client of that server (issue 21):
the same tests then prove the connect mode; those that need an in-process Spark are marked `in_process`.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path

import pytest

from summary_runner.ledger import create_table as create_ledger_table
from summary_runner.session import create_session

REPO_DIR = Path(__file__).resolve().parents[2]
JARS_DIR = Path(os.environ.get("TOOLCHAIN_DIR", REPO_DIR / ".toolchain")) / "jars"

_namespace_numbers = itertools.count(1)
REMOTE = os.environ.get("SUMMARY_SPARK_REMOTE") or None


def pytest_configure(config):
    config.addinivalue_line("markers", "in_process: needs an in-process Spark (py4j, the status tracker); skipped on Spark Connect")


def pytest_collection_modifyitems(config, items):
    if REMOTE is None:
        return
    skip = pytest.mark.skip(reason=f"needs an in-process Spark; this run uses the Spark Connect server {REMOTE}")
    for item in items:
        if "in_process" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def engine_config(tmp_path_factory) -> dict:
    if not JARS_DIR.is_dir():
        pytest.exit(f"{JARS_DIR} is missing: run scripts/setup-toolchain.sh first", returncode=2)
    warehouse = tmp_path_factory.mktemp("warehouse")
    return {
        "appName": "summary-runner-tests",
        "master": "local[2]",
        "catalogs": {"local": {"type": "hadoop", "warehouse": str(warehouse)}},
        "defaultCatalog": "local",
        "sparkConf": {"spark.driver.memory": "1g", "spark.sql.shuffle.partitions": "2"},
        "jarsDir": str(JARS_DIR),
        **({"remote": REMOTE} if REMOTE else {}),
    }


@pytest.fixture(scope="session")
def engine_file(engine_config, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("engine") / "engine.json"
    path.write_text(json.dumps(engine_config))
    return path


@pytest.fixture(scope="session")
def spark(engine_config):
    session = create_session(engine_config)
    yield session
    session.stop()


@pytest.fixture
def ns(spark) -> str:
    """A fresh namespace `local.t<n>` for one test."""
    name = f"local.t{next(_namespace_numbers)}"
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {name}")
    return name


@pytest.fixture
def ledger_table(spark, ns) -> str:
    """The ledger table as the init job's `ledger_table` step creates it."""
    table = f"{ns}.summary_runs"
    create_ledger_table(spark, table)
    return table


def snapshot_count(spark, table: str) -> int:
    return spark.sql(f"SELECT * FROM {table}.snapshots").count()


def ledger_rows(spark, ledger_table: str, batch_id: str, step: str) -> list:
    return spark.sql(
        f"SELECT status, attempt, pre_snapshots, post_snapshots, error FROM {ledger_table} "
        f"WHERE batch_id = '{batch_id}' AND step = '{step}' ORDER BY recorded_at, attempt"
    ).collect()


def create_lease_table(spark, ns: str, token: str = "mine", expires_in_ms: int = 60_000) -> str:
    """A lease table in `ns` whose one row gives pipeline 'p' to `token` until now + `expires_in_ms`."""
    table = f"{ns}.summary_lease"
    now = int(time.time() * 1000)
    spark.sql(
        f"CREATE TABLE {table} USING iceberg AS SELECT 'p' AS pipeline, '{token}' AS token, 1L AS epoch, 'h' AS host, "
        f"1 AS pid, 'run' AS command, {now}L AS acquired_at_ms, {now}L AS renewed_at_ms, {now + expires_in_ms}L AS expires_at_ms, "
        "CAST(NULL AS BIGINT) AS released_at_ms"
    )
    return table
