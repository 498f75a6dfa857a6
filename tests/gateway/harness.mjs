// Starts the real peers for a gateway test on 127.0.0.1: the oidc-provider
// authorization server, the MCP SDK origin, and the built worker (build/) in
// workerd through Miniflare. Every test stops what it started.

import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Miniflare } from 'miniflare';
import { startAuthServer } from '../../stack/auth-server.mjs';
import { startMcpOrigin } from '../../stack/mcp-origin.mjs';

const BUILD = resolve(import.meta.dirname, '../../build');

export const TOOL_SCOPES = {
  list_todos: 'todo:read',
  create_todo: 'todo:write',
  delete_todo: 'todo:admin',
  count_slowly: 'todo:read',
};

/** The test stacks' `SESSION_SECRET` (sessions bound to their principal). */
export const SESSION_SECRET = 'test-session-secret-of-32-bytes-or-more';

/** A free TCP port on 127.0.0.1 (the gateway's URL must be known before it starts). */
export async function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** A test's own HTTP server (a hand-written origin or issuer) listening on
 *  127.0.0.1: its base URL, and a close that does not wait for idle
 *  keep-alive sockets. */
export async function listenLocal(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Starts the worker alone in workerd with the given vars; optionally static
 *  assets in front of it (as `[assets]` in wrangler.toml does) and a Cache API
 *  persisted to a directory (shared by gateways started on it in turn).
 *  `rateLimit` / `anonRateLimit` are the `simple` settings of the
 *  RATE_LIMITER / RATE_LIMITER_ANON bindings; `ratelimits` adds further
 *  `[[ratelimits]]` bindings by name, in Miniflare's form, e.g.
 *  `{ RATE_LIMITER_PREMIUM: { simple: { limit: 1000, period: 60 } } }`. */
export async function startGateway({ port, vars, rateLimit, anonRateLimit, ratelimits, assetsDirectory, cachePersist }) {
  // The gateway's JSON log lines, parsed, for tests that check what it logged.
  // GATEWAY_LOGS=1 prints them as well.
  const logs = [];
  const capture = (stream, sink) => {
    createInterface({ input: stream }).on('line', (line) => {
      if (process.env.GATEWAY_LOGS) sink.write(`${line}\n`);
      try {
        const entry = JSON.parse(line);
        if (entry && typeof entry.event === 'string') logs.push(entry);
      } catch {
        // Not one of ours (workerd's own messages).
      }
    });
  };
  const mf = new Miniflare({
    modules: true,
    scriptPath: resolve(BUILD, 'index.js'),
    modulesRoot: BUILD,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    bindings: vars,
    ratelimits: {
      ...(rateLimit ? { RATE_LIMITER: { simple: rateLimit } } : {}),
      ...(anonRateLimit ? { RATE_LIMITER_ANON: { simple: anonRateLimit } } : {}),
      ...(ratelimits ?? {}),
    },
    assets: assetsDirectory ? { directory: assetsDirectory, routerConfig: { has_user_worker: true } } : undefined,
    ...(cachePersist ? { cachePersist } : {}),
    cf: false,
    host: '127.0.0.1',
    port,
    handleRuntimeStdio(stdout, stderr) {
      capture(stdout, process.stdout);
      capture(stderr, process.stderr);
    },
  });
  const url = await mf.ready;
  /** The logged events named `name`, once they have arrived (log lines flush asynchronously). */
  async function events(name, { atLeast = 1, within = 2000 } = {}) {
    const deadline = Date.now() + within;
    for (;;) {
      const found = logs.filter((entry) => entry.event === name);
      if (found.length >= atLeast || Date.now() > deadline) return found;
      await new Promise((done) => setTimeout(done, 20));
    }
  }
  return { url: url.href.replace(/\/$/, ''), mf, logs, events, close: () => mf.dispose() };
}

/**
 * The whole stack. `vars` override the gateway's; `origin` options go to the
 * MCP origin; `auth` options to the authorization server (e.g. `extraClaims`);
 * `rateLimit`, `anonRateLimit` and `ratelimits` are the gateway's rate-limit
 * bindings (see startGateway); `port` fixes the gateway's port (when a var must
 * name its own origin).
 */
export async function startStack({ vars = {}, origin: originOptions = {}, auth: authOptions = {}, rateLimit, anonRateLimit, ratelimits, assetsDirectory, port: fixedPort } = {}) {
  const port = fixedPort ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const resource = `${base}/mcp`;
  const auth = await startAuthServer({ resource, ...authOptions });
  const origin = await startMcpOrigin(originOptions);
  const gateway = await startGateway({
    port,
    rateLimit,
    anonRateLimit,
    ratelimits,
    assetsDirectory,
    vars: {
      RESOURCE: resource,
      ORIGIN_URL: origin.url,
      ISSUER: auth.issuer,
      TOOL_SCOPES: JSON.stringify(TOOL_SCOPES),
      RESOURCE_NAME: 'Demo todo MCP server',
      SESSION_SECRET: SESSION_SECRET,
      ...vars,
    },
  });
  const stack = {
    auth,
    origin,
    gateway,
    base,
    resource,
    /** A client-credentials access token for a demo client. */
    token: (clientId = 'demo-m2m', scope = 'todo:read todo:write todo:admin') => auth.clientCredentialsToken(clientId, scope),
    async close() {
      await gateway.close();
      await origin.close();
      await auth.close();
    },
  };
  return stack;
}

/**
 * A second gateway in front of another origin, trusting `stack`'s authorization
 * server and accepting its tokens (minted for the stack's resource).
 */
export async function gatewayFor(stack, originUrl, { vars = {}, rateLimit, anonRateLimit, ratelimits } = {}) {
  const port = await freePort();
  return startGateway({
    port,
    rateLimit,
    anonRateLimit,
    ratelimits,
    vars: {
      RESOURCE: `http://127.0.0.1:${port}/mcp`,
      AUDIENCE: stack.resource,
      ORIGIN_URL: originUrl,
      ISSUER: stack.auth.issuer,
      TOOL_SCOPES: JSON.stringify(TOOL_SCOPES),
      ...vars,
    },
  });
}

/** Every JSON-RPC message of a response, whether JSON or SSE. */
export async function messages(response) {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return text
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => JSON.parse(line.slice(5)));
  }
  return text ? [].concat(JSON.parse(text)) : [];
}

