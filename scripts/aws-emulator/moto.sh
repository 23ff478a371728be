#!/usr/bin/env bash
# moto's standalone server (S3, emr-containers, ...) on 127.0.0.1 without Docker, for the EMR launcher's
# integration test. Its runs stay RUNNING forever: it checks request shapes, not job lifecycles.
#
#   moto.sh install  install the venv if missing (cached); start nothing
#   moto.sh up       install the venv if missing (cached), start the server unless ours runs, wait for it
#   moto.sh down     stop the server this script started (by its pid file)
#   moto.sh status   exit 0 if ours runs and answers
#   moto.sh url      print http://127.0.0.1:$MOTO_PORT
#
# Settings (env): MOTO_PORT (5055), MOTO_HOME (.runtime/moto: pid file, moto.log),
# MOTO_VENV (.toolchain/moto-venv), PYTHON (python3), MOTO_START_TIMEOUT seconds (60).
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REQUIREMENTS="$REPO_DIR/scripts/aws-emulator/requirements.txt"
MOTO_PORT="${MOTO_PORT:-5055}"
MOTO_HOME="${MOTO_HOME:-$REPO_DIR/.runtime/moto}"
MOTO_VENV="${MOTO_VENV:-${TOOLCHAIN_DIR:-$REPO_DIR/.toolchain}/moto-venv}"
MOTO_START_TIMEOUT="${MOTO_START_TIMEOUT:-60}"
PYTHON="${PYTHON:-python3}"
PID_FILE="$MOTO_HOME/moto.pid"
LOG_FILE="$MOTO_HOME/moto.log"
URL="http://127.0.0.1:$MOTO_PORT"

say() { printf '[moto] %s\n' "$*" >&2; }
die() { printf '[moto] ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$MOTO_PORT" =~ ^[0-9]+$ ]] || die "MOTO_PORT must be a port number, got '$MOTO_PORT'"

answers() { curl -s -o /dev/null --max-time 2 "$URL/moto-api/"; }

# The pid in our pid file, if that process is alive and is a moto server.
our_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q moto "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

install_venv() {
  local stamp="$MOTO_VENV/.moto-stamp" wanted
  wanted="$(cat "$REQUIREMENTS" <("$PYTHON" -VV) | sha256sum | cut -d' ' -f1)"
  if [[ -x "$MOTO_VENV/bin/moto_server" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return
  fi
  command -v "$PYTHON" > /dev/null || die "$PYTHON not found; expected Python 3.11 (set PYTHON=...)"
  say "installing $REQUIREMENTS into $MOTO_VENV (first time: about a minute)"
  [[ -x "$MOTO_VENV/bin/python" ]] || "$PYTHON" -m venv "$MOTO_VENV" || die "could not create a venv at $MOTO_VENV"
  "$MOTO_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" \
    || die "pip install -r $REQUIREMENTS failed (see above)"
  echo "$wanted" > "$stamp"
}

cmd_up() {
  local pid deadline
  mkdir -p "$MOTO_HOME"
  install_venv
  if pid="$(our_pid)"; then
    say "already running (pid $pid) at $URL"
    return
  fi
  answers && die "port $MOTO_PORT already answers but not from a server this script started; stop it or set MOTO_PORT"
  # setsid: the server outlives the shell that started it (a test's execSync) and gets its own group.
  setsid "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >> "$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  deadline=$((SECONDS + MOTO_START_TIMEOUT))
  until answers; do
    our_pid > /dev/null || die "moto exited during start-up; see $LOG_FILE: $(tail -n 5 "$LOG_FILE")"
    (( SECONDS < deadline )) || die "moto did not answer on $URL within ${MOTO_START_TIMEOUT}s; see $LOG_FILE"
    sleep 0.5
  done
  say "started (pid $(cat "$PID_FILE"), log $LOG_FILE) at $URL"
}

cmd_down() {
  local pid i
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return
  fi
  kill "$pid"
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$PID_FILE"
  say "stopped (pid $pid)"
}

cmd_status() {
  local pid
  if pid="$(our_pid)" && answers; then
    say "running (pid $pid) at $URL"
    return 0
  fi
  say "not running"
  return 1
}

case "${1:-}" in
  install) install_venv ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  url) echo "$URL" ;;
  *) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
