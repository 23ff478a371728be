"""Progress of the step in progress: which step of which job, how many tasks of its running stage(s) are
done, how long it has run. A long case job otherwise shows RUNNING and then SUCCEEDED minutes later.

`ProgressReporter.start()` runs a daemon thread that, every `every_s` seconds while a step runs, reads
Spark's status tracker (no UI needed; on a Spark Connect session the server's REST API instead, whose UI the
stack's server has on) and hands a report to `emit`, e.g.
    {"jobId": "b-000002:CASE_III", "step": "merge_summary", "stage": 14, "stages": 1,
     "tasksCompleted": 3, "tasksTotal": 8, "elapsedMs": 21034}
The serve mode writes it to the response fd as {"id": <request id>, "progress": {...}}.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.request
from types import SimpleNamespace
from urllib.parse import urlparse

log = logging.getLogger("summary_runner.progress")

PROGRESS_ENV = "SUMMARY_PROGRESS_SECONDS"
DEFAULT_EVERY_S = 5.0

_lock = threading.Lock()
_current: dict | None = None


def every_seconds() -> float:
    """SUMMARY_PROGRESS_SECONDS (default 5; 0 switches reports off)."""
    raw = os.environ.get(PROGRESS_ENV, "")
    if not raw:
        return DEFAULT_EVERY_S
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{PROGRESS_ENV} must be a number of seconds (0: off), got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{PROGRESS_ENV} must be a number of seconds (0: off), got {raw!r}")
    return value


def step_started(job_id: str, step: str) -> None:
    global _current
    with _lock:
        _current = {"jobId": job_id, "step": step, "started": time.monotonic()}


def step_finished() -> None:
    global _current
    with _lock:
        _current = None


def snapshot(tracker, current: dict | None, now: float) -> dict | None:
    """The report for the step in progress from a Spark StatusTracker, or None when no step runs."""
    if current is None:
        return None
    stages = [info for info in (tracker.getStageInfo(s) for s in tracker.getActiveStageIds()) if info is not None]
    report = {"jobId": current["jobId"], "step": current["step"], "elapsedMs": int((now - current["started"]) * 1000)}
    if stages:
        report["stage"] = max(info.stageId for info in stages)
        report["stages"] = len(stages)
        report["tasksCompleted"] = sum(info.numCompletedTasks for info in stages)
        report["tasksTotal"] = sum(info.numTasks for info in stages)
    return report


class ProgressReporter:
    def __init__(self, spark, emit, every_s: float):
        # A Spark Connect client has no status tracker (its jobs run in the server): the server's REST API stands in.
        connect = type(spark).__module__.startswith("pyspark.sql.connect")
        self.tracker = ServerStatusTracker(spark) if connect else spark.sparkContext.statusTracker()
        self.emit = emit
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)

    def start(self) -> "ProgressReporter":
        if self.every_s > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            with _lock:
                current = dict(_current) if _current else None
            # A step shorter than one interval reports nothing.
            if current is None or time.monotonic() - current["started"] < self.every_s:
                continue
            try:
                report = snapshot(self.tracker, current, time.monotonic())
                # Reading the tracker takes time (on Spark Connect a REST call): the step may have ended meanwhile,
                # and a report must never follow its step's end (in serve mode: its request's result). Checked and
                # emitted under the lock that step_finished takes.
                with _lock:
                    if report is not None and _current is not None and _current["started"] == current["started"]:
                        self.emit(report)
            except Exception as exc:  # the job goes on without progress reports, never fails for them
                log.warning("progress report failed: %s", exc)


class ServerStatusTracker:
    """The two calls of Spark's StatusTracker that `snapshot` makes, for a Spark Connect session: its running jobs
    are those of the server's (REST API, /api/v1 of its UI) whose tags name this session
    (`SparkConnect_OperationTag_User_<user>_Session_<id>_Operation_<id>`), and their active stages' task counts.
    Example: a session running one job of stage 7 with 3 of 8 tasks done -> getActiveStageIds() [7],
    getStageInfo(7).numCompletedTasks 3, .numTasks 8.
    """

    def __init__(self, spark):
        url, _ = spark._summary_remote
        host = urlparse(url.replace("sc://", "http://", 1)).hostname
        port = spark.conf.get("spark.ui.port", "4040")
        self.base = f"http://{host}:{port}/api/v1/applications/{spark.conf.get('spark.app.id')}"
        self.tag = f"_Session_{spark.session_id}_"
        self._stages: dict[int, SimpleNamespace] = {}

    def _get(self, path: str):
        with urllib.request.urlopen(self.base + path, timeout=5) as response:
            return json.load(response)

    def getActiveStageIds(self) -> list[int]:
        tagged = [job for job in self._get("/jobs?status=running") if any(self.tag in t for t in job.get("jobTags") or [])]
        mine = {stage for job in tagged for stage in job.get("stageIds", [])}
        self._stages = {
            stage["stageId"]: SimpleNamespace(stageId=stage["stageId"], numTasks=stage["numTasks"], numCompletedTasks=stage["numCompleteTasks"])
            for stage in self._get("/stages?status=active")
            if stage["stageId"] in mine
        }
        return list(self._stages)

    def getStageInfo(self, stage_id: int):
        return self._stages.get(stage_id)
