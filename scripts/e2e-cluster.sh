#!/usr/bin/env bash
# `npm run e2e:cluster`: the compiled jobs on a Spark standalone cluster (master + two workers) in cluster
# deploy mode, tables on SeaweedFS S3 through the REST catalog, equal to the oracle (e2e/cluster/cluster.int-spec.ts),
# under the cluster's faults (faults.int-spec.ts), and the four services with the spark-submit launcher on it
# (services.int-spec.ts), and the four services as clients of the cluster's Spark Connect server
# (connect.int-spec.ts, which starts and stops spark-connect-cluster itself). Starts the cluster topology with
# Kafka and the registry, and stops them again unless CLUSTER_KEEP=1. Extra arguments go to jest (e.g. --testPathPatterns services). E2E_CLUSTER_COMPONENTS
# names the stack components to start instead (the test command's small run leaves out Kafka and the registry).
# Spark starts are serialised with other Spark work on the machine through /tmp/spark-heavy.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ "${SUMMARY_SETUP_DONE:-0}" == 1 ]] || bash scripts/setup.sh   # the test command has run it
lock=(flock -o "${SPARK_HEAVY_LOCK:-/tmp/spark-heavy.lock}")
# none: the caller serialises (the test command runs one step at a time, and may itself run under the lock).
if [[ "${SPARK_HEAVY_LOCK:-}" == none ]] || ! command -v flock > /dev/null; then lock=(); fi
export STACK_COMPONENTS="${E2E_CLUSTER_COMPONENTS:-kafka registry s3 catalog-s3 spark-master spark-worker-1 spark-worker-2}"
"${lock[@]}" bash scripts/stack/stack.sh up
rc=0
"${lock[@]}" npx jest --selectProjects cluster --runInBand "$@" || rc=$?
if [[ "${CLUSTER_KEEP:-0}" != 1 ]]; then bash scripts/stack/stack.sh down; fi
exit "$rc"
