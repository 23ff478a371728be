#!/usr/bin/env bash
# Prints the client settings of the local stack as shell exports:
#   eval "$(bash scripts/stack/env.sh)"
# Same STACK_* variables as stack.sh, so a stack on other ports is described correctly.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

emit() { printf 'export %s=%q\n' "$1" "$2"; }

emit STACK_HOME "$STACK_HOME"
# kafkajs `brokers` (comma-separated list).
emit KAFKA_BROKERS "127.0.0.1:$STACK_KAFKA_PORT"
# @kafkajs/confluent-schema-registry takes this as `host`: the ccompat path is part of it.
emit SCHEMA_REGISTRY_URL "http://127.0.0.1:$STACK_REGISTRY_PORT/apis/ccompat/v7"
emit ICEBERG_REST_URI "http://127.0.0.1:$STACK_CATALOG_PORT"
emit ICEBERG_WAREHOUSE "file://$STACK_HOME/warehouse"
emit PROMETHEUS_URL "http://127.0.0.1:$STACK_PROMETHEUS_PORT"
# Drop a file_sd JSON file here to have Prometheus scrape a service.
emit PROMETHEUS_TARGETS_DIR "$STACK_HOME/prometheus/targets"
