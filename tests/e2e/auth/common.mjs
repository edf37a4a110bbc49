// What provider.mjs (the authorization server) and cases.mjs (the test) share: the static
// clients, the resource's scopes, the test user, and the signing-key file (rotation).
import { renameSync, writeFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

export async function newSigningKey() {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = (await calculateJwkThumbprint(jwk)).slice(0, 16);
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  return jwk;
}

export function writeKeys(file, keys) {
  writeFileSync(`${file}.tmp`, JSON.stringify({ keys }, null, 1));
  renameSync(`${file}.tmp`, file);
}

export const CLIENTS = {
  cc: { id: 'cc-client', secret: 'cc-client-secret' },
  app: { id: 'mcp-app', redirect: 'http://127.0.0.1/callback' },
  // client_credentials like cc, but its tokens for the MCP resource are opaque (not JWTs).
  opaque: { id: 'cc-opaque', secret: 'cc-opaque-secret' },
  // The MCP server itself, calling the introspection endpoint (RFC 7662) for opaque tokens.
  introspector: { id: 'mcp-server', secret: 'mcp-server-introspection-secret' },
};
export const SCOPES = ['crm:read', 'crm:write', 'crm:admin'];
export const ACCOUNT = 'alice';

/** A second resource server the provider knows (same origin as the MCP server, another path). */
export const otherResource = (resource) => new URL('/other-api', resource).href;
