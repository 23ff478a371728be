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

# The cluster topology's catalog: a second instance of the same server whose warehouse is on the object
# store (S3FileIO; the fat jar bundles iceberg-aws and the AWS SDK v2), with its own sqlite database.
# Its port differs from the catalog above, so both can run at once.
CATALOG_S3_DIR="$STACK_HOME/catalog-s3"

install_catalog-s3() { install_catalog; }

catalog-s3_start() {
  local jar
  jar="$(ls "$STACK_DIST"/catalog/iceberg-open-api-*.jar)"
  mkdir -p "$CATALOG_S3_DIR"
  s3_write_config   # the keys (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY)
  local -a clean_env=()
  local var
  for var in $(compgen -e | grep '^CATALOG_' || true); do clean_env+=(-u "$var"); done
  # Same env-to-property rule as above: CATALOG_IO__IMPL is io-impl, CATALOG_S3_PATH__STYLE__ACCESS is
  # s3.path-style-access. SeaweedFS serves buckets by path, not by virtual host.
  launch catalog-s3 env "${clean_env[@]}" \
    CATALOG_URI="jdbc:sqlite:$CATALOG_S3_DIR/catalog.db?journal_mode=DELETE&busy_timeout=60000" \
    CATALOG_CLIENTS=1 \
    CATALOG_WAREHOUSE="s3://$S3_BUCKET/warehouse" \
    CATALOG_IO__IMPL=org.apache.iceberg.aws.s3.S3FileIO \
    CATALOG_S3_ENDPOINT="http://127.0.0.1:$STACK_S3_PORT" \
    CATALOG_S3_PATH__STYLE__ACCESS=true \
    CATALOG_S3_ACCESS__KEY__ID="$S3_ACCESS_KEY_ID" \
    CATALOG_S3_SECRET__ACCESS__KEY="$S3_SECRET_ACCESS_KEY" \
    CATALOG_CLIENT_REGION="$S3_REGION" \
    CATALOG_REST_PORT="$STACK_CATALOG_S3_PORT" \
    java "-Xmx$CATALOG_HEAP" -XX:+ExitOnOutOfMemoryError -jar "$jar"
}

catalog-s3_healthy() {
  [[ "$(http_status "http://127.0.0.1:$STACK_CATALOG_S3_PORT/v1/config")" == 200 ]]
}

catalog-s3_url() { echo "http://127.0.0.1:$STACK_CATALOG_S3_PORT (warehouse s3://$S3_BUCKET/warehouse)"; }
