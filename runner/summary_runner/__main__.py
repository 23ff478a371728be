"""CLI: `python -m summary_runner serve|run ...` (see runner/README.md)."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import sys

from .errors import ConfigError, JobSpecError
from .jobs import run_job
from .server import Server, open_response_stream
from .session import create_session, load_engine_config, parse_engine_config
from .uris import is_uri, read_bytes, write_text

log = logging.getLogger("summary_runner")

EXIT_OK, EXIT_JOB_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Keep the real stdout for our own output only: everything else that writes to fd 1 (the JVM
    # that pyspark launches inherits it, print() in libraries) goes to stderr from here on.
    real_stdout = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        engine = load_engine_config(args.engine) if args.engine is not None else parse_engine_config(args.engine_json)
        if args.mode == "serve":
            return _serve(engine, args.response_fd, real_stdout)
        return _run(engine, args.job, args.result, real_stdout, args.job_sha256)
    except (ConfigError, JobSpecError) as exc:
        log.error("%s: %s", type(exc).__name__, exc)
        return EXIT_BAD_INPUT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m summary_runner", description=__doc__)
    modes = parser.add_subparsers(dest="mode", required=True)
    serve = modes.add_parser("serve", help="long-lived: JSON requests on stdin, JSON responses on --response-fd")
    _engine_arguments(serve)
    serve.add_argument("--response-fd", type=int, default=3, help="fd to write responses to (default 3)")
    run = modes.add_parser("run", help="one-shot: run one compiled job; exit 0 committed, 1 failed, 2 bad input")
    _engine_arguments(run)
    run.add_argument("--job", required=True, help="compiled job JSON: a file, or a URI (s3://, s3a://, file:) read through Hadoop")
    run.add_argument(
        "--job-sha256",
        type=_sha256_argument,
        metavar="HEX",
        help="sha256 of the job document's bytes as its submitter wrote them (the launchers pass it): a document that differs is refused, not run",
    )
    run.add_argument("--result", help="also write the result JSON here: a file, or a URI written through Hadoop")
    return parser


_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


def _sha256_argument(value: str) -> str:
    if not _SHA256_HEX.match(value):
        raise argparse.ArgumentTypeError(f"expected a sha256 as 64 hexadecimal characters, got {value[:80]!r}")
    return value.lower()


def _engine_arguments(parser: argparse.ArgumentParser) -> None:
    engine = parser.add_mutually_exclusive_group(required=True)
    engine.add_argument("--engine", help="engine config JSON file")
    engine.add_argument("--engine-json", help="engine config as inline JSON (EMR on EKS: no file to ship)")


def _serve(engine: dict, response_fd: int, real_stdout) -> int:
    # fd 1 itself now points at stderr (see main); "--response-fd 1" means the original stdout.
    responses = real_stdout if response_fd == 1 else open_response_stream(response_fd)
    spark = create_session(engine)
    log.info("serving: requests on stdin, responses on fd %d", response_fd)
    try:
        Server(spark, engine, responses).serve(sys.stdin)
    finally:
        spark.stop()
        responses.close()
    return EXIT_OK


def redact_remote(url: str) -> str:
    """A Spark Connect URL fit for a message: its token= value (a client's credential) replaced by ***.
    Example: 'sc://h:15002/;use_ssl=true;token=abc' -> 'sc://h:15002/;use_ssl=true;token=***'."""
    return re.sub(r";token=[^;]*", ";token=***", url)


def _run(engine: dict, job_ref: str, result_ref: str | None, out, job_sha256: str | None = None) -> int:
    # A local job file is read (and checked against its hash) before the JVM starts: a bad one costs no
    # Spark start-up; a URI needs the session's Hadoop FileSystem.
    if engine.get("remote") and (is_uri(job_ref) or (result_ref and is_uri(result_ref))):
        raise ConfigError(
            f"job {job_ref} / result {result_ref}: documents named by URI are read and written through an in-process "
            f"Spark's Hadoop file systems; with a Spark Connect server (engine 'remote' {redact_remote(engine['remote'])}) give local files"
        )
    data = None if is_uri(job_ref) else _read_job_file(job_ref)
    if data is not None:
        _check_job_document(job_ref, data, job_sha256, None, result_ref)
    spark = create_session(engine)
    try:
        if data is None:
            data = _read_job_uri(spark, job_ref)
            _check_job_document(job_ref, data, job_sha256, spark, result_ref)
        job = _parse_job(job_ref, data)
        result = run_job(spark, job)
        text = json.dumps(result)
        if result_ref:
            _write_result(spark, result_ref, text + "\n")
    finally:
        spark.stop()
    out.write(text + "\n")
    out.flush()
    return EXIT_OK if result["status"] in ("committed", "already_committed") else EXIT_JOB_FAILED


def _check_job_document(ref: str, data: bytes, expected: str | None, spark, result_ref: str | None) -> None:
    """Refuses a job document whose bytes are not the ones its submitter hashed (issue 25).

    The document lies where every job run may write (the artifacts prefix); the hash comes in this run's own
    arguments, which only the submitter sets. A mismatch is not retriable: the same document is refused
    again. When there is a result location this process can write, a failed result says so, so the
    dispatcher reports why and does not retry.
    """
    if expected is None:
        if is_uri(ref):
            log.warning("job document %s came without --job-sha256: its integrity is not checked", ref)
        return
    actual = hashlib.sha256(data).hexdigest()
    if actual == expected.lower():
        return
    message = (
        f"job document {ref} has sha256 {actual}, but its submitter computed {expected.lower()}: it was "
        "changed after it was submitted (by another job or writer of its location); not run, not retriable"
    )
    if result_ref and (spark is not None or not is_uri(result_ref)):
        refused = {
            "jobId": _claimed_job_id(data),
            "status": "failed",
            "durationMs": 0,
            "steps": [],
            "collected": {},
            "snapshots": {},
            "error": {"type": "JobDocumentMismatch", "message": message, "retriable": False},
        }
        _write_result(spark, result_ref, json.dumps(refused) + "\n")
    raise JobSpecError(message, retriable=False)


def _claimed_job_id(data: bytes) -> str:
    """The jobId the (changed) document claims, for the refusal's result; "" when it has none."""
    try:
        job_id = json.loads(data).get("jobId")
    except (ValueError, AttributeError):
        return ""
    return job_id if isinstance(job_id, str) else ""


def _read_job_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise JobSpecError(f"cannot read job file {path}: {exc}") from None


def _read_job_uri(spark, uri: str) -> bytes:
    from py4j.protocol import Py4JJavaError

    try:
        return read_bytes(spark, uri)
    except Py4JJavaError as exc:
        first_line = str(exc.java_exception).splitlines()[0]
        raise JobSpecError(f"cannot read job {uri}: {first_line}") from None


def _parse_job(ref: str, data: bytes) -> dict:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if is_uri(ref):
            raise JobSpecError(f"job {ref} is not JSON: {exc}") from None
        raise JobSpecError(f"cannot read job file {ref}: {exc}") from None


def _write_result(spark, ref: str, text: str) -> None:
    if is_uri(ref):
        write_text(spark, ref, text)
        return
    with open(ref, "w", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    sys.exit(main())
