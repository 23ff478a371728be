"""The runner's half of the pipeline lease (summary_runner/lease.py), on a stand-in for the session: no Spark.

What is checked is what the runner decides from the lease row it reads: run the job, or refuse it naming
the holder; keep renewing, or stop when another writer took the lease.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from summary_runner import lease
from summary_runner.errors import describe_error

SPEC = {"table": "local.ns.summary_lease", "pipeline": "local.ns.summary", "token": "mine"}


class FakeSpark:
    """Answers every SELECT with the lease row it holds; records every MERGE (a renewal) and applies it."""

    def __init__(self, row):
        self.row = row
        self.merges = 0
        self.sparkContext = SimpleNamespace(setLocalProperty=lambda key, value: None)

    def sql(self, text, args=None):
        if text.startswith("MERGE"):
            self.merges += 1
            if self.row is not None and self.row.token == args["token"]:
                self.row = SimpleNamespace(**{**vars(self.row), "expires_at_ms": args["expires"]})
            return None
        return SimpleNamespace(collect=lambda: [] if self.row is None else [self.row])


def row(token="mine", expires_in_ms=3_600_000, released=False):
    # An hour: the parametrized rows are built when pytest collects, long before the last test runs.
    now = int(time.time() * 1000)
    return SimpleNamespace(
        token=token,
        epoch=4,
        host="node-a",
        pid=4242,
        command="run",
        renewed_at_ms=now - 1_000,
        expires_at_ms=now + expires_in_ms,
        released_at_ms=now if released else None,
    )


def test_a_job_of_the_live_holder_passes():
    lease.verify(FakeSpark(row()), SPEC)


@pytest.mark.parametrize(
    ("current", "named"),
    [
        (row(token="theirs"), "held by 'run' on host node-a (pid 4242, lease epoch 4, live)"),
        (row(expires_in_ms=-1), "held by 'run' on host node-a (pid 4242, lease epoch 4, expired)"),
        (row(released=True), "held by 'run' on host node-a (pid 4242, lease epoch 4, released)"),
        (None, "held by nobody"),
    ],
)
def test_a_job_without_the_lease_is_refused_naming_the_holder(current, named):
    with pytest.raises(lease.LeaseNotHeldError) as caught:
        lease.verify(FakeSpark(current), SPEC)
    assert named in str(caught.value)
    assert describe_error(caught.value) == {"type": "LeaseNotHeldError", "message": str(caught.value), "retriable": True}


def test_the_keeper_renews_until_stopped():
    spark = FakeSpark(row(expires_in_ms=1_000))
    keeper = lease.LeaseKeeper(spark, SPEC["table"], SPEC["pipeline"], "mine", ttl_ms=60_000, every_ms=20).start()
    deadline = time.monotonic() + 5
    while spark.merges < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    keeper.stop()
    assert spark.merges >= 3
    assert spark.row.expires_at_ms > int(time.time() * 1000) + 50_000
    assert keeper.lost is False


def test_the_keeper_stops_when_another_writer_took_the_lease():
    spark = FakeSpark(row(token="theirs"))
    keeper = lease.LeaseKeeper(spark, SPEC["table"], SPEC["pipeline"], "mine", ttl_ms=60_000, every_ms=10).start()
    keeper._thread.join(timeout=5)
    assert keeper.lost is True
    assert spark.merges == 1


class RacingSpark(FakeSpark):
    """Each MERGE loses its commit race to another commit of the lease row, `races` times: `winner` (row -> row)."""

    def __init__(self, current, winner, races):
        super().__init__(current)
        self.winner, self.races = winner, races

    def sql(self, text, args=None):
        if text.startswith("MERGE") and self.races > 0:
            self.races -= 1
            self.merges += 1
            self.row = self.winner(self.row)
            raise RuntimeError("ValidationException: Found conflicting files that can contain records matching ...")
        return super().sql(text, args)


def _renewed(r):
    now = int(time.time() * 1000)
    return SimpleNamespace(**{**vars(r), "renewed_at_ms": now, "expires_at_ms": now + 60_000})


def test_a_first_renewal_that_lost_its_race_to_its_submitters_heartbeat_holds_the_lease():
    # A cold driver's MERGE took longer than the submitter's beat: it can never win, and need not.
    spark = RacingSpark(row(), _renewed, races=1_000)
    assert lease.renew_first(spark, SPEC["table"], SPEC["pipeline"], "mine", ttl_ms=60_000, deadline_s=5) is True
    assert spark.merges == 1


def test_a_first_renewal_that_lost_its_race_to_a_takeover_fails():
    spark = RacingSpark(row(), lambda r: SimpleNamespace(**{**vars(_renewed(r)), "token": "theirs", "epoch": 5}), races=1)
    assert lease.renew_first(spark, SPEC["table"], SPEC["pipeline"], "mine", ttl_ms=60_000, deadline_s=5) is False


def test_a_first_renewal_retries_a_race_that_left_the_lease_as_it_was_and_gives_up_at_its_deadline():
    spark = RacingSpark(row(), lambda r: r, races=2)
    assert lease.renew_first(spark, SPEC["table"], SPEC["pipeline"], "mine", ttl_ms=60_000, deadline_s=5) is True
    assert spark.merges == 3  # two lost races, then the renewal itself

    stuck = RacingSpark(row(), lambda r: r, races=1_000)
    with pytest.raises(RuntimeError, match="conflicting files"):
        lease.renew_first(stuck, SPEC["table"], SPEC["pipeline"], "mine", ttl_ms=60_000, deadline_s=0.5)


def test_the_keepers_snapshot_expiry_quotes_the_table_it_names():
    """The lease table's name goes into a CALL as a string literal: a quote in it stays inside the literal."""
    sql = []
    keeper = lease.LeaseKeeper.__new__(lease.LeaseKeeper)
    keeper.spark = SimpleNamespace(sql=sql.append)
    keeper.table = "cat.ns.lease', retain_last => 1) --"
    keeper._expire_snapshots()
    assert sql[0].startswith("CALL `cat`.system.expire_snapshots(table => 'ns.lease\\', retain_last => 1) --', older_than => TIMESTAMP '")
    assert sql[0].endswith("', retain_last => 10)")
