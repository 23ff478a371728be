"""The fault-injection pause hook (jobs._pause_if_armed): the tests' way to act at a known point of a job."""

import threading
import time

from summary_runner import jobs


def test_an_armed_step_pauses_until_the_test_releases_it_and_only_once(tmp_path, monkeypatch):
    monkeypatch.setenv(jobs.PAUSE_DIR_ENV, str(tmp_path))
    (tmp_path / "arm-merge summary").write_text("")
    paused = tmp_path / "paused-merge summary"
    released_at = []

    def release():
        while not paused.exists():
            time.sleep(0.05)
        time.sleep(0.5)
        assert paused.read_text() == "job-1"
        released_at.append(time.monotonic())
        paused.unlink()

    threading.Thread(target=release, daemon=True).start()
    jobs._pause_if_armed("job-1", "patch latest")  # another step: not armed, returns at once
    assert not paused.exists() and (tmp_path / "arm-merge summary").exists()
    jobs._pause_if_armed("job-1", "merge summary")
    assert released_at and time.monotonic() >= released_at[0]
    assert not (tmp_path / "arm-merge summary").exists()
    started = time.monotonic()
    jobs._pause_if_armed("job-2", "merge summary")  # the arm file was used: a retry runs through
    assert time.monotonic() - started < 0.1


def test_without_the_setting_nothing_pauses(tmp_path, monkeypatch):
    monkeypatch.delenv(jobs.PAUSE_DIR_ENV, raising=False)
    (tmp_path / "arm-x").write_text("")
    jobs._pause_if_armed("job", "x")
    assert (tmp_path / "arm-x").exists()


def test_a_crash_file_is_claimed_once(tmp_path, monkeypatch):
    monkeypatch.setenv(jobs.PAUSE_DIR_ENV, str(tmp_path))
    (tmp_path / "crash-stage batch").write_text("")
    assert jobs._crash_armed("append summary") is False  # another step
    assert jobs._crash_armed("stage batch") is True
    assert (tmp_path / "crashed-stage batch").exists() and not (tmp_path / "crash-stage batch").exists()
    assert jobs._crash_armed("stage batch") is False  # claimed: the restarted runner's retry runs through
    monkeypatch.delenv(jobs.PAUSE_DIR_ENV)
    (tmp_path / "crash-x").write_text("")
    assert jobs._crash_armed("x") is False


def test_a_job_pauses_after_its_ledger_commit_before_it_returns(tmp_path, monkeypatch):
    """`<kind> committed`: the job's commit is durable while its caller has not heard of it yet."""
    monkeypatch.setenv(jobs.PAUSE_DIR_ENV, str(tmp_path))
    (tmp_path / "arm-case committed").write_text("")
    paused = tmp_path / "paused-case committed"
    appended = []

    class Ledger:
        table = "ledger"

        def newest(self):
            return None

        def append(self, status, job_id, attempt, pre, **kwargs):
            appended.append(status)

    monkeypatch.setattr(jobs.iceberg, "current_snapshot_id", lambda spark, table: "1")
    monkeypatch.setattr(
        jobs,
        "_execute",
        lambda spark, job, attempt, pre, lost: {
            "jobId": job["jobId"],
            "status": jobs.COMMITTED,
            "attempt": attempt,
            "steps": [],
            "collected": {},
            "snapshots": {},
        },
    )
    seen_while_paused = []

    def release():
        while not paused.exists():
            time.sleep(0.05)
        seen_while_paused.append((paused.read_text(), list(appended)))
        paused.unlink()

    threading.Thread(target=release, daemon=True).start()
    result = jobs._run_with_ledger(None, {"jobId": "b-000001-CASE_II", "kind": "case", "targets": ["t"]}, Ledger(), time.monotonic())
    assert result["status"] == jobs.COMMITTED
    assert seen_while_paused == [("b-000001-CASE_II", [jobs.STARTED, jobs.COMMITTED])]
    # Another kind of job is not paused by it.
    (tmp_path / "arm-case committed").write_text("")
    jobs._run_with_ledger(None, {"jobId": "b-000002-classify", "kind": "classify", "targets": ["t"]}, Ledger(), time.monotonic())
    assert (tmp_path / "arm-case committed").exists()
