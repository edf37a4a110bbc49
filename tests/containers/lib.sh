# Helpers shared by tests/containers/run.sh, server.sh and compose.sh (sourced, not run).
# Every container, secret and network the suite makes carries the name prefix $RUN (and
# containers the label mcpx-ct=$RUN), so cleanup removes exactly those.

PASS=0
FAIL=0
ok() {
  PASS=$((PASS + 1))
  echo "containers: ok    $1"
}
ko() {
  FAIL=$((FAIL + 1))
  echo "containers: FAIL  $1"
}
note() { echo "containers:       $1"; }
# check DESCRIPTION CMD...: ok when CMD succeeds; its output is shown only on failure.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    ok "$name"
  else
    ko "$name"
    [ -z "$out" ] || sed 's/^/    /' <<<"$out" | tail -n 30
  fi
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_until SECONDS CMD...: polls CMD every 0.2 s; non-zero when the time runs out.
wait_until() {
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# The image's own HEALTHCHECK, run in the container (there is no systemd timer here).
healthy_now() { timeout 20 podman healthcheck run "$1" >/dev/null 2>&1; }
health_status() { podman inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null; }
# wait_healthy CONTAINER SECONDS: runs the healthcheck until it passes.
wait_healthy() { wait_until "$2" healthy_now "$1"; }

host_pid() { podman inspect --format '{{.State.Pid}}' "$1" 2>/dev/null; }
exit_code() { podman inspect --format '{{.State.ExitCode}}' "$1" 2>/dev/null; }
is_running() { [ "$(podman inspect --format '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
not_running() { ! is_running "$1"; }

# ----------------------------------------------------------------- MCP ----
MODERN_META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'

# mcp_post URL OUTFILE HEADERFILE BODY [HEADER...]: prints the HTTP status (000 on no answer).
mcp_post() {
  local url=$1 out=$2 hdr=$3 body=$4
  shift 4
  local args=(-sS -m 40 -o "$out" -D "$hdr" -w '%{http_code}' -H 'Content-Type: application/json'
    -H 'Accept: application/json, text/event-stream')
  local h
  for h in "$@"; do args+=(-H "$h"); done
  curl "${args[@]}" --data-binary "$body" "$url" 2>/dev/null || true
}

# modern_call URL OUTFILE TOOL ARGS_JSON [ID]: a 2026-07-28 (stateless) tools/call.
modern_call() {
  local id=${5:-1}
  mcp_post "$1" "$2" "$2.headers" \
    "{\"jsonrpc\":\"2.0\",\"id\":$id,\"method\":\"tools/call\",\"params\":{\"name\":\"$3\",\"arguments\":$4,$MODERN_META}}" \
    'MCP-Protocol-Version: 2026-07-28' 'Mcp-Method: tools/call' "Mcp-Name: $3"
}

# The JSON-RPC message of an answer file, whether JSON or an SSE stream (its last data line).
rpc_message() {
  python3 -c 'import sys
t = open(sys.argv[1], encoding="utf-8", errors="replace").read()
data = [l[5:].strip() for l in t.splitlines() if l.startswith("data:")]
print(data[-1] if data else t.strip())' "$1"
}

# legacy_initialize URL WORKDIR: a 2025-11-25 session; prints its Mcp-Session-Id.
legacy_initialize() {
  local url=$1 dir=$2 code sid
  code=$(mcp_post "$url" "$dir/init.out" "$dir/init.headers" \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcpx-containers-test","version":"1.0.0"}}}' \
    'MCP-Protocol-Version: 2025-11-25')
  [ "$code" = 200 ] || return 1
  sid=$(tr -d '\r' <"$dir/init.headers" | sed -n 's/^[Mm][Cc][Pp]-[Ss]ession-[Ii][Dd]: *//p' | tail -n 1)
  [ -n "$sid" ] || return 1
  code=$(mcp_post "$url" "$dir/initialized.out" "$dir/initialized.headers" \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    'MCP-Protocol-Version: 2025-11-25' "Mcp-Session-Id: $sid")
  case "$code" in 200 | 202) echo "$sid" ;; *) return 1 ;; esac
}

# legacy_call URL OUTFILE SESSION TOOL ARGS_JSON: prints the HTTP status.
legacy_call() {
  mcp_post "$1" "$2" "$2.headers" \
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"$4\",\"arguments\":$5}}" \
    'MCP-Protocol-Version: 2025-11-25' "Mcp-Session-Id: $3"
}

# answer_text FILE: the first text content of a tools/call result ("" when none).
answer_text() {
  rpc_message "$1" | python3 -c 'import json, sys
try:
    m = json.loads(sys.stdin.read())
    print(m["result"]["content"][0]["text"])
except Exception:
    print("")'
}

# json_lines FILE: every non-empty line is a JSON object with "level" and "msg".
json_lines() {
  python3 -c 'import json, sys
bad = 0
n = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if not line.strip():
        continue
    n += 1
    try:
        o = json.loads(line)
        assert isinstance(o, dict) and "level" in o and "msg" in o
    except Exception:
        bad += 1
        print("not a JSON log line: " + line.rstrip()[:200])
print(f"{n} lines, {bad} not JSON")
sys.exit(1 if bad or n == 0 else 0)' "$1"
}
