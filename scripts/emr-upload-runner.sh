#!/usr/bin/env bash
# Zips runner/summary_runner and uploads it with runner/summary_runner_main.py to the EMR artifacts
# prefix (docs/emr-on-eks.md). Needs AWS_REGION and EMR_ARTIFACTS_S3_URI (EMR_RUNNER_ENTRYPOINT and
# EMR_RUNNER_PY_FILES to override the targets) and AWS credentials in the SDK's default chain.
set -euo pipefail
cd "$(dirname "$0")/.."

npx tsc -p tsconfig.build.json
exec node -r ./bin/register-paths.js dist/libs/launcher/src/emr/upload-runner.main.js
