"""serve mode: one JSON request per line on stdin, one JSON response per line on the response fd.

Responses go to their own fd (default 3) so that nothing the JVM or a library prints can corrupt the
protocol. Requests are handled one at a time, in order.

    {"id": 1, "op": "ping"}                                   -> versions
    {"id": 2, "op": "run_job", "job": {...}}                  -> the job result (failed job: ok true)
    {"id": 3, "op": "query", "sql": "...", "maxRows": 1000}   -> {"rows": [...]}
    {"id": 4, "op": "export", "sql": "...", "path": "/abs"}   -> {"rows": n}
    {"id": 5, "op": "append_jsonl", "table": "...", "path": "/abs/staged.jsonl", "schema": [...],
     "expectedRows": n, "snapshotProperties": {"k": "v"}, "where": "<predicate>",
     "watermark": {"column": "base_ts", "property": "p"}}  -> {"rows": n, "snapshotId": "..."}
       (the ingest's staging file; where and watermark optional; see append.append_jsonl)
    {"id": 6, "op": "lease_keep", "table": "cat.ns.t_lease", "pipeline": "...", "token": "...",
     "ttlMs": 120000, "everyMs": 20000}                      -> {} (renews from a thread: lease.py)
    {"id": 7, "op": "lease_stop", "token": "..."}             -> {"lost": bool}
    {"id": 8, "op": "shutdown"}                               -> {} then exit 0
Response: {"id", "ok": true, "result"} or {"id", "ok": false, "error": {"type", "message", "retriable"}}.
While a job step runs longer than SUMMARY_PROGRESS_SECONDS (default 5; 0: off), every that many seconds:
{"id", "progress": {"jobId", "step", "elapsedMs", "stage", "stages", "tasksCompleted", "tasksTotal"}}
(progress.py), before the request's response.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time

from . import append, iceberg
from .errors import RequestError, describe_error, name_table_disks
from .jobs import run_job
from .lease import LeaseKeeper
from .progress import ProgressReporter, every_seconds
from .rows import collect_json, export_jsonl
from .session import versions
from .watchdog import watch_parent

log = logging.getLogger("summary_runner.server")

DEFAULT_QUERY_MAX_ROWS = 1000


class Server:
    def __init__(self, spark, engine_config: dict, response_stream):
        self.spark = spark
        self.engine_config = engine_config
        self.out = response_stream
        self.handlers = {
            "ping": self.ping,
            "run_job": self.run_job,
            "query": self.query,
            "export": self.export,
            "append_jsonl": self.append_jsonl,
            "lease_keep": self.lease_keep,
            "lease_stop": self.lease_stop,
        }
        self.keepers: dict[str, LeaseKeeper] = {}
        # Responses and progress reports (from the reporter's thread) share the response stream.
        self._write_lock = threading.Lock()
        self._request_id = None

    def serve(self, requests) -> None:
        """Handles request lines until `shutdown` or end of input."""
        watch_parent()
        reporter = ProgressReporter(self.spark, self.report_progress, every_seconds()).start()
        try:
            self._serve(requests)
        finally:
            reporter.stop()

    def _serve(self, requests) -> None:
        for line in requests:
            if not line.strip():
                continue
            if self.handle_line(line) == "shutdown":
                return
        log.info("stdin closed: shutting down")

    def handle_line(self, line: str) -> str | None:
        started = time.monotonic()
        request_id, op, request = None, None, None
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise RequestError(f"a request must be a JSON object, got {type(request).__name__}")
            request_id, op = request.get("id"), request.get("op")
            self._request_id = request_id
            if op == "shutdown":
                self.respond(request_id, True, result={})
                log.info("id=%s op=shutdown", request_id)
                return "shutdown"
            handler = self.handlers.get(op)
            if handler is None:
                raise RequestError(f"unknown op {op!r}; expected one of {sorted([*self.handlers, 'shutdown'])}")
            result = handler(request)
        except json.JSONDecodeError as exc:
            self.respond(None, False, error={"type": "RequestError", "message": f"request is not valid JSON: {exc}", "retriable": False})
            log.warning("invalid request line (%s): %.200s", exc, line)
            return None
        except Exception as exc:
            error = describe_error(exc)
            if error["type"] == "DiskFullError" and isinstance(request, dict) and isinstance(request.get("sql"), str):
                # A statement's failure: the disks of the tables it names, where the catalog keeps them.
                error["message"] = name_table_disks(error["message"], iceberg.table_locations(self.spark, iceberg.tables_in(request["sql"])))
            self.respond(request_id, False, error=error)
            log.warning("id=%s op=%s failed after %dms: %s: %s", request_id, op, _ms_since(started), error["type"], error["message"])
            return None
        self.respond(request_id, True, result=result)
        log.info("id=%s op=%s ok %dms", request_id, op, _ms_since(started))
        return None

    def respond(self, request_id, ok: bool, result=None, error=None) -> None:
        response = {"id": request_id, "ok": ok, **({"result": result} if ok else {"error": error})}
        self._write(response)

    def report_progress(self, report: dict) -> None:
        """{"id": <request in progress>, "progress": {...}}: not a response; the request goes on."""
        log.info("progress %s", json.dumps(report, separators=(",", ":")))
        self._write({"id": self._request_id, "progress": report})

    def _write(self, message: dict) -> None:
        with self._write_lock:
            self.out.write(json.dumps(message, separators=(",", ":")) + "\n")
            self.out.flush()

    def ping(self, request: dict) -> dict:
        return versions(self.spark, self.engine_config)

    def run_job(self, request: dict) -> dict:
        return run_job(self.spark, _field(request, "job", dict))

    def query(self, request: dict) -> dict:
        max_rows = request.get("maxRows", DEFAULT_QUERY_MAX_ROWS)
        if not isinstance(max_rows, int) or max_rows < 0:
            raise RequestError(f"'maxRows' must be a non-negative integer, got {max_rows!r}")
        return {"rows": collect_json(self.spark.sql(_field(request, "sql", str)), max_rows, "query")}

    def export(self, request: dict) -> dict:
        path = _absolute_path(request)
        return {"rows": export_jsonl(self.spark.sql(_field(request, "sql", str)), path)}

    def append_jsonl(self, request: dict) -> dict:
        path = _absolute_path(request)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"append_jsonl input file not found: {path}")
        properties = request.get("snapshotProperties") or {}
        if not isinstance(properties, dict) or not all(isinstance(v, str) for v in properties.values()):
            raise RequestError(f"op 'append_jsonl' needs 'snapshotProperties' as an object of strings, got {properties!r}")
        where = request.get("where")
        if where is not None and not isinstance(where, str):
            raise RequestError(f"op 'append_jsonl' needs 'where' as a string predicate or null, got {where!r}")
        watermark = request.get("watermark")
        if watermark is not None and not (
            isinstance(watermark, dict) and isinstance(watermark.get("column"), str) and isinstance(watermark.get("property"), str)
        ):
            raise RequestError(f"op 'append_jsonl' needs 'watermark' as {{\"column\": string, \"property\": string}} or null, got {watermark!r}")
        return append.append_jsonl(
            self.spark,
            _field(request, "table", str),
            path,
            _field(request, "schema", list),
            properties,
            expected_rows=_field(request, "expectedRows", int),
            where=where,
            watermark=watermark,
        )

    def lease_keep(self, request: dict) -> dict:
        token = _field(request, "token", str)
        self.lease_stop({"token": token})
        ttl_ms, every_ms = _field(request, "ttlMs", int), _field(request, "everyMs", int)
        if not 0 < every_ms < ttl_ms:
            raise RequestError(f"op 'lease_keep' needs 0 < everyMs < ttlMs, got everyMs {every_ms}, ttlMs {ttl_ms}")
        table, pipeline = _field(request, "table", str), _field(request, "pipeline", str)
        self.keepers[token] = LeaseKeeper(self.spark, table, pipeline, token, ttl_ms, every_ms).start()
        return {}

    def lease_stop(self, request: dict) -> dict:
        keeper = self.keepers.pop(_field(request, "token", str), None)
        if keeper is None:
            return {"lost": False}
        keeper.stop()
        return {"lost": keeper.lost}


def _field(request: dict, name: str, expected: type):
    value = request.get(name)
    if not isinstance(value, expected):
        raise RequestError(f"op {request.get('op')!r} needs '{name}' as {expected.__name__}, got {value!r}")
    return value


def _absolute_path(request: dict) -> str:
    path = _field(request, "path", str)
    if not os.path.isabs(path):
        raise RequestError(f"op {request.get('op')!r} needs an absolute 'path', got {path!r}")
    return path


def _ms_since(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


def open_response_stream(fd: int):
    try:
        return os.fdopen(fd, "w", encoding="utf-8", buffering=1)
    except OSError as exc:
        print(f"response fd {fd} is not open ({exc}); start the runner with that fd open for writing, e.g. a pipe", file=sys.stderr)
        raise SystemExit(2) from None
