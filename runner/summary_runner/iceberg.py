"""Iceberg table operations: current snapshot, rollback, schema DDL (the ingest append is append.py).

Table names are the job's `cat.ns.table` (catalog explicit) or `ns.table` (the session's default
catalog). Snapshot ids travel as strings: they are 64-bit and do not fit a JSON number.
"""

from __future__ import annotations

import logging
import re

from .errors import JobSpecError, RequestError
from .session import is_connect

log = logging.getLogger(__name__)


def split_table_name(spark, name: str) -> tuple[str, str]:
    """'cat.ns.t' -> ('cat', 'ns.t'); 'ns.t' -> (<default catalog>, 'ns.t')."""
    parts = name.split(".")
    if len(parts) == 3 and all(parts):
        return parts[0], f"{parts[1]}.{parts[2]}"
    if len(parts) == 2 and all(parts):
        return spark.conf.get("spark.sql.defaultCatalog"), name
    raise JobSpecError(f"table name {name!r} must be 'catalog.namespace.table' or 'namespace.table'")


def quote_table_name(name: str) -> str:
    """'cat.ns.t' -> '`cat`.`ns`.`t`' for interpolation into SQL."""
    return ".".join(f"`{part.replace('`', '``')}`" for part in name.split("."))


def procedure_call(catalog: str, procedure: str, table: str, args: str = "") -> str:
    """`CALL <catalog>.system.<procedure>('<table>'<args>)` with the catalog quoted and the table a string
    literal escaped as Iceberg's extension parser reads it (literals, not parameter markers: CALL is parsed by
    it). Example: ('cat', 'expire_snapshots', "ns.t'x") -> "CALL `cat`.system.expire_snapshots(table => 'ns.t\\'x')"."""
    literal = table.replace("\\", "\\\\").replace("'", "\\'")
    quoted_catalog = "`" + catalog.replace("`", "``") + "`"
    return f"CALL {quoted_catalog}.system.{procedure}(table => '{literal}'{args})"


def table_exists(spark, name: str) -> bool:
    return spark.catalog.tableExists(name)


def table_location(spark, name: str) -> str | None:
    """Where the catalog keeps the table (e.g. 'file:/w/ns/t', 's3://b/w/ns/t'); None for a missing table."""
    if not table_exists(spark, name):
        return None
    for row in spark.sql(f"DESCRIBE TABLE EXTENDED {quote_table_name(name)}").collect():
        if row["col_name"] == "Location":
            return row["data_type"]
    return None


def table_locations(spark, names: list[str]) -> list[tuple[str, str]]:
    """[(table, location)] of the tables that exist, each once; those whose location cannot be read now (their
    catalog down too) are left out: naming a disk is best effort, for an error that stands without it."""
    found = []
    for name in dict.fromkeys(names):
        try:
            location = table_location(spark, name)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not read the location of %s: %s", name, exc)
            continue
        if location is not None:
            found.append((name, location))
    return found


# `cat`.`ns`.`t` or cat.ns.t after FROM, INTO, UPDATE, JOIN, TABLE or USING in a statement.
_TABLE_AFTER_KEYWORD = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN|TABLE|USING)\s+((?:`[^`]+`|[A-Za-z_]\w*)(?:\.(?:`[^`]+`|[A-Za-z_]\w*)){1,2})", re.IGNORECASE)


def tables_in(sql: str) -> list[str]:
    """The table names a statement reads or writes, as written, backquotes removed (best effort, for error text).

    e.g. "MERGE INTO `local`.`s`.`lease` t USING (SELECT ...)" -> ["local.s.lease"]
    """
    return list(dict.fromkeys(m.replace("`", "") for m in _TABLE_AFTER_KEYWORD.findall(sql)))


def current_snapshot_id(spark, name: str) -> str | None:
    """The table's current snapshot id (None for a table without snapshots or a missing table).

    In-process from Iceberg's Java API (~3 ms warm, no Spark job: it runs several times per job); a Spark Connect
    session has no JVM here and reads the `refs` metadata table, where the current snapshot is the one the `main`
    branch points at (~60 ms, a Spark job). Not the newest row of `<table>.snapshots`: after a rollback that is
    the rolled-back snapshot, not the current one.
    """
    if not table_exists(spark, name):
        return None
    if is_connect(spark):
        rows = spark.sql(f"SELECT snapshot_id FROM {quote_table_name(name)}.`refs` WHERE name = 'main' AND type = 'BRANCH'").collect()
        return None if not rows else str(rows[0]["snapshot_id"])
    table = spark._jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, name)
    table.refresh()  # another process may have committed since this JVM last loaded it
    snapshot = table.currentSnapshot()
    return None if snapshot is None else str(snapshot.snapshotId())


def current_snapshot_ids(spark, names: list[str]) -> dict[str, str | None]:
    """current_snapshot_id of several tables, {name: id or None}. On Spark Connect in one query over their `refs`
    tables (one round trip and one Spark job instead of two of each per table: a job reads its targets' snapshots
    before and after its steps); a table that does not exist fails that query, and then each is read alone.

    e.g. ["local.db.summary", "local.db.latest_summary"] -> {"local.db.summary": "5123…", "local.db.latest_summary": None}
    """
    names = list(dict.fromkeys(names))
    if len(names) < 2 or not is_connect(spark):
        return {name: current_snapshot_id(spark, name) for name in names}
    union = " UNION ALL ".join(
        f"SELECT {i} AS i, CAST(snapshot_id AS STRING) AS id FROM {quote_table_name(name)}.`refs` WHERE name = 'main' AND type = 'BRANCH'"
        for i, name in enumerate(names)
    )
    try:
        rows = spark.sql(union).collect()
    except Exception:  # a missing table (None) or another error, which the single reads report
        return {name: current_snapshot_id(spark, name) for name in names}
    found = {row["i"]: row["id"] for row in rows}
    return {name: found.get(i) for i, name in enumerate(names)}


def snapshot_summary(spark, name: str, snapshot_id: str) -> dict[str, str]:
    """The summary map of one snapshot of `name`, e.g. {"added-records": "12", "operation": "append", ...}."""
    rows = spark.sql(f"SELECT summary FROM {quote_table_name(name)}.`snapshots` WHERE snapshot_id = {int(snapshot_id)}").collect()
    if not rows:
        raise RequestError(f"table {name} has no snapshot {snapshot_id}")
    return dict(rows[0]["summary"] or {})


def restore_snapshot(spark, name: str, snapshot_id: str | None) -> str:
    """Brings `name` back to `snapshot_id`; returns what was done ("unchanged", "rolled_back", "emptied").

    A table that had no snapshot (None) is emptied with DELETE FROM, which itself commits a snapshot:
    Iceberg cannot roll back to "no snapshot".
    """
    current = current_snapshot_id(spark, name)
    if current == snapshot_id:
        return "unchanged"
    if snapshot_id is None:
        spark.sql(f"DELETE FROM {quote_table_name(name)}")
        return "emptied"
    catalog, table_in_catalog = split_table_name(spark, name)
    spark.sql(procedure_call(catalog, "rollback_to_snapshot", table_in_catalog, f", snapshot_id => {int(snapshot_id)}"))
    return "rolled_back"


def ddl_for(schema: list) -> str:
    """[{"name": "k", "type": "BIGINT"}, ...] -> '`k` BIGINT, ...' (types are Spark SQL type names)."""
    if not isinstance(schema, list) or not schema:
        raise RequestError(f"'schema' must be a non-empty list of {{name, type}}, got {schema!r}")
    columns = []
    for index, column in enumerate(schema):
        if not isinstance(column, dict) or not isinstance(column.get("name"), str) or not isinstance(column.get("type"), str):
            raise RequestError(f'schema[{index}] must be {{"name": string, "type": string}}, got {column!r}')
        columns.append(f"`{column['name'].replace('`', '``')}` {column['type']}")
    return ", ".join(columns)
