#!/usr/bin/env bash
# The test command (README): set-up, lint and type check, unit tests, the runner's pytest suite, then the
# integration tests on real Spark + Iceberg. Ends with one "N passed, N failed" line over all suites.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib-signals.sh
. scripts/lib-signals.sh
bin="$PWD/node_modules/.bin"
run_step bash scripts/setup.sh || exit 1

# The integration suites start the local stack (Kafka, registry, catalog) themselves; stop it afterwards
# unless it was already running before the tests.
if bash scripts/stack/stack.sh status > /dev/null 2>&1; then stack_was_up=1; else stack_was_up=0; fi
if [ "$stack_was_up" = 0 ]; then on_stop bash scripts/stack/stack.sh down; fi

out="$PWD/.runtime/test-results"
rm -rf "$out" && mkdir -p "$out"
status=0
step() { printf '\n[test] %s (at %ds)\n' "$*" "$SECONDS" >&2; }

step "lint + type check"
run_step "$bin/eslint" . || status=1
run_step "$bin/tsc" -p tsconfig.json --noEmit || status=1

step "unit tests (jest, *.spec.ts)"
run_step "$bin/jest" --selectProjects unit --json --outputFile "$out/unit.json" || status=1

step "runner tests (pytest)"
run_step env PYTEST_ADDOPTS="--junitxml=$out/runner.xml" bash runner/run-tests.sh || status=1

step "integration tests on real Spark + Iceberg, Kafka, the registry and the REST catalog (jest, *.int-spec.ts)"
# --forceExit: a suite that fails mid-way must not keep the run alive through a handle it left open.
run_step "$bin/jest" --selectProjects int --runInBand --forceExit --json --outputFile "$out/int.json" || status=1
step "integration tests done"

# Issue 14 at a small scale: the cluster topology (SeaweedFS S3, the REST catalog on it, a Spark master and two
# workers) and the compiled jobs of init and one batch on it, equal to the oracle. The whole cluster suite
# (faults, the services on the cluster: ~35 min) is `npm run e2e:cluster`.
step "the compiled jobs on a Spark standalone cluster with tables on S3, small scale (npm run e2e:cluster -- cluster.int-spec)"
run_step env SUMMARY_SETUP_DONE=1 SPARK_HEAVY_LOCK=none E2E_CLUSTER_COMPONENTS="s3 catalog-s3 spark-master spark-worker-1 spark-worker-2" CLUSTER_ACCOUNTS=8 \
  bash scripts/e2e-cluster.sh --forceExit --testPathPatterns 'e2e/cluster/cluster.int-spec' --json --outputFile "$out/cluster.json" || status=1
step "cluster tests done"

if [ "$stack_was_up" = 0 ]; then bash scripts/stack/stack.sh down > /dev/null 2>&1 || true; fi

node scripts/test-summary.js "$out" || status=1
exit $status
