# Sourced by the long-running scripts (test.sh): a signal to the script's own pid stops what it runs.
# Without this, SIGTERM ends bash at once and its running step (jest and the services, Spark runners it
# started) goes on as orphans; a child started by `npx` would not even get the signal (npm exec does not
# pass it on), so the scripts call node_modules/.bin/<tool> directly.
#
#   run_step <command…>   runs it as a child and waits; returns its exit status
#   run_steps 'cmd' …     runs each command line (evaluated, redirections allowed) as a child at once and
#                         waits for all; returns 1 if any failed (the test command's lanes)
#   on_stop <command…>    also run when stopped by a signal (e.g. stop the stack this run started)
#
# On SIGTERM or SIGINT: SIGTERM to the running step(s) (a background child of a script ignores SIGINT), wait
# for it to end, run the on_stop command, exit 143 or 130.

_step_pids=()
_on_stop=()

on_stop() { _on_stop=("$@"); }

_stop_on_signal() {
  trap - TERM INT
  printf '\n[%s] stopped by %s\n' "$(basename "$0" .sh)" "$2" >&2
  local pid
  for pid in "${_step_pids[@]}"; do kill -TERM "$pid" 2> /dev/null; done
  for pid in "${_step_pids[@]}"; do wait "$pid" 2> /dev/null; done
  if [ ${#_on_stop[@]} -gt 0 ]; then "${_on_stop[@]}" || true; fi
  exit "$1"
}
trap '_stop_on_signal 143 SIGTERM' TERM
trap '_stop_on_signal 130 SIGINT' INT

run_step() {
  "$@" &
  _step_pids=("$!")
  local rc=0
  wait "${_step_pids[0]}" || rc=$?
  _step_pids=()
  return "$rc"
}

run_steps() {
  local line pid rc=0
  _step_pids=()
  # exec: the child is the command itself (not a subshell around it), so the signal reaches it.
  for line in "$@"; do
    eval "exec $line" &
    _step_pids+=("$!")
  done
  for pid in "${_step_pids[@]}"; do wait "$pid" || rc=1; done
  _step_pids=()
  return "$rc"
}
