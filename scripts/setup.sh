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
  # npm install, not npm ci: the lockfile pins every version, but the registry reachable here has no
  # builds of some optional platform packages (e.g. @unrs/resolver-binding-darwin-x64), so the lock
  # cannot list them and npm ci refuses it as "out of sync"; npm install honours the lock as it is.
  say "installing npm packages from package-lock.json"
  npm install --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
else
  say "npm packages up to date"
fi

say "building TypeScript"
npx tsc -p tsconfig.build.json

bash scripts/setup-toolchain.sh
bash scripts/setup-cds.sh
say "ready"
