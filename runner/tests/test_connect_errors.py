"""Errors of a Spark Connect session (issue 21) are classified as in-process ones are (errors.describe_error).

A Spark Connect client gets no Java objects: the error's message, and with spark.sql.pyspark.jvmStacktrace.enabled
(set by session.py) the server's stack trace, whose outer and "Caused by" lines name the classes.
"""

from __future__ import annotations

from pyspark.errors.exceptions.connect import AnalysisException, SparkConnectGrpcException

from summary_runner.errors import describe_error

COMMIT_CONFLICT = """Writing job aborted

JVM stacktrace:
org.apache.spark.SparkException: Writing job aborted
\tat org.apache.spark.sql.errors.QueryExecutionErrors$.writingJobAbortedError(QueryExecutionErrors.scala:767)
\tat org.apache.spark.sql.execution.datasources.v2.V2TableWriteExec.writeWithV2(WriteToDataSourceV2Exec.scala:409)
Caused by: org.apache.iceberg.exceptions.CommitFailedException: Cannot commit local.ns.t: metadata location changed
\tat org.apache.iceberg.hadoop.HadoopTableOperations.commit(HadoopTableOperations.java:160)
\t... 42 more
"""


def test_a_commit_conflict_inside_a_write_error_is_retriable_and_names_its_cause():
    described = describe_error(SparkConnectGrpcException(COMMIT_CONFLICT, reason="org.apache.spark.SparkException"))
    assert described["retriable"] is True
    assert described["type"] == "SparkException"
    assert described["message"] == (
        "(org.apache.spark.SparkException) Writing job aborted (caused by CommitFailedException: Cannot commit local.ns.t: metadata location changed)"
    )


def test_an_io_error_is_retriable_but_a_missing_file_is_not():
    io = (
        "Job aborted\n\nJVM stacktrace:\norg.apache.spark.SparkException: Job aborted\n"
        "Caused by: java.net.SocketTimeoutException: x\nCaused by: org.apache.hadoop.fs.s3a.AWSClientIOException: y\n"
    )
    assert describe_error(SparkConnectGrpcException(io))["retriable"] is True
    missing = "Job aborted\n\nJVM stacktrace:\norg.apache.spark.SparkException: Job aborted\nCaused by: java.io.FileNotFoundException: /w/x.parquet\n"
    assert describe_error(SparkConnectGrpcException(missing))["retriable"] is False


CATALOG_DOWN = """(org.apache.iceberg.exceptions.RESTException) Error occurred while processing POST request

JVM stacktrace:
org.apache.iceberg.exceptions.RESTException: Error occurred while processing POST request
\tat org.apache.iceberg.rest.HTTPClient.execute(HTTPClient.java:359)
\tat org.apache.iceberg.rest.RESTSessionCatalog.fetchConfig(RESTSessionCatalog.java:1023)
Caused by: org.apache.iceberg.shaded.org.apache.hc.client5.http.HttpHostConnectException: Connect to http://127.0.0.1:8181 failed: Connection refused
\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)
\t... 12 more
Caused by: java.net.ConnectException: Connection refused
\t... 20 more
"""


def test_the_catalog_or_store_unreachable_is_retriable_as_in_process():
    """In-process, HttpHostConnectException is found as an IOException through its superclasses; on Spark Connect the
    trace names only its own class, which must be known by name, here as Iceberg's runtime relocates it (the services'
    retries ride out a catalog restart)."""
    described = describe_error(SparkConnectGrpcException(CATALOG_DOWN))
    assert described["retriable"] is True
    assert described["type"] == "RESTException"
    assert "HttpHostConnectException" in described["message"] or "ConnectException" in described["message"]
    store = "Job aborted\n\nJVM stacktrace:\norg.apache.spark.SparkException: Job aborted\nCaused by: java.net.SocketException: reset\n"
    assert describe_error(SparkConnectGrpcException(store))["retriable"] is True
    other = "Job aborted\n\nJVM stacktrace:\norg.apache.spark.SparkException: Job aborted\nCaused by: java.lang.ArithmeticException: / by zero\n"
    assert describe_error(SparkConnectGrpcException(other))["retriable"] is False


def test_an_analysis_error_keeps_its_message_and_is_not_retriable():
    text = (
        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `local`.`p`.`nope` cannot be found.\n\n"
        "JVM stacktrace:\norg.apache.spark.sql.catalyst.ExtendedAnalysisException: [TABLE_OR_VIEW_NOT_FOUND] ...\n"
    )
    described = describe_error(AnalysisException(text))
    assert described == {
        "type": "AnalysisException",
        "message": "[TABLE_OR_VIEW_NOT_FOUND] The table or view `local`.`p`.`nope` cannot be found.",
        "retriable": False,
    }


def test_an_error_without_a_stack_trace_is_not_retriable():
    assert describe_error(SparkConnectGrpcException("(java.io.IOException) gone"))["retriable"] is False
