"""Engine config -> Spark conf (pure; no Spark needed)."""

from __future__ import annotations

import pytest

from summary_runner.errors import ConfigError
from summary_runner.session import session_conf_for, spark_conf_for, validate_engine_config


def test_catalogs_become_iceberg_spark_catalogs(tmp_path):
    (tmp_path / "iceberg-spark-runtime-3.5_2.12-1.10.1.jar").write_bytes(b"")
    config = {
        "master": "local[*]",
        "catalogs": {
            "spark_catalog": {"type": "hadoop", "warehouse": "/w"},
            "other": {"type": "rest", "uri": "http://127.0.0.1:8181", "warehouse": "file:///w2"},
            "third": {"type": "jdbc", "uri": "jdbc:sqlite:/c.db", "warehouse": "/w3", "properties": {"jdbc.schema-version": "V1"}},
        },
        "defaultCatalog": "spark_catalog",
        "sparkConf": {"spark.sql.shuffle.partitions": 8},
        "jarsDir": str(tmp_path),
    }
    validate_engine_config(config)
    conf = spark_conf_for(config)

    assert conf["spark.sql.catalog.spark_catalog"] == "org.apache.iceberg.spark.SparkCatalog"
    assert conf["spark.sql.catalog.spark_catalog.type"] == "hadoop"
    assert conf["spark.sql.catalog.other.uri"] == "http://127.0.0.1:8181"
    assert conf["spark.sql.catalog.third.jdbc.schema-version"] == "V1"
    assert conf["spark.sql.defaultCatalog"] == "spark_catalog"
    assert conf["spark.sql.shuffle.partitions"] == "8"  # sparkConf overrides the local default
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.sql.variable.substitute"] == "false"  # no ${...} expansion in compiled SQL
    assert conf["spark.jars"] == str(tmp_path / "iceberg-spark-runtime-3.5_2.12-1.10.1.jar")


def test_non_local_master_gets_no_local_defaults():
    conf = spark_conf_for({"catalogs": {}})
    assert "spark.ui.enabled" not in conf
    assert "spark.sql.shuffle.partitions" not in conf


@pytest.mark.parametrize(
    "config, expected",
    [
        ({"catalog": {}}, "unknown key(s) ['catalog']"),
        ({"catalogs": {"c": {"type": "hive"}}}, "catalogs.c.type is 'hive'"),
        ({"catalogs": {"c": {"type": "rest"}}}, "catalogs.c.uri is required"),
        ({"catalogs": {"c": {"type": "hadoop", "warehouse": "/w"}}, "defaultCatalog": "d"}, "'defaultCatalog' is 'd'"),
        ({"sparkConf": {"spark.sql.session.timeZone": "Europe/Paris"}}, "sparkConf.spark.sql.session.timeZone is set by the runner"),
    ],
)
def test_invalid_engine_config_names_the_key(config, expected):
    with pytest.raises(ConfigError) as raised:
        validate_engine_config(config)
    assert expected in str(raised.value)


def test_catalog_secrets_come_from_the_environment_not_the_document(monkeypatch):
    monkeypatch.setenv("SUMMARY_CATALOG_CREDENTIAL", "client:s3cr3t")
    config = {
        "catalogs": {
            "c": {
                "type": "rest",
                "uri": "https://catalog",
                "properties": {"scope": "catalog"},
                "propertiesFromEnv": {"credential": "SUMMARY_CATALOG_CREDENTIAL"},
            }
        }
    }
    validate_engine_config(config)
    conf = spark_conf_for(config)

    assert conf["spark.sql.catalog.c.credential"] == "client:s3cr3t"
    assert conf["spark.sql.catalog.c.scope"] == "catalog"


def test_a_missing_catalog_secret_names_the_variable(monkeypatch):
    monkeypatch.delenv("SUMMARY_CATALOG_TOKEN", raising=False)
    config = {"catalogs": {"c": {"type": "rest", "uri": "https://catalog", "propertiesFromEnv": {"token": "SUMMARY_CATALOG_TOKEN"}}}}
    with pytest.raises(ConfigError) as raised:
        spark_conf_for(config)
    assert "catalogs.c.propertiesFromEnv.token: environment variable SUMMARY_CATALOG_TOKEN is not set" in str(raised.value)


def test_a_spark_connect_session_sets_only_its_sql_settings(tmp_path):
    jars = tmp_path / "jars"
    jars.mkdir()
    (jars / "iceberg-spark-runtime-3.5_2.12-1.10.1.jar").write_bytes(b"")
    config = {
        "master": "local[2]",
        "remote": "sc://127.0.0.1:15002",
        "jarsDir": str(jars),
        "defaultCatalog": "local",
        "catalogs": {"local": {"type": "hadoop", "warehouse": "/w"}},
        "sparkConf": {"spark.driver.memory": "2g", "spark.sql.shuffle.partitions": "3", "spark.sql.adaptive.enabled": "false"},
    }
    validate_engine_config(config)
    conf = session_conf_for(config)
    assert conf["spark.sql.catalog.local"] == "org.apache.iceberg.spark.SparkCatalog"
    assert conf["spark.sql.catalog.local.warehouse"] == "/w"
    assert conf["spark.sql.defaultCatalog"] == "local"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.sql.shuffle.partitions"] == "3" and conf["spark.sql.adaptive.enabled"] == "false"
    # The server's: its jars, memory, scheduler and the static extensions setting (checked, not set: SERVER_CONF).
    for key in ("spark.jars", "spark.driver.memory", "spark.scheduler.mode", "spark.sql.extensions", "spark.ui.enabled"):
        assert key not in conf, key


@pytest.mark.parametrize("remote", ["http://127.0.0.1:15002", "sc://127.0.0.1", "sc://host:15002 ; rm", 15002])
def test_a_remote_that_is_not_a_spark_connect_url_is_refused(remote):
    with pytest.raises(ConfigError, match="engine config 'remote' must be a Spark Connect URL like 'sc://127.0.0.1:15002'"):
        validate_engine_config({"remote": remote})
