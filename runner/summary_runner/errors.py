"""Error types of the runner and the mapping of any exception to the protocol's error object.

The protocol's error is `{"type", "message", "retriable"}`: `retriable` tells the caller whether the
same request may succeed if sent again (a lost commit race, an I/O hiccup), as opposed to a request
that will fail the same way every time (bad SQL, a missing table, an invalid job document).
"""

from __future__ import annotations

import errno
import os
import re
import tempfile

from py4j.protocol import Py4JError, Py4JJavaError, Py4JNetworkError
from pyspark.errors.exceptions.captured import CapturedException

# Java classes (or any of their subclasses) whose presence anywhere in an exception's cause chain
# makes the failure retriable.
RETRIABLE_JAVA_CLASSES = (
    # Another writer committed first (optimistic concurrency); a retry re-reads the table.
    "org.apache.iceberg.exceptions.CommitFailedException",
    # Conflict checks of concurrent MERGE/DELETE/overwrite commits ("Found conflicting files ...").
    "org.apache.iceberg.exceptions.ValidationException",
    # The commit may or may not have landed; the ledger's rollback makes a retry safe.
    "org.apache.iceberg.exceptions.CommitStateUnknownException",
    # REST catalog 503 / 5xx.
    "org.apache.iceberg.exceptions.ServiceUnavailableException",
    "org.apache.iceberg.exceptions.ServiceFailureException",
    "org.apache.iceberg.exceptions.RuntimeIOException",
    "java.io.IOException",
    "java.io.UncheckedIOException",
    "java.util.concurrent.TimeoutException",
)

# IOException subclasses whose names do not end in "IOException": a Spark Connect error's stack trace names each
# exception's own class only (no superclasses), so these are known by name (in-process the cause chain's
# superclasses find them). The catalog or the object store unreachable or restarting (e.g. a REST catalog call's
# "Caused by: org.apache.hc.client5.http.HttpHostConnectException: Connect to … failed: Connection refused").
CONNECT_IO_EXCEPTION_CLASSES = (
    "java.net.ConnectException",
    "java.net.SocketException",
    "java.net.SocketTimeoutException",
    "java.net.UnknownHostException",
    "java.net.NoRouteToHostException",
    "java.net.http.HttpTimeoutException",
    "java.io.EOFException",
    "java.io.InterruptedIOException",
    "java.nio.channels.ClosedChannelException",
    "javax.net.ssl.SSLException",
    "org.apache.hc.client5.http.HttpHostConnectException",
    "org.apache.hc.client5.http.ConnectTimeoutException",
    "org.apache.hc.core5.http.NoHttpResponseException",
    "org.apache.hc.core5.http.ConnectionClosedException",
    "org.apache.http.conn.HttpHostConnectException",
    "org.apache.http.conn.ConnectTimeoutException",
    "org.apache.http.NoHttpResponseException",
)

# Error messages are for logs and a UI line, not for stack traces.
MAX_MESSAGE_CHARS = 2000

# An IOException that a retry will not fix: the file is simply not there.
NON_RETRIABLE_JAVA_CLASS = "java.io.FileNotFoundException"


class RunnerError(Exception):
    """An error the runner raises itself; `retriable` says whether sending the same request again can help."""

    retriable = False

    def __init__(self, message: str, retriable: bool | None = None):
        super().__init__(message)
        if retriable is not None:
            self.retriable = retriable


class ConfigError(RunnerError):
    """The engine config is invalid (raised at start, naming the offending key)."""


class JobSpecError(RunnerError):
    """The compiled job document does not follow docs/compiled-job-format.md."""


class RequestError(RunnerError):
    """A serve-mode request is malformed (unknown op, missing field)."""


class TooManyRowsError(RunnerError):
    """A query returned more rows than the caller's maxRows."""


def describe_error(exc: BaseException) -> dict:
    """Maps an exception to `{"type", "message", "retriable"}`.

    e.g. AnalysisException("[TABLE_OR_VIEW_NOT_FOUND] ...") -> {"type": "AnalysisException", ..., "retriable": False}
    A full disk becomes a retriable DiskFullError naming where (disk_full).
    """
    described = _describe(exc)
    if _is_disk_full(exc, described["message"]):
        return _disk_full(exc, described)
    return described


def _describe(exc: BaseException) -> dict:
    if _from_spark_connect(exc):
        return _describe_connect_error(exc)
    java_exc = _java_throwable(exc)
    if java_exc is not None:
        chain = _java_cause_chain(java_exc)
        for _throwable, class_names in chain:
            if NON_RETRIABLE_JAVA_CLASS in class_names:
                break
            retriable_match = next((c for c in class_names if c in RETRIABLE_JAVA_CLASSES), None)
            if retriable_match is not None:
                return {"type": _simple_name(class_names[0]), "message": _summary(chain), "retriable": True}
        if isinstance(exc, CapturedException):
            # pyspark already names the Spark error class (AnalysisException, ParseException, ...).
            return {"type": type(exc).__name__, "message": _truncate(exc.desc), "retriable": False}
        top_class = chain[0][1][0] if chain else "java.lang.Throwable"
        return {"type": _simple_name(top_class), "message": _summary(chain), "retriable": False}
    if isinstance(exc, RunnerError):
        return {"type": type(exc).__name__, "message": str(exc), "retriable": exc.retriable}
    if isinstance(exc, Py4JNetworkError):
        # The JVM went away or the gateway socket broke; a fresh runner may succeed.
        return {"type": "Py4JNetworkError", "message": str(exc), "retriable": True}
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)):
        return {"type": type(exc).__name__, "message": str(exc), "retriable": False}
    if isinstance(exc, OSError):
        return {"type": type(exc).__name__, "message": str(exc), "retriable": True}
    return {"type": type(exc).__name__, "message": str(exc), "retriable": False}


# How the JVM and Python word ENOSPC and EDQUOT. Hadoop's local file system wraps the IOException in an FSError
# ("org.apache.hadoop.fs.FSError: java.io.IOException: No space left on device"), and neither names the file.
_DISK_FULL = re.compile(r"No space left on device|Disk quota exceeded")
_DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _is_disk_full(exc: BaseException, message: str) -> bool:
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS:
        return True
    return bool(_DISK_FULL.search(message)) or bool(_DISK_FULL.search(str(exc)[:100_000]))


def _disk_full(exc: BaseException, described: dict) -> dict:
    """A full disk: where, how much is free there now, what to do. Retriable: the same job succeeds once space is
    freed, and the ledger rolls back whatever part of it committed before the next attempt (docs/runbook.md "Disk full").

    e.g. {"type": "DiskFullError", "retriable": True, "message": "the disk is full: /data/warehouse has 0 B free
    of 96.0 MiB (the warehouse of catalog local); ...; free space there and run again (IOException: Job aborted
    ... No space left on device)"}
    """
    filename = getattr(exc, "filename", None) if isinstance(exc, OSError) else None
    places = [f"{path} has {_size(free)} free of {_size(total)} ({role})" for path, role, free, total in _local_write_dirs()]
    if filename:
        places.insert(0, f"writing {filename}")
    where = "; ".join(places) if places else "where the Spark server writes (its warehouse, spark.local.dir); this client cannot see it"
    cause = f"{described['type']}: {described['message']}"
    return {"type": "DiskFullError", "message": _truncate(f"the disk is full: {where}; free space there and run again ({cause})"), "retriable": True}


def name_table_disks(message: str, tables: list[tuple[str, str]]) -> str:
    """A DiskFullError's message with the disks of the job's tables first: where the catalog keeps them, which
    need not be any warehouse this session was configured with (a REST catalog chooses its tables' locations).
    `tables` is [(table, location)]; a location on an object store, or not on this machine (a remote Spark
    server's disk), is left out.

    e.g. ("the disk is full: /tmp has 3.1 GiB free ...", [("s.summary", "file:/w/s/summary")]) ->
         "the disk is full: table s.summary at /w/s/summary has 0 B free of 256.0 MiB; /tmp has 3.1 GiB free ..."
    """
    places = []
    for table, location in tables:
        path = _local_path(location)
        usage = _usage(path) if path is not None else None
        if usage is not None:
            places.append(f"table {table} at {path} has {_size(usage[0])} free of {_size(usage[1])}")
    prefix = "the disk is full: "
    if not places or not message.startswith(prefix):
        return message
    return _truncate(prefix + "; ".join(places) + "; " + message[len(prefix) :])


def _local_path(location: str) -> str | None:
    """'file:/w/t' or '/w/t' -> '/w/t'; 's3://b/w/t' -> None."""
    if "://" in location and not location.startswith("file:"):
        return None
    return re.sub(r"^file:(//)?", "", location)


def _usage(path: str) -> tuple[int, int] | None:
    """(free bytes, size) of the file system holding `path` or its nearest existing parent; None if none exists."""
    existing = path
    while existing and not os.path.exists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    try:
        stat = os.statvfs(existing)
    except OSError:
        return None
    return stat.f_bavail * stat.f_frsize, stat.f_blocks * stat.f_frsize


def _local_write_dirs() -> list[tuple[str, str, int, int]]:
    """[(dir, what it is, free bytes, size)] of the local directories an in-process Spark writes to — each
    catalog's warehouse (hadoop, jdbc) and spark.local.dir (shuffle and spill; the JVM's temp dir by default)
    — fullest first. Empty on Spark Connect, whose disks are the server's."""
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None:
        return []
    try:
        conf = dict(sc.getConf().getAll())
    except Py4JError:
        return []
    dirs = [
        (value, f"the warehouse of catalog {key.split('.')[3]}")
        for key, value in sorted(conf.items())
        if re.fullmatch(r"spark\.sql\.catalog\.[^.]+\.warehouse", key)
    ]
    local = conf.get("spark.local.dir") or tempfile.gettempdir()
    dirs += [(d.strip(), "spark.local.dir") for d in local.split(",") if d.strip()]
    found = []
    for location, role in dirs:
        path = _local_path(location)  # None: an object store, no local disk to fill
        usage = _usage(path) if path is not None else None
        if usage is not None:
            found.append((path, role, *usage))
    return sorted(found, key=lambda d: d[2])


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _from_spark_connect(exc: BaseException) -> bool:
    return type(exc).__module__ == "pyspark.errors.exceptions.connect"


# "org.apache.iceberg.exceptions.CommitFailedException: ..." at the start of a line of a JVM stack trace, or after
# "Caused by: ".
_JAVA_CLASS_LINE = re.compile(r"^(?:Caused by: )?((?:[a-z_$][\w$]*\.)+[A-Z][\w$]*)(?::|$)", re.MULTILINE)


def _known_io_exception(name: str) -> bool:
    """A class of CONNECT_IO_EXCEPTION_CLASSES, also relocated by a shaded jar, e.g. Iceberg's runtime's
    "org.apache.iceberg.shaded.org.apache.hc.client5.http.HttpHostConnectException"."""
    return any(name == known or name.endswith("." + known) for known in CONNECT_IO_EXCEPTION_CLASSES)


def _describe_connect_error(exc: BaseException) -> dict:
    """A Spark Connect error: its message, then the server's JVM stack trace when the session asked for it
    (spark.sql.pyspark.jvmStacktrace.enabled, set by session.py). The trace names the outer exception and every
    cause by class, not their superclasses: a class of RETRIABLE_JAVA_CLASSES, any *IOException but
    FileNotFoundException, or a known IOException subclass (CONNECT_IO_EXCEPTION_CLASSES) makes it retriable,
    e.g. "Caused by: org.apache.iceberg.exceptions.CommitFailedException".
    """
    text = getattr(exc, "message", None) or str(exc)
    message, _, trace = text.partition("\n\nJVM stacktrace:\n")
    classes = _JAVA_CLASS_LINE.findall(trace)
    retriable = (
        any(
            name in RETRIABLE_JAVA_CLASSES or _known_io_exception(name) or (name.endswith("IOException") and name != NON_RETRIABLE_JAVA_CLASS)
            for name in classes
        )
        and NON_RETRIABLE_JAVA_CLASS not in classes
    )
    name = type(exc).__name__
    if name == "SparkConnectGrpcException" and classes:
        name = _simple_name(classes[0])
    summary = message.strip().split("\n", 1)[0] if message.strip() else "<no message>"
    if len(classes) > 1:
        root_line = next((line for line in trace.splitlines() if line.startswith(f"Caused by: {classes[-1]}")), "")
        root_message = root_line.split(": ", 2)[-1] if root_line.count(": ") >= 2 else ""
        if root_message and root_message not in summary:
            summary += f" (caused by {_simple_name(classes[-1])}: {root_message})"
    if name in ("AnalysisException", "ParseException"):
        summary = message.strip()  # as pyspark words them in-process: the error class and where
    return {"type": name, "message": _truncate(summary), "retriable": retriable}


def _java_throwable(exc: BaseException):
    if isinstance(exc, CapturedException):
        return getattr(exc, "_origin", None)
    if isinstance(exc, Py4JJavaError):
        return exc.java_exception
    return None


def _java_cause_chain(throwable, limit: int = 20) -> list[tuple[object, list[str]]]:
    """[(throwable, [its class, superclass, ...])] along getCause(), outermost first.

    Class names are read by walking getSuperclass() rather than with Class.forName/isInstance, which
    would depend on which class loader py4j uses (the Iceberg classes come from spark.jars).
    """
    chain = []
    seen = set()
    current = throwable
    try:
        while current is not None and len(chain) < limit:
            ident = current.hashCode()
            if ident in seen:
                break
            seen.add(ident)
            names = []
            cls = current.getClass()
            while cls is not None:
                names.append(cls.getName())
                cls = cls.getSuperclass()
            chain.append((current, names))
            current = current.getCause()
    except Py4JError:
        pass  # JVM gone mid-walk: classify with what we have
    return chain


def _summary(chain: list[tuple[object, list[str]]]) -> str:
    """First line of the outermost message plus the root cause's, e.g.

    "Job aborted due to stage failure: ... (caused by SparkRuntimeException: [CANNOT_PARSE_JSON_FIELD] ...)"
    A stage failure's own message embeds the executor's whole stack trace; the first lines say it all.
    """
    if not chain:
        return "<no message>"
    message = _first_line(chain[0][0])
    if len(chain) > 1:
        root, root_classes = chain[-1]
        root_message = _first_line(root)
        if root_message not in message:
            message += f" (caused by {_simple_name(root_classes[0])}: {root_message})"
    return _truncate(message)


def _first_line(throwable) -> str:
    try:
        message = throwable.getMessage()
        text = message if message is not None else throwable.toString()
    except Py4JError:
        return "<JVM unreachable while reading the error message>"
    return text.strip().split("\n", 1)[0]


def _simple_name(class_name: str) -> str:
    return class_name.rsplit(".", 1)[-1]


def _truncate(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
