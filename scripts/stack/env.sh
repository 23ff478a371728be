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
# The Spark Connect server of `stack.sh up --connect`; a runner uses it with SUMMARY_SPARK_REMOTE set to this.
emit SPARK_CONNECT_URL "sc://127.0.0.1:$STACK_SPARK_CONNECT_PORT"

# The cluster topology (`stack.sh up --cluster`), once it has run: the object store, its catalog and the
# Spark standalone master. The S3 keys are the ones generated for this STACK_HOME (local only).
S3_KEYS_FILE="$STACK_HOME/s3/keys.env"
if [[ -f "$S3_KEYS_FILE" ]]; then
  # shellcheck disable=SC1090
  source "$S3_KEYS_FILE"
  emit STACK_S3_ENDPOINT "http://127.0.0.1:${STACK_S3_PORT:-8333}"
  emit STACK_S3_BUCKET "${STACK_S3_BUCKET:-summary}"
  emit STACK_S3_REGION "${STACK_S3_REGION:-us-east-1}"
  emit STACK_S3_ACCESS_KEY_ID "$S3_ACCESS_KEY_ID"
  emit STACK_S3_SECRET_ACCESS_KEY "$S3_SECRET_ACCESS_KEY"
  emit ICEBERG_S3_REST_URI "http://127.0.0.1:$STACK_CATALOG_S3_PORT"
  emit SPARK_MASTER_URL "spark://127.0.0.1:$STACK_SPARK_MASTER_PORT"
  emit SPARK_MASTER_REST_URL "http://127.0.0.1:$STACK_SPARK_REST_PORT"
  # Its own Spark Connect server (`stack.sh up --cluster-connect`): executors on the workers, tables on the store.
  emit SPARK_CONNECT_CLUSTER_URL "sc://127.0.0.1:$STACK_SPARK_CONNECT_CLUSTER_PORT"
  emit SPARK_CONNECT_CLUSTER_UI_URL "http://127.0.0.1:$STACK_SPARK_CONNECT_CLUSTER_UI_PORT"
  # Jars every driver and executor of the standalone cluster puts on its classpath (Iceberg, S3).
  emit SPARK_CLUSTER_JARS_DIR "$STACK_HOME/dist/spark-jars"
  # The Python of drivers and executors (spark.pyspark.python): the toolchain venv, with pyspark.
  emit SPARK_CLUSTER_PYTHON "${STACK_SPARK_PYTHON:-$STACK_TOOLCHAIN_DIR/venv/bin/python}"
fi
