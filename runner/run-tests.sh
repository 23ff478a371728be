#!/usr/bin/env bash
# Runs the runner's pytest suite from the toolchain venv (scripts/setup-toolchain.sh creates it).
# Extra arguments go to pytest, e.g. `bash runner/run-tests.sh -k ledger`.
set -uo pipefail

RUNNER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLCHAIN_DIR="${TOOLCHAIN_DIR:-$RUNNER_DIR/../.toolchain}"
PYTHON="$TOOLCHAIN_DIR/venv/bin/python"

if [[ ! -x "$PYTHON" ]]; then
  echo "run-tests: $PYTHON not found; run scripts/setup-toolchain.sh first" >&2
  exit 2
fi

# shellcheck source=../scripts/lib-signals.sh
. "$RUNNER_DIR/../scripts/lib-signals.sh"   # SIGTERM to this pid stops pytest (and its Spark) too
cd "$RUNNER_DIR"
status=0
export TOOLCHAIN_DIR
run_step "$PYTHON" -m pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then
  # pytest's "no tests collected" must not pass as green.
  echo "run-tests: pytest collected no tests (exit 5); treating as failure" >&2
  exit 1
fi
exit $status
