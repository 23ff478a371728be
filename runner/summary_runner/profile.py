"""What each step of a job cost in Spark jobs (issue 22's per-step profile), besides its duration.

Every step runs under a label of its own: a job group on a classic session (thread-local, free to read back from
the status tracker), a tag on a Spark Connect session (the server's REST API lists jobs with their tags; one call
per step, so only counted when SUMMARY_PROFILE=1). The label also names the step in the Spark UI.

    with StepLabel(spark, "b-000002-CASE_III", "merge summary") as label:
        spark.sql(...)
    label.spark_jobs  # e.g. 7, or None where it cannot be counted (a Connect server without its UI)
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.request
from urllib.parse import urlparse

from .session import is_connect

log = logging.getLogger("summary_runner.profile")

PROFILE_ENV = "SUMMARY_PROFILE"


def profiling() -> bool:
    """SUMMARY_PROFILE=1: count what is costly to count (a Spark Connect server's jobs per step)."""
    return os.environ.get(PROFILE_ENV, "") in ("1", "true")


def step_label(job_id: str, step: str) -> str:
    """A job group id / tag for one step: Spark tags may not contain commas and must not be empty.

    step_label("b-000002-CASE_III", "merge summary") -> "summary-step:b-000002-CASE_III:merge_summary"
    """
    return "summary-step:" + re.sub(r"[^A-Za-z0-9_.:-]", "_", f"{job_id}:{step}")


class StepLabel:
    def __init__(self, spark, job_id: str, step: str):
        self.spark = spark
        self.label = step_label(job_id, step)
        self.connect = is_connect(spark)
        self.spark_jobs: int | None = None

    def __enter__(self) -> "StepLabel":
        if self.connect:
            self.spark.addTag(self.label)
        else:
            self.spark.sparkContext.setJobGroup(self.label, self.label, interruptOnCancel=False)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.connect:
                self.spark.removeTag(self.label)
                self.spark_jobs = _server_jobs_tagged(self.spark, self.label) if profiling() else None
            else:
                self.spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
                self.spark.sparkContext.setLocalProperty("spark.job.description", None)
                self.spark_jobs = len(self.spark.sparkContext.statusTracker().getJobIdsForGroup(self.label))
        except Exception as e:  # a profile never fails a job
            log.warning("could not count the Spark jobs of %s: %s", self.label, e)
            self.spark_jobs = None


def _server_jobs_tagged(spark, tag: str) -> int | None:
    """The number of the Connect server's jobs (REST API of its UI) that carry `tag` (None without a UI)."""
    url, _ = spark._summary_remote
    host = urlparse(url.replace("sc://", "http://", 1)).hostname
    port = spark.conf.get("spark.ui.port", "4040")
    base = f"http://{host}:{port}/api/v1/applications/{spark.conf.get('spark.app.id')}"
    try:
        with urllib.request.urlopen(base + "/jobs", timeout=5) as response:
            jobs = json.load(response)
    except OSError as e:
        log.info("no Spark jobs count on %s: %s", base, e)
        return None
    # A Connect session's tag reaches its jobs as SparkConnect_SessionTag_User_<user>_Session_<id>_Tag_<tag>.
    return sum(1 for job in jobs if any(t.endswith(f"_Tag_{tag}") for t in job.get("jobTags") or []))
