#!/usr/bin/env bash
# `npm run bench [-- --scale X --repeat N ...]`: the benchmark of issues #4 and #9 (see README "Performance").
# Sets everything up (scripts/setup.sh; a small venv with pinned matplotlib for the chart), then runs
# bench/src/main.ts from dist/: writes bench/results/latest.{json,md,png}. Flags: --help.
# --cluster: starts the cluster topology (stack.sh: SeaweedFS S3, the REST catalog on it, a Spark master and
# two workers), runs the small workload there beside local mode (cluster.{json,md}), and stops the topology
# again unless CLUSTER_KEEP=1 or it was already up.
# --quick: the initial load, the main batch and the cold run only (quick.{json,md}; no chart, so no venv).
# --install: only install the chart's venv (the test command's set-up, before a suite runs bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bench] %s\n' "$*" >&2; }

[[ "${SUMMARY_SETUP_DONE:-0}" == 1 ]] || bash scripts/setup.sh   # the test command has run it

cluster=0
quick=0
install=0
for arg in "$@"; do
  [[ "$arg" == --cluster ]] && cluster=1
  [[ "$arg" == --quick ]] && quick=1
  [[ "$arg" == --install ]] && install=1
done

if [[ $quick == 0 ]]; then
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
fi
if [[ $install == 1 ]]; then say "chart venv ready: $venv"; exit 0; fi
# The per-step profile's Spark jobs on a Connect server cost a REST call per step: counted only when profiling.
export SUMMARY_PROFILE="${SUMMARY_PROFILE:-1}"

# --quick --cluster: main.js refuses it before any topology is started.
if [[ $cluster == 0 || $quick == 1 ]]; then exec node -r ./bin/register-paths.js dist/bench/src/main.js "$@"; fi

export STACK_COMPONENTS="s3 catalog-s3 spark-master spark-worker-1 spark-worker-2"
if bash scripts/stack/stack.sh status > /dev/null 2>&1; then was_up=1; else was_up=0; fi
say "starting the cluster topology ($STACK_COMPONENTS)"
bash scripts/stack/stack.sh up
rc=0
node -r ./bin/register-paths.js dist/bench/src/main.js "$@" || rc=$?
if [[ $was_up == 0 && "${CLUSTER_KEEP:-0}" != 1 ]]; then bash scripts/stack/stack.sh down; fi
exit "$rc"
