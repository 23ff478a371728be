#!/usr/bin/env bash
# `npm run bench [-- --scale X --repeat N ...]`: the benchmark of issues #4 and #9 (see README "Performance").
# Sets everything up (scripts/setup.sh; a small venv with pinned matplotlib for the chart), then runs
# bench/src/main.ts from dist/: writes bench/results/latest.{json,md,png}. Flags: --help.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bench] %s\n' "$*" >&2; }

bash scripts/setup.sh

venv="${TOOLCHAIN_DIR:-$PWD/.toolchain}/bench-venv"
requirements=bench/requirements.txt
want=$(cat "$requirements" <(python3 -VV) | sha256sum | cut -c1-16)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.bench-stamp" 2>/dev/null)" != "$want" ]; then
  say "installing the chart's Python packages ($requirements) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" \
    || { say "pip install -r $requirements failed (see above)"; exit 1; }
  echo "$want" > "$venv/.bench-stamp"
fi
export BENCH_PYTHON="$venv/bin/python"

exec node -r ./bin/register-paths.js dist/bench/src/main.js "$@"
