# Sourced by the long-running scripts (test.sh): a signal to the script's own pid stops what it runs.
# Without this, SIGTERM ends bash at once and its running step (jest and the services, Spark runners it
# started) goes on as orphans; a child started by `npx` would not even get the signal (npm exec does not
# pass it on), so the scripts call node_modules/.bin/<tool> directly.
#
#   run_step <command…>   runs it as a child and waits; returns its exit status
#   on_stop <command…>    also run when stopped by a signal (e.g. stop the stack this run started)
#
# On SIGTERM or SIGINT: SIGTERM to the running step (a background child of a script ignores SIGINT), wait
# for it to end, run the on_stop command, exit 143 or 130.

_step_pid=0
_on_stop=()

on_stop() { _on_stop=("$@"); }

_stop_on_signal() {
  trap - TERM INT
  printf '\n[%s] stopped by %s\n' "$(basename "$0" .sh)" "$2" >&2
  if [ "$_step_pid" -gt 0 ]; then
    kill -TERM "$_step_pid" 2> /dev/null
    wait "$_step_pid" 2> /dev/null
  fi
  if [ ${#_on_stop[@]} -gt 0 ]; then "${_on_stop[@]}" || true; fi
  exit "$1"
}
trap '_stop_on_signal 143 SIGTERM' TERM
trap '_stop_on_signal 130 SIGINT' INT

run_step() {
  "$@" &
  _step_pid=$!
  local rc=0
  wait "$_step_pid" || rc=$?
  _step_pid=0
  return "$rc"
}
