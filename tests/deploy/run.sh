#!/usr/bin/env bash
# Offline checks of deploy/ (no Docker engine, no cluster needed):
#   - yamllint over deploy/
#   - docker-compose config -q on deploy/compose/compose.yaml (Debian's docker-compose 1.29)
#   - the compose placeholder secret exists and is obviously fake
#   - deploy/compose/compose.yaml: every image is built from deploy/docker (none from a registry)
#   - deploy/docker/Dockerfile.server: the exact HEALTHCHECK line, USER/EXPOSE/STOPSIGNAL/ENTRYPOINT
#   - deploy/docker/Dockerfile.nginx: a non-root USER, on debian:12-slim
#   - node validate.mjs: deploy/k8s against the Kubernetes OpenAPI schemas + security settings
# The images are built and run by tests/containers/run.sh (podman), not here.
# Needs: yamllint, docker-compose (scripts/install-deps), node, and `npm ci` in tests/deploy.
# Prints "deploy: N passed, M failed" and exits non-zero when anything failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "deploy: ok    $1"; }
ko() { FAIL=$((FAIL + 1)); echo "deploy: FAIL  $1"; }

# step NAME CMD...: runs CMD, shows its output only on failure.
step() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    ok "$name"
  else
    ko "$name"
    [ -z "$out" ] || sed 's/^/    /' <<<"$out"
  fi
}

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  ko "$1 not found (scripts/install-deps installs it)"
  return 1
}

# ------------------------------------------------------------ yamllint ----
YAMLLINT_CONFIG='{extends: default, rules: {line-length: {max: 140}, document-start: disable, truthy: {check-keys: false}}}'
if need yamllint; then
  step "yamllint deploy/" yamllint -s -d "$YAMLLINT_CONFIG" deploy/
fi

# ------------------------------------------------------------- compose ----
COMPOSE=deploy/compose/compose.yaml
if need docker-compose; then
  # A fixed project name and a clean environment: the result must not depend on the caller's.
  step "docker-compose config -q ($COMPOSE)" \
    env -u COMPOSE_FILE -u COMPOSE_PROJECT_NAME docker-compose -p mcpx -f "$COMPOSE" config -q
fi
# Nothing is pulled: each service's image is one of ours, built by compose from deploy/docker.
registry_images=$(grep -E '^[[:space:]]*image:' "$COMPOSE" | grep -vE '^[[:space:]]*image: mcpx-[a-z]+:local$')
if [ -z "$registry_images" ] && [ "$(grep -cE '^[[:space:]]*dockerfile: deploy/docker/Dockerfile\.[a-z]+$' "$COMPOSE")" -ge 2 ]; then
  ok "$COMPOSE: every image is built from deploy/docker (mcpx-*:local), none pulled"
else
  ko "$COMPOSE: images not built from deploy/docker: ${registry_images:-a build section is missing}"
fi
SECRET_EXAMPLE=deploy/compose/secrets/mcpx_state_secret.example
if [ -s "$SECRET_EXAMPLE" ] && grep -qiE 'example|fake|replace' "$SECRET_EXAMPLE"; then
  ok "compose placeholder secret exists and is obviously fake"
else
  ko "compose placeholder secret $SECRET_EXAMPLE missing or not obviously fake"
fi

# ---------------------------------------------------------- Dockerfile ----
DOCKERFILE=deploy/docker/Dockerfile.server
HEALTHCHECK='HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/local/bin/mcpx-probe","http://127.0.0.1:8000/health"]'
dockerfile_line() {  # dockerfile_line DESCRIPTION EXACT_LINE
  if [ -f "$DOCKERFILE" ] && grep -qxF -- "$2" "$DOCKERFILE"; then
    ok "$DOCKERFILE: $1"
  else
    ko "$DOCKERFILE: $1 (expected the line: $2)"
  fi
}
dockerfile_line "HEALTHCHECK" "$HEALTHCHECK"
if [ "$(grep -c '^HEALTHCHECK' "$DOCKERFILE" 2>/dev/null)" = 1 ]; then
  ok "$DOCKERFILE: exactly one HEALTHCHECK"
else
  ko "$DOCKERFILE: exactly one HEALTHCHECK"
fi
dockerfile_line "USER 10001" "USER 10001"
dockerfile_line "EXPOSE 8000" "EXPOSE 8000"
dockerfile_line "STOPSIGNAL SIGTERM" "STOPSIGNAL SIGTERM"
dockerfile_line "ENTRYPOINT" 'ENTRYPOINT ["/usr/local/bin/mcpx-conformance", "--listen", "0.0.0.0:8000"]'
if grep -qE '^FROM debian:12 AS build$' "$DOCKERFILE" 2>/dev/null &&
   grep -qE '^FROM debian:12-slim( AS [a-z]+)?$' "$DOCKERFILE" &&
   [ "$(grep -E '^FROM ' "$DOCKERFILE" | tail -n 1 | awk '{print $2}')" = "debian:12-slim" ]; then
  ok "$DOCKERFILE: multi-stage, runtime on debian:12-slim"
else
  ko "$DOCKERFILE: multi-stage, runtime on debian:12-slim"
fi

NGINX_DOCKERFILE=deploy/docker/Dockerfile.nginx
if grep -qxE 'FROM debian:12-slim' "$NGINX_DOCKERFILE" 2>/dev/null &&
   grep -qxE 'USER [a-z-]+' "$NGINX_DOCKERFILE" && ! grep -qxE 'USER (root|0)' "$NGINX_DOCKERFILE"; then
  ok "$NGINX_DOCKERFILE: on debian:12-slim, runs as a non-root USER"
else
  ko "$NGINX_DOCKERFILE: on debian:12-slim, runs as a non-root USER"
fi

# ---------------------------------------------------------------- k8s -----
if need node; then
  if [ ! -d "$HERE/node_modules/kubernetes-models" ] || [ ! -d "$HERE/node_modules/js-yaml" ]; then
    ko "tests/deploy/node_modules missing: run 'npm ci' in tests/deploy"
  else
    # validate.mjs prints one line per check and "validate: N passed, M failed"; its checks
    # count in the deploy total. Its output is indented so that the last unindented
    # "N passed, M failed" line of this script is the total.
    out=$(node "$HERE/validate.mjs" "$ROOT/deploy/k8s" 2>&1)
    rc=$?
    summary=$(grep -E '^validate: [0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n 1)
    if [ "$rc" -eq 0 ] && [ -n "$summary" ]; then
      echo "deploy: ok    k8s manifests: node validate.mjs ($(sed -E 's/^validate: //' <<<"$summary"))"
    else
      echo "deploy: FAIL  k8s manifests: node validate.mjs exited $rc:"
      grep -vE '^  ok ' <<<"$out" | sed 's/^/    /'
    fi
    if [ -n "$summary" ]; then
      p=$(sed -E 's/^validate: ([0-9]+) passed, ([0-9]+) failed$/\1/' <<<"$summary")
      f=$(sed -E 's/^validate: ([0-9]+) passed, ([0-9]+) failed$/\2/' <<<"$summary")
      PASS=$((PASS + p))
      FAIL=$((FAIL + f))
      [ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || FAIL=$((FAIL + 1))
    else
      FAIL=$((FAIL + 1))
    fi
  fi
fi

echo "deploy: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
