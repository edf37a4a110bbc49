#!/usr/bin/env node
// E2E with the official TypeScript SDK 2.x client (@modelcontextprotocol/client)
// over Streamable HTTP.
//
// usage: node client2-streamable-http.mjs URL [--mode legacy|auto|pin:VERSION]
//   legacy (the 2.x client's default): plain 2025 initialize handshake + session
//   auto:   probe with server/discover; a 2026-07-28 server must be picked as modern
//   pin:V:  modern era pinned at revision V (e.g. pin:2026-07-28), no fallback
// exit 0 only when every answer is right.
import { Client, StreamableHTTPClientTransport, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/client';
import { Checker, errText, parseArgs, runSurfaceChecks, watchdog } from './lib/checks.mjs';

const MODERN = '2026-07-28';
const USAGE = 'usage: client2-streamable-http.mjs URL [--mode legacy|auto|pin:VERSION] [--timeout-ms N]';
const opts = parseArgs(process.argv.slice(2), USAGE);
const modeArg = opts.mode ?? 'legacy';
let mode;
let expectEra;
let expectVersion;
if (modeArg === 'legacy') {
  mode = 'legacy';
  expectEra = 'legacy';
} else if (modeArg === 'auto') {
  mode = 'auto';
  expectEra = 'modern';
  expectVersion = MODERN;
} else if (modeArg.startsWith('pin:')) {
  expectVersion = modeArg.slice(4);
  mode = { pin: expectVersion };
  expectEra = 'modern';
} else {
  console.error(USAGE);
  process.exit(2);
}
const label = `client2.x ${modeArg}`;
watchdog(opts.timeoutMs, label);
const c = new Checker(label);
console.log(`[${label}] ${opts.url} (client latest ${LATEST_PROTOCOL_VERSION})`);

const client = new Client(
  { name: 'mcpx-e2e-client2', version: '1.0.0' },
  { capabilities: {}, versionNegotiation: { mode } }
);
const transport = new StreamableHTTPClientTransport(new URL(opts.url));
let connected = false;
await c.step('connect', async () => {
  await client.connect(transport);
  connected = true;
  c.ok('connect', true);
});

if (connected) {
  const era = client.getProtocolEra();
  const version = client.getNegotiatedProtocolVersion();
  console.log(`[${label}] era=${era} version=${version} session=${transport.sessionId ?? '-'}`);
  c.ok(`protocol era is ${expectEra}`, era === expectEra, String(era));
  if (expectVersion) c.ok(`negotiated version is ${expectVersion}`, version === expectVersion, String(version));
  if (expectEra === 'legacy') {
    c.ok('legacy connection has an Mcp-Session-Id', typeof transport.sessionId === 'string' && transport.sessionId.length > 0,
      String(transport.sessionId));
  } else {
    c.ok('modern (stateless) connection has no Mcp-Session-Id', transport.sessionId === undefined, String(transport.sessionId));
    const d = client.getDiscoverResult();
    c.ok(`server/discover offers ${expectVersion}`,
      Array.isArray(d?.supportedVersions) && d.supportedVersions.includes(expectVersion), JSON.stringify(d?.supportedVersions));
  }
  const info = client.getServerVersion();
  c.ok('server reports serverInfo', typeof info?.name === 'string' && typeof info?.version === 'string', JSON.stringify(info));
  const caps = client.getServerCapabilities() ?? {};
  c.ok('server advertises tools, resources, prompts', !!caps.tools && !!caps.resources && !!caps.prompts, JSON.stringify(caps));

  await runSurfaceChecks(client, c);

  try {
    await client.close();
  } catch (e) {
    c.ok('close', false, errText(e));
  }
}

process.exit(c.summary() ? 0 : 1);
