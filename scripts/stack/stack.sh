#!/usr/bin/env bash
# The local event-driven stack without Docker: Kafka (KRaft), Apicurio Registry (Confluent-compatible
# API), the Iceberg REST catalog and Prometheus, each a background process under $STACK_HOME.
#
#   stack.sh up [--cluster]          install what is missing (cached), start what is not running, wait for health;
#                                    --cluster adds the cluster topology: SeaweedFS S3, a REST catalog on it,
#                                    a Spark standalone master and two workers
#                                    the Spark Connect server (sc://127.0.0.1:15002) is one of the default
#                                    components: the CLI, the demo's services and the tests run their Spark
#                                    jobs on it as thin clients (docs/spark-connect.md); --no-connect leaves it
#                                    out (--connect: kept for old scripts, a no-op); --cluster-connect adds the
#                                    cluster topology with its own Connect server on the master (sc://…:15012)
#   stack.sh install [--cluster]     install what is missing (cached) and start nothing: the test command's
#                                    set-up, so no test step downloads or builds
#   stack.sh down [--purge]          stop what this stack started (cluster components included); --purge also
#                                    deletes data and logs
#   stack.sh status [--cluster]      one line per component (and per running cluster component); exit 0 only
#                                    if all are healthy
#   stack.sh logs [component] [-f]   last lines of the logs (STACK_LOG_LINES, default 100), or follow
#   stack.sh prometheus-reload       rewrite Prometheus' config and reload it with the rule files under
#                                    $STACK_HOME/prometheus/rules (no restart)
#   stack.sh kafka <tool> [args]     Kafka's CLI tools on the installed jars: topics, console-producer,
#                                    console-consumer, consumer-groups (e.g. `kafka topics --list
#                                    --bootstrap-server 127.0.0.1:9092`)
#
# Settings (env): STACK_HOME, STACK_COMPONENTS, STACK_*_PORT, STACK_START_TIMEOUT... — see
# docs/local-stack.md.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$STACK_SCRIPT_DIR/lib/install.sh"
source "$STACK_SCRIPT_DIR/lib/kafka.sh"
source "$STACK_SCRIPT_DIR/lib/registry.sh"
source "$STACK_SCRIPT_DIR/lib/catalog.sh"
source "$STACK_SCRIPT_DIR/lib/prometheus.sh"
source "$STACK_SCRIPT_DIR/lib/s3.sh"
source "$STACK_SCRIPT_DIR/lib/spark.sh"
source "$STACK_SCRIPT_DIR/lib/spark-connect.sh"

usage() {
  sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Decides per component: already ours and running / served by someone else / to be started.
# Prints "running", "external" or "start".
start_decision() {
  local c="$1" port ran_on
  if live_pid "$c" > /dev/null; then
    ran_on="$(cat "$STACK_RUN/$c.port" 2>/dev/null || true)"
    [[ -z "$ran_on" || "$ran_on" == "$(component_port "$c")" ]] \
      || die "$c is running on port $ran_on, not $(component_port "$c"): run 'stack.sh down' before changing ports"
    echo running
    return
  fi
  if "${c}_healthy"; then
    echo external
    return
  fi
  for port in $(component_port "$c") $(component_extra_ports "$c"); do
    port_open "$port" \
      && die "$c: port $port is taken by a process this stack did not start ($(port_owner "$port")); stop it or choose other ports (STACK_*_PORT)"
  done
  echo start
}

# Takes the lock and installs what is missing of the selected components (cached): `install`, and `up` first.
install_selected() {
  local c
  take_lock
  ensure_tools
  for c in $(selected_components); do "install_$c"; done
}

cmd_up() {
  local c decision started=$SECONDS
  local -a components to_wait=()
  mapfile -t components < <(selected_components)
  install_selected

  # Start everything first, then wait: the JVMs boot in parallel.
  for c in "${components[@]}"; do
    decision="$(start_decision "$c")"   # a failed decision (port taken) stops here: set -e
    case "$decision" in
      running)
        say "$c already running (pid $(live_pid "$c"))"; to_wait+=("$c") ;;
      external)
        # E.g. a server whose pid file went with an `rm -rf $STACK_HOME` while it ran.
        say "$c: port $(component_port "$c") already serves a healthy $c not started by this stack" \
          "($(port_owner "$(component_port "$c")")); leaving it alone" ;;
      start)
        "${c}_start"
        component_port "$c" > "$STACK_RUN/$c.port"
        say "$c starting (pid $(cat "$(pid_file "$c")"), log $(log_file "$c"))"
        to_wait+=("$c") ;;
    esac
  done
  for c in "${to_wait[@]}"; do wait_healthy "$c"; done
  say "up in $((SECONDS - started))s: ${components[*]}"
}

cmd_install() {
  local started=$SECONDS
  install_selected
  say "installed in $((SECONDS - started))s: $(selected_components | xargs)"
}

# Adds the cluster components that run now (a pid file we vouch for) to STACK_COMPONENTS, so `down` never
# leaves the cluster running and `status` shows it.
add_running_cluster() {
  local c
  for c in "${STACK_CLUSTER_COMPONENTS[@]}" "${STACK_CONNECT_COMPONENTS[@]}" "${STACK_CLUSTER_CONNECT_COMPONENTS[@]}"; do
    live_pid "$c" > /dev/null && STACK_COMPONENTS+=" $c"
  done
  return 0
}

cmd_down() {
  local purge=0 c
  local -a components
  case "${1:-}" in
    "") ;;
    --purge) purge=1 ;;
    *) die "down: unknown argument '$1'; expected nothing or --purge" ;;
  esac
  take_lock
  # A plain `down` stops the cluster components too; `STACK_COMPONENTS=kafka stack.sh down` stops Kafka only.
  (( STACK_COMPONENTS_NAMED )) || add_running_cluster
  # Reverse start order: Prometheus first, so it does not record the others going away as failures.
  mapfile -t components < <(selected_components | tac)
  for c in "${components[@]}"; do stop_component "$c"; done
  if (( purge )); then
    for c in "${components[@]}"; do
      case "$c" in
        kafka) rm -rf "$KAFKA_DIR" ;;
        registry) rm -rf "$REGISTRY_DIR" ;;
        catalog) rm -rf "$CATALOG_DIR" "$CATALOG_WAREHOUSE_DIR" ;;
        prometheus) rm -rf "$PROMETHEUS_DIR" ;;
        s3) rm -rf "$S3_DIR" ;;
        catalog-s3) rm -rf "$CATALOG_S3_DIR" ;;
        spark-master) rm -rf "$SPARK_STACK_DIR/conf" ;;
        spark-worker-*) rm -rf "$SPARK_STACK_DIR/worker-${c##*-}" ;;
        spark-connect) rm -rf "$SPARK_CONNECT_DIR" ;;
        spark-connect-cluster) rm -rf "$SPARK_CONNECT_CLUSTER_DIR" ;;
      esac
      rm -f "$(log_file "$c")"
    done
    say "purged data and logs of: ${components[*]} (installed jars kept in $STACK_DIST)"
  fi
}

cmd_status() {
  local c pid state health all_ok=0
  add_running_cluster
  for c in $(selected_components); do
    if pid="$(live_pid "$c")"; then state=running; else state=stopped; pid=-; fi
    if "${c}_healthy"; then health=healthy; else health=unhealthy; all_ok=1; fi
    [[ "$state" == stopped && "$health" == healthy ]] && state=external
    printf '%-21s %-8s pid=%-8s port=%-5s %-9s %s\n' \
      "$c" "$state" "$pid" "$(component_port "$c")" "$health" "$("${c}_url")"
  done
  return "$all_ok"
}

cmd_logs() {
  local follow=0 arg
  local -a components=() files=()
  for arg in "$@"; do
    case "$arg" in
      -f) follow=1 ;;
      kafka|registry|catalog|prometheus|s3|catalog-s3|spark-master|spark-worker-[12]|spark-connect|spark-connect-cluster) components+=("$arg") ;;
      *) die "logs: unknown argument '$arg'; expected a component (${STACK_ALL_COMPONENTS[*]}) or -f" ;;
    esac
  done
  (( ${#components[@]} )) || { add_running_cluster; mapfile -t components < <(selected_components); }
  for arg in "${components[@]}"; do
    [[ -f "$(log_file "$arg")" ]] && files+=("$(log_file "$arg")")
  done
  (( ${#files[@]} )) || die "no logs yet under $STACK_LOGS"
  if (( follow )); then
    exec tail -n "${STACK_LOG_LINES:-100}" -F "${files[@]}"
  fi
  tail -n "${STACK_LOG_LINES:-100}" "${files[@]}"
}

main() {
  local cmd="${1:-}" arg
  local -a rest=()
  (( $# )) && shift
  for arg in "$@"; do
    if [[ "$arg" == --cluster && "$cmd" != kafka ]]; then
      STACK_COMPONENTS+=" ${STACK_CLUSTER_COMPONENTS[*]}"
    elif [[ "$arg" == --connect && "$cmd" != kafka ]]; then
      [[ " $STACK_COMPONENTS " == *" spark-connect "* ]] || STACK_COMPONENTS+=" ${STACK_CONNECT_COMPONENTS[*]}"
    elif [[ "$arg" == --cluster-connect && "$cmd" != kafka ]]; then
      STACK_COMPONENTS+=" ${STACK_CLUSTER_COMPONENTS[*]} ${STACK_CLUSTER_CONNECT_COMPONENTS[*]}"
    elif [[ "$arg" == --no-connect && "$cmd" != kafka ]]; then
      STACK_COMPONENTS="$(printf '%s\n' $STACK_COMPONENTS | grep -vx spark-connect | xargs)"
    else
      rest+=("$arg")
    fi
  done
  set -- "${rest[@]}"
  validate_components
  case "$cmd" in
    up) cmd_up ;;
    install) cmd_install ;;
    down) cmd_down "$@" ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    prometheus-reload) prometheus_healthy || die "Prometheus is not running on port $STACK_PROMETHEUS_PORT: run 'stack.sh up' first"; prometheus_reload ;;
    kafka) (( $# )) || usage; kafka_tool "$@" ;;
    *) usage ;;
  esac
}

main "$@"
