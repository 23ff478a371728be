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
from .session import create_session, load_engine_config

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
        engine = load_engine_config(args.engine)
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
    serve.add_argument("--engine", required=True, help="engine config JSON file")
    serve.add_argument("--response-fd", type=int, default=3, help="fd to write responses to (default 3)")
    run = modes.add_parser("run", help="one-shot: run one compiled job; exit 0 committed, 1 failed, 2 bad input")
    run.add_argument("--engine", required=True, help="engine config JSON file")
    run.add_argument("--job", required=True, help="compiled job JSON file")
    run.add_argument("--result", help="also write the result JSON to this file")
    return parser


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


def _run(engine: dict, job_path: str, result_path: str | None, out) -> int:
    try:
        with open(job_path, encoding="utf-8") as handle:
            job = json.load(handle)
    except (OSError, json.JSONDecodeError) as exc:
        raise JobSpecError(f"cannot read job file {job_path}: {exc}") from None
    spark = create_session(engine)
    try:
        result = run_job(spark, job)
    finally:
        spark.stop()
    text = json.dumps(result)
    if result_path:
        with open(result_path, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    out.write(text + "\n")
    out.flush()
    return EXIT_OK if result["status"] in ("committed", "already_committed") else EXIT_JOB_FAILED


if __name__ == "__main__":
    sys.exit(main())
