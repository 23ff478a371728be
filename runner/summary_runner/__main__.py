"""CLI: `python -m summary_runner serve|run ...` (see runner/README.md)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from .errors import ConfigError, JobSpecError
from .jobs import run_job
from .server import Server, open_response_stream
from .session import create_session, load_engine_config, parse_engine_config
from .uris import is_uri, read_text, write_text

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
        return _run(engine, args.job, args.result, real_stdout)
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
    run.add_argument("--result", help="also write the result JSON here: a file, or a URI written through Hadoop")
    return parser


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


def _run(engine: dict, job_ref: str, result_ref: str | None, out) -> int:
    # A local job file is read before the JVM starts (a bad one costs no Spark start-up); a URI needs
    # the session's Hadoop FileSystem.
    job = None if is_uri(job_ref) else _read_job_file(job_ref)
    spark = create_session(engine)
    try:
        if job is None:
            job = _read_job_uri(spark, job_ref)
        result = run_job(spark, job)
        text = json.dumps(result)
        if result_ref:
            _write_result(spark, result_ref, text + "\n")
    finally:
        spark.stop()
    out.write(text + "\n")
    out.flush()
    return EXIT_OK if result["status"] in ("committed", "already_committed") else EXIT_JOB_FAILED


def _read_job_file(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError) as exc:
        raise JobSpecError(f"cannot read job file {path}: {exc}") from None


def _read_job_uri(spark, uri: str) -> dict:
    from py4j.protocol import Py4JJavaError

    try:
        return json.loads(read_text(spark, uri))
    except Py4JJavaError as exc:
        first_line = str(exc.java_exception).splitlines()[0]
        raise JobSpecError(f"cannot read job {uri}: {first_line}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JobSpecError(f"job {uri} is not JSON: {exc}") from None


def _write_result(spark, ref: str, text: str) -> None:
    if is_uri(ref):
        write_text(spark, ref, text)
        return
    with open(ref, "w", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    sys.exit(main())
