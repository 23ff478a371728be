"""Iceberg table operations: current snapshot, rollback, JSON-lines append.

Table names are the job's `cat.ns.table` (catalog explicit) or `ns.table` (the session's default
catalog). Snapshot ids travel as strings: they are 64-bit and do not fit a JSON number.
"""

from __future__ import annotations

from pyspark.errors import AnalysisException, ParseException
from pyspark.sql import functions as F

from .errors import JobSpecError, RequestError


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


def table_exists(spark, name: str) -> bool:
    return spark.catalog.tableExists(name)


def current_snapshot_id(spark, name: str) -> str | None:
    """The table's current snapshot id (None for a table without snapshots or a missing table).

    Read from the table metadata through the JVM API rather than from the `snapshots` metadata
    table: after a rollback the newest row of `<table>.snapshots` is the rolled-back snapshot, not
    the current one. `history` (latest made_current_at) would be right too, but costs a query.
    """
    if not table_exists(spark, name):
        return None
    jvm = spark._jvm
    table = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, name)
    table.refresh()  # another process may have committed since this JVM last loaded it
    snapshot = table.currentSnapshot()
    return None if snapshot is None else str(snapshot.snapshotId())


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
    # Literals, not parameter markers: CALL is parsed by Iceberg's extension parser.
    table_literal = table_in_catalog.replace("\\", "\\\\").replace("'", "\\'")
    spark.sql(f"CALL `{catalog}`.system.rollback_to_snapshot('{table_literal}', {int(snapshot_id)})")
    return "rolled_back"


def ddl_for(schema: list) -> str:
    """[{"name": "k", "type": "BIGINT"}, ...] -> '`k` BIGINT, ...' (types are Spark SQL type names)."""
    if not isinstance(schema, list) or not schema:
        raise RequestError(f"'schema' must be a non-empty list of {{name, type}}, got {schema!r}")
    columns = []
    for index, column in enumerate(schema):
        if not isinstance(column, dict) or not isinstance(column.get("name"), str) or not isinstance(column.get("type"), str):
            raise RequestError(f"schema[{index}] must be {{\"name\": string, \"type\": string}}, got {column!r}")
        columns.append(f"`{column['name'].replace('`', '``')}` {column['type']}")
    return ", ".join(columns)


def append_jsonl(
    spark,
    table: str,
    path: str,
    schema: list,
    snapshot_properties: dict | None = None,
    where: str | None = None,
    watermark: dict | None = None,
) -> dict:
    """Appends a JSON-lines file to `table` as ONE Iceberg commit; returns {"rows", "snapshotId"}.

    The file is read with the given schema only (no inference); a line that does not parse fails the
    whole append (FAILFAST) before anything is committed. The row count comes from the new snapshot's
    `added-records` summary. `snapshot_properties` land in the snapshot's summary (the ingest watcher
    reads `summary-pipeline.max-base-ts` from there without Spark).

    `where` (a Spark SQL predicate over the file's columns) keeps only the matching rows: one part of a
    `summary-pipeline load`. `watermark` = {"column", "property"} sets that snapshot property to the
    max of the column over the rows actually appended. Both cost one more read of the file. With `where`,
    a part without rows commits nothing: {"rows": 0, "snapshotId": <the current one>}.
    Example: where "rpt_as_of_mo = '2024-01'", watermark {"column": "base_ts", "property": "p"} ->
    one commit of the January rows whose summary has p = "2024-02-03 10:00:00" (their newest base_ts).
    """
    before = current_snapshot_id(spark, table)
    df = (
        spark.read.schema(ddl_for(schema))
        .option("mode", "FAILFAST")
        .option("dateFormat", "yyyy-MM-dd")
        .option("timestampFormat", "yyyy-MM-dd HH:mm:ss")
        .option("timestampNTZFormat", "yyyy-MM-dd HH:mm:ss")
        .json(path)
    )
    properties = dict(snapshot_properties or {})
    if where is not None:
        df = filter_rows(df, where)
    if where is not None or watermark is not None:
        rows, newest = rows_and_max(df, watermark["column"] if watermark else None)
        if rows == 0 and where is not None:
            return {"rows": 0, "snapshotId": before}
        if watermark and newest is not None:
            properties[watermark["property"]] = newest
    # DataFrameWriterV2.append resolves columns by name: schema order need not match the table.
    writer = df.writeTo(table)
    for key, value in properties.items():
        writer = writer.option(f"snapshot-property.{key}", value)
    writer.append()
    after = current_snapshot_id(spark, table)
    if after == before:
        return {"rows": 0, "snapshotId": after}
    return {"rows": added_records(spark, table, after), "snapshotId": after}


def filter_rows(df, where: str):
    """df filtered by a Spark SQL predicate; a predicate that does not parse or does not resolve against
    the file's columns is a RequestError naming it (nothing has been written yet)."""
    if not isinstance(where, str) or not where.strip():
        raise RequestError(f"'where' must be a non-empty Spark SQL predicate, got {where!r}")
    try:
        return df.filter(F.expr(where))
    except ParseException as exc:
        raise RequestError(f"where predicate {where!r} does not parse: {_first_line(exc)}") from None
    except AnalysisException as exc:
        raise RequestError(
            f"where predicate {where!r} is not a boolean condition over the columns {df.columns}: {_first_line(exc)}"
        ) from None


def rows_and_max(df, column: str | None) -> tuple[int, str | None]:
    """(row count, max of `column` as a string, e.g. '2024-02-03 10:00:00') in one pass over df."""
    newest = F.max(F.col(column)).cast("string") if column else F.lit(None).cast("string")
    row = df.agg(F.count(F.lit(1)).alias("n"), newest.alias("newest")).first()
    return int(row["n"]), row["newest"]


def _first_line(exc: Exception) -> str:
    text = getattr(exc, "desc", None) or str(exc)
    return text.strip().split("\n", 1)[0]


def added_records(spark, table: str, snapshot_id: str) -> int:
    jtable = spark._jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, table)
    summary = jtable.snapshot(int(snapshot_id)).summary()
    return int(summary.get("added-records") or 0)
