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
