# Apache Iceberg REST catalog (the test fixture server of iceberg-open-api), JDBC/sqlite backed
# (sourced by stack.sh).

CATALOG_DIR="$STACK_HOME/catalog"      # sqlite database
CATALOG_WAREHOUSE_DIR="$STACK_HOME/warehouse"
CATALOG_HEAP="${STACK_CATALOG_HEAP:-256m}"

catalog_start() {
  local jar
  jar="$(ls "$STACK_DIST"/catalog/iceberg-open-api-*.jar)"
  mkdir -p "$CATALOG_DIR" "$CATALOG_WAREHOUSE_DIR"
  # The server reads its catalog properties only from CATALOG_* environment variables (RCKUtils:
  # strip the prefix, "__" -> "-", "_" -> ".", lower-case), so CATALOG_REST_PORT is rest.port.
  # Every CATALOG_* variable of the caller would leak in as a property too: start from a clean slate.
  # Its Jetty binds all interfaces; there is no host setting.
  # sqlite allows one writer at a time: without a busy timeout two services committing to different tables
  # at once get SQLITE_BUSY as an HTTP 500 (CommitStateUnknown). Not WAL: pooled connections then read
  # stale snapshots (a table seemed to lose its last commit) and commits fail with SQLITE_BUSY_SNAPSHOT.
  # One pooled connection (CATALOG_CLIENTS=1, JdbcCatalog's `clients`): with two, a connection left in a
  # read transaction blocked the other's commit until the busy timeout (SQLITE_BUSY after 60 s).
  local -a clean_env=()
  local var
  for var in $(compgen -e | grep '^CATALOG_' || true); do clean_env+=(-u "$var"); done
  launch catalog env "${clean_env[@]}" \
    CATALOG_URI="jdbc:sqlite:$CATALOG_DIR/catalog.db?journal_mode=DELETE&busy_timeout=60000" \
    CATALOG_CLIENTS=1 \
    CATALOG_WAREHOUSE="file://$CATALOG_WAREHOUSE_DIR" \
    CATALOG_REST_PORT="$STACK_CATALOG_PORT" \
    java "-Xmx$CATALOG_HEAP" -XX:+ExitOnOutOfMemoryError -jar "$jar"
}

catalog_healthy() {
  [[ "$(http_status "http://127.0.0.1:$STACK_CATALOG_PORT/v1/config")" == 200 ]]
}

catalog_url() { echo "http://127.0.0.1:$STACK_CATALOG_PORT"; }
