#!/usr/bin/env bash
# Self-test of scripts/check-layers: builds small trees in a temp dir, one that
# keeps the rules and one that breaks them, and checks the exit codes and the
# lines printed.
#
# usage: tests/scripts/check_layers_test.sh
# Ends with "check_layers_test: N passed, M failed"; exits non-zero iff M > 0.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CHECK="$ROOT/scripts/check-layers"
TMP=$(mktemp -d -t check-layers-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok: $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

# put TREE PATH LINE...: writes a file of the tree, one argument a line.
put() {
  local tree=$1 path=$2
  shift 2
  mkdir -p "$(dirname "$TMP/$tree/$path")"
  printf '%s\n' "$@" >"$TMP/$tree/$path"
}

# The headers the includes below resolve to.
for tree in good bad; do
  put $tree include/mcpx/server.hpp '#pragma once'
  put $tree include/mcpx/content.hpp '#pragma once'
  put $tree src/jsonrpc/message.hpp '#pragma once'
  put $tree src/protocol/registry.hpp '#pragma once'
  put $tree src/transport/streamable_http.hpp '#pragma once'
  put $tree src/core/server.cpp '#include "mcpx/server.hpp"' '#include "transport/streamable_http.hpp"'
done

# One good file: its own module, a lower module, a public header, system headers,
# and a forbidden include that is only a comment.
put good src/protocol/dispatcher.hpp \
  '#pragma once' \
  '#include <string>' \
  '#include <boost/json.hpp>' \
  '#include "protocol/registry.hpp"' \
  '#include "jsonrpc/message.hpp"' \
  '#include "mcpx/content.hpp"' \
  '// #include "mcpx/server.hpp" (not any more)'

# One bad file: the facade, a higher module (spelled relative to the file),
# Boost.Asio, and one include that is fine.
put bad src/protocol/dispatcher.hpp \
  '#pragma once' \
  '#include "mcpx/server.hpp"' \
  '#include "jsonrpc/message.hpp"' \
  '#include "../transport/streamable_http.hpp"' \
  '  #  include <boost/asio/io_context.hpp>'

out=$("$CHECK" --root "$TMP/good" 2>"$TMP/err")
rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
  ok "a tree that keeps the rules passes"
else
  not_ok "good tree: exit $rc (want 0), output: $out $(cat "$TMP/err")"
fi

out=$("$CHECK" --root "$TMP/bad" 2>"$TMP/err")
rc=$?
want='src/protocol/dispatcher.hpp:2: protocol must not include "mcpx/server.hpp"
src/protocol/dispatcher.hpp:4: protocol must not include "../transport/streamable_http.hpp"
src/protocol/dispatcher.hpp:5: protocol must not include <boost/asio/io_context.hpp>'
if [ "$rc" -eq 1 ]; then ok "a tree that breaks the rules fails with exit 1"; else not_ok "bad tree: exit $rc (want 1)"; fi
if [ "$out" = "$want" ]; then
  ok "each forbidden include is reported as FILE:LINE: MODULE must not include HEADER"
else
  not_ok "bad tree output differs; got:"$'\n'"$out"$'\n'"want:"$'\n'"$want"
fi
if grep -q '1 file' "$TMP/err"; then ok "the summary counts the files"; else not_ok "summary: $(cat "$TMP/err")"; fi

"$CHECK" --root "$TMP/none" >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 2 ]; then ok "a tree without src/ is a usage error (exit 2)"; else not_ok "missing tree: exit $rc (want 2)"; fi

echo "check_layers_test: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
