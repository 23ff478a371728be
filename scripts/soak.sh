#!/usr/bin/env bash
# `npm run soak [-- --batches B --seed N --faults F | --fault-rate R --accounts N --out DIR]`: issue 25's soak
# (README "Soak"). Sets up (scripts/setup.sh: packages, the build, the toolchain), compiles the soak and the
# test libraries it uses into dist/ (tsconfig.soak.json) and runs dist/e2e/soak/main.js, which starts the stack:
# the four services as processes over daily batches while a seeded injector strikes; the report goes to
# bench/results/soak-<date>/ (or --out). Exit 0 only if every check passed. It needs the machine alone: the
# injector restarts the shared stack's Kafka, registry and catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ "${SUMMARY_SETUP_DONE:-0}" == 1 ]] || bash scripts/setup.sh
npx tsc -p tsconfig.soak.json
# exec node itself (not npx): a signal to this pid ends the soak, and the services it started exit with it
# (SERVICE_EXIT_WITH_PARENT), their Spark runners after them.
exec node -r ./bin/register-paths.js dist/e2e/soak/main.js "$@"
