#!/usr/bin/env bash
# Class-data-sharing archive for the local Spark driver JVM (issue #9, cold run): a training run of the
# CLI (init, ingest, run of a small history and a mixed batch: classify and every case job) dumps the
# classes it loaded into $TOOLCHAIN_DIR/spark-cds.jsa with -XX:ArchiveClassesAtExit; every later local
# driver maps them from that file (libs/runner-client/src/engine-config.ts localDriverJavaOptions) instead of
# loading ~20,000 classes from the jars. Cached: made again only when the JVM or the jars change. Best
# effort: if the training fails, the drivers start without it (the JVM ignores a missing archive).
set -uo pipefail
cd "$(dirname "$0")/.."
TOOLCHAIN_DIR="${TOOLCHAIN_DIR:-$PWD/.toolchain}"
archive="$TOOLCHAIN_DIR/spark-cds.jsa"
stamp="$TOOLCHAIN_DIR/spark-cds.stamp"
log() { printf '[setup-cds] %s\n' "$*" >&2; }

# The archive is valid for one JVM build and one class path: the java version, the jar list and the
# runner's location (the class path is absolute) decide whether it is current.
# Names, sizes and mtimes of the jars, not `ls -l`: its "total" (allocated blocks) of files pip has just
# written changed later on ext4, and a test run then retrained the archive (3 minutes) in the middle.
jar_list() {
  find "$TOOLCHAIN_DIR/jars" "$TOOLCHAIN_DIR"/venv/lib/python*/site-packages/pyspark/jars \
    -maxdepth 1 -name '*.jar' -printf '%f %s %T@\n' 2>/dev/null | sort
}
want=$({ java -version 2>&1; jar_list; echo "$TOOLCHAIN_DIR"; } | sha256sum | cut -c1-16)
if [[ -f "$archive" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  log "archive up to date ($archive)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cli() { node bin/summary-pipeline.js "$@" --warehouse "$work/warehouse" > "$work/cli.log" 2>&1; }
log "training run for the class-data-sharing archive (once, ~1 min)"
started=$SECONDS
if cli sample --out "$work/history.jsonl" --accounts 200 --months 14 \
  && cli sample --out "$work/batch.jsonl" --accounts 200 --months 14 --mixed --base-ts "2025-06-01 00:00:00" \
  && cli init && cli ingest "$work/history.jsonl" && cli run && cli ingest "$work/batch.jsonl" \
  && SUMMARY_MAINTENANCE=off SUMMARY_SPARK_CONF="spark.driver.extraJavaOptions=-XX:ArchiveClassesAtExit=$archive.tmp" cli run \
  && [[ -s "$archive.tmp" ]]; then
  mv "$archive.tmp" "$archive"
  echo "$want" > "$stamp"
  log "archive ready in $((SECONDS - started)) s: $archive ($(du -h "$archive" | cut -f1))"
else
  rm -f "$archive.tmp"
  log "training run failed; local drivers start without the archive. Last lines:"
  tail -5 "$work/cli.log" >&2
fi
exit 0
