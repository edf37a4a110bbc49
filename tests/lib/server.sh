# shellcheck shell=bash
# Starts and stops the MCP server that a test script runs its clients against.
# Sourced (not run) by tests/conformance/run.sh and tests/e2e/run.sh:
#
#   SERVER_TAG=e2e                       # prefix of every message ("e2e: ...")
#   . "$ROOT/tests/lib/server.sh"
#   server_traps                         # stop the server however the script ends
#   SERVER_CMD=$(server_cmd_from_args "$@")
#   server_start "$SERVER_CMD" "$OUT/server.log" "$START_TIMEOUT" || die "$SERVER_ERROR"
#   ... clients against "$SERVER_URL"; server_alive tells whether it still runs ...
#   server_stop
#   server_sanitizer_report && ...      # the log has ASan/LSan/UBSan reports
#
# server_start CMD LOG [TIMEOUT [PORT]] picks a free loopback port (or uses PORT when
# given: for a caller that must know the port before the server starts), replaces a literal
# "{port}" in CMD by it (otherwise appends "--listen 127.0.0.1:PORT"), exports
# PORT and MCPX_PORT to the server, starts it with `bash -c CMD` in a process
# group of its own (setsid) with its output in LOG, and waits until the port
# accepts TCP connections, for at most TIMEOUT seconds (default
# $MCPX_SERVER_START_TIMEOUT, else 60). A server that exits during start-up is
# retried on a new port (the port may have been taken between the probe and
# the bind), three attempts in all. On success it sets SERVER_PID, SERVER_PORT
# and SERVER_URL (http://127.0.0.1:PORT/mcp) and returns 0; on failure it shows
# the tail of LOG, leaves no server running, sets SERVER_ERROR and returns 1.
#
# server_stop sends SIGTERM to the server's whole process group, then SIGKILL
# after 5 s if the leader has not exited, and reaps it; it does nothing when no
# server runs. server_traps makes EXIT call it and turns INT / TERM into exits
# 130 / 143 (which run the EXIT trap).
#
# free_port uses python3, else node ($NODE when the caller set it).

# The variables below are read by the scripts that source this file.
# shellcheck disable=SC2034
SERVER_TAG="${SERVER_TAG:-server}"
SERVER_PID=""
SERVER_PORT=""
SERVER_URL=""
SERVER_LOG=""
SERVER_ERROR=""
SERVER_SANITIZER_RE='ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:'

# Prints one free TCP port on 127.0.0.1.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return
  fi
  "${NODE:-node}" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# server_cmd_from_args ARGS...: the server command as one shell string. One
# argument is taken as a shell command string as it is; several are quoted word
# by word (a "{port}" word still works).
server_cmd_from_args() {
  local cmd
  if [ $# -eq 1 ]; then
    printf '%s\n' "$1"
  elif [ $# -gt 1 ]; then
    cmd=$(printf '%q ' "$@")
    printf '%s\n' "${cmd//\\\{port\\\}/\{port\}}"
  fi
}

server_alive() { [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; }

server_show_log() {
  [ -n "$SERVER_LOG" ] && [ -f "$SERVER_LOG" ] || return 0
  echo "---- last 40 lines of the server log ($SERVER_LOG) ----"
  tail -n 40 "$SERVER_LOG"
  echo "----"
}

# True when the server log has sanitizer reports.
server_sanitizer_report() {
  [ -n "$SERVER_LOG" ] && [ -f "$SERVER_LOG" ] && grep -Eq "$SERVER_SANITIZER_RE" "$SERVER_LOG"
}

# Prints the sanitizer reports of the server log (at most 120 lines).
server_show_sanitizer_report() {
  [ -n "$SERVER_LOG" ] && [ -f "$SERVER_LOG" ] || return 0
  grep -E -A 30 "$SERVER_SANITIZER_RE" "$SERVER_LOG" | head -n 120
}

server_stop() {
  [ -n "$SERVER_PID" ] || return 0
  local pid=$SERVER_PID
  SERVER_PID=""
  # The server runs in its own process group (setsid): end the whole group.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$SERVER_TAG: server $pid ignored SIGTERM for 5 s; killing it" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  # Anything left in the group (children that outlived the leader).
  kill -KILL -- "-$pid" 2>/dev/null
  return 0
}

server_traps() {
  trap server_stop EXIT
  trap 'echo "$SERVER_TAG: interrupted" >&2; exit 130' INT
  trap 'echo "$SERVER_TAG: terminated" >&2; exit 143' TERM
}

# server_start CMD LOG [TIMEOUT [PORT]]: see the top of this file.
server_start() {
  local server_cmd=$1 timeout=${3:-${MCPX_SERVER_START_TIMEOUT:-60}} fixed_port=${4:-}
  local attempt port cmd deadline status
  SERVER_LOG=$2
  SERVER_ERROR=""
  if ! [[ "$timeout" =~ ^[0-9]+$ ]]; then
    SERVER_ERROR="bad start timeout '$timeout' (whole seconds)"
    return 1
  fi
  mkdir -p "$(dirname "$SERVER_LOG")"
  : >"$SERVER_LOG"
  for attempt in 1 2 3; do
    if [ -n "$fixed_port" ]; then
      port=$fixed_port
    elif ! port=$(free_port); then
      SERVER_ERROR="could not find a free port"; return 1
    fi
    if ! [[ "$port" =~ ^[0-9]+$ ]]; then SERVER_ERROR="bad free port '$port'"; return 1; fi
    if [[ "$server_cmd" == *"{port}"* ]]; then
      cmd=${server_cmd//\{port\}/$port}
    else
      cmd="$server_cmd --listen 127.0.0.1:$port"
    fi
    echo "$SERVER_TAG: starting server: $cmd"
    echo "### attempt $attempt: $cmd" >>"$SERVER_LOG"
    PORT=$port MCPX_PORT=$port setsid bash -c "$cmd" >>"$SERVER_LOG" 2>&1 </dev/null &
    SERVER_PID=$!
    deadline=$((SECONDS + timeout))
    while [ $SECONDS -lt $deadline ]; do
      if ! server_alive; then
        wait "$SERVER_PID" 2>/dev/null
        status=$?
        echo "$SERVER_TAG: server exited during start-up (status $status), attempt $attempt" >&2
        SERVER_PID=""
        break
      fi
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        SERVER_PORT=$port
        SERVER_URL="http://127.0.0.1:$port/mcp"
        echo "$SERVER_TAG: server pid $SERVER_PID accepting on 127.0.0.1:$port"
        return 0
      fi
      sleep 0.1
    done
    if server_alive; then
      server_show_log
      server_stop
      SERVER_ERROR="server did not accept connections on 127.0.0.1:$port within ${timeout}s"
      return 1
    fi
    # It exited just as the time ran out: reap it and try again.
    if [ -n "$SERVER_PID" ]; then wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""; fi
  done
  server_show_log
  SERVER_ERROR="server failed to start: $server_cmd"
  return 1
}
