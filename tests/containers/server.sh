# The server image (deploy/docker/Dockerfile.server) run the way compose and Kubernetes run
# it: read-only root filesystem, every capability dropped, no-new-privileges, the state
# secret as a podman secret file. Sourced by run.sh after lib.sh; uses $RUN and $WORK.

# The hardening flags of deploy/compose/compose.yaml and deploy/k8s (securityContext).
HARDENING=(--read-only --tmpfs /tmp --cap-drop=ALL --security-opt no-new-privileges)
SECRET_ENV=MCPX_MRTR_STATE_SECRET_FILE=/run/secrets/mcpx_state_secret

# start_server NAME IMAGE PORT [EXTRA_ARGS...]: detached, published on 127.0.0.1:PORT.
start_server() {
  local name=$1 image=$2 port=$3
  shift 3
  # podman 4.3 with runc cannot create a secret's mount point on a read-only root (it mounts
  # the secret before the /run tmpfs): a tmpfs at /run/secrets gives it a place.
  podman run -d --name "$name" --label "mcpx-ct=$RUN" "${HARDENING[@]}" --tmpfs /run/secrets:mode=0755 \
    --secret "$SECRET,target=mcpx_state_secret" -e "$SECRET_ENV" -e MCPX_LOG_LEVEL=info \
    -p "127.0.0.1:$port:8000" "$@" "$image" >"$WORK/run-$name.log" 2>&1 || {
    cat "$WORK/run-$name.log"
    return 1
  }
}

server_healthcheck_config() {
  local image=$1 name=$2 test_img test_ctr
  test_img=$(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$image" 2>/dev/null)
  if [ -n "$test_img" ] && [ "$test_img" != null ] && [ "$test_img" != '[]' ]; then
    ok "image $image has a HEALTHCHECK: $test_img"
  else
    ko "image $image has no HEALTHCHECK in its config (build with --format docker)"
    return 1
  fi
  # podman run takes it from the image: the probe run below is the image's, not ours.
  test_ctr=$(podman inspect --format '{{json .Config.Healthcheck.Test}}' "$name" 2>/dev/null)
  check "container runs the image's own healthcheck command" test "$test_ctr" = "$test_img"
}

# uid != 0, CapEff = 0, NoNewPrivs = 1 for the server process (PID 1 in the container).
server_privileges() {
  local name=$1 status uid capeff nnp
  status=$(podman exec "$name" cat /proc/1/status 2>&1)
  uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$status")
  capeff=$(awk '/^CapEff:/ {print $2}' <<<"$status")
  nnp=$(awk '/^NoNewPrivs:/ {print $2}' <<<"$status")
  if [ -n "$uid" ] && ! grep -qw 0 <<<"$uid"; then ok "server runs as uid $uid (not root)"; else ko "server uid '$uid'"; fi
  check "server has no effective capability (CapEff $capeff)" test "$capeff" = 0000000000000000
  check "server has no_new_privs (NoNewPrivs $nnp)" test "$nnp" = 1
  check "inspect: ReadonlyRootfs is true" \
    test "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$name")" = true
  # As the server's user, and as root in the container: the filesystem itself is read-only.
  local out
  out=$(podman exec "$name" sh -c 'echo x > /probe-write' 2>&1)
  check "a write to / as the server user fails" test -n "$out"
  out=$(podman exec --user 0 "$name" sh -c 'echo x > /probe-write' 2>&1)
  if grep -qi 'read-only' <<<"$out"; then ok "a write to / as root in the container fails: read-only file system"; else
    ko "a write to / as root in the container did not fail with 'Read-only file system': $out"
  fi
  check "/tmp (tmpfs) is writable" podman exec "$name" sh -c 'echo x > /tmp/probe-write'
}

server_secrets() {
  local name=$1 value=$2 env inspect_all in_file
  in_file=$(podman exec "$name" cat /run/secrets/mcpx_state_secret 2>&1)
  check "the secret is a file at /run/secrets/mcpx_state_secret" test "$in_file" = "$value"
  env=$(podman inspect --format '{{json .Config.Env}}' "$name")
  check "the environment names the secret file, not the secret" grep -qF "$SECRET_ENV" <<<"$env"
  inspect_all=$(podman inspect "$name")
  if grep -qF -- "$value" <<<"$inspect_all"; then ko "the secret value appears in podman inspect"; else
    ok "the secret value appears nowhere in podman inspect (env, labels, config)"
  fi
}

server_missing_secret() {
  local image=$1 name="$RUN-nosecret" rc out
  podman run --name "$name" --label "mcpx-ct=$RUN" "${HARDENING[@]}" \
    -e MCPX_MRTR_STATE_SECRET_FILE=/run/secrets/not_there "$image" >"$WORK/nosecret.log" 2>&1 &
  local pid=$!
  if wait_until 30 not_running_pid "$pid"; then
    wait "$pid"
    rc=$?
  else
    kill "$pid" 2>/dev/null
    rc=timeout
  fi
  out=$(cat "$WORK/nosecret.log")
  if [ "$rc" != timeout ] && [ "$rc" -ne 0 ]; then ok "a missing secret file stops start-up (exit $rc)"; else
    ko "a missing secret file did not stop start-up (exit $rc)"
  fi
  if grep -q '/run/secrets/not_there' <<<"$out" && grep -q 'state_secret' <<<"$out"; then
    ok "and says why: $(grep -m 1 'not_there' <<<"$out")"
  else
    ko "no clear message for the missing secret file: $out"
  fi
  podman rm -f "$name" >/dev/null 2>&1
}
not_running_pid() { ! kill -0 "$1" 2>/dev/null; }

# SIGTERM (podman stop) while requests run: they complete, exit 0, within the grace period.
server_sigterm() {
  local name=$1 port=$2 i codes=() t0 took rc
  for i in 1 2 3 4; do
    modern_call "http://127.0.0.1:$port/mcp" "$WORK/slow.$i" slow_compute '{"seconds":3,"label":"drain'"$i"'"}' "$i" \
      >"$WORK/slow.$i.code" &
  done
  sleep 1 # the four calls are running (each takes 3 s)
  t0=$(now_ms)
  timeout 60 podman stop -t 40 "$name" >/dev/null 2>&1
  took=$(($(now_ms) - t0))
  wait
  for i in 1 2 3 4; do codes+=("$(cat "$WORK/slow.$i.code")/$(answer_text "$WORK/slow.$i")"); done
  local good=0
  for i in 1 2 3 4; do [[ "${codes[$((i - 1))]}" == "200/Computed 'drain$i'"* ]] && good=$((good + 1)); done
  if [ "$good" = 4 ]; then ok "SIGTERM with 4 calls in flight: all 4 answered 200 with their result"; else
    ko "SIGTERM with 4 calls in flight: only $good of 4 completed (${codes[*]})"
  fi
  rc=$(exit_code "$name")
  check "exit status 0 after SIGTERM (got $rc)" test "$rc" = 0
  if [ "$took" -ge 1000 ] && [ "$took" -lt 30000 ]; then
    ok "stopped in ${took} ms: after the calls finished, within the 30 s grace"
  else
    ko "stop took ${took} ms (expected the calls' remaining ~2 s, under the 30 s grace)"
  fi
  echo "$took" >"$WORK/sigterm_ms"
}

# SIGSTOP the server inside the living container: the image's probe must report unhealthy.
server_unhealthy() {
  local name=$1 pid runs=0 t0 status
  pid=$(host_pid "$name")
  kill -STOP "$pid" || { ko "could not SIGSTOP the server (host pid $pid)"; return; }
  t0=$(now_ms)
  # Failures inside the start period (30 s) do not count; then `retries` (3) failures in a row.
  while [ $(($(now_ms) - t0)) -lt 90000 ]; do
    runs=$((runs + 1))
    healthy_now "$name"
    status=$(health_status "$name")
    [ "$status" = unhealthy ] && break
  done
  if [ "$status" = unhealthy ]; then
    ok "server stopped answering (SIGSTOP, container running): unhealthy after $runs probes, $(($(now_ms) - t0)) ms"
  else
    ko "server SIGSTOPped for $(($(now_ms) - t0)) ms, status still '$status' after $runs probes"
  fi
  check "the container itself kept running meanwhile" is_running "$name"
  kill -CONT "$pid"
  if wait_healthy "$name" 20 && [ "$(health_status "$name")" = healthy ]; then ok "healthy again after SIGCONT"; else
    ko "not healthy again after SIGCONT (status $(health_status "$name"))"
  fi
}

server_logs_json() {
  local name=$1
  podman logs "$name" >"$WORK/$name.stdout" 2>"$WORK/$name.stderr"
  cat "$WORK/$name.stdout" "$WORK/$name.stderr" >"$WORK/$name.all"
  check "every log line of $name is a JSON object ($(wc -l <"$WORK/$name.stdout") on stdout, $(wc -l <"$WORK/$name.stderr") on stderr)" \
    json_lines "$WORK/$name.all"
  check "the log shows the drain and the stop" grep -q '"msg":"stopped"' "$WORK/$name.all"
  # The image carries the malloc the server is linked with (MCPX_ALLOCATOR), not glibc's.
  check "the server runs on tcmalloc (its \"listening\" line)" grep -q '"msg":"listening".*"allocator":"tcmalloc"' "$WORK/$name.all"
}

# server_suite IMAGE: everything above; prints the start-up time.
server_suite() {
  local image=$1 name="$RUN-server" port t0 startup value
  value="mcpx-ct-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  printf '%s' "$value" >"$WORK/secret"
  SECRET="${RUN//-/_}_state_secret"
  podman secret create "$SECRET" "$WORK/secret" >/dev/null || { ko "podman secret create failed"; return; }
  port=$(free_port)
  t0=$(now_ms)
  start_server "$name" "$image" "$port" || { ko "podman run $image failed"; return; }
  if wait_healthy "$name" 60; then
    startup=$(($(now_ms) - t0))
    ok "healthy $startup ms after podman run (the image's HEALTHCHECK, run on demand)"
    echo "$startup" >"$WORK/startup_ms"
  else
    ko "not healthy within 60 s: $(podman logs "$name" 2>&1 | tail -n 5)"
    return
  fi
  server_healthcheck_config "$image" "$name"
  check "status is healthy" test "$(health_status "$name")" = healthy
  local code
  code=$(modern_call "http://127.0.0.1:$port/mcp" "$WORK/echo" echo '{"text":"hi"}')
  check "a 2026-07-28 tools/call answers through the published port (HTTP $code)" \
    test "$code/$(answer_text "$WORK/echo")" = "200/hi"
  server_privileges "$name"
  server_secrets "$name" "$value"
  server_missing_secret "$image"
  server_unhealthy "$name"
  server_sigterm "$name" "$port"
  server_logs_json "$name"
}
