# deploy/compose brought up with podman-compose: two mcpx replicas behind nginx, as users run
# it (only the published port and the project name differ). Sourced by run.sh after lib.sh;
# uses $RUN, $WORK, $ROOT; sets COMPOSE_PROJECT (run.sh's cleanup calls compose_cleanup).

COMPOSE_FILE_PATH=deploy/compose/compose.yaml
BENCH=${MCPX_BENCH:-build/bin/mcpx-bench}

compose() {
  timeout 300 podman-compose -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE_PATH" "$@"
}

compose_cleanup() {
  local ids
  compose down -t 5 >/dev/null 2>&1
  ids=$(podman ps -aq --filter "label=io.podman.compose.project=$COMPOSE_PROJECT" 2>/dev/null)
  # shellcheck disable=SC2086  # one id per word
  [ -z "$ids" ] || timeout 60 podman rm -f -t 0 $ids >/dev/null 2>&1
  podman network rm -f "${COMPOSE_PROJECT}_default" >/dev/null 2>&1
  return 0
}

restarted_since() { [ "$(podman inspect --format '{{.RestartCount}}' "$1" 2>/dev/null)" -gt "$2" ]; }

# replica_of SESSION: the replica whose log has the session (2025-xx sessions live in one).
replica_of() {
  local c
  for c in "$C1" "$C2"; do
    # Not grep -q: it would stop reading, and podman logs, killed by SIGPIPE, fail the pipeline.
    podman logs "$c" 2>&1 | grep -F "\"session\":\"$1\"" >/dev/null && { echo "$c"; return 0; }
  done
  return 1
}

# load RATE SECONDS CONNECTIONS OUT: the project's load generator through nginx, open loop;
# every non-200, wrong or missing answer and every broken connection is an error.
load() {
  timeout $(($2 + 60)) "$BENCH" load --host 127.0.0.1 --port "$PORT" --protocol modern --rate "$1" \
    --duration "$2" --warmup 0 --connections "$3" >"$4" 2>&1
}
field() { python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$1" "$2" 2>/dev/null; }

compose_up() {
  COMPOSE_PROJECT="mcpxct$$"
  PORT=$(free_port)
  export MCPX_HTTP_PORT=$PORT
  C1="${COMPOSE_PROJECT}_mcpx-1_1"
  C2="${COMPOSE_PROJECT}_mcpx-2_1"
  CN="${COMPOSE_PROJECT}_nginx_1"
  local t0
  t0=$(now_ms)
  if ! compose up -d --no-build >"$WORK/compose-up.log" 2>&1; then
    ko "podman-compose up failed:"
    tail -n 20 "$WORK/compose-up.log" | sed 's/^/    /'
    return 1
  fi
  if wait_healthy "$C1" 60 && wait_healthy "$C2" 60; then
    ok "podman-compose up: both replicas healthy after $(($(now_ms) - t0)) ms"
  else
    ko "replicas not healthy within 60 s"
    return 1
  fi
  if wait_until 30 curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/health"; then
    ok "nginx (built from Debian's nginx-light) answers on 127.0.0.1:$PORT"
  else
    ko "nginx does not answer on 127.0.0.1:$PORT: $(podman logs "$CN" 2>&1 | tail -n 5)"
    return 1
  fi
}

compose_clients() {
  local code
  code=$(modern_call "http://127.0.0.1:$PORT/mcp" "$WORK/c-modern" echo '{"text":"through nginx"}')
  check "a 2026-07-28 client through nginx: tools/call answered (HTTP $code)" \
    test "$code/$(answer_text "$WORK/c-modern")" = "200/through nginx"
  mkdir -p "$WORK/s1"
  SESSION=$(legacy_initialize "http://127.0.0.1:$PORT/mcp" "$WORK/s1") || SESSION=""
  code=$(legacy_call "http://127.0.0.1:$PORT/mcp" "$WORK/s1/call" "$SESSION" echo '{"text":"session"}')
  check "a 2025-11-25 session through nginx: initialize, then tools/call (HTTP $code)" \
    test -n "$SESSION" -a "$code/$(answer_text "$WORK/s1/call")" = "200/session"
  # The access line may reach the log a moment after the answer.
  wait_until 10 replica_of "$SESSION"
  PINNED=$(replica_of "$SESSION") || PINNED=""
  if [ -n "$PINNED" ]; then ok "the session lives in $PINNED (nginx keeps this client there)"; else
    ko "no replica logged session $SESSION"
  fi
}

# A replica SIGKILLed (from the host, as a crash): stateless calls keep succeeding through
# nginx; the restart policy brings it back healthy; what the session sees is printed.
compose_sigkill() {
  local victim=${PINNED:-$C1} restarts pid t0 code back="" healthy=""
  restarts=$(podman inspect --format '{{.RestartCount}}' "$victim")
  pid=$(host_pid "$victim")
  t0=$(now_ms)
  kill -KILL "$pid"
  load 50 10 8 "$WORK/kill-load.json" &
  local load_pid=$!
  if wait_until 60 restarted_since "$victim" "$restarts"; then
    back=$(($(now_ms) - t0))
    wait_healthy "$victim" 60 && healthy=$(($(now_ms) - t0))
  fi
  wait "$load_pid"
  local okn errs
  okn=$(field "$WORK/kill-load.json" ok)
  errs=$(field "$WORK/kill-load.json" errors)
  if [ "${errs:-x}" = 0 ] && [ "${okn:-0}" -ge 450 ]; then
    ok "SIGKILL of $victim: the next $okn stateless calls (50/s for 10 s) through nginx, 0 failed"
  else
    ko "SIGKILL of $victim: ok=$okn errors=$errs: $(tail -n 1 "$WORK/kill-load.json")"
  fi
  echo "  SIGKILL of a replica: $okn calls through nginx in the next 10 s, ${errs:-?} failed" >>"$WORK/figures"
  if [ -n "$healthy" ]; then
    ok "restart: unless-stopped brought $victim back ($back ms after the kill), healthy at $healthy ms"
    echo "  SIGKILLed replica restarted by its policy after $back ms, healthy after $healthy ms" >>"$WORK/figures"
  else
    ko "$victim not restarted healthy by its policy within 60 s (status $(podman inspect --format '{{.State.Status}} restarts {{.RestartCount}} health {{.State.Health.Status}}' "$victim"))"
    timeout 20 podman healthcheck run "$victim" 2>&1 | sed 's/^/    healthcheck: /'
    podman logs --tail 5 "$victim" 2>&1 | sed 's/^/    log: /'
  fi
  code=$(legacy_call "http://127.0.0.1:$PORT/mcp" "$WORK/s1/after-kill" "$SESSION" echo '{"text":"again"}')
  note "the 2025-11-25 session after its replica was killed and restarted: HTTP $code $(rpc_message "$WORK/s1/after-kill" | cut -c1-160)"
  echo "  2025-11-25 session after SIGKILL of its replica: HTTP $code (the client must initialize again)" >>"$WORK/figures"
  mkdir -p "$WORK/s2"
  SESSION=$(legacy_initialize "http://127.0.0.1:$PORT/mcp" "$WORK/s2") || SESSION=""
  code=$(legacy_call "http://127.0.0.1:$PORT/mcp" "$WORK/s2/call" "$SESSION" echo '{"text":"new"}')
  check "a new 2025-11-25 session works after the restart (HTTP $code)" \
    test -n "$SESSION" -a "$code/$(answer_text "$WORK/s2/call")" = "200/new"
}

# Each replica in turn stopped with SIGTERM (podman stop, as compose stop) and started again
# while 200 stateless requests/s run through nginx for 30 s: zero may fail.
compose_rolling() {
  local c t0 took rc sess_replica sess_code="" n=0
  sess_replica=$(replica_of "$SESSION") || sess_replica=""
  load 200 30 32 "$WORK/rolling.json" &
  local load_pid=$!
  sleep 3
  for c in "$C1" "$C2"; do
    n=$((n + 1))
    t0=$(now_ms)
    timeout 60 podman stop -t 40 "$c" >/dev/null 2>&1
    took=$(($(now_ms) - t0))
    rc=$(exit_code "$c")
    check "rolling restart: $c stopped by SIGTERM under load in $took ms, exit status $rc" test "$rc" = 0
    if [ "$c" = "$sess_replica" ]; then
      sess_code=$(legacy_call "http://127.0.0.1:$PORT/mcp" "$WORK/s2/rolling" "$SESSION" echo '{"text":"rolling"}')
    fi
    podman start "$c" >/dev/null 2>&1
    if wait_healthy "$c" 30; then
      ok "rolling restart: $c started again, healthy $(($(now_ms) - t0)) ms after the stop"
    else
      ko "rolling restart: $c not healthy again within 30 s"
    fi
    [ "$n" = 2 ] || sleep 4 # both replicas answering before the second stop
  done
  wait "$load_pid"
  local okn errs kinds p99 max
  okn=$(field "$WORK/rolling.json" ok)
  errs=$(field "$WORK/rolling.json" errors)
  kinds=$(field "$WORK/rolling.json" error_kinds)
  p99=$(field "$WORK/rolling.json" p99_ms)
  max=$(field "$WORK/rolling.json" max_ms)
  if [ "${errs:-x}" = 0 ] && [ "${okn:-0}" -ge 5700 ]; then
    ok "rolling restart under 200 requests/s for 30 s: $okn answered, 0 failed (p99 $p99 ms, max $max ms)"
  else
    ko "rolling restart: ok=$okn errors=$errs $kinds: $(tail -n 1 "$WORK/rolling.json")"
  fi
  echo "  rolling restart (200 req/s, 30 s, both replicas SIGTERMed and started): $okn answered, ${errs:-?} failed, p99 $p99 ms, max $max ms" >>"$WORK/figures"
  if [ -n "$sess_code" ]; then
    note "the 2025-11-25 session while its replica ($sess_replica) was stopped: HTTP $sess_code $(rpc_message "$WORK/s2/rolling" | cut -c1-160)"
    echo "  2025-11-25 session while its replica was stopped: HTTP $sess_code (sessions do not survive a restart yet)" >>"$WORK/figures"
  fi
  code=$(legacy_call "http://127.0.0.1:$PORT/mcp" "$WORK/s2/after" "$SESSION" echo '{"text":"after"}')
  note "the same session after the rolling restart: HTTP $code $(rpc_message "$WORK/s2/after" | cut -c1-160)"
}

compose_suite() {
  command -v podman-compose >/dev/null || { ko "podman-compose not found (scripts/install-deps installs it)"; return; }
  [ -x "$BENCH" ] || { ko "load generator $BENCH not built (cmake --build build --target mcpx-bench)"; return; }
  compose_up || return
  compose_clients
  compose_sigkill
  compose_rolling
  podman logs "$CN" >"$WORK/nginx.log" 2>&1
  # What nginx met on its first attempts (each one answered from the other replica, unless
  # it came after the request was sent: then the client got 502).
  note "nginx errors, by kind and replica address:"
  grep '\[error\]' "$WORK/nginx.log" | sed -E 's/.*\[error\] [0-9#]+: \*[0-9]+ //; s/, client: [^,]*, server: [^,]*, request: "[^"]*"//; s/, host: .*//' |
    sort | uniq -c | sort -rn | head -n 12 | sed 's/^/    /'
  note "replica addresses now: $(podman inspect --format '{{.Name}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$C1" "$C2" | tr '\n' ' ')"
}
