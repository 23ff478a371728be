#!/usr/bin/env bash
# The engine alone, without the services: the CLI on a local Spark (local[*]) + Iceberg on local disk.
# Sets everything up, loads a realistic history (DEMO_ACCOUNTS accounts × DEMO_MONTHS months), then one
# mixed daily batch (new accounts, forward months with gaps, backfills/corrections, invalid rows), runs
# it through classify → CASE_III → CASE_I → CASE_II, and prints per-case counts, durations and validate.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

accounts=${DEMO_ACCOUNTS:-10000}
months=${DEMO_MONTHS:-24}
config=${SUMMARY_CONFIG:-config/seed-000.json}
dir=${DEMO_DIR:-.runtime/demo}
wh="$dir/warehouse"
cli() { node bin/summary-pipeline.js --config "$config" --warehouse "$wh" "$@"; }

if [ -z "${DEMO_KEEP:-}" ]; then rm -rf "$dir"; fi
mkdir -p "$dir"
echo "[demo] config $config, warehouse $wh, $accounts accounts × $months months" >&2
cli init
cli sample --accounts "$accounts" --months "$months" --start 2023-01 --base-ts "2025-01-01 00:00:00" --out "$dir/history.jsonl"
cli ingest "$dir/history.jsonl"
echo "[demo] initial load (every account is new: CASE_I)" >&2
cli run
cli sample --accounts "$accounts" --months "$months" --start 2023-01 --mixed --seed 2 --base-ts "2025-01-02 00:00:00" --out "$dir/daily.jsonl"
cli ingest "$dir/daily.jsonl"
echo "[demo] daily batch (mixed cases)" >&2
cli run
cli validate
cli export latest_summary --out "$dir/latest_summary.jsonl"
echo "[demo] done: exports and logs under $dir" >&2
