#!/usr/bin/env bash
# Everything a fresh machine needs, idempotent and cached: npm packages (from the lockfile), the
# TypeScript build, and the Spark toolchain (pinned pyspark in a venv + the Iceberg runtime jar).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))"; exit 1
fi

stamp=node_modules/.setup-stamp
want=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
else
  say "npm packages up to date"
fi

say "building TypeScript"
npx tsc -p tsconfig.build.json

bash scripts/setup-toolchain.sh
say "ready"
