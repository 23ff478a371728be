#!/usr/bin/env bash
# What the test command's suites start, installed before any of them runs (cached; nothing is started): the
# local stack's components with the cluster topology, moto, the benchmark's chart venv. So no test step
# downloads or builds. After scripts/setup.sh (the cluster's Spark daemons run from its pyspark).
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib-signals.sh
. scripts/lib-signals.sh
run_step env STACK_COMPONENTS="kafka registry catalog prometheus" bash scripts/stack/stack.sh install --cluster --connect || exit 1
run_step bash scripts/aws-emulator/moto.sh install || exit 1
run_step env SUMMARY_SETUP_DONE=1 bash scripts/bench.sh --install || exit 1
