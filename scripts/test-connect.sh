#!/usr/bin/env bash
# The test command's Spark Connect step of the runner (issue 21): the runner's pytest suite as a thin client of
# the stack's Spark Connect server (stack.sh up --connect), the same tests that prove the in-process mode, and
# those that need the server (test_connect_*: a killed client's MERGE, the loopback guard). The jest suites run
# on the server anyway (scripts/test.sh). Starts the server unless it runs already, and then stops it again (also
# on a signal).
#   bash scripts/test-connect.sh <reports dir>   writes runner-connect.xml there
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib-signals.sh
. scripts/lib-signals.sh
out="${1:?usage: test-connect.sh <reports dir>}"
stack() { STACK_COMPONENTS=spark-connect bash scripts/stack/stack.sh "$@"; }

if stack status > /dev/null 2>&1; then was_up=1; else was_up=0; fi
if (( ! was_up )); then on_stop env STACK_COMPONENTS=spark-connect bash scripts/stack/stack.sh down; fi
run_step env STACK_COMPONENTS=spark-connect bash scripts/stack/stack.sh up || exit 1
eval "$(bash scripts/stack/env.sh | grep SPARK_CONNECT_URL)"
export SUMMARY_SPARK_REMOTE="$SPARK_CONNECT_URL"
status=0
run_step env PYTEST_ADDOPTS="--junitxml=$out/runner-connect.xml" bash runner/run-tests.sh || status=1
if (( ! was_up )); then stack down > /dev/null 2>&1 || true; fi
exit $status
