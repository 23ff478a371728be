#!/usr/bin/env bash
# Installs what the Python runner needs, idempotently and cached:
#   $TOOLCHAIN_DIR/venv  Python virtualenv with runner/requirements-test.txt (the runtime of requirements.txt,
#                        the Spark Connect client of requirements-connect.txt, pytest, ruff; every file hash-pinned)
#                        and the runner (editable)
#   $TOOLCHAIN_DIR/jars  Iceberg Spark runtime (+ sqlite JDBC driver), resolved by Maven from scripts/toolchain/pom.xml
# Safe to run many times: each part is skipped when its stamp/output already matches.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN_DIR="${TOOLCHAIN_DIR:-$REPO_DIR/.toolchain}"
PYTHON="${PYTHON:-python3}"
VENV_DIR="$TOOLCHAIN_DIR/venv"
JARS_DIR="$TOOLCHAIN_DIR/jars"
POM="$REPO_DIR/scripts/toolchain/pom.xml"
REQUIREMENTS="$REPO_DIR/runner/requirements-test.txt"
RUNTIME_REQUIREMENTS="$REPO_DIR/runner/requirements.txt"
ICEBERG_JAR="iceberg-spark-runtime-3.5_2.12-1.10.1.jar"

log() { echo "[setup-toolchain] $*" >&2; }
die() { echo "[setup-toolchain] ERROR: $*" >&2; exit 1; }

check_java() {
  command -v java >/dev/null 2>&1 || die "java not found on PATH; expected Java 17 or newer (Spark 3.5 + Iceberg 1.10)."
  # `java -version` prints e.g. 'openjdk version "17.0.15" 2025-04-15' (or "1.8.0_392" for Java 8) on stderr.
  local version major
  version="$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
  [[ -n "$version" ]] || die "could not read the Java version from 'java -version'; expected Java 17 or newer."
  major="${version%%.*}"
  [[ "$major" == "1" ]] && major="$(echo "$version" | cut -d. -f2)"
  [[ "$major" =~ ^[0-9]+$ ]] || die "unexpected Java version string '$version'; expected Java 17 or newer."
  (( major >= 17 )) || die "Java $version found at $(command -v java); expected Java 17 or newer."
  log "java $version ok"
}

setup_venv() {
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; expected Python 3.11 (set PYTHON=... to choose another)."
  # The stamp covers everything that changes what pip installs: requirements, the runner's
  # pyproject (editable install) and the interpreter version.
  local stamp_file="$VENV_DIR/.toolchain-stamp" wanted
  wanted="$(cat "$REQUIREMENTS" "$RUNTIME_REQUIREMENTS" "$REPO_DIR/runner/requirements-connect.txt" \
    "$REPO_DIR/runner/pyproject.toml" <("$PYTHON" -VV) | sha256sum | cut -d' ' -f1)"
  if [[ -x "$VENV_DIR/bin/python" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$wanted" ]]; then
    log "venv up to date ($VENV_DIR)"
    return
  fi
  if [[ ! -x "$VENV_DIR/bin/python" ]]; then
    log "creating venv $VENV_DIR"
    "$PYTHON" -m venv "$VENV_DIR" || die "could not create a venv at $VENV_DIR with $PYTHON."
  fi
  log "installing $REQUIREMENTS (first time: pyspark is ~300 MB, a few minutes)"
  # --require-hashes: a package whose file differs from the pinned hash is refused (docs/security.md "Pinning").
  "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$REQUIREMENTS" \
    || die "pip install -r $REQUIREMENTS failed (see pip output above)."
  log "installing runner (editable)"
  "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$REPO_DIR/runner" \
    || die "pip install -e $REPO_DIR/runner failed (see pip output above)."
  echo "$wanted" > "$stamp_file"
  log "venv ready"
}

setup_jars() {
  # Skip when every jar the pom names is present; the pom's own hash guards against an edited pom.
  local stamp_file="$JARS_DIR/.toolchain-stamp" wanted
  wanted="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$JARS_DIR/$ICEBERG_JAR" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$wanted" ]]; then
    log "jars up to date ($JARS_DIR)"
    return
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH; expected Maven 3 to download the Iceberg jars."
  log "downloading jars with Maven into $JARS_DIR"
  # Resolve into a temp dir and swap it in, so an interrupted download never leaves a half set of jars.
  local tmp_dir="$TOOLCHAIN_DIR/jars.tmp"
  rm -rf "$tmp_dir"
  mkdir -p "$tmp_dir"
  # The sed drops the bare colour resets Debian's Maven prints even in batch/quiet mode.
  mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp_dir" 2>&1 \
    | sed 's/\x1b\[[0-9;]*m//g' >&2 \
    || { rm -rf "$tmp_dir"; die "mvn dependency:copy-dependencies on $POM failed (see Maven output above)."; }
  [[ -f "$tmp_dir/$ICEBERG_JAR" ]] || die "Maven finished but $ICEBERG_JAR is missing from $tmp_dir; got: $(ls "$tmp_dir")"
  echo "$wanted" > "$tmp_dir/.toolchain-stamp"
  rm -rf "$JARS_DIR"
  mv "$tmp_dir" "$JARS_DIR"
  log "jars ready: $(cd "$JARS_DIR" && ls ./*.jar | xargs -n1 basename | tr '\n' ' ')"
}

mkdir -p "$TOOLCHAIN_DIR"
check_java
setup_jars
setup_venv
log "done: TOOLCHAIN_DIR=$TOOLCHAIN_DIR"
