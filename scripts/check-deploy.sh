#!/usr/bin/env bash
# npm run check:deploy — static checks of everything that deploys the pipeline (docs/deploy.md):
#   k8s/        every overlay renders with kustomize and each object decodes strictly into its Kubernetes
#               type (unknown fields fail), plus policy and cross-reference checks (tools/deploy-check):
#               no optional Secret reference, a namespace-wide default deny (ingress and egress but DNS)
#   alerts      promtool check rules on deploy/prometheus/alerts.yaml; only defined metrics; the
#               PrometheusRule of every overlay holds exactly its groups
#   dashboards  every Grafana panel query parses as PromQL (promtool, as recording rules) and names only
#               defined metrics
#   compose     docker-compose.yaml validates as `docker compose config` would; Prometheus' compose config
#   images      Dockerfiles: bases pinned by a digest of deploy/images.lock, packages by version, non-root
#               user, COPY sources present; the prod overlay's and EMR job's images by digests of the lock
#   least       least privilege (docs/security.md): one ServiceAccount and IAM role per component, each
#   privilege   role trusted by its account only, the source read-only outside deploy/iam/ingest-policy.json,
#               IAM policies strict; prod egress only to named destinations (no 0.0.0.0/0, no rule without
#               `to:`); runner requirements pinned with sha256 hashes
#   spark       prod-connect (prod + k8s/components/spark-connect): the Spark Connect server pinned, one replica,
#   connect     executors as pods; client authentication (TLS proxy, LoopbackOnly + ClientTokens, a token per client
#               from a required Secret of its own, use_ssl and the token in each client's SUMMARY_SPARK_REMOTE);
#               NetworkPolicies admitting only the classifier and dispatcher to it; RBAC a Role for executor pods
#               only (every overlay: no cluster roles, no secrets access; only a bound account mounts its token)
#   principals  prod: each component its own Kafka principal, registry user and catalog client
#               (deploy/principals.yaml), read from required Secret references no other component reads;
#               its Kafka ACLs and registry grants exactly what its code does (contracts/topic-access.json),
#               its catalog grants those of its IAM policy
# Installs its tools once into $TOOLCHAIN_DIR/deploy (kustomize and deploy-check with Go from the module
# proxy, pinned; promtool from Debian's prometheus package when missing). Reports every failure, naming
# the file and object, and exits 1 if there was any.
#
#   bash scripts/check-deploy.sh               check
#   bash scripts/check-deploy.sh --write-rule  regenerate k8s/base/prometheusrule.yaml from alerts.yaml, then check
#   bash scripts/check-deploy.sh --release     also fail on the placeholders an operator must fill in (image
#                                              digests, egress CIDRs), which otherwise print as warnings
#
# DEPLOY_CHECK_ROOT (default: the repository) is the tree whose files are checked; the tests point it at
# broken copies. DEPLOY_CHECK_KEEP=1 keeps the rendered manifests and prints where they are.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "${DEPLOY_CHECK_ROOT:-$REPO_DIR}" && pwd)"
TOOLCHAIN_DIR="${TOOLCHAIN_DIR:-$REPO_DIR/.toolchain}"
TOOLS="$TOOLCHAIN_DIR/deploy"
KUSTOMIZE_VERSION=v5.8.2 # v5.8.3 needs Go 1.27
KUSTOMIZE="$TOOLS/bin/kustomize"
DEPLOY_CHECK="$TOOLS/bin/deploy-check"
METRICS_TS="$ROOT/libs/common/src/metrics/metrics.ts"
OVERLAYS=(k8s/base k8s/overlays/dev k8s/overlays/prod k8s/overlays/prod-connect)

log() { echo "[check-deploy] $*" >&2; }
die() { echo "[check-deploy] ERROR: $*" >&2; exit 2; }

WRITE_RULE=0
RELEASE=()
for arg in "$@"; do
  case "$arg" in
    --write-rule) WRITE_RULE=1 ;;
    --release) RELEASE=(-release) ;;
    -h|--help) sed -n '2,36p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg' (expected --write-rule, --release or --help)" ;;
  esac
done

# ---- tools (cached; a lock keeps concurrent runs from installing twice) ----
install_tools() {
  command -v go >/dev/null 2>&1 || die "go not found on PATH; expected Go ≥ 1.25 to build kustomize and tools/deploy-check."
  export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
  mkdir -p "$TOOLS/bin"
  exec 9>"$TOOLS/.lock"
  flock 9
  if [[ ! -x "$KUSTOMIZE" || "$("$KUSTOMIZE" version 2>/dev/null)" != "$KUSTOMIZE_VERSION" ]]; then
    log "installing kustomize $KUSTOMIZE_VERSION (go install; first time ~1 min)"
    GOBIN="$TOOLS/bin" nice go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" \
      || die "go install sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION failed (see above)."
  fi
  # Rebuilt when its sources, go.mod/go.sum or the Go version change.
  local src="$REPO_DIR/tools/deploy-check" stamp wanted
  stamp="$TOOLS/.deploy-check-stamp"
  wanted="$(cat "$src"/*.go "$src/go.mod" "$src/go.sum" <(go version) | sha256sum | cut -d' ' -f1)"
  if [[ ! -x "$DEPLOY_CHECK" || ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    log "building tools/deploy-check (first time ~1-2 min: k8s.io/api, prometheus-operator, compose-go)"
    (cd "$src" && nice go build -o "$DEPLOY_CHECK" .) || die "go build of tools/deploy-check failed (see above)."
    echo "$wanted" > "$stamp"
  fi
  if ! command -v promtool >/dev/null 2>&1; then
    [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 \
      || die "promtool not found; install Debian's prometheus package (apt-get install prometheus) or put promtool on PATH."
    log "installing promtool (Debian package prometheus, once)"
    # Debian's maintainer scripts would start the packaged Prometheus service (and take port 9090 from
    # the local stack's): forbid service starts for the install, as scripts/stack/lib/install.sh does.
    local policy=/usr/sbin/policy-rc.d added=0
    if [[ ! -e "$policy" ]]; then printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && added=1; fi
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } \
      || { (( added )) && rm -f "$policy"; die "apt-get install prometheus failed (see above)."; }
    (( added )) && rm -f "$policy"
    command -v promtool >/dev/null 2>&1 || die "the prometheus package is installed but promtool is not on PATH."
  fi
  flock -u 9
}

# ---- checks: each prints its own failures; the run continues and counts them ----
FAILED=()
check() { # check NAME COMMAND...
  local name="$1"; shift
  local output
  if output="$("$@" 2>&1)"; then
    log "ok    $name"
    grep -E '^(skipped|warning)' <<< "$output" | sed 's/^/    /' >&2 || true
  else
    log "FAIL  $name"
    printf '%s\n' "$output" | sed 's/^/    /' >&2
    FAILED+=("$name")
  fi
}

same_file() { # same_file COPY ORIGINAL WHY
  cmp -s "$1" "$2" && return 0
  echo "$1 differs from $2: $3"
  return 1
}

# The checks that need the project's TypeScript (deploy/node-checks.ts, built by npm run build / setup.sh):
# a missing build fails them, it never skips them.
node_check() { # node_check CHECK FILE...
  local checks="$REPO_DIR/dist/deploy/node-checks.js"
  if [[ ! -f "$checks" ]]; then
    echo "$checks is not built: run npm run build (or scripts/setup.sh) first"
    return 2
  fi
  node -r "$REPO_DIR/bin/register-paths.js" "$checks" "$@"
}
valid_json() { node_check json "$@"; }
# The project's own config validation (libs/config).
config_loads() { node_check config "$@"; }
# The prod overlay's EMR on EKS settings, through the launcher's own validation (libs/launcher).
emr_env_valid() { node_check emr-env "$@"; }

render() { # render OVERLAY OUT
  "$KUSTOMIZE" build "$ROOT/$1" > "$2"
}

promtool_rules() {
  promtool check rules "$@"
}

# Prometheus' compose config names the rule file by its path inside the container.
promtool_compose_config() {
  local cfg="$OUT/prometheus.compose.yml"
  sed "s#/etc/prometheus/rules/alerts.yaml#$ROOT/deploy/prometheus/alerts.yaml#" "$ROOT/deploy/prometheus/prometheus.compose.yml" > "$cfg"
  promtool check config "$cfg"
}

install_tools
OUT="$(mktemp -d)"
if [[ "${DEPLOY_CHECK_KEEP:-0}" == 1 ]]; then
  log "rendered manifests and generated rules are kept in $OUT"
else
  trap 'rm -rf "$OUT"' EXIT
fi

if [[ "$WRITE_RULE" == 1 ]]; then
  "$DEPLOY_CHECK" prometheusrule "$ROOT/deploy/prometheus/alerts.yaml" > "$ROOT/k8s/base/prometheusrule.yaml"
  log "wrote k8s/base/prometheusrule.yaml from deploy/prometheus/alerts.yaml"
fi

check "pipeline config JSON (k8s/base, k8s/overlays/prod)" valid_json "$ROOT/k8s/base/pipeline-config.json" "$ROOT/k8s/overlays/prod/pipeline-config.json"
check "k8s/base/pipeline-config.json is config/seed-000.json" \
  same_file "$ROOT/k8s/base/pipeline-config.json" "$ROOT/config/seed-000.json" "copy config/seed-000.json over it"
check "pipeline configs load (libs/config)" config_loads "$ROOT/k8s/base/pipeline-config.json" "$ROOT/k8s/overlays/prod/pipeline-config.json"
check "k8s/overlays/prod/emr.env is valid for the EMR launcher (libs/launcher)" \
  emr_env_valid "$ROOT/k8s/overlays/prod/emr.env" "$ROOT/k8s/overlays/prod/kustomization.yaml"

rendered=()
for overlay in "${OVERLAYS[@]}"; do
  out="$OUT/$(basename "$overlay").yaml"
  check "kustomize build $overlay" render "$overlay" "$out"
  if [[ -s "$out" ]]; then
    rendered+=("$out")
    check "$overlay decodes strictly" "$DEPLOY_CHECK" manifests "$overlay" "$out"
    if [[ "$overlay" == k8s/overlays/prod* ]]; then
      check "$overlay least privilege: roles, trust, source read-only, egress" \
        "$DEPLOY_CHECK" least-privilege -iam "$ROOT/deploy/iam" -egress "${RELEASE[@]}" "$overlay" "$out"
      if [[ "$overlay" == k8s/overlays/prod ]]; then
        check "$overlay principals: one per component, ACLs as the code uses the topics (deploy/principals.yaml)" \
          "$DEPLOY_CHECK" principals -file "$ROOT/deploy/principals.yaml" -access "$ROOT/contracts/topic-access.json" \
          -iam "$ROOT/deploy/iam" -env "$ROOT/k8s/overlays/prod/emr.env" "$overlay" "$out"
      fi
      check "$overlay images pinned by digest (deploy/images.lock)" \
        "$DEPLOY_CHECK" images -lock "$ROOT/deploy/images.lock" -env "$ROOT/k8s/overlays/prod/emr.env" "${RELEASE[@]}" "$overlay" "$out"
      if [[ "$overlay" == k8s/overlays/prod-connect ]]; then
        check "$overlay Spark Connect server: client authentication, NetworkPolicy, RBAC (docs/security.md)" \
          "$DEPLOY_CHECK" spark-connect -server Deployment/summary-spark-connect \
          -clients Deployment/classifier,Deployment/spark-dispatcher "$overlay" "$out"
      fi
    else
      check "$overlay least privilege: one account per component" "$DEPLOY_CHECK" least-privilege -iam "$ROOT/deploy/iam" "$overlay" "$out"
    fi
  fi
done

check "promtool check rules deploy/prometheus/alerts.yaml" promtool_rules "$ROOT/deploy/prometheus/alerts.yaml"
check "alerts name defined metrics; PrometheusRule equals alerts.yaml" \
  "$DEPLOY_CHECK" rules -metrics "$METRICS_TS" "$ROOT/deploy/prometheus/alerts.yaml" "${rendered[@]}"

dashboards=("$ROOT"/deploy/grafana/dashboards/*.json)
check "dashboard queries extracted, defined metrics only" "$DEPLOY_CHECK" panels -metrics "$METRICS_TS" -out "$OUT/panel-queries.rules.yaml" "${dashboards[@]}"
if [[ -s "$OUT/panel-queries.rules.yaml" ]]; then
  check "dashboard queries parse as PromQL (promtool)" promtool_rules "$OUT/panel-queries.rules.yaml"
fi
check "promtool check config deploy/prometheus/prometheus.compose.yml" promtool_compose_config
check "docker-compose.yaml validates" "$DEPLOY_CHECK" compose "$ROOT/docker-compose.yaml"
check "Dockerfiles (docker/*.Dockerfile)" "$DEPLOY_CHECK" dockerfiles -lock "$ROOT/deploy/images.lock" "${RELEASE[@]}" "$ROOT" "$ROOT"/docker/*.Dockerfile
check "IAM policies (deploy/iam/*.json)" "$DEPLOY_CHECK" iam "$ROOT"/deploy/iam/*.json
check "runner requirements pinned with hashes (runner/requirements*.txt)" "$DEPLOY_CHECK" requirements "$ROOT"/runner/requirements*.txt

if (( ${#FAILED[@]} )); then
  log "check:deploy: ${#FAILED[@]} check(s) failed: $(IFS=';'; echo "${FAILED[*]}")"
  exit 1
fi
log "check:deploy: all checks passed"
