#!/usr/bin/env bash
# `npm run e2e`: the four services end to end on the real local stack (Kafka, registry, Iceberg REST
# catalog) and Spark: a mixed batch equal to the oracle and to a CLI run, two batches in order, a poison
# message to the dead-letter topic, kill -9 of each service mid-batch; and the faults (e2e/faults.int-spec.ts:
# a CLI beside the services, Kafka/registry/catalog outages, kills between cases, duplicates, poison on every
# topic). Exit 0 only if all of it holds.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ "${SUMMARY_SETUP_DONE:-0}" == 1 ]] || bash scripts/setup.sh   # the test command has run it
STACK_COMPONENTS="kafka registry catalog" bash scripts/stack/stack.sh up
# exec jest itself, not npx (npm exec does not pass SIGTERM on): a signal to this pid ends jest, and the
# services it started exit with it (SERVICE_EXIT_WITH_PARENT, e2e/service-processes.ts), their Spark runners
# after them. Extra arguments go to jest, e.g. a -t name filter.
exec node_modules/.bin/jest --selectProjects int --runInBand e2e/ "$@"
