#!/usr/bin/env bash
# Entry point of the summary-pipeline/spark-connect image (docker/spark-connect.Dockerfile), two roles:
#   server ARGS...  the Spark Connect server, the driver (k8s/components/spark-connect): spark-submit of
#                   SparkConnectServer with the manifest's --conf ARGS; its memory is SPARK_DAEMON_MEMORY
#   executor        an executor pod the driver created (spark.master=k8s://…): Spark's Kubernetes backend
#                   starts the image with this argument and the SPARK_* variables read below
set -euo pipefail

SPARK_HOME="${SPARK_HOME:?SPARK_HOME is not set (the image sets it to the pyspark directory)}"

case "${1:-}" in
  server)
    shift
    exec "$SPARK_HOME/bin/spark-submit" --class org.apache.spark.sql.connect.service.SparkConnectServer \
      --name "summary-pipeline Spark Connect" "$@" spark-internal
    ;;
  executor)
    shift
    for v in SPARK_EXECUTOR_MEMORY SPARK_DRIVER_URL SPARK_EXECUTOR_ID SPARK_EXECUTOR_CORES SPARK_APPLICATION_ID \
             SPARK_EXECUTOR_POD_IP SPARK_RESOURCE_PROFILE_ID SPARK_EXECUTOR_POD_NAME; do
      [[ -n "${!v:-}" ]] || { echo "entrypoint executor: $v is not set; expected the variables Spark's Kubernetes backend gives an executor pod" >&2; exit 2; }
    done
    # The driver hands its executor JVM options over as SPARK_JAVA_OPT_0, _1, … in order.
    java_opts=()
    for i in $(compgen -e | sed -n 's/^SPARK_JAVA_OPT_\([0-9][0-9]*\)$/\1/p' | sort -n); do
      v="SPARK_JAVA_OPT_$i"
      java_opts+=("${!v}")
    done
    exec "$JAVA_HOME/bin/java" "${java_opts[@]}" -Djava.io.tmpdir=/tmp \
      -Xms"$SPARK_EXECUTOR_MEMORY" -Xmx"$SPARK_EXECUTOR_MEMORY" \
      -cp "${SPARK_CONF_DIR:-/opt/spark/conf}:$SPARK_HOME/jars/*:${SPARK_CLASSPATH:-}" \
      org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
      --driver-url "$SPARK_DRIVER_URL" --executor-id "$SPARK_EXECUTOR_ID" --cores "$SPARK_EXECUTOR_CORES" \
      --app-id "$SPARK_APPLICATION_ID" --hostname "$SPARK_EXECUTOR_POD_IP" \
      --resourceProfileId "$SPARK_RESOURCE_PROFILE_ID" --podName "$SPARK_EXECUTOR_POD_NAME" "$@"
    ;;
  *)
    echo "entrypoint: expected 'server ARGS...' or 'executor'; received '${1:-}'" >&2
    exit 2
    ;;
esac
