#!/usr/bin/env bash
# The main job on its embedded default: the four services on the local stack (Kafka, schema registry,
# Iceberg REST catalog, Prometheus) and its one warm local Spark (the stack's Spark Connect server, whose thin
# clients the services' jobs are), watched as in production. Installs what
# is missing, starts the stack, creates the tables, starts the services and has Prometheus scrape them with
# the shipped alert rules loaded, loads DEMO_ACCOUNTS accounts × DEMO_MONTHS months through the services
# (batch 1, all new accounts), then one mixed daily batch (new accounts, forward months with gaps,
# backfills and corrections, invalid rows) and prints its progress, per-case counts and durations, and
# `validate`. It prints where to look (Prometheus, each service's /metrics and /health, the dashboard).
# The services keep running for the next batch until Ctrl-C or SIGTERM to this script's pid, which stops
# every process it started within DEMO_STOP_TIMEOUT seconds, and the stack (unless DEMO_KEEP_STACK=1).
#
# Settings (env): DEMO_ACCOUNTS (10000), DEMO_MONTHS (24), DEMO_RUN (namespace and topic prefix),
# DEMO_CONFIG, DEMO_HTTP_PORT (3001: the services listen on it and the next three ports),
# DEMO_STOP_TIMEOUT (15 s of grace before SIGKILL), DEMO_KEEP_STACK, DEMO_SKIP_SETUP (1: do not run
# scripts/setup.sh; the build and the toolchain must exist).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[demo] %s\n' "$*" >&2; }

accounts=${DEMO_ACCOUNTS:-10000}
months=${DEMO_MONTHS:-24}
run=${DEMO_RUN:-demo$(date +%Y%m%d%H%M%S)}   # namespace and topic prefix of this demo run
port_base=${DEMO_HTTP_PORT:-3001}
stop_timeout=${DEMO_STOP_TIMEOUT:-15}
dir=".runtime/demo/$run"
services=(ingest-watcher classifier spark-dispatcher auditor)
mkdir -p "$dir"

pids=()       # the services, each the leader of its own process group (with its Spark runner)
follower=""   # prints the services' job progress lines, its own process group
child=""      # the command in progress, leader of its own process group
targets_file="" rules_file=""

# Runs a command as its own process group and waits for it. `wait` returns as soon as a trapped signal
# arrives (a foreground command would delay the trap until it ends: `events` never does), and the group
# lets cleanup stop the command with everything it started (node → python → the Spark JVM).
run() {
  local rc=0
  setsid "$@" < /dev/null &
  child=$!
  wait "$child" || rc=$?
  child=""
  return "$rc"
}
cli() { run node bin/summary-pipeline.js "$@"; }

# True while any process of process group $1 is alive (zombies awaiting their parent excepted).
group_alive() { ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'; }

# SIGTERM to each leader, up to DEMO_STOP_TIMEOUT s for the groups to empty, then SIGKILL to what is left.
stop_groups() {
  local g deadline=$((SECONDS + stop_timeout)) left
  for g in "$@"; do kill -TERM "$g" 2>/dev/null || true; done
  while :; do
    left=()
    for g in "$@"; do group_alive "$g" && left+=("$g"); done
    [ ${#left[@]} -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "still running after ${stop_timeout}s (DEMO_STOP_TIMEOUT): SIGKILL to process group(s) ${left[*]}"
      for g in "${left[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
      break
    fi
    # The leader gone, what is left of its group (a runner finishing a job) gets the signal too.
    for g in "${left[@]}"; do kill -0 "$g" 2>/dev/null || kill -TERM -- "-$g" 2>/dev/null || true; done
    sleep 0.2
  done
  wait "$@" 2>/dev/null || true
}

cleanup() {
  trap - EXIT INT TERM
  trap '' INT TERM   # a second Ctrl-C must not cut the cleanup short
  local groups=($child $follower "${pids[@]}")   # unquoted: an empty one drops out
  if [ ${#pids[@]} -gt 0 ]; then say "stopping the services (SIGTERM; each finishes the message in progress, up to ${stop_timeout}s)"; fi
  # All at once, so the whole stop is bounded by one DEMO_STOP_TIMEOUT.
  if [ ${#groups[@]} -gt 0 ]; then stop_groups "${groups[@]}"; fi
  rm -f "$targets_file" "$rules_file"
  if [ -z "${DEMO_KEEP_STACK:-}" ]; then
    bash scripts/stack/stack.sh down || true
  elif [ -n "$rules_file" ]; then
    bash scripts/stack/stack.sh prometheus-reload || true   # drop this run's rules
  fi
  say "stopped; logs and data under $dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${DEMO_SKIP_SETUP:-}" ] && [ "${SUMMARY_SETUP_DONE:-0}" != 1 ]; then run bash scripts/setup.sh; fi
run bash scripts/stack/stack.sh up
eval "$(bash scripts/stack/env.sh)"
# One warm engine (issue 21): the services' Spark jobs run on the stack's Spark Connect server, unless
# SUMMARY_SPARK_REMOTE chose (`local`: an in-process driver per service; or another server's URL).
if [ -z "${SUMMARY_SPARK_REMOTE:-}" ] && STACK_COMPONENTS=spark-connect bash scripts/stack/stack.sh status > /dev/null 2>&1; then
  export SUMMARY_SPARK_REMOTE="$SPARK_CONNECT_URL"
fi
say "Spark: ${SUMMARY_SPARK_REMOTE:-in-process drivers (SUMMARY_SPARK_REMOTE unset and no Spark Connect server)}"
# Each run gets its own namespace and topics on the shared local stack.
sed "s/local\.demo\./local.$run./g" "${DEMO_CONFIG:-config/seed-000.json}" > "$dir/config.json"
export SUMMARY_CONFIG="$dir/config.json" SUMMARY_CATALOG_TYPE=rest SUMMARY_CATALOG_URI="$ICEBERG_REST_URI" \
  SUMMARY_LOG_DIR="$dir/logs" TOPIC_PREFIX="$run" KAFKA_BROKERS SCHEMA_REGISTRY_URL

port_of() { local i; for i in "${!services[@]}"; do [ "${services[$i]}" = "$1" ] && echo $((port_base + i)); done; }

say "run $run: tables local.$run.*, topics $run.*, $accounts accounts × $months months"
cli init
for s in "${services[@]}"; do
  HTTP_PORT="$(port_of "$s")" HTTP_HOST=127.0.0.1 setsid node bin/service.js "$s" >> "$dir/$s.log" 2>&1 < /dev/null &
  pids+=($!)
done
say "services starting (pids ${pids[*]}; logs $dir/<service>.log)"
for s in "${services[@]}"; do
  until curl -sf "http://127.0.0.1:$(port_of "$s")/health/ready" > /dev/null; do
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { say "a service exited during start-up; see $dir/*.log"; exit 1; }; done
    sleep 1
  done
done

# Prometheus scrapes the services (file_sd; labelled as the Kubernetes ServiceMonitor labels them) and
# evaluates the shipped alert rules, restricted to this run's series: other runs share this Prometheus.
targets_file="$PROMETHEUS_TARGETS_DIR/$run.json"
rules_file="$STACK_HOME/prometheus/rules/$run.yaml"
mkdir -p "$(dirname "$rules_file")"
node dist/deploy/prometheus/scope-rules.js deploy/prometheus/alerts.yaml run "$run" > "$rules_file"
{
  sep='['
  for s in "${services[@]}"; do
    printf '%s{"targets":["127.0.0.1:%s"],"labels":{"job":"%s","service":"%s","run":"%s"}}' "$sep" "$(port_of "$s")" "$s" "$s" "$run"
    sep=','
  done
  echo ']'
} > "$targets_file"
bash scripts/stack/stack.sh prometheus-reload
# The value of the first sample of a Prometheus instant-query response (its JSON on stdin), "0" when the
# result is empty; fails on anything that is not such a response (no jq needed: node is here anyway).
first_sample_value() {
  node -e '
    let body = "";
    process.stdin.on("data", (chunk) => (body += chunk));
    process.stdin.on("end", () => {
      const result = JSON.parse(body).data.result;
      process.stdout.write(result.length ? result[0].value[1] : "0");
    });
  '
}
# query PROMQL: its first sample's value from the stack's Prometheus ("0" when none).
query() {
  curl -sf --max-time 5 "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=$1" | first_sample_value
}
for _ in $(seq 60); do [ "$(query "count(up{run=\"$run\"} == 1)" || echo 0)" = "${#services[@]}" ] && break; sleep 1; done

say "services ready. Where to look:"
say "  Prometheus      $PROMETHEUS_URL  (targets: $PROMETHEUS_URL/targets, alerts: $PROMETHEUS_URL/alerts)"
say "  scraped         $(query "count(up{run=\"$run\"} == 1)" || echo '?') of ${#services[@]} services up; targets file $targets_file"
say "  alert rules     deploy/prometheus/alerts.yaml, scoped to run=\"$run\": $rules_file"
for s in "${services[@]}"; do
  say "  $(printf '%-16s' "$s") http://127.0.0.1:$(port_of "$s")/metrics  http://127.0.0.1:$(port_of "$s")/health"
done
say "  dashboard       deploy/grafana/dashboards/pipeline-overview.json: in Grafana, Dashboards → New → Import,"
say "                  upload it and pick a Prometheus data source at $PROMETHEUS_URL (README \"Run it in production\")"

# The Spark jobs' progress, which the classifier and the dispatcher log every SUMMARY_PROGRESS_SECONDS.
setsid bash -c 'tail -n 0 -F "$@" 2> /dev/null | grep --line-buffered -o "job progress: [^\"]*" | sed -u "s/^job progress: /[progress] /"' \
  progress "$dir/classifier.log" "$dir/spark-dispatcher.log" >&2 < /dev/null &
follower=$!

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
say "following events until Ctrl-C (or SIGTERM to pid $$)"
cli events --quiet-before 2
