#!/usr/bin/env bash
# End-to-end smoke check of the local stack: up; Kafka produce/consume with Kafka's own console
# tools; schema registration and BACKWARD compatibility through the registry's Confluent API; a
# namespace through the Iceberg REST catalog; Prometheus' `up`; status; down. Exits non-zero on the
# first failure (the stack is taken down all the same; STACK_CHECK_KEEP=1 leaves it running).
# Checks only the components in STACK_COMPONENTS (default: all four).
set -euo pipefail

STACK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/stack.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

RUN_ID="$(date +%s)-$$"
CHECK_STARTED=$SECONDS

check() { printf '[check] %s\n' "$*" >&2; }
fail() { printf '[check] FAILED: %s\n' "$*" >&2; exit 1; }
selected() { selected_components | grep -qx "$1"; }

# http METHOD URL [JSON]: sets HTTP_CODE and HTTP_BODY (no -f: the error bodies are what we check).
http() {
  local out
  out="$(curl -sS --max-time 30 -X "$1" -H "Content-Type: ${CONTENT_TYPE:-application/json}" \
    ${3:+--data "$3"} -w '\n%{http_code}' "$2")" || fail "$1 $2: no answer"
  HTTP_CODE="${out##*$'\n'}"
  HTTP_BODY="${out%$'\n'*}"
}

# expect CODES WHAT: the last http call answered one of CODES ("200" or "200|204").
expect() {
  [[ "|$1|" == *"|$HTTP_CODE|"* ]] || fail "$2: expected HTTP $1, got $HTTP_CODE: $HTTP_BODY"
}

finish() {
  local rc=$?
  if (( rc != 0 )); then
    check "stack logs: bash $STACK logs [component]"
    if [[ "${STACK_CHECK_KEEP:-0}" != 1 ]]; then bash "$STACK" down || true; fi
    check "FAILED after $((SECONDS - CHECK_STARTED))s"
  fi
}
trap finish EXIT

step_up() {
  local t=$SECONDS
  bash "$STACK" up
  check "up: all selected components healthy in $((SECONDS - t))s"
}

step_kafka() {
  local broker="127.0.0.1:$STACK_KAFKA_PORT" topic="stack-check-$RUN_ID" msg got t=$SECONDS
  msg="stack check $RUN_ID $(date -Is)"
  bash "$STACK" kafka topics --bootstrap-server "$broker" --create --topic "$topic" \
    --partitions 1 --replication-factor 1 > /dev/null
  bash "$STACK" kafka topics --bootstrap-server "$broker" --list | grep -qx "$topic" \
    || fail "kafka: topic $topic not listed after create"
  printf '%s\n' "$msg" | bash "$STACK" kafka console-producer --bootstrap-server "$broker" \
    --topic "$topic" --producer-property acks=all
  got="$(bash "$STACK" kafka console-consumer --bootstrap-server "$broker" --topic "$topic" \
    --group "stack-check-$RUN_ID" --from-beginning --max-messages 1 --timeout-ms 60000 2> /dev/null)" \
    || fail "kafka: nothing consumed from $topic within 60s"
  [[ "$got" == "$msg" ]] || fail "kafka: consumed '$got', expected '$msg'"
  bash "$STACK" kafka topics --bootstrap-server "$broker" --delete --topic "$topic"
  check "kafka: topic $topic created, '$msg' produced (acks=all) and consumed back by group stack-check-$RUN_ID, topic deleted ($((SECONDS - t))s)"
}

step_registry() {
  local base="http://127.0.0.1:$STACK_REGISTRY_PORT/apis/ccompat/v7" subject="stack-check-$RUN_ID-value"
  local v1 v2 bad id1 id2
  local CONTENT_TYPE=application/vnd.schemaregistry.v1+json
  v1='{"type":"record","name":"StackCheck","namespace":"check","fields":[{"name":"id","type":"string"}]}'
  # Adds an optional field with a default: readers on v2 can read v1 data (BACKWARD).
  v2='{"type":"record","name":"StackCheck","namespace":"check","fields":[{"name":"id","type":"string"},'
  v2+='{"name":"note","type":["null","string"],"default":null}]}'
  # Adds a required field without a default: v1 data cannot be read with it.
  bad='{"type":"record","name":"StackCheck","namespace":"check","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"}]}'
  body() { jq -cn --arg s "$1" '{schema: $s}'; }

  http POST "$base/subjects/$subject/versions" "$(body "$v1")"
  expect 200 "registry: register v1 under $subject"
  id1="$(jq -r .id <<< "$HTTP_BODY")"
  http PUT "$base/config/$subject" '{"compatibility":"BACKWARD"}'
  expect 200 "registry: set BACKWARD on $subject"
  http GET "$base/config/$subject"
  expect 200 "registry: read the config of $subject"
  [[ "$(jq -r .compatibilityLevel <<< "$HTTP_BODY")" == BACKWARD ]] \
    || fail "registry: config of $subject is $HTTP_BODY, expected compatibilityLevel BACKWARD"
  http POST "$base/subjects/$subject/versions" "$(body "$v2")"
  expect 200 "registry: register compatible v2"
  id2="$(jq -r .id <<< "$HTTP_BODY")"
  http POST "$base/subjects/$subject/versions" "$(body "$bad")"
  expect 409 "registry: an incompatible schema must be refused"
  [[ "$(jq -r .error_code <<< "$HTTP_BODY")" == 409 ]] \
    || fail "registry: refusal body $HTTP_BODY, expected error_code 409"
  http GET "$base/subjects/$subject/versions"
  expect 200 "registry: list versions"
  [[ "$(jq -c . <<< "$HTTP_BODY")" == '[1,2]' ]] || fail "registry: versions $HTTP_BODY, expected [1,2]"
  http DELETE "$base/subjects/$subject"
  expect 200 "registry: delete $subject"
  check "registry: $subject v1 (id $id1) registered, BACKWARD set, compatible v2 (id $id2) registered," \
    "incompatible schema refused with 409, versions [1,2], subject deleted"
}

step_catalog() {
  local base="http://127.0.0.1:$STACK_CATALOG_PORT/v1" ns="stack_check_${RUN_ID//-/_}"
  http GET "$base/config"
  expect 200 "catalog: GET /v1/config"
  http POST "$base/namespaces" "{\"namespace\":[\"$ns\"],\"properties\":{\"owner\":\"check.sh\"}}"
  expect 200 "catalog: create namespace $ns"
  http GET "$base/namespaces"
  expect 200 "catalog: list namespaces"
  jq -e --arg ns "$ns" 'any(.namespaces[]; . == [$ns])' <<< "$HTTP_BODY" > /dev/null \
    || fail "catalog: $ns missing from $HTTP_BODY"
  http GET "$base/namespaces/$ns"
  expect 200 "catalog: load namespace $ns"
  [[ "$(jq -r .properties.owner <<< "$HTTP_BODY")" == check.sh ]] \
    || fail "catalog: namespace properties $HTTP_BODY, expected owner=check.sh"
  # The REST spec says 204; this server (iceberg-open-api 1.10.1) answers 200 with an empty body.
  http DELETE "$base/namespaces/$ns"
  expect "200|204" "catalog: drop namespace $ns"
  check "catalog: namespace $ns created, listed, loaded with its properties and dropped"
}

# The first scrape happens one scrape interval after start: poll until `up` has a sample.
step_prometheus() {
  local url="http://127.0.0.1:$STACK_PROMETHEUS_PORT/api/v1/query" deadline=$((SECONDS + 60)) series
  while true; do
    series="$(curl -sS --max-time 10 --get --data-urlencode 'query=up' "$url" \
      | jq -r 'select(.status == "success") | .data.result[] | "\(.metric.job)=\(.value[1])"' | sort | xargs)" || true
    [[ "$series" == *"prometheus=1"* ]] && break
    (( SECONDS < deadline )) || fail "prometheus: query 'up' has no prometheus=1 sample after 60s (got: '${series:-nothing}')"
    sleep 1
  done
  if selected registry; then
    deadline=$((SECONDS + 60))
    until [[ "$series" == *"schema-registry=1"* ]]; do
      (( SECONDS < deadline )) || fail "prometheus: schema-registry target not up after 60s (got: '$series')"
      sleep 1
      series="$(curl -sS --max-time 10 --get --data-urlencode 'query=up' "$url" \
        | jq -r '.data.result[] | "\(.metric.job)=\(.value[1])"' | sort | xargs)" || true
    done
  fi
  check "prometheus: query 'up' answered: $series"
}

main() {
  validate_components
  step_up
  if selected kafka; then step_kafka; fi
  if selected registry; then step_registry; fi
  if selected catalog; then step_catalog; fi
  if selected prometheus; then step_prometheus; fi
  bash "$STACK" status || fail "status reports a component not healthy"
  check "status: every component running and healthy"
  bash "$STACK" down
  check "down: stopped; all checks passed in $((SECONDS - CHECK_STARTED))s"
}

main
