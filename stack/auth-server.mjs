// Demo OAuth 2.1 authorization server for the local stack, built on oidc-provider.
// Issues RFC 9068 JWT access tokens for one protected MCP resource, and has test
// hooks (JWKS counter, JWKS outage, key rotation, extra per-client token claims)
// for the gateway's integration tests. Each instance has its own port and keys, so
// several can run at once as separate issuers.
//
//   node stack/auth-server.mjs --port 9000 --resource http://127.0.0.1:8787/mcp
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Provider, { errors } from 'oidc-provider';
// The package's own in-memory adapter; one store shared by every Provider we build
// keeps dynamic clients, sessions and grants alive across key rotations.
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

const DEFAULT_SCOPES = ['todo:read', 'todo:write', 'todo:admin'];
const OIDC_SCOPES = ['openid', 'offline_access'];
// Endpoints browsers may call from any origin (discovery, JWKS, token, registration).
const CORS_PATHS = [
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/jwks',
  '/token',
  '/reg',
];

async function newSigningKey(alg) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey); // includes the private parts
  jwk.kid = await calculateJwkThumbprint(jwk); // a fresh kid per key
  return { ...jwk, alg, use: 'sig' };
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage({ uid, clientName, scopes, resource }) {
  const items = scopes.length
    ? scopes.map((s) => `<li><code>${esc(s)}</code></li>`).join('')
    : '<li>no scopes</li>';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - demo authorization server</title></head>
<body>
<main>
<h1>Sign in to the demo authorization server</h1>
<p><strong>${esc(clientName)}</strong> asks for access to <code>${esc(resource)}</code> with these scopes:</p>
<ul>${items}</ul>
<form method="post" action="/interaction/${esc(uid)}/login">
<label for="username">Username</label>
<input id="username" name="username" value="demo-user" autocomplete="username" required maxlength="64">
<button type="submit">Sign in and allow</button>
</form>
</main>
</body>
</html>`;
}

async function readForm(req, limit = 8192) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res, status, body, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    // No scripts, no framing: the sign-in page must not be clickjacked.
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  });
  res.end(body);
}

export async function startAuthServer({
  host = '127.0.0.1',
  port = 0,
  resource,
  scopes = DEFAULT_SCOPES,
  accessTokenTtl = 600,
  alg = 'RS256',
  browserRedirectUris = [],
  jwksMaxAge = 300,
  // client_id -> claims added to that client's JWT access tokens (e.g. tenant, groups).
  extraClaims = {},
} = {}) {
  if (!resource) throw new TypeError('startAuthServer: options.resource is required');
  resource = new URL(resource).href;

  const clients = {
    'demo-m2m': {
      client_id: 'demo-m2m',
      client_secret: 'demo-m2m-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: scopes.join(' '),
    },
    'demo-readonly': {
      client_id: 'demo-readonly',
      client_secret: 'demo-readonly-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'todo:read',
    },
    'demo-browser': {
      client_id: 'demo-browser',
      client_name: 'Demo browser client',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [
        'http://127.0.0.1:8787/demo/callback.html',
        'http://localhost:8787/demo/callback.html',
        ...browserRedirectUris,
      ],
    },
  };

  const adapter = createMemoryAdapter();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  let keys = [await newSigningKey(alg)];
  let jwksAvailable = true;
  let jwksRequests = 0;
  let provider;
  let handle;

  // Requested scopes a client may receive for the resource: the resource's scopes,
  // narrowed by the client's registered `scope` when it has one.
  const allowedScopes = (client) => {
    const own = client?.scope ? new Set(client.scope.split(' ')) : null;
    return scopes.filter((s) => !own || own.has(s));
  };

  // oidc-provider reads its keys once, so every key change builds a new Provider.
  const buildProvider = (issuer) => {
    return new Provider(issuer, {
      adapter,
      clients: structuredClone(Object.values(clients)),
      jwks: { keys: structuredClone(keys) }, // first key signs new tokens
      cookies: { keys: cookieKeys },
      // Resource scopes are listed here too so that clients may register them in `scope`
      // and so that a client's `scope` restricts what it can ask for.
      scopes: [...OIDC_SCOPES, ...scopes],
      responseTypes: ['code'],
      pkce: { required: () => true }, // S256 only: the only method oidc-provider supports
      clientDefaults: { id_token_signed_response_alg: alg },
      // oidc-provider only keeps offline_access when prompt=consent is sent; OAuth 2.1 /
      // MCP clients don't send it, so any client allowed the refresh_token grant gets one.
      issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
      // Plain error page (the default one pulls web fonts); also easy to read in test errors.
      async renderError(ctx, out) {
        ctx.type = 'html';
        ctx.body = `<!doctype html><html lang="en"><title>Authorization error</title>`
          + `<h1>Authorization error</h1><p>${esc(out.error)}: ${esc(out.error_description ?? '')}</p></html>`;
      },
      // Claims configured for the token's client, copied so that no token shares state.
      async extraTokenClaims(ctx, token) {
        const claims = Object.hasOwn(extraClaims, token.clientId) ? extraClaims[token.clientId] : undefined;
        return claims ? structuredClone(claims) : undefined;
      },
      async findAccount(ctx, sub) {
        return { accountId: sub, claims: async () => ({ sub }) };
      },
      ttl: {
        AccessToken: accessTokenTtl,
        ClientCredentials: accessTokenTtl,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        RefreshToken: 86400,
      },
      features: {
        devInteractions: { enabled: false }, // replaced by /interaction below
        clientCredentials: { enabled: true },
        registration: { enabled: true, initialAccessToken: false },
        revocation: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // Without `resource`, tokens are still for our one resource (right aud).
          defaultResource: async (ctx, client, oneOf) => (oneOf?.length ? oneOf[0] : resource),
          useGrantedResource: async () => true,
          async getResourceServerInfo(ctx, indicator, client) {
            if (indicator !== resource) throw new errors.InvalidTarget();
            return {
              audience: resource,
              scope: allowedScopes(client).join(' '),
              accessTokenTTL: accessTokenTtl,
              accessTokenFormat: 'jwt', // RFC 9068: typ at+jwt
              jwt: { sign: { alg } },
            };
          },
        },
      },
    });
  };

  async function showInteraction(req, res, uid) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, 'interaction mismatch');
    const client = await provider.Client.find(details.params.client_id);
    const requested = details.params.scope?.split(' ') ?? [];
    send(res, 200, loginPage({
      uid,
      clientName: client?.clientName ?? details.params.client_id,
      scopes: requested,
      resource: details.params.resource ?? resource,
    }), 'text/html; charset=utf-8');
  }

  // One post = login + consent: grant the requested OIDC scopes and the requested
  // resource scopes this client may have.
  async function finishInteraction(req, res, uid) {
    const form = await readForm(req);
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, 'interaction mismatch');
    const accountId = (form.get('username') ?? '').trim();
    if (!/^[\w.@-]{1,64}$/.test(accountId)) return send(res, 400, 'invalid username');

    const { client_id: clientId, scope = '' } = details.params;
    const client = await provider.Client.find(clientId);
    const requested = new Set(scope.split(' ').filter(Boolean));
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId });
    // oidc-provider treats every scope in its `scopes` list (ours included) as an
    // "OIDC" scope for consent bookkeeping, so record them on both sides.
    const oidc = [...requested].filter((s) => OIDC_SCOPES.includes(s) || scopes.includes(s));
    if (oidc.length) grant.addOIDCScope(oidc.join(' '));
    const rs = allowedScopes(client).filter((s) => requested.has(s));
    if (rs.length) grant.addResourceScope(resource, rs.join(' '));
    const grantId = await grant.save();

    await provider.interactionFinished(req, res, {
      login: { accountId },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
  }

  function cors(req, res, path) {
    if (!CORS_PATHS.some((p) => path === p || path.startsWith(`${p}/`))) return false;
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, DPoP-Nonce');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'authorization, content-type',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return true;
    }
    return false; // headers set; oidc-provider skips its own CORS when it sees them
  }

  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url, 'http://x').pathname;
      if (cors(req, res, path)) return;

      if (path === '/jwks' && req.method === 'GET') {
        jwksRequests += 1;
        if (!jwksAvailable) {
          res.setHeader('Retry-After', '5');
          return send(res, 503, '{"error":"temporarily_unavailable"}', 'application/json');
        }
        res.setHeader('Cache-Control', `public, max-age=${jwksMaxAge}`);
      }

      const m = path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
      if (m && req.method === 'GET' && !m[2]) return await showInteraction(req, res, m[1]);
      if (m && req.method === 'POST' && m[2]) return await finishInteraction(req, res, m[1]);

      return handle(req, res);
    } catch (err) {
      if (!res.headersSent) send(res, err.statusCode ?? 400, `${err.name}: ${err.error_description ?? err.message}`);
      else res.destroy();
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const boundPort = server.address().port;
  const issuer = `http://${host}:${boundPort}`;
  const install = () => {
    provider = buildProvider(issuer);
    handle = provider.callback();
  };
  install();

  return {
    issuer,
    url: issuer,
    port: boundPort,
    jwksUri: `${issuer}/jwks`,
    resource,
    clients,
    get jwksRequests() { return jwksRequests; },
    setJwksAvailable(available) { jwksAvailable = Boolean(available); },
    /** A client-credentials access token for a pre-registered client (tests and demos). */
    async clientCredentialsToken(clientId = 'demo-m2m', scope = scopes.join(' '), forResource = resource) {
      const client = clients[clientId];
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: forResource }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async rotateKeys({ keepOld = true } = {}) {
      const key = await newSigningKey(alg);
      keys = keepOld ? [key, ...keys] : [key];
      install(); // same server, adapter and cookie keys; new keystore
      return key.kid;
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // don't wait for idle keep-alive sockets
      });
    },
  };
}

// CLI: run the demo AS until SIGINT/SIGTERM.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '9000' },
      resource: { type: 'string', default: 'http://127.0.0.1:8787/mcp' },
      'redirect-uri': { type: 'string', multiple: true, default: [] },
      ttl: { type: 'string', default: '600' },
    },
  });
  const as = await startAuthServer({
    host: values.host,
    port: Number(values.port),
    resource: values.resource,
    accessTokenTtl: Number(values.ttl),
    browserRedirectUris: values['redirect-uri'],
  });
  console.log(`demo authorization server: issuer ${as.issuer}`);
  console.log(`  resource ${as.resource}, JWKS ${as.jwksUri}`);
  for (const c of Object.values(as.clients)) {
    const secret = c.client_secret ? ` secret=${c.client_secret}` : ' (public, PKCE)';
    console.log(`  client ${c.client_id}${secret} grants=${c.grant_types.join(',')}${c.scope ? ` scope="${c.scope}"` : ''}`);
  }
  const stop = async () => {
    await as.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
