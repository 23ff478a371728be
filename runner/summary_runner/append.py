"""The ingest append: a staging file the TypeScript ingest checked and normalised -> ONE Iceberg commit.

The staging file is JSON lines written by libs/ingest/src/ingest.ts: every line an object with every
column of `schema` under its exact name (null where absent), integers as exact JSON integers, dates
`yyyy-MM-dd`, timestamps `yyyy-MM-dd HH:mm:ss` (UTC). The TypeScript side is the one parser that decides
what a line means; Spark only reads that normalised form, with the schema given (no inference).

Spark's file sources read a path as a Hadoop glob and skip files whose name starts with `_` or `.`, so a
user's `a26[1].jsonl` read `a261.jsonl` and `_day.jsonl` read nothing (issue 10). The path here is the
ingest's own staging file; one that could be globbed or hidden is refused, and the rows read must equal
the rows checked (`expected_rows`), before and after the commit.
"""

from __future__ import annotations

import os

from pyspark.errors import AnalysisException, ParseException
from pyspark.sql import functions as F

from .errors import RequestError, RunnerError
from .iceberg import current_snapshot_id, ddl_for, restore_snapshot, snapshot_summary

# Hadoop's glob syntax (org.apache.hadoop.fs.GlobPattern); Spark globs a path that holds any of them.
GLOB_CHARACTERS = frozenset("{}[]*?\\")


class AppendCountError(RunnerError):
    """Spark read or appended another number of rows than the ingest checked; nothing stays appended.

    Not retriable: the same file reads the same way again. It means the staging file and its checker
    disagree, which is a bug to report, not an input problem.
    """


def check_staging_path(path: str) -> None:
    """Refuses a path Spark would not read literally: a glob, or a hidden file name.

    e.g. '/tmp/x/a26[1].jsonl' -> RequestError (a glob that matches a261.jsonl); '/tmp/x/_day.jsonl' ->
    RequestError (Hadoop's hidden-file filter reads it as empty); '/tmp/x/rows.jsonl' -> None.
    """
    globbing = sorted(GLOB_CHARACTERS.intersection(path))
    if globbing:
        raise RequestError(
            f"append path {path!r} contains {''.join(globbing)!r}, which Spark expands as a glob (it could read other files); "
            "expected the ingest's staging file, whose path has none"
        )
    name = os.path.basename(path)
    if name.startswith(("_", ".")):
        raise RequestError(
            f"append path {path!r} is a file name starting with {name[0]!r}, which Spark's file sources skip as hidden "
            "(0 rows would be read); expected the ingest's staging file"
        )


def append_jsonl(
    spark,
    table: str,
    path: str,
    schema: list,
    snapshot_properties: dict | None = None,
    *,
    expected_rows: int,
    where: str | None = None,
    watermark: dict | None = None,
) -> dict:
    """Appends the staging file's rows to `table` as ONE Iceberg commit; returns {"rows", "snapshotId"}.

    `expected_rows` is the number of rows the ingest checked in the file: Spark must read exactly that
    many (checked before anything is written) and the commit must add exactly the rows selected (checked
    against the snapshot's `added-records`; a mismatch rolls the commit back). Either failure raises
    AppendCountError. A line Spark cannot read as the schema fails the whole append (FAILFAST).

    `where` (a Spark SQL predicate over the file's columns) keeps only the matching rows: one part of a
    `summary-pipeline load`. `watermark` = {"column", "property"} sets that snapshot property to the
    max of the column over the rows appended. No selected row commits nothing:
    {"rows": 0, "snapshotId": <the current one>}.
    Example: 4 checked rows, where "mo = '2024-01'", watermark {"column": "ts", "property": "p"} -> one
    commit of the 2 January rows whose summary has p = "2024-02-03 10:00:00" (their newest ts).
    """
    check_staging_path(path)
    if not isinstance(expected_rows, int) or isinstance(expected_rows, bool) or expected_rows < 0:
        raise RequestError(f"'expectedRows' must be the non-negative row count the ingest checked, got {expected_rows!r}")
    before = current_snapshot_id(spark, table)
    df = (
        spark.read.schema(ddl_for(schema))
        .option("mode", "FAILFAST")
        .option("dateFormat", "yyyy-MM-dd")
        .option("timestampFormat", "yyyy-MM-dd HH:mm:ss")
        .option("timestampNTZFormat", "yyyy-MM-dd HH:mm:ss")
        .json(path)
    )
    selected = df if where is None else filter_rows(df, where)
    total, rows, newest = count_rows(df, where, watermark["column"] if watermark else None)
    if total != expected_rows:
        raise AppendCountError(f"Spark read {total} row(s) from {path} but the ingest checked {expected_rows}; nothing was appended")
    if rows == 0:
        return {"rows": 0, "snapshotId": before}
    properties = dict(snapshot_properties or {})
    if watermark and newest is not None:
        properties[watermark["property"]] = newest
    # DataFrameWriterV2.append resolves columns by name: schema order need not match the table.
    writer = selected.writeTo(table)
    for key, value in properties.items():
        writer = writer.option(f"snapshot-property.{key}", value)
    writer.append()
    after = current_snapshot_id(spark, table)
    added = 0 if after == before else added_records(spark, table, after)
    if added != rows:
        undo = restore_snapshot(spark, table, before) if after != before and current_snapshot_id(spark, table) == after else "not rolled back"
        raise AppendCountError(f"the commit added {added} row(s) to {table} but {rows} were selected from {path}; commit {after}: {undo}")
    return {"rows": added, "snapshotId": after}


def filter_rows(df, where: str):
    """df filtered by a Spark SQL predicate; a predicate that does not parse or does not resolve against
    the file's columns is a RequestError naming it (nothing has been written yet)."""
    if not isinstance(where, str) or not where.strip():
        raise RequestError(f"'where' must be a non-empty Spark SQL predicate, got {where!r}")
    try:
        selected = df.filter(F.expr(where))
        # A Spark Connect session analyses a plan only when asked: the schema asks, so a bad predicate fails here
        # in both modes, before anything is written.
        selected.schema  # noqa: B018 - read for its side effect: the analysis
        return selected
    except ParseException as exc:
        raise RequestError(f"where predicate {where!r} does not parse: {_first_line(exc)}") from None
    except AnalysisException as exc:
        raise RequestError(f"where predicate {where!r} is not a boolean condition over the columns {df.columns}: {_first_line(exc)}") from None


def count_rows(df, where: str | None, column: str | None) -> tuple[int, int, str | None]:
    """(rows in df, rows matching `where`, max of `column` over those as a string) in one pass.

    e.g. 4 rows, where "mo = '2024-01'", column "ts" -> (4, 2, '2024-02-03 10:00:00'). A NULL predicate
    result does not select the row, as in filter().
    """
    chosen = F.lit(True) if where is None else F.coalesce(F.expr(where), F.lit(False))
    newest = F.max(F.when(chosen, F.col(column))).cast("string") if column else F.lit(None).cast("string")
    row = df.agg(
        F.count(F.lit(1)).alias("total"),
        F.count(F.when(chosen, F.lit(1))).alias("selected"),
        newest.alias("newest"),
    ).first()
    return int(row["total"]), int(row["selected"]), row["newest"]


def added_records(spark, table: str, snapshot_id: str) -> int:
    return int(snapshot_summary(spark, table, snapshot_id).get("added-records") or 0)


def _first_line(exc: Exception) -> str:
    text = getattr(exc, "desc", None) or str(exc)
    return text.strip().split("\n", 1)[0]
