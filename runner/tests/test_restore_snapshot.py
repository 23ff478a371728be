"""iceberg.restore_snapshot on a real table: rolled back by Iceberg's procedure (its CALL built by procedure_call)."""

from summary_runner import iceberg


def test_a_table_is_rolled_back_to_an_earlier_snapshot(spark, ns):
    table = f"{ns}.rb"
    spark.sql(f"CREATE TABLE {table} (k INT) USING iceberg")
    spark.sql(f"INSERT INTO {table} VALUES (1)")
    first = iceberg.current_snapshot_id(spark, table)
    spark.sql(f"INSERT INTO {table} VALUES (2)")
    assert iceberg.restore_snapshot(spark, table, first) == "rolled_back"
    assert [r.k for r in spark.sql(f"SELECT k FROM {table}").collect()] == [1]
    assert iceberg.restore_snapshot(spark, table, first) == "unchanged"


def test_current_snapshot_ids_of_several_tables_at_once(spark, ns):
    written, empty, missing = f"{ns}.written", f"{ns}.empty", f"{ns}.missing"
    spark.sql(f"CREATE TABLE {written} (k INT) USING iceberg")
    spark.sql(f"CREATE TABLE {empty} (k INT) USING iceberg")
    spark.sql(f"INSERT INTO {written} VALUES (1)")
    spark.sql(f"INSERT INTO {written} VALUES (2)")
    current = iceberg.current_snapshot_id(spark, written)

    # Each table's own current snapshot, not the newest or another table's; None without snapshots or table.
    assert iceberg.current_snapshot_ids(spark, [written, empty]) == {written: current, empty: None}
    assert iceberg.current_snapshot_ids(spark, [empty, written, missing]) == {empty: None, written: current, missing: None}
    first = spark.sql(f"SELECT CAST(snapshot_id AS STRING) AS s FROM {written}.snapshots ORDER BY committed_at").first()["s"]
    iceberg.restore_snapshot(spark, written, first)
    assert iceberg.current_snapshot_ids(spark, [written, empty]) == {written: first, empty: None}
