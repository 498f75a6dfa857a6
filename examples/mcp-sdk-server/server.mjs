// An MCP server built with the official TypeScript SDK that checks OAuth bearer
// tokens with mcp-edge-guard (same Rust verifier as the edge gateway, as wasm).
//
// The SDK's requireBearerAuth middleware does the HTTP side (401/403 with
// WWW-Authenticate); mcp-edge-guard's Verifier is its OAuthTokenVerifier.
// mcp-edge-guard's Policy (the gateway's POLICY) then judges every JSON-RPC
// body before the SDK sees it (403 insufficient_scope / access_denied), and
// filters tools/list down to the tools the token may call.
//
//   Library: const { url, close } = await startExampleServer({ issuer, jwksUri, resource });
//   CLI:     node examples/mcp-sdk-server/server.mjs [--port 3000] [--issuer http://127.0.0.1:9000]
//                 [--jwks-uri URL] [--resource http://127.0.0.1:3000/mcp]

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  ServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import * as z from 'zod/v4';
// This repository's build of the package. With the package installed from npm:
//   import { Policy, Verifier, challenge, protectedResourceMetadata } from 'mcp-edge-guard';
import { Policy, Verifier, challenge, protectedResourceMetadata } from '../../pkg/node/mcp_edge_guard.js';

const REQUIRED_SCOPES = ['todo:read'];

/**
 * Who may call what (the gateway's POLICY format). The `tools` section is
 * present, so a tool it does not name is refused; the other sections are
 * absent, so initialize, ping, tools/list… need only a valid token.
 */
export const EXAMPLE_POLICY = {
  tools: {
    whoami: [], // any valid token
    list_todos: 'todo:read',
    add_todo: 'todo:write',
    // todo:admin, and only for the demo-m2m client: any other client is
    // refused (403 access_denied) whatever its scopes.
    purge_todos: { scopes: ['todo:admin'], claims: { client_id: 'demo-m2m' } },
  },
};

/**
 * The SDK's OAuthTokenVerifier, backed by mcp-edge-guard.
 * @param {Verifier} verifier
 * @returns {import('@modelcontextprotocol/sdk/server/auth/provider.js').OAuthTokenVerifier}
 */
export function edgeGuardTokenVerifier(verifier) {
  return {
    async verifyAccessToken(token) {
      let principal;
      try {
        principal = await verifier.verify(token);
      } catch (err) {
        throw toSdkError(err);
      }
      /** @type {import('@modelcontextprotocol/sdk/server/auth/types.js').AuthInfo} */
      return {
        token,
        clientId: principal.clientId ?? '', // from client_id (or azp); AuthInfo needs a string
        scopes: principal.scopes,
        expiresAt: principal.exp, // the middleware rejects a missing or past expiry
        extra: { sub: principal.sub, principal }, // the Policy judges scopes and claims
      };
    },
  };
}

// VerifyError → the SDK error class the middleware turns into the right answer.
function toSdkError(err) {
  if (err?.name !== 'VerifyError') return err; // a bug, not a bad token: the middleware answers 500
  switch (err.code) {
    case 'invalid_token':
    case 'unauthorized':
      return new InvalidTokenError(err.message); // 401 + WWW-Authenticate error="invalid_token"
    case 'insufficient_scope':
      return new InsufficientScopeError(err.message); // 403
    case 'invalid_request':
      return new InvalidRequestError(err.message); // 400
    default:
      // temporarily_unavailable (no keys from the AS): the package says 503; the
      // SDK middleware has no 503, so ServerError (500) is the closest it answers.
      return new ServerError(err.message);
  }
}

const text = (value) => ({ content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value });

/**
 * A fresh MCP server (one per request: stateless mode) over the shared todos.
 * Its handlers trust that the policy has already judged the request.
 */
function createMcpServer(todos) {
  const server = new McpServer({ name: 'mcp-edge-guard-example', version: '0.1.0' });
  server.registerTool(
    'whoami',
    { description: "The caller's OAuth client id and scopes, as verified by mcp-edge-guard.", inputSchema: {} },
    async (_args, extra) => {
      const auth = extra.authInfo; // req.auth, set by requireBearerAuth
      const who = { clientId: auth?.clientId ?? null, scopes: auth?.scopes ?? [], sub: auth?.extra?.sub ?? null };
      return text(who);
    },
  );
  server.registerTool(
    'list_todos',
    { description: 'The todos.', inputSchema: {} },
    async () => text({ todos }),
  );
  server.registerTool(
    'add_todo',
    { description: 'Add a todo.', inputSchema: { title: z.string().min(1).describe('Todo title') } },
    async ({ title }) => {
      todos.push(title);
      return text({ todos });
    },
  );
  server.registerTool(
    'purge_todos',
    { description: 'Delete every todo.', inputSchema: {} },
    async () => {
      todos.length = 0;
      return text({ todos });
    },
  );
  return server;
}

/**
 * Express middleware after requireBearerAuth: the policy's decision for the
 * JSON-RPC body (a message or a batch). A body the policy cannot read is
 * refused here (fail closed) rather than left to the SDK.
 */
function enforcePolicy(policy, resourceMetadataUrl) {
  return (req, res, next) => {
    const principal = req.auth.extra.principal;
    let decision;
    try {
      decision = policy.check(principal, req.body);
    } catch (err) {
      if (!(err instanceof TypeError)) return next(err);
      // Not JSON-RPC (or not parsed as JSON by express.json()).
      return res.status(400).json({ jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id: null });
    }
    switch (decision.decision) {
      case 'allowed':
        return next();
      case 'insufficient_scope':
        // A step-up can fix it: the challenge names the granted and the missing scopes.
        return res.status(403)
          .set('WWW-Authenticate', challenge({ resourceMetadata: resourceMetadataUrl, required: decision.requiredScopes, granted: principal.scopes }))
          .json({ error: 'insufficient_scope', error_description: 'The access token lacks the scope this request needs' });
      default:
        // No scope would help (rule false, claims mismatch, no rule): no challenge.
        // decision.reason is for the log, not for the client.
        return res.status(403)
          .json({ error: 'access_denied', error_description: 'This token may not make this request, whatever its scopes' });
    }
  };
}

/**
 * Makes `transport` send the results of the body's tools/list requests
 * filtered by `policy.filterList`: the SDK builds the full list, the client
 * sees the tools this principal may call. Responses are matched to requests
 * by id, as the gateway does; JSON and SSE responses both go through send().
 */
function filterToolLists(transport, policy, principal, body) {
  const messages = Array.isArray(body) ? body : [body];
  const listIds = new Set(messages.filter((m) => m?.method === 'tools/list' && m.id !== undefined).map((m) => m.id));
  if (listIds.size === 0) return;
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if (message.result !== undefined && listIds.has(message.id)) {
      message = { ...message, result: policy.filterList(principal, 'tools/list', message.result) };
    }
    return send(message, options);
  };
}

/**
 * Start the example. `resource` is this server's MCP endpoint URL (the tokens' audience);
 * by default http://127.0.0.1:<port>/mcp. `jwksUri` defaults to `${issuer}/jwks`
 * (where stack/auth-server.mjs serves its keys). `policy` defaults to EXAMPLE_POLICY.
 * @param {{ port?: number, issuer: string, jwksUri?: string, resource?: string, policy?: object }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startExampleServer({ port = 0, issuer, jwksUri, resource, policy: policyDocument = EXAMPLE_POLICY } = {}) {
  if (!issuer) throw new TypeError('startExampleServer: options.issuer is required');
  const host = '127.0.0.1';
  // Host-header (DNS rebinding) checks for a localhost server, plus express.json().
  const app = createMcpExpressApp({ host });

  const httpServer = await new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    server.once('error', reject);
  });
  const boundPort = httpServer.address().port;
  const origin = `http://${host}:${boundPort}`;
  resource = new URL(resource ?? `${origin}/mcp`).href;
  const mcpPath = new URL(resource).pathname;
  jwksUri ??= `${issuer.replace(/\/$/, '')}/jwks`;

  const verifier = new Verifier({ issuer, audience: resource, jwksUri });
  // filterLists: true (the default): lists keep only what the token may use now.
  const policy = new Policy(policyDocument, { filterLists: true });
  const todos = [];

  // RFC 9728 Protected Resource Metadata, at the well-known URL derived from the
  // resource identifier (path inserted after /.well-known/oauth-protected-resource).
  const metadataPath = `/.well-known/oauth-protected-resource${mcpPath === '/' ? '' : mcpPath}`;
  const resourceMetadataUrl = new URL(metadataPath, resource).href;
  const metadata = protectedResourceMetadata({
    resource,
    authorizationServers: [issuer],
    scopesSupported: policy.scopes(), // every scope the policy names
    resourceName: 'mcp-edge-guard example (MCP SDK)',
  });
  app.get(metadataPath, (req, res) => {
    res.set('Access-Control-Allow-Origin', '*').json(metadata);
  });

  const bearerAuth = requireBearerAuth({
    verifier: edgeGuardTokenVerifier(verifier),
    requiredScopes: REQUIRED_SCOPES,
    resourceMetadataUrl,
  });

  // Stateless Streamable HTTP: a new server + transport for every POST.
  app.post(mcpPath, bearerAuth, enforcePolicy(policy, resourceMetadataUrl), async (req, res) => {
    const server = createMcpServer(todos);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    filterToolLists(transport, policy, req.auth.extra.principal, req.body);
    res.on('close', () => {
      transport.close();
      server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      console.error('mcp-sdk-server example: request failed:', err);
      if (!res.headersSent) {
        res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null });
      }
    }
  });
  // No sessions, so no GET (SSE stream) or DELETE (end session).
  app.all(mcpPath, bearerAuth, (req, res) => {
    res.status(405).set('Allow', 'POST')
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
  });

  let closing;
  return {
    url: `${origin}${mcpPath}`,
    resource,
    resourceMetadataUrl,
    close() {
      closing ??= new Promise((done) => {
        httpServer.close(() => {
          verifier.free();
          policy.free();
          done();
        });
        httpServer.closeAllConnections();
      });
      return closing;
    },
  };
}

// CLI, only when run directly. Defaults fit the local stack:
//   node stack/auth-server.mjs --port 9000 --resource http://127.0.0.1:3000/mcp
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3000' },
      issuer: { type: 'string', default: 'http://127.0.0.1:9000' },
      'jwks-uri': { type: 'string' },
      resource: { type: 'string', default: 'http://127.0.0.1:3000/mcp' },
    },
  });
  const example = await startExampleServer({
    port: Number(values.port),
    issuer: values.issuer,
    jwksUri: values['jwks-uri'],
    resource: values.resource,
  });
  console.log(`MCP server (SDK + mcp-edge-guard) on ${example.url}`);
  console.log(`  resource ${example.resource}, issuer ${values.issuer}`);
  console.log(`  metadata ${example.resourceMetadataUrl}`);
  const stop = async () => {
    await example.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
