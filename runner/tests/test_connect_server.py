"""The stack's Spark Connect server serves this machine only (scripts/stack/spark-connect/LoopbackOnly.java).

Spark 3.5 binds the gRPC port on every interface and authenticates no one; the interceptor refuses any peer that
is not a loopback address. Run with SUMMARY_SPARK_REMOTE (the test command's Spark Connect step).
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

REMOTE = os.environ.get("SUMMARY_SPARK_REMOTE")


def _non_loopback_address() -> str | None:
    """This machine's address on its default route (no packet is sent), or None when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.mark.skipif(REMOTE is None, reason="needs the Spark Connect server (SUMMARY_SPARK_REMOTE)")
def test_a_client_reaching_the_server_on_another_address_is_refused_and_one_on_loopback_is_served():
    from pyspark.sql.connect.session import SparkSession as RemoteSparkSession

    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    port = urlparse(REMOTE.replace("sc://", "http://", 1)).port
    outside = RemoteSparkSession(connection=f"sc://{address}:{port}")
    with pytest.raises(Exception, match="serves clients on its own machine only.*refused /" + address.replace(".", r"\.")):
        outside.sql("SELECT 1 AS one").collect()
    inside = RemoteSparkSession(connection=f"sc://127.0.0.1:{port}")
    assert inside.sql("SELECT 1 AS one").collect()[0].one == 1
