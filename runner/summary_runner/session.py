"""Engine config (JSON) -> a SparkSession configured for Iceberg.

Engine config, e.g.:
    {"appName": "summary-pipeline", "master": "local[*]",
     "catalogs": {"local": {"type": "hadoop", "warehouse": "/abs/dir"}},
     "defaultCatalog": "local", "sparkConf": {"spark.driver.memory": "4g"},
     "jarsDir": "/abs/.toolchain/jars"}
With "remote": "sc://127.0.0.1:15002" the session is a Spark Connect client of that server (no JVM in this
process): the server brings the jars, the Iceberg extensions and the scheduler; this process sets the
session's SQL settings (catalogs, time zone, tuning) on each session it opens.
Every key is documented in runner/README.md.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .errors import ConfigError

ENGINE_KEYS = {"appName", "master", "catalogs", "defaultCatalog", "sparkConf", "jarsDir", "remote"}
CATALOG_KEYS = {"type", "uri", "warehouse", "properties", "propertiesFromEnv"}
# A Spark Connect server: sc://host:port, optionally followed by /;key=value parameters.
REMOTE_URL = re.compile(r"^sc://[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}(/;.*)?$")
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
    remote = config.get("remote")
    if remote is not None and not (isinstance(remote, str) and REMOTE_URL.match(remote)):
        raise ConfigError(f"engine config 'remote' must be a Spark Connect URL like 'sc://127.0.0.1:15002', got {remote!r}")
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
                f"engine config sparkConf.{key} is set by the runner; use 'catalogs'/'defaultCatalog' or leave it out (fixed: {sorted(FIXED_CONF)})"
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
        raise ConfigError(f"engine config 'jarsDir' {jars_dir!r} holds no iceberg-spark-runtime jar (found {jars}); run scripts/setup-toolchain.sh")
    return jars


def _conf_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def is_connect(spark) -> bool:
    """Whether `spark` is a Spark Connect client session (no JVM in this process)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


# SQL settings that only a server's start fixes (a session cannot change them).
STATIC_SQL_CONF = {"spark.sql.extensions", "spark.sql.warehouse.dir", "spark.sql.catalogImplementation"}
# What a Spark Connect server must have been started with for this runner's jobs, and why.
SERVER_CONF = {
    "spark.sql.extensions": ("org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions", "MERGE, CALL and Iceberg's SQL"),
    "spark.scheduler.mode": ("FAIR", "the lease heartbeat's pool beside a running job (lease.py)"),
}


def session_conf_for(config: dict) -> dict[str, str]:
    """The part of spark_conf_for(config) a Spark Connect session sets itself: its SQL settings (catalogs,
    default catalog, time zone, JSON output, tuning). Jars, driver and scheduler settings are the server's.

    e.g. {"catalogs": {"local": {"type": "hadoop", "warehouse": "/w"}}, "sparkConf": {"spark.driver.memory": "4g"}}
      -> {"spark.sql.catalog.local": "org.apache.iceberg.spark.SparkCatalog", ..., "spark.sql.session.timeZone": "UTC", ...}
    """
    return {k: v for k, v in spark_conf_for(config).items() if k.startswith("spark.sql.") and k not in STATIC_SQL_CONF}


def create_session(config: dict):
    """Starts (or reuses) the SparkSession for a validated engine config; with `remote` a new session on that
    Spark Connect server."""
    if config.get("remote"):
        return _remote_session(config["remote"], session_conf_for(config))
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


def _remote_session(url: str, conf: dict[str, str], pool: str | None = None):
    """A new session on the Spark Connect server at `url` with the SQL settings `conf` (and a scheduler pool).
    Refuses a server that lacks what the jobs need (SERVER_CONF), naming the setting and the server."""
    from pyspark.sql.connect.client import ChannelBuilder
    from pyspark.sql.connect.session import SparkSession as RemoteSparkSession

    # An error's stack trace travels in the response's trailing metadata (below); gRPC's 8 KiB default limit
    # turned a long one into "RESOURCE_EXHAUSTED" instead of the error.
    spark = RemoteSparkSession(connection=ChannelBuilder(url, [("grpc.max_metadata_size", REMOTE_MAX_METADATA_BYTES)]))
    # What SparkSession.builder.remote(...) sets: pyspark.sql.functions and DataFrame helpers then build Spark
    # Connect expressions (without it they look for a JVM). One runner process talks to one kind of session.
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"
    for key, (expected, why) in SERVER_CONF.items():
        value = spark.conf.get(key, None)
        if expected not in (value or ""):
            spark.stop()
            raise ConfigError(
                f"the Spark Connect server at {url} runs with {key}={value!r}; expected {expected!r} ({why}): "
                "start it with scripts/stack/stack.sh up (component spark-connect) or set it in the server's spark-defaults"
            )
    for key, value in conf.items():
        spark.conf.set(key, value)
    # Errors carry the server's JVM stack trace, whose "Caused by" lines say whether a failure is retriable
    # (errors.py: a commit conflict inside a write's error).
    spark.conf.set("spark.sql.pyspark.jvmStacktrace.enabled", "true")
    if pool is not None:
        spark.conf.set("spark.scheduler.pool", pool)
    # The session's own settings, so that the lease heartbeat can open one beside it (pool_session).
    spark._summary_remote = (url, dict(conf))
    return spark


# What a Spark Connect error may carry: the server's spark.connect.jvmStacktrace.maxSize (the stack's: 64 KiB) and
# its message, with room to spare.
REMOTE_MAX_METADATA_BYTES = 1 << 20


_pool_sessions: dict = {}


def pool_session(spark, pool: str):
    """A session with `spark`'s settings on the same Spark Connect server whose jobs run in scheduler pool `pool`
    (the lease heartbeat's, beside a running job). One per server, settings and pool, opened once and kept for
    the process: closing a Spark Connect 3.5 session shuts the client's shared release thread pool down under
    every other session's statements ("Pool not running"). A classic session is returned as it is (its
    caller sets the pool as a thread-local property)."""
    if not is_connect(spark):
        return spark
    url, conf = spark._summary_remote
    key = (url, tuple(sorted(conf.items())), pool)
    if key not in _pool_sessions:
        _pool_sessions[key] = _remote_session(url, conf, pool)
    return _pool_sessions[key]


def interrupt_statements(spark, session_id: str, user_id: str | None, tag: str) -> list[str]:
    """Interrupts the statements tagged `tag` of the Spark Connect session `session_id` (another process's, e.g. a
    runner that died) on the server `spark` talks to; returns their operation ids (empty when none runs).

    A statement keeps running on the server after its client died; Spark Connect interrupts by tag within a session
    only, so this attaches a client of its own to that session. Not closed with client.close(): in 3.5 that shuts
    the process-wide release thread pool down under every other session (pool_session); its channel is closed.
    """
    from pyspark.sql.connect.client import ChannelBuilder, SparkConnectClient

    url, _ = spark._summary_remote
    params = f";session_id={session_id}" + (f";user_id={user_id}" if user_id else "")
    target = url + params if "/;" in url else f"{url}/{params}"
    client = SparkConnectClient(ChannelBuilder(target, [("grpc.max_metadata_size", REMOTE_MAX_METADATA_BYTES)]))
    try:
        return list(client.interrupt_tag(tag) or [])
    finally:
        client._channel.close()


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
        # reflect(): a static Java call through SQL, which a Spark Connect session can make too.
        "iceberg": spark.sql("SELECT reflect('org.apache.iceberg.IcebergBuild', 'version') AS v").first()["v"],
        "icebergJar": iceberg_jar,
        "python": platform.python_version(),
        # None unless spark.ui.enabled (off by default on local masters: LOCAL_DEFAULT_CONF).
        "sparkUi": None if is_connect(spark) else spark.sparkContext.uiWebUrl,
        "remote": config.get("remote"),
        # The Spark Connect session this runner's statements run in (None in-process): what the server's UI and
        # REST API name its statements by.
        "session": spark.session_id if is_connect(spark) else None,
    }
