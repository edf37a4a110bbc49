#!/usr/bin/env node
// E2E with the official TypeScript SDK 1.x client (@modelcontextprotocol/sdk)
// over Streamable HTTP: the 2025-era flow (initialize, Mcp-Session-Id,
// notifications/initialized, requests, DELETE to end the session).
//
// usage: node sdk1-streamable-http.mjs http://127.0.0.1:PORT/mcp
// exit 0 only when every answer is right.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { Checker, errText, parseArgs, runSurfaceChecks, watchdog } from './lib/checks.mjs';

const USAGE = 'usage: sdk1-streamable-http.mjs URL [--timeout-ms N]';
const opts = parseArgs(process.argv.slice(2), USAGE);
const label = 'sdk1.x streamable-http';
watchdog(opts.timeoutMs, label);
const c = new Checker(label);
console.log(`[${label}] ${opts.url} (client offers ${LATEST_PROTOCOL_VERSION})`);

const client = new Client({ name: 'mcpx-e2e-sdk1', version: '1.0.0' }, { capabilities: {} });
const transport = new StreamableHTTPClientTransport(new URL(opts.url));
let connected = false;
await c.step('connect (initialize)', async () => {
  await client.connect(transport);
  connected = true;
  c.ok('connect (initialize)', true);
});

if (connected) {
  const sessionId = transport.sessionId;
  c.ok('server assigned an Mcp-Session-Id', typeof sessionId === 'string' && sessionId.length > 0, String(sessionId));
  c.ok('negotiated protocol version is the client\'s latest',
    transport.protocolVersion === LATEST_PROTOCOL_VERSION, String(transport.protocolVersion));
  const info = client.getServerVersion();
  c.ok('server reports serverInfo', typeof info?.name === 'string' && typeof info?.version === 'string', JSON.stringify(info));
  const caps = client.getServerCapabilities() ?? {};
  c.ok('server advertises tools, resources, prompts', !!caps.tools && !!caps.resources && !!caps.prompts, JSON.stringify(caps));

  await c.step('ping', async () => {
    const r = await client.ping();
    c.ok('ping', r !== undefined && typeof r === 'object', JSON.stringify(r));
  });

  await runSurfaceChecks(client, c);

  // End the session with DELETE; the server must then refuse the old id (404).
  await c.step('DELETE ends the session', async () => {
    await transport.terminateSession();
    c.ok('DELETE ends the session', transport.sessionId === undefined);
    const res = await fetch(opts.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': LATEST_PROTOCOL_VERSION
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/list', params: {} })
    });
    await res.body?.cancel();
    c.ok('a request on the ended session gets 404', res.status === 404, `HTTP ${res.status}`);
  });
  try {
    await client.close();
  } catch (e) {
    c.ok('close', false, errText(e));
  }
}

process.exit(c.summary() ? 0 : 1);
