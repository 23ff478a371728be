#!/usr/bin/env bash
# The test command (README): set-up once, then two lanes side by side, each a sequence of steps:
#   stack lane: lint + type check, unit tests, then the integration suites on the local stack (Kafka, the
#               registry, the REST catalog, Prometheus, moto): the services, faults, demo, signals, registry
#               and launcher suites, the crash suite and the §4b oracle property test (local Spark only: they
#               even out the lanes);
#   spark lane: the runner's pytest suite (in-process Spark, then on the Connect server), the integration suites
#               that need only Spark (oracle, seed cases, layout, ingest, lease, CLI, ops), the full disk on an
#               in-process Spark, then the compiled jobs on the cluster topology (Spark standalone +
#               S3, spark-submit drivers) at a small scale.
# One warm engine (issue 21): the set-up starts the stack's Spark Connect server, and every jest suite, the CLI
# runs and the services they start are its thin clients (SUMMARY_SPARK_REMOTE), so no suite pays a cold driver.
# The in-process mode (an EMR job run, a spark-submit driver) keeps its own steps: pytest, the full disk, the
# cluster step.
# The machine's two cores are mostly idle while a suite waits (a JVM starting, a service restarting, a poll),
# so two lanes finish in about the time of the longer one. Every suite still runs, once; the lanes never share
# tables, topics or ports (each suite has its own namespaces; the cluster topology has its own components).
# Ends with one "N passed, N failed" line over every suite.
#
#   scripts/test.sh               everything (CI: .ci/run)
#   scripts/test.sh --lane NAME   one lane (stack | spark) after set-up, its reports in .runtime/test-results
#
# Test settings: local Spark drivers run with C1 only (SUMMARY_DRIVER_JAVA_OPTIONS, README "Engine settings":
# the suites' small jobs are JIT-bound, ~30% faster), and the services' consumer groups time a crashed member
# out after 20 s (KAFKA_SESSION_TIMEOUT_MS; production default 45 s), so a restarted service rejoins soon. Not
# 10 s (until 2026-12-08): with both lanes' Spark on two cores a slow day starved a live consumer past 10 s, its
# events were handed out again and the services suite saw a batch planned twice.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib-signals.sh
. scripts/lib-signals.sh
bin="$PWD/node_modules/.bin"
out="$PWD/.runtime/test-results"

export SUMMARY_DRIVER_JAVA_OPTIONS="${SUMMARY_DRIVER_JAVA_OPTIONS--XX:TieredStopAtLevel=1}"
export KAFKA_SESSION_TIMEOUT_MS="${KAFKA_SESSION_TIMEOUT_MS:-20000}"

# The suites of the stack lane (jest path patterns); every other *.int-spec.ts runs in the spark lane, so a
# new suite is never left out.
# The crash suite and the §4b oracle property test need only a local Spark; they run here so that the two lanes
# take about as long (CI 2026-12-07: the spark lane, with the Connect step, was ~12 min longer than this one).
STACK_SUITE_PATTERNS=(
  'e2e/[^/]+\.int-spec\.ts$'
  'libs/contracts/src/registry\.int-spec\.ts$'
  'libs/launcher/src/leased/leased-launcher\.int-spec\.ts$'
  'libs/launcher/src/emr/emr-launcher\.int-spec\.ts$'
  'libs/engine/src/pipeline\.crash\.int-spec\.ts$'
  'libs/engine/src/pipeline\.oracle\.report-dates\.int-spec\.ts$'
)
# One alternation of them all (jest takes it as one regex).
STACK_SUITES="$(IFS='|'; printf '%s' "${STACK_SUITE_PATTERNS[*]}")"
# The suite of the spark lane's in-process step (SUMMARY_SPARK_REMOTE unset): the full disk, whose error names the
# disks the runner sees beside its own driver (on a Connect server the runner is a client that does not see the
# server's disks). The engine's in-process mode (an EMR job run, a spark-submit driver) is proven by the runner's
# in-process pytest and by the cluster step, whose jobs are spark-submit drivers; the seed cases ran a third time
# here until 2026-12-08 (~1 min of a lane, 3 on a slow day) and proved nothing those two do not.
IN_PROCESS_SUITES='libs/engine/src/pipeline\.disk-full\.int-spec\.ts$'

step() { printf '\n[test] %s (at %ds)\n' "$*" "$SECONDS" >&2; }

lane_stack() {
  local status=0
  step "lint + type check"
  run_step "$bin/eslint" . || status=1
  # prettier (.prettierrc.json; .prettierignore: generated and byte-compared files) and no line of a tracked text
  # file over 160 but generated fixtures and the exceptions scripts/lint-lines.sh lists (issue 24)
  run_step "$bin/prettier" --check . || status=1
  run_step bash scripts/lint-lines.sh || status=1
  # ruff (check, format --check) on runner/ and bench/, gofmt -l and lines <= 160 on tools/ (issue 24)
  run_step bash scripts/lint-py-go.sh || status=1
  run_step "$bin/tsc" -p tsconfig.json --noEmit || status=1
  step "unit tests (jest, *.spec.ts)"
  run_step "$bin/jest" --selectProjects unit --json --outputFile "$out/unit.json" || status=1
  step "integration tests on the local stack: Kafka, the registry, the REST catalog, Prometheus, moto (jest)"
  # --forceExit: a suite that fails mid-way must not keep the run alive through a handle it left open.
  run_step "$bin/jest" --selectProjects int --runInBand --forceExit --testPathPatterns "$STACK_SUITES" --json --outputFile "$out/int-stack.json" || status=1
  step "stack lane done"
  return $status
}

lane_spark() {
  local status=0
  step "runner tests (pytest) on an in-process Spark"
  run_step env -u SUMMARY_SPARK_REMOTE PYTEST_ADDOPTS="--junitxml=$out/runner.xml" bash runner/run-tests.sh || status=1
  step "runner tests (pytest) on the Spark Connect server"
  run_step bash scripts/test-connect.sh "$out" || status=1
  step "integration tests on Spark + Iceberg (jest; the Connect server)"
  run_step "$bin/jest" --selectProjects int --runInBand --forceExit \
    --testPathIgnorePatterns '/node_modules/' "$STACK_SUITES" '<rootDir>/e2e/cluster/' 'pipeline\.disk-full\.int-spec' \
    --json --outputFile "$out/int-spark.json" || status=1
  step "the full disk on an in-process Spark (the mode of an EMR job run)"
  run_step env -u SUMMARY_SPARK_REMOTE "$bin/jest" --selectProjects int --runInBand --forceExit \
    --testPathPatterns "$IN_PROCESS_SUITES" --json --outputFile "$out/int-in-process.json" || status=1
  # Issue 14 at a small scale: the cluster topology (SeaweedFS S3, the REST catalog on it, a Spark master and
  # two workers) and the compiled jobs of init and one batch on it, equal to the oracle. The whole cluster
  # suite (faults, the services on the cluster: ~35 min) is `npm run e2e:cluster`.
  step "the compiled jobs on a Spark standalone cluster with tables on S3, small scale (npm run e2e:cluster -- cluster.int-spec)"
  # It stops the components it started (only those: E2E_CLUSTER_COMPONENTS) when done.
  # Its drivers are spark-submit jobs on the cluster (the in-process mode), not the Connect server's sessions.
  run_step env -u SUMMARY_SPARK_REMOTE SUMMARY_SETUP_DONE=1 SPARK_HEAVY_LOCK=none CLUSTER_ACCOUNTS=8 \
    E2E_CLUSTER_COMPONENTS="s3 catalog-s3 spark-master spark-worker-1 spark-worker-2" \
    bash scripts/e2e-cluster.sh --forceExit --testPathPatterns 'e2e/cluster/cluster.int-spec' --json --outputFile "$out/cluster.json" || status=1
  step "spark lane done"
  return $status
}

if [[ "${1:-}" == --lane ]]; then
  mkdir -p "$out"
  case "${2:-}" in
    stack) lane_stack ;;
    spark) lane_spark ;;
    *) echo "test.sh --lane: expected stack or spark; received '${2:-}'" >&2; exit 2 ;;
  esac
  exit $?
fi

step "set-up: scripts/setup.sh, then scripts/setup-tests.sh (what the suites start, installed before any runs)"
# One after the other: both resolve artifacts with Maven, whose local repository is not safe for two at once,
# and the Spark daemons of the cluster topology run from the pyspark that setup.sh installs.
run_step bash scripts/setup.sh || exit 1
run_step bash scripts/setup-tests.sh || exit 1
# Scripts the suites run (e2e.sh, bench.sh, e2e-cluster.sh) skip their own set-up: one set-up per test
# command, and no build rewriting dist/ while the other lane's CLI runs read it.
export SUMMARY_SETUP_DONE=1

# The integration suites start the local stack (Kafka, registry, catalog) themselves; stop it afterwards
# unless it was already running before the tests.
if bash scripts/stack/stack.sh status > /dev/null 2>&1; then stack_was_up=1; else stack_was_up=0; fi
if [ "$stack_was_up" = 0 ]; then on_stop bash scripts/stack/stack.sh down; fi

rm -rf "$out" && mkdir -p "$out"
status=0
# The one warm engine of every suite (issue 21); both lanes' suites share it. Its orphan cleanup waits 60 s instead
# of 20: the killed-client tests (runner/tests/test_connect_kill.py) show the fence acting before that cleanup, and
# on a machine this loaded the fence's job can take longer than 20 s; every other suite is unaffected (a writer
# interrupts a dead attempt's statements itself, docs/spark-connect.md).
step "the stack's Spark Connect server: every jest suite's Spark jobs run on it"
if STACK_COMPONENTS=spark-connect bash scripts/stack/stack.sh status > /dev/null 2>&1; then connect_was_up=1; else connect_was_up=0; fi
run_step env STACK_COMPONENTS=spark-connect STACK_SPARK_CONNECT_DETACHED_TIMEOUT="${STACK_SPARK_CONNECT_DETACHED_TIMEOUT:-60s}" \
  bash scripts/stack/stack.sh up || exit 1
eval "$(bash scripts/stack/env.sh | grep '^export SPARK_CONNECT_URL=')"
export SUMMARY_SPARK_REMOTE="$SPARK_CONNECT_URL"
step "two lanes side by side: [stack] lint, unit, the stack's integration suites; [spark] pytest, the local Spark suites, the cluster step"
# Each lane's lines carry its name; a signal to this script stops both lanes (each stops its running step).
run_steps \
  "bash scripts/test.sh --lane stack > >(sed -u 's/^/[lane-stack] /' >&2) 2>&1" \
  "bash scripts/test.sh --lane spark > >(sed -u 's/^/[lane-spark] /' >&2) 2>&1" || status=1
step "lanes done"

if [ "$stack_was_up" = 0 ]; then bash scripts/stack/stack.sh down > /dev/null 2>&1 || true; fi
if [ "$connect_was_up" = 0 ]; then STACK_COMPONENTS=spark-connect bash scripts/stack/stack.sh down > /dev/null 2>&1 || true; fi

node scripts/test-summary.js "$out" || status=1
exit $status
