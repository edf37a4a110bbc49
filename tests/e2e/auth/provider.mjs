#!/usr/bin/env node
// A real third-party OAuth 2.1 / OpenID Connect authorization server (the npm package
// oidc-provider, unmodified) configured for the mcpx auth e2e test, on plain http on loopback.
//
// usage: node provider.mjs --port N --resource URL --keys FILE [--pid-file FILE]
//   --port      the loopback port to listen on (the issuer is http://127.0.0.1:N)
//   --resource  the MCP server's canonical resource URI (RFC 8707); its access tokens are
//               RFC 9068 JWTs with aud = URL. One other resource is known, otherResource()
//               of common.mjs (same origin, path /other-api), for audience-binding checks.
//   --keys      JSON file {"keys": [private JWK, ...]}: the signing keys, the first one signs
//               (created with one RS256 key when missing). The test rotates keys by writing a
//               new file (new key first, old key kept after it) and restarting this process.
//   --pid-file  written with this process's pid once listening
//
// Clients (all static, no registration):
//   cc-client / cc-client-secret   confidential, client_credentials (client_secret_basic/post)
//   cc-opaque / cc-opaque-secret   as cc-client, but its access tokens are opaque (introspected)
//   mcp-server                     the MCP server's own credentials for RFC 7662 introspection
//   mcp-app                        public (token_endpoint_auth_method none), native app,
//                                  authorization_code + PKCE S256, redirect http://127.0.0.1/callback
// Scopes of the resource: crm:read crm:write crm:admin. DPoP (RFC 9449) is on (no nonces).
// The login and consent interaction needs no person: GET /interaction/:uid logs "alice" in
// and grants what the client asked for, then redirects back to the authorization endpoint.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';
import { ACCOUNT, CLIENTS, SCOPES, newSigningKey, otherResource, writeKeys } from './common.mjs';

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${a}`);
    o[a.slice(2)] = argv[++i];
  }
  for (const k of ['port', 'resource', 'keys']) if (!o[k]) throw new Error(`--${k} is required`);
  return o;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const port = Number(args.port);
  const issuer = `http://127.0.0.1:${port}`;
  const resource = args.resource;
  if (!existsSync(args.keys)) writeKeys(args.keys, [await newSigningKey()]);
  const { keys } = JSON.parse(readFileSync(args.keys, 'utf8'));

  const configuration = {
    clients: [
      {
        client_id: CLIENTS.cc.id,
        client_secret: CLIENTS.cc.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: CLIENTS.opaque.id,
        client_secret: CLIENTS.opaque.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: CLIENTS.introspector.id,
        client_secret: CLIENTS.introspector.secret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: CLIENTS.app.id,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [CLIENTS.app.redirect],
      },
    ],
    jwks: { keys },
    cookies: { keys: ['mcpx-e2e-auth-cookie-key-not-a-secret'] },
    findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 3600,
      Session: 3600,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
      // RFC 7662 for the MCP server (a confidential client): any token may be asked about.
      introspection: { enabled: true, allowedPolicy: async (ctx, client) => client.clientId === CLIENTS.introspector.id },
      resourceIndicators: {
        enabled: true,
        // Requests without a resource parameter get the MCP server's (one resource only).
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator, client) => {
          if (indicator !== resource && indicator !== otherResource(resource)) {
            throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          }
          return {
            scope: SCOPES.join(' '),
            audience: indicator,
            accessTokenTTL: 600,
            // RFC 9068 JWT access tokens (typ at+jwt); opaque ones for cc-opaque (introspected).
            accessTokenFormat: client?.clientId === CLIENTS.opaque.id ? 'opaque' : 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  };

  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  // The interaction (login + consent) finished without a person.
  async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session, grantId } = details;
    let result;
    if (prompt.name === 'login') {
      result = { login: { accountId: ACCOUNT } };
    } else if (prompt.name === 'consent') {
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const d = prompt.details;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      if (d.missingResourceScopes) {
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
      }
      result = { consent: { grantId: await grant.save() } };
    } else {
      result = { error: 'access_denied', error_description: `unexpected prompt ${prompt.name}` };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
      interaction(req, res).catch((e) => {
        console.error(`provider: interaction failed: ${e.stack ?? e}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e.message ?? e));
      });
      return;
    }
    callback(req, res);
  });
  provider.on('server_error', (ctx, err) => console.error(`provider: server_error ${err.stack ?? err}`));
  provider.on('grant.error', (ctx, err) => console.error(`provider: grant.error ${err.message} ${err.error_description ?? ''}`));
  provider.on('authorization.error', (ctx, err) =>
    console.error(`provider: authorization.error ${err.message} ${err.error_description ?? ''}`));

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  if (args['pid-file']) writeFileSync(args['pid-file'], `${process.pid}\n`);
  console.log(`provider: ${issuer} pid ${process.pid} signing kid ${keys[0].kid} (${keys.length} keys)`);
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`provider: ${e.stack ?? e}`);
    process.exit(1);
  });
}
