"""Executes a compiled job (docs/compiled-job-format.md): its steps, and with a ledger exactly-once in effect.

With a `lease` the job first checks that its writer holds the pipeline's lease (lease.verify) and fails
without touching anything otherwise; with `lease.keepAlive` it also renews that lease while it runs (a job
on a cluster, whose submitter may die before it ends). With a ledger the algorithm is the documented one:
  1. newest ledger row committed -> execute nothing, return the recorded result as already_committed;
  2. newest row started/failed   -> roll every target back to that row's pre_snapshots;
  3. append a `started` row with the targets' current snapshots;
  4. execute the steps;
  5. success -> append `committed` (post_snapshots, result); error -> roll back as in 2, append `failed`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from contextlib import contextmanager

from . import iceberg, lease, progress
from .errors import JobSpecError, describe_error, name_table_disks
from .ledger import COMMITTED, FAILED, STARTED, Ledger, running_attempts
from .ledger import create_table as create_ledger_table
from .profile import StepLabel
from .rows import collect_json
from .session import interrupt_statements, is_connect

log = logging.getLogger("summary_runner.jobs")

# Test hook (fault injection): the process dies with exit code 137, as if OOM-killed, right after
# the step of this name completes, so tests can check recovery from a half-executed job.
CRASH_AFTER_STEP_ENV = "SUMMARY_RUNNER_CRASH_AFTER_STEP"
# Test hook (fault injection): with this directory set, a job whose step S completes while the file
# `<dir>/arm-<S>` exists claims it (renamed to `paused-<S>`, holding the job id) and waits until a test
# deletes `paused-<S>`. Between the two the test injects its fault (stops the catalog, kills a service,
# starts a second writer) at a known point of a running job. Armed once per file: a retry runs through.
# One more point besides the steps: `<kind> committed` (e.g. `case committed`), right after the job's ledger
# commit and before its result goes back to the caller.
# A file `<dir>/crash-<S>` instead makes the process die there as CRASH_AFTER_STEP does (renamed to
# `crashed-<S>` first, so the restarted runner's retry runs through): one runner, many crash points.
PAUSE_DIR_ENV = "SUMMARY_RUNNER_PAUSE_DIR"
PAUSE_LIMIT_SECONDS = 600

STEP_FIELDS = {"sql": ("sql",), "collect": ("sql", "maxRows"), "incremental_view": ("view", "table", "endSnapshotId"), "ledger_table": ("table",)}
JOB_KINDS = ("init", "classify", "case", "append", "maintenance")


def validate_job(job: object) -> None:
    """Raises JobSpecError naming the first field that does not follow schemaVersion 1."""
    if not isinstance(job, dict):
        raise JobSpecError(f"job must be a JSON object, got {type(job).__name__}")
    if job.get("schemaVersion") != 1:
        raise JobSpecError(f"job.schemaVersion is {job.get('schemaVersion')!r}; this runner executes schemaVersion 1")
    if not isinstance(job.get("jobId"), str) or not job["jobId"]:
        raise JobSpecError(f"job.jobId must be a non-empty string, got {job.get('jobId')!r}")
    if "kind" in job and job["kind"] not in JOB_KINDS:
        raise JobSpecError(f"job.kind is {job['kind']!r}; expected one of {list(JOB_KINDS)}")
    targets = job.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise JobSpecError(f"job.targets must be a list of table names, got {targets!r}")
    fence = job.get("lease")
    if fence is not None:
        for key in ("table", "pipeline", "token"):
            if not isinstance(fence, dict) or not isinstance(fence.get(key), str) or not fence[key]:
                raise JobSpecError(f"job.lease.{key} must be a non-empty string, got {fence!r}")
        keep = fence.get("keepAlive")
        if keep is not None:
            ttl, every = (keep.get(k) if isinstance(keep, dict) else None for k in ("ttlMs", "everyMs"))
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (ttl, every)) or not 0 < every < ttl:
                raise JobSpecError(f"job.lease.keepAlive must be {{ttlMs, everyMs}} integers with 0 < everyMs < ttlMs, got {keep!r}")
    ledger = job.get("ledger")
    if ledger is not None:
        for key in ("table", "batchId", "step"):
            if not isinstance(ledger, dict) or not isinstance(ledger.get(key), str) or not ledger[key]:
                raise JobSpecError(f"job.ledger.{key} must be a non-empty string, got {ledger!r}")
    steps = job.get("steps")
    if not isinstance(steps, list) or not steps:
        raise JobSpecError(f"job.steps must be a non-empty list, got {steps!r}")
    names = set()
    for index, step in enumerate(steps):
        _validate_step(index, step)
        if step["name"] in names:
            raise JobSpecError(f"job.steps[{index}].name {step['name']!r} is used twice; step names must be unique")
        names.add(step["name"])


def _validate_step(index: int, step: object) -> None:
    where = f"job.steps[{index}]"
    if not isinstance(step, dict) or not isinstance(step.get("name"), str) or not step["name"]:
        raise JobSpecError(f"{where} must be an object with a non-empty 'name', got {step!r}")
    kind = step.get("kind")
    if kind not in STEP_FIELDS:
        raise JobSpecError(f"{where}.kind is {kind!r}; expected one of {sorted(STEP_FIELDS)}")
    for field in STEP_FIELDS[kind]:
        if field not in step:
            raise JobSpecError(f"{where} ({kind}) is missing '{field}'")
    if kind == "collect" and (not isinstance(step["maxRows"], int) or step["maxRows"] < 0):
        raise JobSpecError(f"{where}.maxRows must be a non-negative integer, got {step['maxRows']!r}")
    if kind == "incremental_view":
        for field in ("startSnapshotId", "endSnapshotId"):
            value = step.get(field)
            if value is not None and not (isinstance(value, str) and value.lstrip("-").isdigit()):
                raise JobSpecError(f"{where}.{field} must be a snapshot id as a string of digits (or null), got {value!r}")
        if step["endSnapshotId"] is None:
            raise JobSpecError(f"{where}.endSnapshotId is required (inclusive end of the range), got null")


def run_job(spark, job: dict) -> dict:
    """Runs a validated-or-not job; returns the result (a failed job is a result, not an exception).

    Raises JobSpecError only for a job document that does not follow the format (nothing executed).
    """
    validate_job(job)
    started_at = time.monotonic()
    _drop_temp_views(spark)
    try:
        result = _run(spark, job, started_at)
    finally:
        _drop_temp_views(spark)
    error = result.get("error")
    if error is not None and error.get("type") == "DiskFullError":
        tables = list(job.get("targets", [])) + ([job["ledger"]["table"]] if job.get("ledger") else [])
        error["message"] = name_table_disks(error["message"], iceberg.table_locations(spark, tables))
    result["durationMs"] = _ms_since(started_at)
    log.info("job=%s status=%s attempt=%s %dms", job["jobId"], result["status"], result["attempt"], result["durationMs"])
    if error is not None:
        log.warning("job=%s failed at step=%s: %s: %s", job["jobId"], error.get("step"), error.get("type"), error.get("message"))
    return result


def _drop_temp_views(spark) -> None:
    """Jobs start and end with no temp views.

    In serve mode every job shares one session; a view left by one job would leak into the next (or
    make its CREATE TEMPORARY VIEW fail), which cannot happen in one-shot mode. Global temp views and
    cached tables are left alone.
    Listed by SQL, so a Spark Connect session does it too: `SHOW VIEWS IN global_temp` lists the global temp
    views and the session's own (those with an empty namespace), whatever the default catalog is (a plain
    SHOW VIEWS or the catalog API would ask it, e.g. Iceberg, which has no `default` namespace).
    """
    for row in spark.sql("SHOW VIEWS IN global_temp").collect():
        if row["isTemporary"] and not row["namespace"]:
            spark.catalog.dropTempView(row["viewName"])


def _run(spark, job: dict, started_at: float) -> dict:
    fence = job.get("lease")
    if fence is None:
        return _run_steps(spark, job, started_at)
    # The fence: a `started` ledger row is a dead attempt only if no one else can be running it.
    keep = fence.get("keepAlive")
    try:
        if keep is not None:
            # A job submitted to a cluster keeps its writer's lease alive itself, from its own driver, while
            # it runs: a dispatcher that dies mid-job must not let another writer in beside the job (README
            # "One writer per pipeline"). The keeper stops with the job; the lease then expires unless its
            # holder renews. The first renewal is made here, before the check and before anything runs: the
            # token is the fence, not the clock. A lease whose submitter's heartbeat ran late (a busy
            # machine, a long GC) is still this token's until another writer's takeover commits, and of
            # that takeover and this renewal exactly one commits; the same holds for a submitter that takes
            # a suspended lease over once nobody renewed it for a while (SuspendedLease in
            # libs/lease/src/lease.ts).
            if not lease.renew_first(spark, fence["table"], fence["pipeline"], fence["token"], keep["ttlMs"]):
                lease.verify(spark, fence)  # raises, naming the holder that took it
                raise lease.LeaseNotHeldError(f"the lease of {fence['pipeline']} could not be renewed by this job; nothing was executed")
        lease.verify(spark, fence)
    except Exception as exc:
        return _failed_result(job, attempt=None, error=_error(exc, step=None), snapshots={})
    if keep is None:
        return _run_steps(spark, job, started_at)
    keeper = lease.LeaseKeeper(spark, fence["table"], fence["pipeline"], fence["token"], keep["ttlMs"], keep["everyMs"]).start()
    try:
        # Another writer took the lease over while the job ran (its submitter silent for a TTL, then a
        # takeover): the job stops before its next step and before its ledger commit, and rolls back.
        return _run_steps(spark, job, started_at, lost=lambda: _lease_lost(fence, keeper))
    finally:
        keeper.stop()
        log.info(
            "job=%s lease of %s kept alive by this job: %d renewal(s)%s", job["jobId"], fence["pipeline"], keeper.renewals, ", then lost" if keeper.lost else ""
        )


def _lease_lost(fence: dict, keeper) -> Exception | None:
    if not keeper.lost:
        return None
    return lease.LeaseNotHeldError(f"the lease of {fence['pipeline']} was taken over by another writer while this job ran; it stopped")


def _run_steps(spark, job: dict, started_at: float, lost=lambda: None) -> dict:
    """Past the lease check: the ledger phase (if any) and the steps. `lost()` returns an error once the
    job may no longer write (its kept-alive lease was taken over), None while it may."""
    ledger_spec = job.get("ledger")
    if ledger_spec is not None:
        ledger = Ledger(spark, ledger_spec["table"], ledger_spec["batchId"], ledger_spec["step"])
        return _run_with_ledger(spark, job, ledger, started_at, lost)
    # No ledger, no rollback: a failed job's partial writes stay (e.g. maintenance jobs).
    try:
        pre = iceberg.current_snapshot_ids(spark, job.get("targets", []))
    except Exception as exc:
        return _failed_result(job, 1, _error(exc, step=None), snapshots={})
    return _execute(spark, job, 1, pre, lost)


def _run_with_ledger(spark, job: dict, ledger: Ledger, started_at: float, lost=lambda: None) -> dict:
    targets = job.get("targets", [])
    fence = job.get("lease")
    try:
        if fence is not None:
            _stop_other_writers_attempts(spark, ledger.table, fence["token"])
        newest = ledger.newest()
        if newest is not None and newest.running is not None:
            # An attempt whose runner died mid-step may still have a statement on the server: stopped before its
            # targets are rolled back, and the ledger read again (it may have committed just before the interrupt).
            _stop_attempt(spark, newest.running, job["jobId"])
            newest = ledger.newest()
        if newest is not None and newest.status == COMMITTED:
            log.info("job=%s already committed (attempt %s): nothing executed", job["jobId"], newest.attempt)
            recorded = dict(newest.result or {"jobId": job["jobId"], "attempt": newest.attempt})
            return {**recorded, "status": "already_committed"}
        if newest is not None:
            # An earlier attempt died (started) or failed and may have left partial writes.
            _restore(spark, targets, newest.pre_snapshots, job["jobId"])
        attempt = (newest.attempt if newest is not None else 0) + 1
        pre = iceberg.current_snapshot_ids(spark, targets)
        running = _running(spark, fence)
        ledger.append(STARTED, job["jobId"], attempt, pre, running=running)
    except Exception as exc:  # the ledger/rollback phase itself failed: nothing was executed
        return _failed_result(job, attempt=None, error=_error(exc, step=None), snapshots={})
    with _tagged(spark, running):
        return _attempt(spark, job, ledger, attempt, pre, started_at, lost)


# Spark Connect: every statement of a ledger attempt, from its steps to its last ledger row, carries the tag its
# `started` row names ({session, user, tag, token}: ledger.py). A writer that finds that row the newest of its
# (batch, step), or the first job of a writer that took the lease over, interrupts them (session.interrupt_statements):
# a statement keeps running on the server after its runner died, and must not commit under another writer's lease.
_ATTEMPT_TAG_PREFIX = "summary-attempt-"
# (ledger table, lease token) pairs whose other writers' attempts this process has stopped already.
_fenced: set = set()


def _running(spark, fence: dict | None) -> dict | None:
    """Where the attempt about to start runs its statements, recorded in its `started` row (None in-process: its
    statements end with its driver)."""
    if not is_connect(spark):
        return None
    return {
        "session": spark.session_id,
        "user": spark.client._user_id,
        "tag": _ATTEMPT_TAG_PREFIX + uuid.uuid4().hex,
        "token": fence["token"] if fence is not None else None,
    }


@contextmanager
def _tagged(spark, running: dict | None):
    if running is None:
        yield
        return
    spark.addTag(running["tag"])
    try:
        yield
    finally:
        spark.removeTag(running["tag"])


def _stop_attempt(spark, running: dict, job_id: str) -> None:
    if not is_connect(spark):
        log.warning(
            "job=%s: an attempt ran on Spark Connect session %s; this in-process runner cannot interrupt its statements", job_id, running.get("session")
        )
        return
    stopped = interrupt_statements(spark, running["session"], running.get("user"), running["tag"])
    if stopped:
        log.warning(
            "job=%s: interrupted %d statement(s) of an earlier attempt still running on the server (session %s, tag %s)",
            job_id,
            len(stopped),
            running["session"],
            running["tag"],
        )


def _stop_other_writers_attempts(spark, ledger_table: str, token: str) -> None:
    """Once per lease token and ledger: interrupts the statements of every attempt of another writer that the ledger
    shows started (a dead writer's, whose lease this one took over), whatever its (batch, step): the new writer's
    first job stops them, not the retry of their own step, which may come later."""
    if not is_connect(spark) or (ledger_table, token) in _fenced:
        return
    for running in running_attempts(spark, ledger_table):
        if running.get("token") != token:
            _stop_attempt(spark, running, f"(lease {token[:8]})")
    _fenced.add((ledger_table, token))


def _attempt(spark, job: dict, ledger: Ledger, attempt: int, pre: dict, started_at: float, lost) -> dict:
    """The steps of a started attempt, then its `committed` row, or its rollback and `failed` row."""
    targets = job.get("targets", [])
    result = _execute(spark, job, attempt, pre, lost)
    taken = lost() if result["status"] == COMMITTED else None
    if taken is not None:
        result = {**_failed_result(job, attempt, _error(taken, step=None), result["snapshots"]), "steps": result["steps"]}
    if result["status"] == COMMITTED:
        # Recorded with the result; run_job overwrites it with the whole call's duration.
        result["durationMs"] = _ms_since(started_at)
        try:
            ledger.append(COMMITTED, job["jobId"], attempt, pre, post_snapshots=_after(result), result=result)
            # The point between a job's durable commit and its caller hearing of it (arm `<kind> committed`).
            _pause_if_armed(job["jobId"], f"{job.get('kind', 'job')} committed")
            return result
        except Exception as exc:
            # Not recorded as committed -> not committed: undo the steps' writes like any failure.
            result = _failed_result(job, attempt, _error(exc, step=None), result["snapshots"])
    gone = _lease_gone(spark, job.get("lease"))
    if gone is not None:
        # Another writer holds the lease now (its first job may have interrupted this attempt): a rollback from here
        # could undo that writer's commits. The `started` row stays the newest; the holder rolls it back first.
        log.error("job=%s failed without the lease: its writes are left to the holder's rollback (%s)", job["jobId"], gone)
        result["error"] = {
            **_error(gone, step=result["error"].get("step")),
            "message": (
                f"{gone}; the attempt failed ({result['error']['type']}: {result['error']['message']}) and its writes are left to the lease holder's rollback"
            ),
        }
        return result
    rollback_error = _try_restore(spark, targets, pre, job["jobId"])
    if rollback_error is not None:
        result["error"]["message"] += f"; rolling the targets back also failed ({rollback_error}); the next run retries it"
    try:
        result["snapshots"] = _snapshots(spark, targets, pre)
    except Exception as exc:
        log.error("job=%s could not read the targets' snapshots after the rollback: %s", job["jobId"], exc)
    try:
        ledger.append(FAILED, job["jobId"], attempt, pre, post_snapshots=_after(result), error=result["error"])
    except Exception as exc:
        # The newest row stays `started`, which makes the next run roll back too.
        log.error("job=%s could not record the failed attempt in %s: %s", job["jobId"], ledger.table, exc)
    return result


def _lease_gone(spark, fence: dict | None) -> Exception | None:
    """The LeaseNotHeldError of a job whose writer no longer holds the lease; None while it does, for a job without
    a lease, and when the lease cannot be read (the failure path then rolls back as it always did)."""
    if fence is None:
        return None
    try:
        lease.verify(spark, fence)
    except lease.LeaseNotHeldError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - a catalog hiccup: roll back as without a lease
        log.warning("could not read the lease of %s after a failed attempt: %s", fence["pipeline"], exc)
    return None


def _execute(spark, job: dict, attempt: int, pre: dict, lost=lambda: None) -> dict:
    """Runs the steps in order; stops at the first failing step, or before a step once `lost()` returns an
    error. `snapshots` is filled on success only."""
    targets = job.get("targets", [])
    steps_done: list[dict] = []
    collected: dict[str, list] = {}
    crash_after = os.environ.get(CRASH_AFTER_STEP_ENV)
    for step in job["steps"]:
        taken = lost()
        if taken is not None:
            log.error("job=%s stopped before step=%s: %s", job["jobId"], step["name"], taken)
            result = _failed_result(job, attempt, _error(taken, step=step["name"]), {})
            result["steps"] = steps_done
            return result
        step_started = time.monotonic()
        started_at_ms = int(time.time() * 1000)
        progress.step_started(job["jobId"], step["name"])
        label = StepLabel(spark, job["jobId"], step["name"])
        try:
            with label:
                rows = _run_step(spark, step)
        except Exception as exc:
            progress.step_finished()
            log.warning("job=%s step=%s kind=%s failed after %dms: %s", job["jobId"], step["name"], step["kind"], _ms_since(step_started), exc)
            # A lost lease interrupts the step's statements on Spark Connect (lease.LeaseKeeper): the cause to
            # report is the lease, not the cancellation it caused.
            taken = lost()
            result = _failed_result(job, attempt, _error(taken if taken is not None else exc, step=step["name"]), {})
            result["steps"] = steps_done
            return result
        progress.step_finished()
        duration = _ms_since(step_started)
        # startedAtMs (epoch) places the step's commits among the tables' snapshots (bench: commits per step).
        steps_done.append({"name": step["name"], "durationMs": duration, "startedAtMs": started_at_ms, "sparkJobs": label.spark_jobs})
        if rows is not None:
            collected[step["name"]] = rows
        log.info("job=%s step=%s kind=%s %dms", job["jobId"], step["name"], step["kind"], duration)
        _pause_if_armed(job["jobId"], step["name"])
        if crash_after == step["name"] or _crash_armed(step["name"]):
            log.error("job=%s: exiting with 137 after step %r (test hook)", job["jobId"], step["name"])
            sys.stderr.flush()
            os._exit(137)
    try:
        snapshots = _snapshots(spark, targets, pre)
    except Exception as exc:
        # As in the step loop: a keeper that found the lease taken may have interrupted this read on Spark Connect.
        taken = lost()
        result = _failed_result(job, attempt, _error(taken if taken is not None else exc, step=None), {})
        result["steps"] = steps_done
        return result
    return {
        "jobId": job["jobId"],
        "status": COMMITTED,
        "attempt": attempt,
        "steps": steps_done,
        "collected": collected,
        "snapshots": snapshots,
    }


def _claim_hook(armed_name: str, claimed_name: str) -> str | None:
    """Renames `<pause dir>/<armed_name>` to `<claimed_name>` and returns that path, if the file exists.
    The rename is atomic: of two jobs reaching the step, one claims the hook."""
    directory = os.environ.get(PAUSE_DIR_ENV)
    if not directory:
        return None
    claimed = os.path.join(directory, claimed_name)
    try:
        os.rename(os.path.join(directory, armed_name), claimed)
    except FileNotFoundError:
        return None
    return claimed


def _crash_armed(step: str) -> bool:
    """Whether `<pause dir>/crash-<step>` exists; claims it (renamed to `crashed-<step>`) when it does."""
    return _claim_hook(f"crash-{step}", f"crashed-{step}") is not None


def _pause_if_armed(job_id: str, step: str) -> None:
    paused = _claim_hook(f"arm-{step}", f"paused-{step}")
    if paused is None:
        return
    with open(paused, "w", encoding="utf-8") as f:
        f.write(job_id)
    log.warning("%s: job=%s paused after step %r until %s is deleted (test hook)", PAUSE_DIR_ENV, job_id, step, paused)
    deadline = time.monotonic() + PAUSE_LIMIT_SECONDS
    while os.path.exists(paused) and time.monotonic() < deadline:
        time.sleep(0.2)
    log.warning("%s: job=%s resumed after step %r", PAUSE_DIR_ENV, job_id, step)


def _run_step(spark, step: dict) -> list | None:
    kind = step["kind"]
    if kind == "sql":
        spark.sql(step["sql"])
        return None
    if kind == "collect":
        return collect_json(spark.sql(step["sql"]), step["maxRows"], f"collect step {step['name']!r}")
    if kind == "incremental_view":
        if step.get("startSnapshotId") is None:
            # Whole table as of the end snapshot. SQL time travel rather than the reader's snapshot-id
            # option: that option resolves the table through a name suffix, which fails for a catalog
            # named spark_catalog ("TABLE_OR_VIEW_NOT_FOUND ... snapshot_id_<id>").
            frame = spark.sql(f"SELECT * FROM {_quote_table(step['table'])} VERSION AS OF {int(step['endSnapshotId'])}")
        else:
            # Rows appended in (start, end]; Iceberg reads only append snapshots in the range. Through
            # the catalog (read.table), not format("iceberg").load: the latter sends a table of a catalog
            # named spark_catalog to the Hive metastore.
            frame = (
                spark.read.option("start-snapshot-id", step["startSnapshotId"])
                .option("end-snapshot-id", step["endSnapshotId"])
                .table(_quote_table(step["table"]))
            )
        frame.createOrReplaceTempView(step["view"])
        return None
    if kind == "ledger_table":
        create_ledger_table(spark, step["table"])
        return None
    raise JobSpecError(f"step kind {kind!r} is not executable; expected one of {sorted(STEP_FIELDS)}")


def _restore(spark, targets: list, snapshots: dict, job_id: str) -> None:
    for table in targets:
        if table not in snapshots:
            log.warning("job=%s target %s has no recorded snapshot; not rolled back", job_id, table)
            continue
        action = iceberg.restore_snapshot(spark, table, snapshots[table])
        if action != "unchanged":
            log.info("job=%s target %s %s to %s", job_id, table, action, snapshots[table])


def _try_restore(spark, targets: list, snapshots: dict, job_id: str) -> str | None:
    try:
        _restore(spark, targets, snapshots, job_id)
        return None
    except Exception as exc:
        log.error("job=%s rollback failed: %s", job_id, exc)
        # Its message, as describe_error words it: str() of a py4j error is the whole JVM stack trace, which ended up
        # in the ledger and the audit rows (a full disk fails the rollback too, issue 25).
        described = describe_error(exc)
        return f"{described['type']}: {described['message']}"


def _snapshots(spark, targets: list, pre: dict) -> dict:
    after = iceberg.current_snapshot_ids(spark, targets)
    return {table: {"before": pre.get(table), "after": after[table]} for table in targets}


def _after(result: dict) -> dict:
    return {table: snap["after"] for table, snap in result.get("snapshots", {}).items()}


def _failed_result(job: dict, attempt: int | None, error: dict, snapshots: dict) -> dict:
    return {"jobId": job["jobId"], "status": FAILED, "attempt": attempt, "steps": [], "collected": {}, "snapshots": snapshots, "error": error}


def _error(exc: BaseException, step: str | None) -> dict:
    return {**describe_error(exc), "step": step}


def _ms_since(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


def _quote_table(name: str) -> str:
    return ".".join("`" + part.replace("`", "``") + "`" for part in name.split("."))
