"""Progress reports read Spark's status tracker while a step runs (progress.py)."""

from __future__ import annotations

import threading
import time

import pytest

from summary_runner import progress


def test_every_seconds_reads_the_env(monkeypatch):
    monkeypatch.delenv(progress.PROGRESS_ENV, raising=False)
    assert progress.every_seconds() == 5.0
    monkeypatch.setenv(progress.PROGRESS_ENV, "0.5")
    assert progress.every_seconds() == 0.5
    monkeypatch.setenv(progress.PROGRESS_ENV, "soon")
    with pytest.raises(ValueError, match="SUMMARY_PROGRESS_SECONDS must be a number of seconds.*'soon'"):
        progress.every_seconds()


def test_no_report_without_a_step(spark):
    tracker = progress.ProgressReporter(spark, lambda report: None, 0).tracker
    assert progress.snapshot(tracker, None, time.monotonic()) is None


def test_reports_the_running_stage_of_a_long_step(spark):
    """A query slow enough to be caught mid-stage: each report names the step and counts tasks of a real stage."""
    reports: list[dict] = []
    reporter = progress.ProgressReporter(spark, reports.append, 0.2).start()
    progress.step_started("b-000001:CASE_I", "slow_step")
    done = threading.Event()

    def slow():
        # 8 tasks, each sleeping ~1.5 s in a Python UDF-free way: a cross join of a small range, counted.
        spark.range(0, 8, 1, 8).selectExpr("id", "reflect('java.lang.Thread', 'sleep', cast(1500 as bigint)) AS s").collect()
        done.set()

    worker = threading.Thread(target=slow)
    worker.start()
    worker.join(60)
    progress.step_finished()
    reporter.stop()
    assert done.is_set()
    staged = [r for r in reports if "stage" in r]
    assert staged, f"no report with a running stage among {reports}"
    last = staged[-1]
    assert last["jobId"] == "b-000001:CASE_I" and last["step"] == "slow_step"
    assert last["tasksTotal"] == 8 and 0 <= last["tasksCompleted"] <= 8
    assert last["elapsedMs"] >= 200
    # Nothing is reported once the step is over.
    count = len(reports)
    time.sleep(0.5)
    assert len(reports) == count
