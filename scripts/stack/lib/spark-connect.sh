# Spark Connect server of the stack (sourced by stack.sh; a default component, issue 21): one
# long-lived driver that runners reach as thin clients (engine "remote", SUMMARY_SPARK_REMOTE), so a CLI run or a
# service pays no JVM start and no cold JIT of its own. It is the pinned pyspark distribution of the toolchain
# venv (the same as the runner's in-process Spark) with the spark-connect jar of maven/spark-connect/pom.xml, the
# Iceberg runtime of .toolchain/jars, FAIR scheduling (the lease heartbeat's pool), its UI on loopback, and
# LoopbackOnly (scripts/stack/spark-connect/): Spark 3.5 binds the gRPC port on every interface and
# authenticates no one, so the interceptor refuses any peer that is not this machine.

SPARK_CONNECT_DIST="$STACK_DIST/spark-connect"     # spark-connect jar + the interceptor's jar
SPARK_CONNECT_DIR="$STACK_HOME/spark-connect"      # the server's conf and scratch space
SPARK_CONNECT_SOURCE="$STACK_SCRIPT_DIR/spark-connect/LoopbackOnly.java"
SPARK_CONNECT_MEMORY="${STACK_SPARK_CONNECT_MEMORY:-4g}"
# A statement keeps running on the server when its client dies (kill -9, OOM): the server interrupts it once it
# has had no client for this long (checked every 5 s; Spark's default is 5 min). It must stay well below the
# writer lease's TTL (SUMMARY_LEASE_TTL_SECONDS, 120 s), so that whatever a dead runner started has ended,
# committed or not, before another writer can take the lease and roll back by the ledger (docs/spark-connect.md).
SPARK_CONNECT_DETACHED_TIMEOUT="${STACK_SPARK_CONNECT_DETACHED_TIMEOUT:-20s}"
# The same pattern the TypeScript side gives an in-process driver (libs/runner-client/src/catalog-auth.ts): catalog
# credentials set by a session never show in the server's UI or logs.
SPARK_CONNECT_REDACTION='(?i)secret|password|token|access[.]key|credential'

spark_connect_stamp() { cat "$(pom_of spark-connect)" "$SPARK_CONNECT_SOURCE" | sha256sum | cut -c1-16; }

install_spark-connect() {
  local dest="$SPARK_CONNECT_DIST" jar
  spark_home > /dev/null
  if [[ -f "$dest/.stamp" && "$(cat "$dest/.stamp")" == "$(spark_connect_stamp)" ]]; then
    say "install spark-connect: cached ($(ls "$dest" | grep -m1 '^spark-connect_'))"
    return
  fi
  say "install spark-connect: resolving the server jar with Maven (first time, ~14 MB)"
  maven_copy spark-connect "$dest.tmp"
  jar="$(ls "$dest.tmp"/spark-connect_2.12-*.jar)" || die "Maven gave no spark-connect jar in $dest.tmp"
  mkdir -p "$dest.tmp/classes"
  javac -nowarn -d "$dest.tmp/classes" -cp "$jar" "$SPARK_CONNECT_SOURCE" \
    || die "javac could not compile $SPARK_CONNECT_SOURCE against $jar"
  jar cf "$dest.tmp/summary-connect-loopback.jar" -C "$dest.tmp/classes" . && rm -rf "$dest.tmp/classes"
  spark_connect_stamp > "$dest.tmp/.stamp"
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
  say "install spark-connect: $(ls "$dest" | xargs) in $dest"
}

spark_connect_jars() {
  local toolchain_jars="$STACK_TOOLCHAIN_DIR/jars"
  ls "$toolchain_jars"/iceberg-spark-runtime-*.jar > /dev/null 2>&1 \
    || die "no Iceberg runtime in $toolchain_jars; run scripts/setup.sh first"
  ls "$SPARK_CONNECT_DIST"/*.jar "$toolchain_jars"/*.jar | paste -sd, -
}

# spark_connect_launch <component> <master> <port> <ui port> <dir> <jars or ""> [spark-submit options…]: one Connect server
# with the stack's settings (Iceberg's extensions, FAIR pools, LoopbackOnly, the UI's redaction, the orphan timeouts).
spark_connect_launch() {
  local component="$1" master="$2" port="$3" ui_port="$4" dir="$5" jars="$6"
  shift 6
  mkdir -p "$dir/conf" "$dir/tmp"
  # No one else's defaults; SPARK_CONNECT_DEFAULTS (lines "key value") holds settings that must not show in `ps`.
  (umask 077 && printf '%s\n' "${SPARK_CONNECT_DEFAULTS:-}" > "$dir/conf/spark-defaults.conf")
  # shellcheck disable=SC2046 # word splitting of VAR=value pairs is intended
  # Spark's launcher sizes a Connect server (like the Thrift server) by SPARK_DAEMON_MEMORY, not --driver-memory.
  launch "$component" env $(spark_env) SPARK_CONF_DIR="$dir/conf" SPARK_DAEMON_MEMORY="$SPARK_CONNECT_MEMORY" \
    SPARK_LOCAL_DIRS="$dir/tmp" "$(spark_home)/bin/spark-submit" \
    --class org.apache.spark.sql.connect.service.SparkConnectServer --name "summary-pipeline Spark Connect ($component)" \
    --master "$master" --driver-memory "$SPARK_CONNECT_MEMORY" ${jars:+--jars "$jars"} \
    --conf spark.connect.grpc.binding.port="$port" \
    --conf spark.connect.grpc.interceptor.classes=summarypipeline.connect.LoopbackOnly \
    --conf spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions \
    --conf spark.scheduler.mode=FAIR \
    --conf spark.driver.bindAddress=127.0.0.1 --conf spark.driver.host=127.0.0.1 \
    --conf spark.ui.port="$ui_port" --conf spark.ui.showConsoleProgress=false \
    --conf spark.redaction.regex="$SPARK_CONNECT_REDACTION" \
    --conf spark.connect.jvmStacktrace.maxSize=65536 \
    --conf spark.connect.execute.manager.detachedTimeout="$SPARK_CONNECT_DETACHED_TIMEOUT" \
    --conf spark.connect.execute.manager.maintenanceInterval=5s \
    --conf spark.connect.execute.reattachable.senderMaxStreamDuration=10s \
    "$@" spark-internal
}

spark-connect_start() {
  spark_connect_launch spark-connect "local[*]" "$STACK_SPARK_CONNECT_PORT" "$STACK_SPARK_CONNECT_UI_PORT" \
    "$SPARK_CONNECT_DIR" "$(spark_connect_jars)"
}

# Healthy = the gRPC port accepts connections and the driver's UI lists its application.
spark-connect_healthy() {
  port_open "$STACK_SPARK_CONNECT_PORT" \
    && [[ "$(http_status "http://127.0.0.1:$STACK_SPARK_CONNECT_UI_PORT/api/v1/applications")" == 200 ]]
}

spark-connect_url() { echo "sc://127.0.0.1:$STACK_SPARK_CONNECT_PORT (UI http://127.0.0.1:$STACK_SPARK_CONNECT_UI_PORT)"; }

# The cluster topology's Connect server (opt-in: `stack.sh up --cluster-connect`, issue 21): the same server as a
# long-lived application of the standalone master, its executors on the workers, its catalogs on the object store
# (each session sets them, as the runner does). It keeps one executor of SPARK_CONNECT_CLUSTER_CORES (2: one worker)
# warm, so a job pays no executor start, and leaves the other worker to spark-submit drivers. The object store's keys
# reach the driver by its environment and the executors by spark.executorEnv in the server's own defaults file (mode
# 600; redacted in the UI), never on a command line.
SPARK_CONNECT_CLUSTER_DIR="$STACK_HOME/spark-connect-cluster"
SPARK_CONNECT_CLUSTER_CORES="${STACK_SPARK_CONNECT_CLUSTER_CORES:-2}"

install_spark-connect-cluster() { install_spark-connect; install_spark_jars; }

spark-connect-cluster_start() {
  local keys="$STACK_HOME/s3/keys.env" jars
  [[ -f "$keys" ]] || die "spark-connect-cluster: no object store keys at $keys; start the cluster topology with it (stack.sh up --cluster)"
  # shellcheck disable=SC1090
  source "$keys"
  # On the class path of the driver and of every executor where they are (one machine), not shipped: the cluster's
  # jars are ~330 MB, which --jars would copy into each executor's work directory.
  jars="$SPARK_CONNECT_DIST/*:$SPARK_JARS/*"
  SPARK_CONNECT_DEFAULTS="$(printf 'spark.executorEnv.%s %s\n' AWS_ACCESS_KEY_ID "$S3_ACCESS_KEY_ID" \
    AWS_SECRET_ACCESS_KEY "$S3_SECRET_ACCESS_KEY" AWS_REGION "${STACK_S3_REGION:-us-east-1}")" \
    AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$S3_SECRET_ACCESS_KEY" AWS_REGION="${STACK_S3_REGION:-us-east-1}" \
    spark_connect_launch spark-connect-cluster "spark://127.0.0.1:$STACK_SPARK_MASTER_PORT" \
    "$STACK_SPARK_CONNECT_CLUSTER_PORT" "$STACK_SPARK_CONNECT_CLUSTER_UI_PORT" "$SPARK_CONNECT_CLUSTER_DIR" "" \
    --driver-class-path "$jars" --conf spark.executor.extraClassPath="$jars" \
    --conf spark.pyspark.python="$SPARK_PYTHON" \
    --conf spark.cores.max="$SPARK_CONNECT_CLUSTER_CORES" --conf spark.executor.cores="$SPARK_CONNECT_CLUSTER_CORES" \
    --conf spark.executor.memory=1g
}

# Healthy = the gRPC port accepts connections and the application has an active executor on a worker.
spark-connect-cluster_healthy() {
  local apps="http://127.0.0.1:$STACK_SPARK_CONNECT_CLUSTER_UI_PORT/api/v1/applications" app
  port_open "$STACK_SPARK_CONNECT_CLUSTER_PORT" || return 1
  app="$(curl -s --max-time 5 "$apps" 2> /dev/null | jq -r 'if length == 1 then .[0].id else empty end' 2> /dev/null)"
  [[ -n "$app" ]] || return 1
  curl -s --max-time 5 "$apps/$app/executors" 2> /dev/null \
    | jq -e '[.[] | select(.id != "driver" and .isActive)] | length >= 1' > /dev/null 2>&1
}

spark-connect-cluster_url() {
  echo "sc://127.0.0.1:$STACK_SPARK_CONNECT_CLUSTER_PORT (master spark://127.0.0.1:$STACK_SPARK_MASTER_PORT," \
    "UI http://127.0.0.1:$STACK_SPARK_CONNECT_CLUSTER_UI_PORT)"
}
