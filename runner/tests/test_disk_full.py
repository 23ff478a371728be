"""A full disk is a retriable DiskFullError that names where (issue 25); the whole fault, on a tmpfs warehouse
filled during a job, is libs/engine/src/pipeline.disk-full.int-spec.ts."""

from __future__ import annotations

import errno

import pytest

from summary_runner.errors import describe_error, name_table_disks
from summary_runner.iceberg import tables_in


@pytest.mark.in_process
def test_enospc_names_the_file_and_the_session_warehouse_with_its_free_space(spark, engine_config):
    error = describe_error(OSError(errno.ENOSPC, "No space left on device", "/data/batch/part-0.jsonl"))

    warehouse = engine_config["catalogs"]["local"]["warehouse"]
    assert error["type"] == "DiskFullError"
    assert error["retriable"] is True
    assert error["message"].startswith("the disk is full: writing /data/batch/part-0.jsonl; ")
    assert f"{warehouse} has " in error["message"]
    assert "(the warehouse of catalog local)" in error["message"]
    assert error["message"].endswith("free space there and run again (OSError: [Errno 28] No space left on device: '/data/batch/part-0.jsonl')")


def test_a_quota_is_a_full_disk_too_and_other_os_errors_keep_their_verdict():
    assert describe_error(OSError(errno.EDQUOT, "Disk quota exceeded"))["type"] == "DiskFullError"
    assert describe_error(PermissionError(errno.EACCES, "Permission denied", "/w"))["retriable"] is False
    assert describe_error(OSError(errno.EIO, "Input/output error"))["type"] == "OSError"


def test_the_tables_disks_come_first_where_the_catalog_keeps_them(tmp_path):
    message = "the disk is full: /tmp has 1 B free of 2 B (spark.local.dir); free space there and run again (IOException: x)"
    named = name_table_disks(message, [("s.summary", f"file:{tmp_path}/s/summary"), ("s.latest", "s3://bucket/w/s/latest")])

    assert named.startswith(f"the disk is full: table s.summary at {tmp_path}/s/summary has ")
    assert " free of " in named.split(";")[0]
    assert "s.latest" not in named  # an object store: no disk of this machine
    assert named.endswith("; /tmp has 1 B free of 2 B (spark.local.dir); free space there and run again (IOException: x)")
    assert name_table_disks("not a disk-full message", [("s.summary", str(tmp_path))]) == "not a disk-full message"


def test_the_tables_a_statement_names():
    sql = "MERGE INTO `local`.`s`.`acct_hist_lease` t USING (SELECT * FROM s.src JOIN `c`.`n`.`x y` z ON 1=1) s ON t.k = s.k"
    assert tables_in(sql) == ["local.s.acct_hist_lease", "s.src", "c.n.x y"]
    assert tables_in("SELECT 1") == []
