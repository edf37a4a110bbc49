#!/usr/bin/env node
// The auth e2e cases: mcpx (an OAuth 2.1 resource server) with oidc-provider (a real
// authorization server) and the official TypeScript SDK clients (1.x and 2.x). Started by
// run.sh, which starts the provider (restartable, see provider.mjs) and mcpx first.
//
// usage: node cases.mjs --mcp URL --issuer URL --keys FILE --pid-file FILE [--timeout-ms N]
// Prints one "  ok   ..." / "  FAIL ..." line per check, then "cases: N passed, M failed";
// exit 0 only when every check passed.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Transport1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as Unauthorized1 } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  Client as Client2,
  ClientCredentialsProvider,
  DpopSession,
  InsufficientScopeError,
  StreamableHTTPClientTransport as Transport2,
} from '@modelcontextprotocol/client';
import { Checker, errText } from '../lib/checks.mjs';
import { ACCOUNT, CLIENTS, newSigningKey, otherResource, writeKeys } from './common.mjs';

const USAGE = 'usage: cases.mjs --mcp URL --issuer URL --keys FILE --pid-file FILE [--timeout-ms N] [--only 1,2,...]';
const opts = {};
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
      console.error(USAGE);
      process.exit(2);
    }
    opts[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['mcp', 'issuer', 'keys', 'pid-file']) {
    if (!opts[k]) {
      console.error(USAGE);
      process.exit(2);
    }
  }
}
const MCP = opts.mcp;
const ISSUER = opts.issuer;
const ORIGIN = new URL(MCP).origin;
const TIMEOUT_MS = Number(opts['timeout-ms'] ?? 170000);
const READ_TOOL = 'echo'; // auth.scopes.tools: crm:read
const WRITE_TOOL = 'test_simple_text'; // auth.scopes.tools: crm:write
const WRITE_TEXT = 'This is a simple text response for testing.';

setTimeout(() => {
  console.log(`  FAIL cases did not finish within ${TIMEOUT_MS} ms`);
  console.log('cases: 0 passed, 1 failed');
  process.exit(1);
}, TIMEOUT_MS).unref();

const c = new Checker('e2e-auth');
const section = (title) => console.log(`\n---- ${title} ----`);
const withTimeout = (p, ms, what) =>
  Promise.race([p, sleep(ms).then(() => { throw new Error(`${what}: no answer within ${ms} ms`); })]);
/** fetch bounded in time (every request of this file goes to 127.0.0.1). */
const tfetch = (url, init = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(15000) });

// ------------------------------------------------------------ helpers ----
async function providerMetadata() {
  const r = await tfetch(`${ISSUER}/.well-known/openid-configuration`);
  if (!r.ok) throw new Error(`provider discovery: HTTP ${r.status}`);
  return r.json();
}

/** A client_credentials token from the provider's token endpoint, for the MCP resource. */
async function ccToken(scope, { dpopKey, resource = MCP, as = CLIENTS.cc } = {}) {
  const md = await providerMetadata();
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from(`${as.id}:${as.secret}`).toString('base64')}`,
  };
  if (dpopKey) headers.dpop = await dpopProof(dpopKey, 'POST', md.token_endpoint);
  const r = await tfetch(md.token_endpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
  });
  const body = await r.json();
  if (!r.ok) throw new Error(`token endpoint: HTTP ${r.status} ${JSON.stringify(body)}`);
  return body;
}

async function newDpopKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** An RFC 9449 proof: htm, htu (no query), iat, jti, and ath when a token is given. */
async function dpopProof(key, htm, htu, accessToken, { iat } = {}) {
  const payload = { htm, htu, jti: crypto.randomUUID() };
  if (accessToken) {
    const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken));
    payload.ath = Buffer.from(hash).toString('base64url');
  }
  return new SignJWT(payload)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })
    .setIssuedAt(iat)
    .sign(key.privateKey);
}

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e-auth-raw', version: '1' } },
};
/** A raw initialize POST (no SDK) with the given extra headers; the body is read. */
async function rawInitialize(headers = {}) {
  const r = await tfetch(MCP, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(INIT),
  });
  const text = await r.text();
  return { status: r.status, www: r.headers.get('www-authenticate') ?? '', text };
}

const toolNames = (r) => (r?.tools ?? []).map((t) => t.name);
const textOf = (r) => r?.content?.[0]?.text;

/** A fetch that records the WWW-Authenticate of every 401/403 answer into `into`. */
const challengeSpy = (into) => async (url, init) => {
  const res = await fetch(url, init);
  if (res.status === 401 || res.status === 403) into.push({ status: res.status, www: res.headers.get('www-authenticate') ?? '' });
  return res;
};

/** One SDK client (1.x or 2.x) connected with a fixed bearer token. */
async function connectWithToken(line, token, extra = {}) {
  if (line === 1) {
    const client = new Client1({ name: 'mcpx-e2e-auth-sdk1', version: '1.0.0' }, { capabilities: {} });
    const transport = new Transport1(new URL(MCP), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
      ...extra,
    });
    await withTimeout(client.connect(transport), 15000, 'connect');
    return { client, transport };
  }
  // line '2auto': the 2.x client negotiating the 2026-07-28 (stateless) protocol.
  const client = new Client2({ name: 'mcpx-e2e-auth-client2', version: '1.0.0' },
    { capabilities: {}, ...(line === '2auto' ? { versionNegotiation: { mode: 'auto' } } : {}) });
  const transport = new Transport2(new URL(MCP), { authProvider: { token: async () => token }, ...extra });
  await withTimeout(client.connect(transport), 15000, 'connect');
  return { client, transport };
}

async function closeQuietly(client) {
  try {
    await withTimeout(client.close(), 5000, 'close');
  } catch {
    /* the checks are done */
  }
}

/**
 * Whether the error an SDK surfaced for a tools/call is mcpx's 403 insufficient_scope for
 * crm:write: 1.x throws StreamableHTTPError with code 403 (the JSON-RPC body as message, the
 * challenge header is not surfaced); 2.x throws InsufficientScopeError with the scope of the
 * challenge (the needed scope with the granted ones, for step-up).
 */
function isInsufficientScope(line, e) {
  if (line === 1) return e?.code === 403 && /crm:write/.test(e?.message ?? '');
  return e instanceof InsufficientScopeError && /crm:write/.test(e.message) && /crm:read/.test(e.message);
}

// ------------------------------------------------ 5. no token: challenge ----
async function caseNoToken() {
  section('5. no token: 401 challenge and RFC 9728 metadata');
  const r = await rawInitialize();
  c.ok('no token: initialize answered 401', r.status === 401, `HTTP ${r.status}`);
  const m = /resource_metadata="([^"]+)"/.exec(r.www);
  c.ok('no token: WWW-Authenticate carries resource_metadata=', !!m, r.www);
  if (!m) return;
  const prm = await (await tfetch(m[1])).json();
  c.ok('metadata names the provider in authorization_servers',
    Array.isArray(prm.authorization_servers) && prm.authorization_servers.includes(ISSUER), JSON.stringify(prm));
  c.ok('metadata resource is the MCP endpoint', prm.resource === MCP, prm.resource);
  c.ok('metadata lists the crm scopes',
    ['crm:read', 'crm:write', 'crm:admin'].every((s) => prm.scopes_supported?.includes(s)), JSON.stringify(prm.scopes_supported));
  const root = await tfetch(`${ORIGIN}/.well-known/oauth-protected-resource`);
  c.ok('metadata also at /.well-known/oauth-protected-resource', root.ok && (await root.json()).resource === MCP,
    `HTTP ${root.status}`);
  const bad = await rawInitialize({ authorization: 'Bearer not-a-jwt' });
  c.ok('garbage token: 401 error="invalid_token"', bad.status === 401 && /error="invalid_token"/.test(bad.www),
    `HTTP ${bad.status} ${bad.www}`);
}

// ---------------------------------- 1. client credentials, both SDK lines ----
async function caseClientCredentials() {
  section('1. client_credentials tokens (crm:read, crm:admin) through SDK 1.x and 2.x');
  const read = await ccToken('crm:read');
  const admin = await ccToken('crm:admin');
  const hdr = decodeProtectedHeader(read.access_token);
  const claims = decodeJwt(read.access_token);
  c.ok('provider issued an RFC 9068 JWT (typ at+jwt)', hdr.typ === 'at+jwt', JSON.stringify(hdr));
  c.ok('token: aud is the MCP resource, iss the provider',
    (claims.aud === MCP || claims.aud?.includes?.(MCP)) && claims.iss === ISSUER, JSON.stringify(claims));
  c.ok('token: sub (the client id) and scope present', claims.sub === CLIENTS.cc.id && claims.scope === 'crm:read',
    JSON.stringify(claims));

  // Audience binding: a token of the same provider for another resource server is refused.
  const other = await ccToken('crm:admin', { resource: otherResource(MCP) });
  const otherAud = decodeJwt(other.access_token).aud;
  const refused = await rawInitialize({ authorization: `Bearer ${other.access_token}` });
  c.ok(`token for another resource (aud ${otherAud}): 401 invalid_token`,
    refused.status === 401 && /error="invalid_token"/.test(refused.www), `HTTP ${refused.status} ${refused.www}`);

  for (const line of [1, 2, '2auto']) {
    const tag = { 1: 'sdk1.x', 2: 'client2.x', '2auto': 'client2.x auto' }[line];
    await c.step(`${tag}: crm:read token`, async () => {
      const challenges = [];
      const { client } = await connectWithToken(line, read.access_token, { fetch: challengeSpy(challenges) });
      if (line === '2auto') {
        c.ok(`${tag}: connect with a crm:read token, 2026-07-28 negotiated`,
          client.getProtocolEra() === 'modern' && client.getNegotiatedProtocolVersion() === '2026-07-28',
          `${client.getProtocolEra()} ${client.getNegotiatedProtocolVersion()}`);
      } else {
        c.ok(`${tag}: connect (initialize) with a crm:read token`, true);
      }
      const names = toolNames(await client.listTools());
      c.ok(`${tag}: tools/list shows ${READ_TOOL} (crm:read)`, names.includes(READ_TOOL), names.join(','));
      c.ok(`${tag}: tools/list hides ${WRITE_TOOL} (crm:write)`, !names.includes(WRITE_TOOL), names.join(','));
      const r = await client.callTool({ name: READ_TOOL, arguments: { text: `hi ${tag}` } });
      c.ok(`${tag}: call ${READ_TOOL} (crm:read) succeeds`, textOf(r) === `hi ${tag}` && !r.isError, JSON.stringify(r));
      try {
        const w = await client.callTool({ name: WRITE_TOOL, arguments: {} });
        c.ok(`${tag}: call ${WRITE_TOOL} refused with 403 insufficient_scope`, false, `answered ${JSON.stringify(w)}`);
      } catch (e) {
        const www = challenges.find((x) => x.status === 403)?.www ?? '';
        c.ok(`${tag}: call ${WRITE_TOOL} refused: the SDK surfaces 403 insufficient_scope`, isInsufficientScope(line, e),
          `${errText(e)} ${JSON.stringify(e?.data ?? {})}`);
        c.ok(`${tag}: the 403 challenge: Bearer error="insufficient_scope", scope with crm:write and the granted crm:read, resource_metadata`,
          /^Bearer /.test(www) && /error="insufficient_scope"/.test(www) && /scope="[^"]*crm:write/.test(www) &&
          /scope="[^"]*crm:read/.test(www) && /resource_metadata="/.test(www), www || JSON.stringify(challenges));
      }
      await closeQuietly(client);
    });
    await c.step(`${tag}: crm:admin token`, async () => {
      const { client } = await connectWithToken(line, admin.access_token);
      const names = toolNames(await client.listTools());
      c.ok(`${tag}: crm:admin token sees ${WRITE_TOOL} (admin => write => read)`,
        names.includes(WRITE_TOOL) && names.includes(READ_TOOL), names.join(','));
      const r = await client.callTool({ name: WRITE_TOOL, arguments: {} });
      c.ok(`${tag}: crm:admin token calls ${WRITE_TOOL}`, textOf(r) === WRITE_TEXT && !r.isError, JSON.stringify(r));
      await closeQuietly(client);
    });
  }

  // The 2.x SDK's own client_credentials provider: discovery from mcpx's 401 (RFC 9728), the
  // provider's metadata, the token request with resource=; then 403 step-up for crm:write.
  await c.step('client2.x ClientCredentialsProvider', async () => {
    const seen = [];
    const fetchSpy = async (url, init) => {
      const res = await fetch(url, init);
      seen.push(`${init?.method ?? 'GET'} ${new URL(String(url)).pathname} ${res.status}`);
      return res;
    };
    const provider = new ClientCredentialsProvider({
      clientId: CLIENTS.cc.id,
      clientSecret: CLIENTS.cc.secret,
      scope: 'crm:read',
      expectedIssuer: ISSUER,
    });
    const client = new Client2({ name: 'mcpx-e2e-auth-client2-cc', version: '1.0.0' }, { capabilities: {} });
    const transport = new Transport2(new URL(MCP), { authProvider: provider, fetch: fetchSpy });
    await withTimeout(client.connect(transport), 15000, 'connect');
    const tok = provider.tokens()?.access_token;
    c.ok('client2.x ClientCredentialsProvider: connects after discovery from the 401',
      !!tok && decodeJwt(tok).aud === MCP, seen.join(' | '));
    const r = await client.callTool({ name: READ_TOOL, arguments: { text: 'cc' } });
    c.ok('client2.x ClientCredentialsProvider: call ' + READ_TOOL, textOf(r) === 'cc', JSON.stringify(r));
    // crm:write: mcpx answers 403 insufficient_scope scope="crm:read crm:write"; the SDK steps up.
    try {
      const w = await client.callTool({ name: WRITE_TOOL, arguments: {} });
      const now = decodeJwt(provider.tokens().access_token).scope;
      c.ok('client2.x ClientCredentialsProvider: 403 step-up to crm:write, then the call succeeds',
        textOf(w) === WRITE_TEXT && /crm:write/.test(now) && /crm:read/.test(now), `scope now "${now}"`);
    } catch (e) {
      c.ok('client2.x ClientCredentialsProvider: 403 step-up to crm:write, then the call succeeds', false,
        `${errText(e)} ${seen.slice(-6).join(' | ')}`);
    }
    await closeQuietly(client);
  });
}

// ------------------------------- 2. authorization code + PKCE via the SDKs ----
/** Follows the authorization redirects (login + consent need no person) to the callback. */
async function followToCallback(authorizationUrl) {
  const jar = new Map();
  let url = String(authorizationUrl);
  for (let hop = 0; hop < 12; hop++) {
    if (url.startsWith(CLIENTS.app.redirect)) return new URL(url);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await tfetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const sc of r.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1));
    }
    const loc = r.headers.get('location');
    if (r.status < 300 || r.status >= 400 || !loc) {
      throw new Error(`authorization flow stopped at ${url}: HTTP ${r.status} ${(await r.text()).slice(0, 300)}`);
    }
    await r.body?.cancel();
    url = new URL(loc, url).href;
  }
  throw new Error('authorization flow: too many redirects');
}

class AppProvider {
  constructor() {
    this.authUrl = undefined;
    this._tokens = undefined;
    this._verifier = undefined;
  }
  get redirectUrl() { return CLIENTS.app.redirect; }
  get clientMetadata() {
    return {
      client_name: 'mcpx e2e app',
      redirect_uris: [CLIENTS.app.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    };
  }
  clientInformation() { return { client_id: CLIENTS.app.id, expectedIssuer: ISSUER, issuer: ISSUER }; }
  tokens() { return this._tokens; }
  saveTokens(t) { this._tokens = t; }
  redirectToAuthorization(url) { this.authUrl = new URL(String(url)); }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() { return this._verifier; }
  saveDiscoveryState(s) { this._discovery = s; }
  discoveryState() { return this._discovery; }
}

async function caseAuthorizationCode() {
  section('2. authorization code + PKCE (S256), driven through the SDKs\' OAuth client support');
  for (const line of [1, 2]) {
    const tag = line === 1 ? 'sdk1.x' : 'client2.x';
    await c.step(`${tag}: authorization code flow`, async () => {
      const provider = new AppProvider();
      const mk = () => (line === 1
        ? { client: new Client1({ name: 'mcpx-e2e-auth-app1', version: '1' }, { capabilities: {} }),
          transport: new Transport1(new URL(MCP), { authProvider: provider }) }
        : { client: new Client2({ name: 'mcpx-e2e-auth-app2', version: '1' }, { capabilities: {} }),
          transport: new Transport2(new URL(MCP), { authProvider: provider }) });
      let { client, transport } = mk();
      let redirected = false;
      try {
        await withTimeout(client.connect(transport), 15000, 'connect');
      } catch (e) {
        redirected = !!provider.authUrl;
        if (!redirected) throw e;
        c.ok(`${tag}: first connect stops for authorization (${e?.constructor?.name})`,
          line === 2 || e instanceof Unauthorized1, errText(e));
      }
      c.ok(`${tag}: SDK discovered the provider from mcpx's 401 and built the authorization URL`,
        redirected && provider.authUrl.href.startsWith(`${ISSUER}/`), String(provider.authUrl));
      if (!redirected) return;
      const q = provider.authUrl.searchParams;
      c.ok(`${tag}: authorization request uses PKCE S256 and resource=${MCP}`,
        q.get('code_challenge_method') === 'S256' && !!q.get('code_challenge') && q.get('resource') === MCP,
        provider.authUrl.search);
      const cb = await followToCallback(provider.authUrl);
      const code = cb.searchParams.get('code');
      c.ok(`${tag}: login + consent finished without a person, code at the callback`, !!code, cb.href);
      if (line === 1) await transport.finishAuth(code);
      else await transport.finishAuth(cb.searchParams);
      const tok = provider.tokens()?.access_token;
      const claims = tok ? decodeJwt(tok) : {};
      c.ok(`${tag}: SDK exchanged the code: a JWT for the MCP resource, sub ${ACCOUNT}`,
        claims.aud === MCP && claims.sub === ACCOUNT && /crm:read/.test(claims.scope ?? ''), JSON.stringify(claims));
      await closeQuietly(client);
      ({ client, transport } = mk());
      await withTimeout(client.connect(transport), 15000, 'connect');
      const r = await client.callTool({ name: READ_TOOL, arguments: { text: `code ${tag}` } });
      c.ok(`${tag}: reconnects with the token and calls ${READ_TOOL}`, textOf(r) === `code ${tag}`, JSON.stringify(r));
      await closeQuietly(client);
    });
  }
}

// ---------------------------------------------------------- 3. key rotation ----
async function mcpxMetric(prefix) {
  const r = await tfetch(`${ORIGIN}/metrics`);
  if (!r.ok) return undefined;
  const lines = (await r.text()).split('\n').filter((l) => l.startsWith(prefix));
  return lines.reduce((a, l) => a + Number(l.split(' ').pop()), 0);
}

async function caseKeyRotation() {
  section('3. key rotation: the provider restarts with a new signing key first in its JWKS');
  const before = await ccToken('crm:read');
  const oldKid = decodeProtectedHeader(before.access_token).kid;
  // Tokens signed with the old key, first presented while the provider is down or restarting.
  const spare = await Promise.all([1, 2, 3].map(() => ccToken('crm:read')));
  let current = before.access_token;
  const client = new Client2({ name: 'mcpx-e2e-auth-rotation', version: '1' }, { capabilities: {} });
  await withTimeout(client.connect(new Transport2(new URL(MCP), { authProvider: { token: async () => current } })),
    15000, 'connect');
  let calls = 0;
  const failures = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      try {
        const r = await withTimeout(client.callTool({ name: READ_TOOL, arguments: { text: 'rot' } }), 10000, 'call');
        if (textOf(r) !== 'rot') failures.push(JSON.stringify(r));
      } catch (e) {
        failures.push(errText(e));
      }
      calls++;
      await sleep(20);
    }
  })();

  const { keys } = JSON.parse(readFileSync(opts.keys, 'utf8'));
  const fresh = await newSigningKey();
  writeKeys(opts.keys, [fresh, ...keys]);
  const oldPid = Number(readFileSync(opts['pid-file'], 'utf8'));
  process.kill(oldPid, 'SIGTERM');
  // While the provider is down / restarting: old-key tokens never seen before still verify.
  let downtimeUses = 0;
  let restarted = false;
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (downtimeUses < spare.length) current = spare[downtimeUses++].access_token;
    try {
      const jwks = await (await tfetch(`${ISSUER}/jwks`)).json();
      if (jwks.keys?.[0]?.kid === fresh.kid && jwks.keys.some((k) => k.kid === oldKid)) {
        restarted = true;
        break;
      }
    } catch {
      /* down */
    }
    await sleep(100);
  }
  c.ok('provider restarted serving the new key first, the old key after it', restarted, `new kid ${fresh.kid}`);
  const refetchesBefore = await mcpxMetric('mcpx_auth_unknown_kid_refetches_total');
  const after = await ccToken('crm:read');
  const newKid = decodeProtectedHeader(after.access_token).kid;
  c.ok('a new token is signed with the new kid', newKid === fresh.kid && newKid !== oldKid, `${oldKid} -> ${newKid}`);
  // First use of the new kid: raw, so a refusal is seen as such (no SDK retry in between).
  const first = await rawInitialize({ authorization: `Bearer ${after.access_token}` });
  c.ok('new-kid token accepted on the first attempt (mcpx refetched the JWKS)', first.status === 200,
    `HTTP ${first.status} ${first.www} ${first.text.slice(0, 200)}`);
  const refetchesAfter = await mcpxMetric('mcpx_auth_unknown_kid_refetches_total');
  c.ok('mcpx counted exactly one unknown-kid JWKS refetch', refetchesAfter - refetchesBefore === 1,
    `mcpx_auth_unknown_kid_refetches_total ${refetchesBefore} -> ${refetchesAfter}`);
  current = after.access_token;
  const r = await client.callTool({ name: READ_TOOL, arguments: { text: 'new kid' } });
  c.ok('the SDK session goes on with the new-kid token', textOf(r) === 'new kid', JSON.stringify(r));
  await sleep(200);
  stop = true;
  await loop;
  c.ok(`no call failed during the rotation (${calls} calls, ${downtimeUses} old-key tokens first used meanwhile)`,
    failures.length === 0 && calls > 0, failures.slice(0, 3).join(' | '));
  await closeQuietly(client);
}

// ------------------------------------------------------------------ 4. DPoP ----
async function caseDpop() {
  section('4. DPoP (RFC 9449): a sender-constrained token from the provider');
  const key = await newDpopKey();
  const tok = await ccToken('crm:write', { dpopKey: key });
  const claims = decodeJwt(tok.access_token);
  c.ok('provider issued a DPoP-bound token (token_type DPoP, cnf.jkt = key thumbprint)',
    tok.token_type === 'DPoP' && claims.cnf?.jkt === key.jkt, `${tok.token_type} ${JSON.stringify(claims.cnf)}`);
  const at = tok.access_token;
  const ok = await rawInitialize({ authorization: `DPoP ${at}`, dpop: await dpopProof(key, 'POST', MCP, at) });
  c.ok('DPoP token + valid proof: accepted', ok.status === 200, `HTTP ${ok.status} ${ok.www} ${ok.text.slice(0, 200)}`);
  const noProof = await rawInitialize({ authorization: `DPoP ${at}` });
  c.ok('DPoP token without a proof: 401', noProof.status === 401, `HTTP ${noProof.status}`);
  const asBearer = await rawInitialize({ authorization: `Bearer ${at}` });
  c.ok('DPoP-bound token presented as Bearer without a proof: 401', asBearer.status === 401, `HTTP ${asBearer.status}`);
  const proof = await dpopProof(key, 'POST', MCP, at);
  await rawInitialize({ authorization: `DPoP ${at}`, dpop: proof });
  const replay = await rawInitialize({ authorization: `DPoP ${at}`, dpop: proof });
  c.ok('replayed proof (same jti): 401', replay.status === 401, `HTTP ${replay.status} ${replay.www}`);
  const other = await rawInitialize({ authorization: `DPoP ${at}`, dpop: await dpopProof(key, 'POST', `${ORIGIN}/other`, at) });
  c.ok('proof for another URL (htu): 401', other.status === 401, `HTTP ${other.status}`);
  const otherKey = await newDpopKey();
  const wrongKey = await rawInitialize({ authorization: `DPoP ${at}`, dpop: await dpopProof(otherKey, 'POST', MCP, at) });
  c.ok('proof signed by another key (jkt mismatch): 401', wrongKey.status === 401, `HTTP ${wrongKey.status}`);
  const noAth = await rawInitialize({ authorization: `DPoP ${at}`, dpop: await dpopProof(key, 'POST', MCP) });
  c.ok('proof without ath: 401', noAth.status === 401, `HTTP ${noAth.status}`);
  c.ok('the 401 challenges name the DPoP scheme', /DPoP/.test(noProof.www), noProof.www);

  // SDK 1.x with a fetch that signs a fresh proof per request (the 1.x SDK has no DPoP of its own).
  await c.step('sdk1.x with DPoP proofs per request', async () => {
    let proofs = 0;
    const dpopFetch = async (url, init = {}) => {
      const headers = new Headers(init.headers);
      const u = new URL(String(url));
      headers.set('authorization', `DPoP ${at}`);
      headers.set('dpop', await dpopProof(key, init.method ?? 'GET', `${u.origin}${u.pathname}`, at));
      proofs++;
      return fetch(url, { ...init, headers });
    };
    const client = new Client1({ name: 'mcpx-e2e-auth-dpop1', version: '1' }, { capabilities: {} });
    await withTimeout(client.connect(new Transport1(new URL(MCP), { fetch: dpopFetch })), 15000, 'connect');
    const names = toolNames(await client.listTools());
    const r = await client.callTool({ name: WRITE_TOOL, arguments: {} });
    c.ok(`sdk1.x + DPoP: list and call ${WRITE_TOOL} (crm:write)`, names.includes(WRITE_TOOL) && textOf(r) === WRITE_TEXT,
      `${proofs} proofs; ${JSON.stringify(r)}`);
    await closeQuietly(client);
  });

  // The 2.x SDK's own DPoP support (OAuthClientProvider.dpop()): it binds the token at the
  // provider and proves possession at mcpx on every request.
  await c.step('client2.x with its own DPoP support', async () => {
    const session = await DpopSession.create({ alg: 'ES256' });
    class DpopCc extends ClientCredentialsProvider {
      dpop() { return session; }
    }
    const provider = new DpopCc({ clientId: CLIENTS.cc.id, clientSecret: CLIENTS.cc.secret, scope: 'crm:read', expectedIssuer: ISSUER });
    const schemes = [];
    const spy = async (url, init = {}) => {
      const h = new Headers(init.headers);
      if (String(url).startsWith(MCP)) schemes.push(`${(h.get('authorization') ?? '-').split(' ')[0]}${h.get('dpop') ? '+proof' : ''}`);
      return fetch(url, init);
    };
    const client = new Client2({ name: 'mcpx-e2e-auth-dpop2', version: '1' }, { capabilities: {} });
    await withTimeout(client.connect(new Transport2(new URL(MCP), { authProvider: provider, fetch: spy })), 15000, 'connect');
    const t = provider.tokens();
    const cl = t ? decodeJwt(t.access_token) : {};
    c.ok('client2.x DPoP: the SDK got a DPoP-bound token (cnf.jkt = its key)',
      cl.cnf?.jkt === session.thumbprint, `${t?.token_type} ${JSON.stringify(cl.cnf)}`);
    const r = await client.callTool({ name: READ_TOOL, arguments: { text: 'dpop2' } });
    c.ok('client2.x DPoP: call succeeds, every authorized request used the DPoP scheme with a proof',
      textOf(r) === 'dpop2' && schemes.filter((s) => s !== '-').every((s) => s === 'DPoP+proof') && schemes.includes('DPoP+proof'),
      schemes.join(','));
    await closeQuietly(client);
  });
}

// ------------------------------------- 6. opaque tokens: introspection ----
async function caseOpaque() {
  section('6. opaque access tokens, checked by RFC 7662 introspection at the provider');
  const read = await ccToken('crm:read', { as: CLIENTS.opaque });
  c.ok('provider issued an opaque token (not a JWT)', read.access_token.split('.').length !== 3, read.access_token);
  const before = await mcpxMetric('mcpx_auth_introspections_total');
  for (const line of [1, '2auto']) {
    const tag = { 1: 'sdk1.x', '2auto': 'client2.x auto' }[line];
    await c.step(`${tag}: opaque crm:read token`, async () => {
      const { client } = await connectWithToken(line, read.access_token);
      const names = toolNames(await client.listTools());
      c.ok(`${tag}: tools/list with the opaque token shows ${READ_TOOL}, hides ${WRITE_TOOL}`,
        names.includes(READ_TOOL) && !names.includes(WRITE_TOOL), names.join(','));
      const r = await client.callTool({ name: READ_TOOL, arguments: { text: `opaque ${tag}` } });
      c.ok(`${tag}: call ${READ_TOOL} with the opaque token`, textOf(r) === `opaque ${tag}`, JSON.stringify(r));
      try {
        const w = await client.callTool({ name: WRITE_TOOL, arguments: {} });
        c.ok(`${tag}: call ${WRITE_TOOL} refused (crm:write)`, false, `answered ${JSON.stringify(w)}`);
      } catch (e) {
        c.ok(`${tag}: call ${WRITE_TOOL} refused with 403 insufficient_scope`, isInsufficientScope(line, e), errText(e));
      }
      await closeQuietly(client);
    });
  }
  const after = await mcpxMetric('mcpx_auth_introspections_total');
  c.ok('the token was introspected once, then served from the cache', after - before === 1, `${before} -> ${after}`);

  // Audience binding holds for opaque tokens too: the introspection answer names the other resource.
  const other = await ccToken('crm:read', { as: CLIENTS.opaque, resource: otherResource(MCP) });
  const refused = await rawInitialize({ authorization: `Bearer ${other.access_token}` });
  c.ok('opaque token for another resource: 401 invalid_token',
    refused.status === 401 && /error="invalid_token"/.test(refused.www), `HTTP ${refused.status} ${refused.www}`);
  const made_up = await rawInitialize({ authorization: 'Bearer made-up-opaque-token-0123456789' });
  c.ok('a made-up opaque token: 401, the provider says it is not active',
    made_up.status === 401 && /not active/.test(made_up.www), `HTTP ${made_up.status} ${made_up.www}`);
}

// --------------------------------------------------------------------- main ----
// [number in README.md, case]; --only 1,3 runs cases 1 and 3.
const cases = [[5, caseNoToken], [1, caseClientCredentials], [6, caseOpaque], [2, caseAuthorizationCode], [4, caseDpop],
  [3, caseKeyRotation]];
const only = opts.only ? new Set(opts.only.split(',')) : undefined;
for (const [n, fn] of cases) {
  if (only && !only.has(String(n))) continue;
  await c.step(fn.name, fn);
}
console.log();
c.summary();
console.log(`cases: ${c.passed} passed, ${c.failed} failed`);
process.exit(c.failed === 0 && c.passed > 0 ? 0 : 1);
