"""append_jsonl of the ingest's staging file: rows read = rows checked, a literal non-hidden path, and a
`where` predicate with a computed watermark (one part of `summary-pipeline load`)."""

from __future__ import annotations

import io
import json

import pytest

from summary_runner.append import AppendCountError, append_jsonl
from summary_runner.errors import RequestError
from summary_runner.iceberg import current_snapshot_id
from summary_runner.server import Server

SCHEMA = [{"name": "k", "type": "BIGINT"}, {"name": "mo", "type": "STRING"}, {"name": "ts", "type": "TIMESTAMP"}]
WATERMARK = {"column": "ts", "property": "summary-pipeline.max-base-ts"}
ROWS = [
    {"k": 1, "mo": "2024-01", "ts": "2024-02-01 08:00:00"},
    {"k": 2, "mo": "2024-01", "ts": "2024-02-03 10:00:00"},
    {"k": 1, "mo": "2024-02", "ts": "2024-03-09 00:00:00"},
    {"k": 3, "mo": "2024-02", "ts": None},
]


@pytest.fixture
def source(spark, ns, tmp_path) -> tuple[str, str]:
    table = f"{ns}.accounts"
    spark.sql(f"CREATE TABLE {table} (k BIGINT, mo STRING, ts TIMESTAMP) USING iceberg")
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return table, str(path)


def snapshot_summary(spark, table: str, snapshot_id: str) -> dict:
    return spark.sql(f"SELECT summary FROM {table}.snapshots WHERE snapshot_id = {int(snapshot_id)}").first()["summary"]


def test_where_appends_only_matching_rows_with_their_own_watermark(spark, source):
    table, path = source

    january = append_jsonl(spark, table, path, SCHEMA, {"summary-pipeline.load-part": "abc/0/2"}, expected_rows=4, where="mo = '2024-01'", watermark=WATERMARK)

    assert january["rows"] == 2
    assert january["snapshotId"] == current_snapshot_id(spark, table)
    assert sorted(r["k"] for r in spark.table(table).collect()) == [1, 2]
    summary = snapshot_summary(spark, table, january["snapshotId"])
    assert summary["summary-pipeline.max-base-ts"] == "2024-02-03 10:00:00"
    assert summary["summary-pipeline.load-part"] == "abc/0/2"


def test_a_part_without_rows_commits_nothing(spark, source):
    table, path = source
    first = append_jsonl(spark, table, path, SCHEMA, expected_rows=4, where="k = 1", watermark=WATERMARK)

    empty = append_jsonl(spark, table, path, SCHEMA, expected_rows=4, where="k = 99", watermark=WATERMARK)

    assert empty == {"rows": 0, "snapshotId": first["snapshotId"]}
    assert spark.sql(f"SELECT * FROM {table}.snapshots").count() == 1


def test_watermark_ignores_null_timestamps(spark, source):
    table, path = source

    february = append_jsonl(spark, table, path, SCHEMA, expected_rows=4, where="mo = '2024-02'", watermark=WATERMARK)

    assert february["rows"] == 2
    assert snapshot_summary(spark, table, february["snapshotId"])["summary-pipeline.max-base-ts"] == "2024-03-09 00:00:00"


@pytest.mark.parametrize(
    "where, expected",
    [
        ("k >>> 2", "does not parse"),
        ("no_such_column = 1", "is not a boolean condition over the columns ['k', 'mo', 'ts']"),
        ("k + 1", "is not a boolean condition"),
    ],
)
def test_a_bad_predicate_names_itself_and_appends_nothing(spark, source, where, expected):
    table, path = source

    with pytest.raises(RequestError) as raised:
        append_jsonl(spark, table, path, SCHEMA, expected_rows=4, where=where, watermark=WATERMARK)

    assert f"where predicate {where!r}" in str(raised.value)
    assert expected in str(raised.value)
    assert raised.value.retriable is False
    assert current_snapshot_id(spark, table) is None


def test_serve_request_passes_where_and_watermark_and_checks_their_types(spark, source):
    table, path = source
    out = io.StringIO()
    server = Server(spark, {}, out)
    base = {"op": "append_jsonl", "table": table, "path": path, "schema": SCHEMA, "expectedRows": 4}

    server.handle_line(json.dumps({"id": 1, **base, "where": "k = 2", "watermark": WATERMARK}))
    server.handle_line(json.dumps({"id": 2, **base, "where": 7}))
    server.handle_line(json.dumps({"id": 3, **base, "watermark": {"column": "ts"}}))
    server.handle_line(json.dumps({"id": 4, **base, "expectedRows": None}))

    ok, bad_where, bad_watermark, no_count = (json.loads(line) for line in out.getvalue().splitlines())
    assert ok["ok"] is True and ok["result"]["rows"] == 1
    assert snapshot_summary(spark, table, ok["result"]["snapshotId"])["summary-pipeline.max-base-ts"] == "2024-02-03 10:00:00"
    assert bad_where["ok"] is False and "'where' as a string predicate" in bad_where["error"]["message"]
    assert bad_watermark["ok"] is False and "'watermark' as" in bad_watermark["error"]["message"]
    assert no_count["ok"] is False and "'expectedRows' as int" in no_count["error"]["message"]


def test_rows_read_must_equal_rows_checked(spark, source):
    table, path = source

    with pytest.raises(AppendCountError) as raised:
        append_jsonl(spark, table, path, SCHEMA, expected_rows=5)

    assert str(raised.value) == f"Spark read 4 row(s) from {path} but the ingest checked 5; nothing was appended"
    assert raised.value.retriable is False
    assert current_snapshot_id(spark, table) is None


def test_a_whole_file_is_one_commit_of_every_row(spark, source):
    table, path = source

    appended = append_jsonl(spark, table, path, SCHEMA, expected_rows=4, watermark=WATERMARK)

    assert appended["rows"] == 4
    assert sorted(r["k"] for r in spark.table(table).collect()) == [1, 1, 2, 3]
    assert snapshot_summary(spark, table, appended["snapshotId"])["summary-pipeline.max-base-ts"] == "2024-03-09 00:00:00"


@pytest.mark.parametrize(
    "name, expected",
    [("a26[1].jsonl", "which Spark expands as a glob"), ("_day.jsonl", "skip as hidden"), (".day.jsonl", "skip as hidden")],
)
def test_a_path_spark_would_not_read_literally_is_refused(spark, source, tmp_path, name, expected):
    table, path = source
    tricky = tmp_path / name
    tricky.write_text(open(path, encoding="utf-8").read())

    with pytest.raises(RequestError) as raised:
        append_jsonl(spark, table, str(tricky), SCHEMA, expected_rows=4)

    assert expected in str(raised.value)
    assert current_snapshot_id(spark, table) is None
