#!/usr/bin/env bash
# The main job on its embedded default: the four services on the local stack (Kafka, schema registry,
# Iceberg REST catalog) with the embedded local Spark. Installs what is missing, starts the stack, creates
# the tables, loads DEMO_ACCOUNTS accounts × DEMO_MONTHS months through the services (batch 1, all new
# accounts), then one mixed daily batch (new accounts, forward months with gaps, backfills and corrections,
# invalid rows) and prints its progress, per-case counts and durations, and `validate`. The services keep
# running for the next batch (ingest one with the command printed at the end) until Ctrl-C, which stops
# the services and the stack cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

accounts=${DEMO_ACCOUNTS:-10000}
months=${DEMO_MONTHS:-24}
run=${DEMO_RUN:-demo$(date +%Y%m%d%H%M%S)}   # namespace and topic prefix of this demo run
dir=".runtime/demo/$run"
say() { printf '[demo] %s\n' "$*" >&2; }
mkdir -p "$dir"

bash scripts/stack/stack.sh up
eval "$(bash scripts/stack/env.sh)"
# Each run gets its own namespace and topics on the shared local stack.
sed "s/local\.demo\./local.$run./g" "${DEMO_CONFIG:-config/seed-000.json}" > "$dir/config.json"
export SUMMARY_CONFIG="$dir/config.json" SUMMARY_CATALOG_TYPE=rest SUMMARY_CATALOG_URI="$ICEBERG_REST_URI" \
  SUMMARY_LOG_DIR="$dir/logs" TOPIC_PREFIX="$run" KAFKA_BROKERS SCHEMA_REGISTRY_URL
cli() { node bin/summary-pipeline.js "$@"; }

pids=()
cleanup() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    say "stopping the services (SIGTERM; each finishes the message in progress)"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  if [ -z "${DEMO_KEEP_STACK:-}" ]; then bash scripts/stack/stack.sh down || true; fi
  say "stopped; logs and data under $dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "run $run: tables local.$run.*, topics $run.*, $accounts accounts × $months months"
cli init
for s in ingest-watcher classifier spark-dispatcher auditor; do
  node bin/service.js "$s" >> "$dir/$s.log" 2>&1 &
  pids+=($!)
done
say "services starting (pids ${pids[*]}; logs $dir/<service>.log)"
for port in 3001 3002 3003 3004; do
  until curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null; do
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { say "a service exited during start-up; see $dir/*.log"; exit 1; }; done
    sleep 1
  done
done
say "services ready: /health and /metrics on ports 3001-3004"

cli sample --accounts "$accounts" --months "$months" --start 2023-01 --base-ts "2025-01-01 00:00:00" --out "$dir/history.jsonl"
cli ingest "$dir/history.jsonl"
say "history ingested: the watcher announces it, the classifier plans it, the dispatcher runs CASE_I"
cli events --until-batches 1

cli sample --accounts "$accounts" --months "$months" --start 2023-01 --mixed --seed 2 --base-ts "2025-01-02 00:00:00" --out "$dir/daily.jsonl"
cli ingest "$dir/daily.jsonl"
say "daily batch ingested (mixed cases)"
cli events --until-batches 2 --quiet-before 1
cli validate

say "the services keep running. Next batch, in another shell:"
say "  SUMMARY_CONFIG=$dir/config.json SUMMARY_CATALOG_TYPE=rest SUMMARY_CATALOG_URI=$ICEBERG_REST_URI node bin/summary-pipeline.js ingest <file.jsonl>"
say "following events until Ctrl-C"
cli events --quiet-before 2
