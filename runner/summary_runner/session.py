"""Engine config (JSON) -> a SparkSession configured for Iceberg.

Engine config, e.g.:
    {"appName": "summary-pipeline", "master": "local[*]",
     "catalogs": {"local": {"type": "hadoop", "warehouse": "/abs/dir"}},
     "defaultCatalog": "local", "sparkConf": {"spark.driver.memory": "4g"},
     "jarsDir": "/abs/.toolchain/jars"}
Every key is documented in runner/README.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import ConfigError

ENGINE_KEYS = {"appName", "master", "catalogs", "defaultCatalog", "sparkConf", "jarsDir"}
CATALOG_KEYS = {"type", "uri", "warehouse", "properties", "propertiesFromEnv"}
# Catalog type -> the keys it cannot work without.
CATALOG_TYPES = {"hadoop": ("warehouse",), "rest": ("uri",), "jdbc": ("uri", "warehouse")}

# Settings the runner's behaviour depends on; sparkConf may not change them.
FIXED_CONF = {
    "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    # Dates/timestamps in results and in append_jsonl are read and written as UTC.
    "spark.sql.session.timeZone": "UTC",
    # Null columns must appear as null in JSON results, not disappear.
    "spark.sql.jsonGenerator.ignoreNullFields": "false",
    # No ${...} substitution in SQL text: the config check refuses it in expressions, and this keeps a
    # compiled job's text the text that runs (docs/config-expressions.md).
    "spark.sql.variable.substitute": "false",
}
# Defaults for every master; sparkConf may override them.
DEFAULT_CONF = {
    # The progress bar redraws on stderr many times a second, drowning the runner's own log lines.
    "spark.ui.showConsoleProgress": "false",
    # The lease's heartbeat (lease.py) runs its small Spark jobs in a pool of its own, beside the job it
    # keeps alive. Under the default FIFO mode they would wait until every task of that job's running
    # stage had started, and on a busy cluster outlive the lease's TTL. Jobs within a pool stay FIFO.
    "spark.scheduler.mode": "FAIR",
}
# Defaults for local masters only; sparkConf may override them.
LOCAL_DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    # Listen on loopback only: a local runner serves this machine, nothing else.
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    # The default 200 partitions cost seconds per shuffle on 2 cores for small tables.
    "spark.sql.shuffle.partitions": "4",
}


def load_engine_config(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"engine config file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"engine config {path} is not valid JSON: {exc}") from None
    validate_engine_config(config)
    return config


def parse_engine_config(text: str) -> dict:
    """The engine config given inline (`--engine-json`, as the EMR launcher passes it)."""
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"--engine-json is not valid JSON: {exc}; received {text[:200]!r}") from None
    validate_engine_config(config)
    return config


def validate_engine_config(config: object) -> None:
    if not isinstance(config, dict):
        raise ConfigError(f"engine config must be a JSON object, got {type(config).__name__}")
    unknown = sorted(set(config) - ENGINE_KEYS)
    if unknown:
        raise ConfigError(f"engine config has unknown key(s) {unknown}; expected only {sorted(ENGINE_KEYS)}")
    for key in ("appName", "defaultCatalog", "jarsDir"):
        if key in config and not isinstance(config[key], str):
            raise ConfigError(f"engine config '{key}' must be a string, got {config[key]!r}")
    if config.get("master") is not None and not (isinstance(config["master"], str) and config["master"]):
        raise ConfigError(f"engine config 'master' must be a non-empty string or null (spark-submit decides), got {config['master']!r}")
    catalogs = config.get("catalogs", {})
    if not isinstance(catalogs, dict):
        raise ConfigError(f"engine config 'catalogs' must be an object of name -> catalog, got {catalogs!r}")
    for name, catalog in catalogs.items():
        _validate_catalog(name, catalog)
    default = config.get("defaultCatalog")
    if default is not None and default not in catalogs:
        raise ConfigError(f"engine config 'defaultCatalog' is {default!r}; expected one of the catalogs {sorted(catalogs)}")
    spark_conf = config.get("sparkConf", {})
    if not isinstance(spark_conf, dict):
        raise ConfigError(f"engine config 'sparkConf' must be an object of string -> string, got {spark_conf!r}")
    for key, value in spark_conf.items():
        if key in FIXED_CONF or key.startswith("spark.sql.catalog.") or key == "spark.sql.defaultCatalog":
            raise ConfigError(
                f"engine config sparkConf.{key} is set by the runner; use 'catalogs'/'defaultCatalog' "
                f"or leave it out (fixed: {sorted(FIXED_CONF)})"
            )
        if not isinstance(value, (str, int, float, bool)):
            raise ConfigError(f"engine config sparkConf.{key} must be a string/number/boolean, got {value!r}")


def _validate_catalog(name: str, catalog: object) -> None:
    where = f"engine config catalogs.{name}"
    if not isinstance(catalog, dict):
        raise ConfigError(f"{where} must be an object, got {catalog!r}")
    unknown = sorted(set(catalog) - CATALOG_KEYS)
    if unknown:
        raise ConfigError(f"{where} has unknown key(s) {unknown}; expected only {sorted(CATALOG_KEYS)}")
    catalog_type = catalog.get("type")
    if catalog_type not in CATALOG_TYPES:
        raise ConfigError(f"{where}.type is {catalog_type!r}; expected one of {sorted(CATALOG_TYPES)}")
    for key in CATALOG_TYPES[catalog_type]:
        if not isinstance(catalog.get(key), str) or not catalog[key]:
            raise ConfigError(f"{where}.{key} is required for type {catalog_type!r}, got {catalog.get(key)!r}")
    if not isinstance(catalog.get("properties", {}), dict):
        raise ConfigError(f"{where}.properties must be an object of string -> string, got {catalog['properties']!r}")
    from_env = catalog.get("propertiesFromEnv", {})
    if not isinstance(from_env, dict) or not all(isinstance(v, str) and v for v in from_env.values()):
        raise ConfigError(f"{where}.propertiesFromEnv must be an object of property -> environment variable name, got {from_env!r}")


def spark_conf_for(config: dict) -> dict[str, str]:
    """The full Spark conf for an (already validated) engine config.

    e.g. {"catalogs": {"local": {"type": "hadoop", "warehouse": "/w"}}} ->
         {"spark.sql.catalog.local": "org.apache.iceberg.spark.SparkCatalog",
          "spark.sql.catalog.local.type": "hadoop", "spark.sql.catalog.local.warehouse": "/w", ...}
    """
    conf: dict[str, str] = dict(DEFAULT_CONF)
    if (config.get("master") or "").startswith("local"):
        conf.update(LOCAL_DEFAULT_CONF)
    conf.update({key: _conf_value(value) for key, value in config.get("sparkConf", {}).items()})
    conf.update(FIXED_CONF)
    for name, catalog in config.get("catalogs", {}).items():
        prefix = f"spark.sql.catalog.{name}"
        # SparkCatalog (not SparkSessionCatalog) even for "spark_catalog": every table is Iceberg here.
        conf[prefix] = "org.apache.iceberg.spark.SparkCatalog"
        conf[f"{prefix}.type"] = catalog["type"]
        for key in ("uri", "warehouse"):
            if key in catalog:
                conf[f"{prefix}.{key}"] = catalog[key]
        # The serve-mode runner lives long while other processes (one-shot jobs, EMR) commit to the
        # same tables; Iceberg's CachingCatalog would serve table metadata up to 30 s stale.
        conf[f"{prefix}.cache-enabled"] = "false"
        conf.update({f"{prefix}.{key}": _conf_value(value) for key, value in catalog.get("properties", {}).items()})
        conf.update({f"{prefix}.{key}": _secret_from_env(name, key, var) for key, var in catalog.get("propertiesFromEnv", {}).items()})
    if "defaultCatalog" in config:
        conf["spark.sql.defaultCatalog"] = config["defaultCatalog"]
    if "jarsDir" in config:
        jars = _jars_in(config["jarsDir"])
        extra = conf.get("spark.jars")
        conf["spark.jars"] = ",".join(jars + ([extra] if extra else []))
    return conf


def _secret_from_env(catalog: str, key: str, var: str) -> str:
    """A catalog secret (e.g. the REST catalog's OAuth2 credential) from this process' environment, so that
    it never travels in the engine document (docs/security.md "Catalog credentials")."""
    value = os.environ.get(var)
    if not value:
        raise ConfigError(f"engine config catalogs.{catalog}.propertiesFromEnv.{key}: environment variable {var} is not set")
    return value


def _jars_in(jars_dir: str) -> list[str]:
    directory = Path(jars_dir)
    if not directory.is_dir():
        raise ConfigError(f"engine config 'jarsDir' {jars_dir!r} is not a directory; run scripts/setup-toolchain.sh")
    jars = sorted(str(path.resolve()) for path in directory.glob("*.jar"))
    if not any("iceberg-spark-runtime" in os.path.basename(jar) for jar in jars):
        raise ConfigError(
            f"engine config 'jarsDir' {jars_dir!r} holds no iceberg-spark-runtime jar (found {jars}); "
            "run scripts/setup-toolchain.sh"
        )
    return jars


def _conf_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def create_session(config: dict):
    """Starts (or reuses) the SparkSession for a validated engine config."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(config.get("appName", "summary-pipeline"))
    if config.get("master") is not None:
        # Absent (or null) on EMR on EKS, where spark-submit decides the master.
        builder = builder.master(config["master"])
        if config["master"].startswith("local"):
            # Without it Spark resolves the hostname and warns that it maps to a loopback address.
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    for key, value in spark_conf_for(config).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def versions(spark, config: dict) -> dict:
    """Versions for the serve-mode `ping` (what the TypeScript side logs and health-checks)."""
    import platform

    from . import __version__

    iceberg_jar = None
    if "jarsDir" in config:
        iceberg_jar = next(
            (os.path.basename(j) for j in _jars_in(config["jarsDir"]) if "iceberg-spark-runtime" in os.path.basename(j)),
            None,
        )
    return {
        "runner": __version__,
        "spark": spark.version,
        "iceberg": spark._jvm.org.apache.iceberg.IcebergBuild.version(),
        "icebergJar": iceberg_jar,
        "python": platform.python_version(),
        # None unless spark.ui.enabled (off by default on local masters: LOCAL_DEFAULT_CONF).
        "sparkUi": spark.sparkContext.uiWebUrl,
    }
