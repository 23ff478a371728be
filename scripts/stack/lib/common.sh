# Shared settings and process helpers for scripts/stack/*.sh (sourced, not run).
# Every setting has a default and can be overridden from the environment; docs/local-stack.md lists them.

STACK_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_REPO_DIR="$(cd "$STACK_SCRIPT_DIR/../.." && pwd)"

STACK_HOME="${STACK_HOME:-$STACK_REPO_DIR/.runtime/stack}"
mkdir -p "$STACK_HOME"
# Absolute, because it ends up in file:// URIs, JDBC URLs and the pid-ownership check.
STACK_HOME="$(cd "$STACK_HOME" && pwd)"

STACK_KAFKA_PORT="${STACK_KAFKA_PORT:-9092}"
STACK_KAFKA_CONTROLLER_PORT="${STACK_KAFKA_CONTROLLER_PORT:-9093}"
STACK_REGISTRY_PORT="${STACK_REGISTRY_PORT:-8081}"
STACK_REGISTRY_MANAGEMENT_PORT="${STACK_REGISTRY_MANAGEMENT_PORT:-8091}"
STACK_CATALOG_PORT="${STACK_CATALOG_PORT:-8181}"
STACK_PROMETHEUS_PORT="${STACK_PROMETHEUS_PORT:-9090}"
# The cluster topology (`up --cluster`). SeaweedFS also binds each HTTP port + 10000 (its gRPC).
STACK_S3_PORT="${STACK_S3_PORT:-8333}"
STACK_S3_MASTER_PORT="${STACK_S3_MASTER_PORT:-9333}"
STACK_S3_VOLUME_PORT="${STACK_S3_VOLUME_PORT:-9340}"
STACK_S3_FILER_PORT="${STACK_S3_FILER_PORT:-8888}"
STACK_CATALOG_S3_PORT="${STACK_CATALOG_S3_PORT:-8182}"
STACK_SPARK_MASTER_PORT="${STACK_SPARK_MASTER_PORT:-7077}"
STACK_SPARK_REST_PORT="${STACK_SPARK_REST_PORT:-6066}"
STACK_SPARK_MASTER_UI_PORT="${STACK_SPARK_MASTER_UI_PORT:-8180}"
STACK_SPARK_WORKER_1_UI_PORT="${STACK_SPARK_WORKER_1_UI_PORT:-8191}"
STACK_SPARK_WORKER_2_UI_PORT="${STACK_SPARK_WORKER_2_UI_PORT:-8192}"
STACK_SPARK_CONNECT_PORT="${STACK_SPARK_CONNECT_PORT:-15002}"
STACK_SPARK_CONNECT_UI_PORT="${STACK_SPARK_CONNECT_UI_PORT:-4050}"
STACK_SPARK_CONNECT_CLUSTER_PORT="${STACK_SPARK_CONNECT_CLUSTER_PORT:-15012}"
STACK_SPARK_CONNECT_CLUSTER_UI_PORT="${STACK_SPARK_CONNECT_CLUSTER_UI_PORT:-4051}"
STACK_TOOLCHAIN_DIR="${STACK_TOOLCHAIN_DIR:-${TOOLCHAIN_DIR:-$STACK_REPO_DIR/.toolchain}}"
# Whether the caller named the components: a `down` of named components stops those only.
if [[ -n "${STACK_COMPONENTS:-}" ]]; then STACK_COMPONENTS_NAMED=1; else STACK_COMPONENTS_NAMED=0; fi
STACK_COMPONENTS="${STACK_COMPONENTS:-kafka registry catalog prometheus spark-connect}"
# Generous: a Spark test run may share the two cores, and Quarkus/Kafka start slowly then.
STACK_START_TIMEOUT="${STACK_START_TIMEOUT:-240}"
STACK_STOP_TIMEOUT="${STACK_STOP_TIMEOUT:-30}"

STACK_BASE_COMPONENTS=(kafka registry catalog prometheus)
# Opt-in (`--cluster`, or named in STACK_COMPONENTS): object store, its catalog, Spark standalone.
STACK_CLUSTER_COMPONENTS=(s3 catalog-s3 spark-master spark-worker-1 spark-worker-2)
# The Spark Connect server (issue 21): in the default set (`--no-connect` leaves it out), the one warm engine
# of the CLI, the demo's services and the tests.
STACK_CONNECT_COMPONENTS=(spark-connect)
# Opt-in (`--cluster-connect`, or named): the cluster topology's own Connect server, on the standalone master.
STACK_CLUSTER_CONNECT_COMPONENTS=(spark-connect-cluster)
STACK_ALL_COMPONENTS=("${STACK_BASE_COMPONENTS[@]}" "${STACK_CLUSTER_COMPONENTS[@]}" "${STACK_CONNECT_COMPONENTS[@]}"
  "${STACK_CLUSTER_CONNECT_COMPONENTS[@]}")
STACK_DIST="$STACK_HOME/dist"     # installed binaries (cached; survives `down --purge`)
STACK_RUN="$STACK_HOME/run"       # pid files
STACK_LOGS="$STACK_HOME/logs"     # one log file per component

say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# Fails on a name in STACK_COMPONENTS that is not a component. Called at the top of each script,
# not inside $(...), where a failure would only end the subshell.
validate_components() {
  local c k known
  [[ -n "${STACK_COMPONENTS// /}" ]] || die "STACK_COMPONENTS is empty; expected some of: ${STACK_ALL_COMPONENTS[*]}"
  for c in $STACK_COMPONENTS; do
    known=0
    for k in "${STACK_ALL_COMPONENTS[@]}"; do [[ "$c" == "$k" ]] && known=1; done
    (( known )) || die "STACK_COMPONENTS has '$c'; expected any of: ${STACK_ALL_COMPONENTS[*]}"
  done
}

# The selected components in start order (Kafka first), one per line.
selected_components() {
  local c k
  for k in "${STACK_ALL_COMPONENTS[@]}"; do
    for c in $STACK_COMPONENTS; do
      if [[ "$c" == "$k" ]]; then echo "$k"; break; fi
    done
  done
}

component_port() {
  case "$1" in
    kafka) echo "$STACK_KAFKA_PORT" ;;
    registry) echo "$STACK_REGISTRY_PORT" ;;
    catalog) echo "$STACK_CATALOG_PORT" ;;
    prometheus) echo "$STACK_PROMETHEUS_PORT" ;;
    s3) echo "$STACK_S3_PORT" ;;
    catalog-s3) echo "$STACK_CATALOG_S3_PORT" ;;
    spark-master) echo "$STACK_SPARK_MASTER_PORT" ;;
    spark-worker-1) echo "$STACK_SPARK_WORKER_1_UI_PORT" ;;
    spark-worker-2) echo "$STACK_SPARK_WORKER_2_UI_PORT" ;;
    spark-connect) echo "$STACK_SPARK_CONNECT_PORT" ;;
    spark-connect-cluster) echo "$STACK_SPARK_CONNECT_CLUSTER_PORT" ;;
  esac
}

# Further ports a component binds: `up` refuses to start it when one is taken.
component_extra_ports() {
  case "$1" in
    kafka) echo "$STACK_KAFKA_CONTROLLER_PORT" ;;
    registry) echo "$STACK_REGISTRY_MANAGEMENT_PORT" ;;
    s3)
      local p
      for p in "$STACK_S3_MASTER_PORT" "$STACK_S3_VOLUME_PORT" "$STACK_S3_FILER_PORT"; do echo "$p"; done
      for p in "$STACK_S3_PORT" "$STACK_S3_MASTER_PORT" "$STACK_S3_VOLUME_PORT" "$STACK_S3_FILER_PORT"; do echo $((p + 10000)); done ;;
    spark-master) echo "$STACK_SPARK_REST_PORT" "$STACK_SPARK_MASTER_UI_PORT" ;;
    spark-connect) echo "$STACK_SPARK_CONNECT_UI_PORT" ;;
    spark-connect-cluster) echo "$STACK_SPARK_CONNECT_CLUSTER_UI_PORT" ;;
  esac
}

pid_file() { echo "$STACK_RUN/$1.pid"; }
log_file() { echo "$STACK_LOGS/$1.log"; }

# Prints the pid of a component this stack started, if it is alive. The command line must mention
# $STACK_HOME: a stale pid file whose number was reused by an unrelated process (a CI Spark JVM, say)
# must never be taken for ours — and never be signalled by `down`.
# A process in the middle of an execve shows an empty command line for a moment (the kernel has installed the new
# image but not yet its arguments), and a component's start is a chain of them (setsid, bash, env, spark-submit,
# java): an empty one is read again rather than taken for "not ours" — CI once declared the Spark Connect server
# dead at its first health check that way ("exited during start-up" with an empty log).
live_pid() {
  local file pid cmdline tries=0
  file="$(pid_file "$1")"
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  while true; do
    kill -0 "$pid" 2>/dev/null || return 1
    cmdline="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" || return 1
    [[ -n "$cmdline" ]] && break
    [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" != Z* ]] || return 1   # a zombie's command line is empty for good
    (( ++tries <= 50 )) || return 1
    sleep 0.1
  done
  grep -qF -- "$STACK_HOME" <<< "$cmdline" || return 1
  echo "$pid"
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Describes who listens on 127.0.0.1:<port> ("pid 123: java -jar ..."), for error messages; empty
# when that cannot be told (no `ss`).
port_owner() {
  local pid
  pid="$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)" || true
  [[ -n "$pid" ]] || return 0
  echo "pid $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"
}

# HTTP status code of a GET (000 when nothing answers).
http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" 2>/dev/null || true; }

# Starts a command as its own session (so that Ctrl-C or the end of the calling shell does not stop
# it), stdout+stderr appended to the component's log, and records its pid. `exec` keeps the pid
# that of the server itself. Every descriptor above 2 is closed first: a server must not hold the stack's
# lock (fd 9) nor any lock or pipe of whoever called `stack.sh up` (a `flock <file> npm test` that started
# the stack would otherwise stay locked for as long as Kafka runs).
launch() {
  local c="$1"; shift
  mkdir -p "$STACK_RUN" "$STACK_LOGS"
  printf '\n==== %s start %s ====\n' "$c" "$(date -Is)" >> "$(log_file "$c")"
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; if (( fd > 2 )); then eval "exec $fd>&-" 2> /dev/null; fi; done; exec "$@"' \
    "$c" "$@" >> "$(log_file "$c")" 2>&1 < /dev/null 9>&- &
  echo "$!" > "$(pid_file "$c")"
}

# Waits until <component>_healthy succeeds; fails naming the component and its log when the process
# dies or the timeout passes.
wait_healthy() {
  local c="$1" started=$SECONDS pid
  while true; do
    if "${c}_healthy"; then
      say "$c healthy after $((SECONDS - started))s"
      return 0
    fi
    pid="$(live_pid "$c")" || {
      tail -n 30 "$(log_file "$c")" >&2 || true
      die "$c exited during start-up; see $(log_file "$c")"
    }
    if (( SECONDS - started >= STACK_START_TIMEOUT )); then
      tail -n 30 "$(log_file "$c")" >&2 || true
      die "$c (pid $pid) not healthy after ${STACK_START_TIMEOUT}s (STACK_START_TIMEOUT); see $(log_file "$c")"
    fi
    sleep 1
  done
}

# Alive and not a zombie: the servers outlive the shell that started them, so their parent is
# whatever reaps orphans here, and an exited one can linger as a zombie for a moment.
running_pid() {
  local state
  local -a tasks
  state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ -n "$state" ]] || return 1
  [[ "$state" != Z* ]] && return 0
  # A zombie leader whose other threads still run is a process still shutting down (a JVM running its shutdown
  # hooks shows Z with its ports still bound: a `down` then `up` found the Spark Connect port taken).
  tasks=(/proc/"$1"/task/*)
  (( ${#tasks[@]} > 1 ))
}

# SIGTERM, wait up to STACK_STOP_TIMEOUT, then SIGKILL. Only ever a pid that live_pid vouches for.
stop_component() {
  local c="$1" pid ticks=0
  if ! pid="$(live_pid "$c")"; then
    rm -f "$(pid_file "$c")"
    say "$c not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  while running_pid "$pid" && (( ticks < STACK_STOP_TIMEOUT * 5 )); do
    sleep 0.2; ticks=$((ticks + 1))
  done
  if running_pid "$pid"; then
    say "$c (pid $pid) still running after ${STACK_STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$c")" "$STACK_RUN/$c.port"
  say "$c stopped (pid $pid, $((ticks / 5)).$((ticks % 5 * 2))s)"
}

# Serialises up/down across concurrent callers (two test runs starting the stack at once).
take_lock() {
  mkdir -p "$STACK_HOME"
  exec 9> "$STACK_HOME/.lock"
  flock -w 600 9 || die "another stack.sh holds $STACK_HOME/.lock"
}
