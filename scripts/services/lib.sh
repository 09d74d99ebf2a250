# shellcheck shell=bash disable=SC2154 # the settings (name, home, ...) are assigned by the sourcing script
# Process management shared by the local service scripts (kafka.sh, mongo.sh): locking, the pid file, stop,
# status, the common part of start, and the command dispatch. Sourced, not run; the script keeps its own
# `set -euo pipefail`.
#
# The script sets, before calling anything here:
#   name            short name, the prefix of every message ("kafka") and of the script's file name
#   home            its folder under .services/ (holds the lock)
#   host            the address it listens on
#   pidfile, log    the pid file and the server's output of the current run
#   stop_timeout    seconds `stop` waits after SIGTERM before SIGKILL
#   cmdline_match   a fixed string found only in the command line of a server started from this checkout
# and defines:
#   install [--force]            fetch what the server needs (idempotent)
#   start_server <clean> <t0>    everything of `start` after the checks here: prerequisites, config, launching the
#                                server in the background, writing the pid file, waiting until it is ready
#                                (<t0>: $SECONDS when `start` began, for the "ready in" message)
#   running_port <pid>           the client port of the running server (the environment may differ from its run's)
#   do_clean                     stop the server and drop its data

say() { echo "$name: $*"; }
die() { echo "$name: $*" >&2; exit 1; }

# Hold a lock while changing state, so two concurrent `start`s don't race. fd 9 is closed for the server itself.
lock() {
  mkdir -p "$home"
  exec 9>"$home/.lock"
  flock -w 300 9 || die "another $name.sh is still busy (lock $home/.lock)"
}

# The pid in the pid file, if it is a live server started from this folder (a reused pid runs something else).
running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid state
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [ "$state" != Z ] && [ -n "$state" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$cmdline_match" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

# The first half of a failed start: the reason and the end of the server's log, on stderr. The script's
# fail_start then cleans up and exits.
report_failed_start() {
  echo "$name: $*" >&2
  if [ -f "$log" ]; then
    echo "---- last lines of $log" >&2
    tail -n 40 "$log" >&2
    echo "----" >&2
  fi
}

do_stop() {
  local pid t0=$SECONDS
  if ! pid="$(running_pid)"; then
    rm -f "$pidfile"
    say "not running"
    return 0
  fi
  say "stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while running_pid >/dev/null; do
    if [ $((SECONDS - t0)) -ge "$stop_timeout" ]; then
      say "still running after ${stop_timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
  done
  rm -f "$pidfile"
  say "stopped in $((SECONDS - t0))s"
}

# `start`: only says so if the server already runs (restarts it on empty data with --clean), drops a stale pid
# file, then hands over to the script's start_server.
do_start() {
  local clean="${1:-}" pid p t0=$SECONDS
  [ -z "$clean" ] || [ "$clean" = --clean ] || die "unknown option: $clean"
  if pid="$(running_pid)"; then
    if [ "$clean" = --clean ]; then
      do_clean
    else
      p="$(running_port "$pid")"
      say "already running (pid $pid) at $host:$p"
      return 0
    fi
  fi
  if [ -f "$pidfile" ]; then
    say "removing stale pid file"
    rm -f "$pidfile"
  fi
  start_server "$clean" "$t0"
}

# Exit status 0 running, 3 stopped (the LSB convention for status).
do_status() {
  local pid p
  if pid="$(running_pid)"; then
    p="$(running_port "$pid")"
    if port_open "$p"; then
      say "running (pid $pid) at $host:$p"
    else
      say "running (pid $pid) but $host:$p does not accept connections yet"
    fi
    return 0
  fi
  [ ! -f "$pidfile" ] || rm -f "$pidfile"
  say "stopped"
  return 3
}

# main "$@": run the command line of the script. `status` takes no lock, so it answers while a start is under way.
main() {
  local cmd="${1:-}"
  [ $# -eq 0 ] || shift
  case "$cmd" in
    install) lock; install "${1:-}" ;;
    start) lock; do_start "${1:-}" ;;
    stop) lock; do_stop ;;
    restart) lock; do_stop; do_start "${1:-}" ;;
    clean | reset) lock; do_clean ;;
    status) do_status ;;
    *) echo "usage: $0 install [--force] | start [--clean] | stop | restart [--clean] | status | clean | reset" >&2; exit 2 ;;
  esac
}
