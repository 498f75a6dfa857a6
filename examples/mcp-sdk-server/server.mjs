// An MCP server built with the official TypeScript SDK that checks OAuth bearer
// tokens with mcp-edge-guard (same Rust verifier as the edge gateway, as wasm).
//
// The SDK's requireBearerAuth middleware does the HTTP side (401/403 with
// WWW-Authenticate); mcp-edge-guard's Verifier is its OAuthTokenVerifier.
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
// This repository's build of the package. With the package installed from npm:
//   import { Verifier, protectedResourceMetadata } from 'mcp-edge-guard';
import { Verifier, protectedResourceMetadata } from '../../pkg/node/mcp_edge_guard.js';

const REQUIRED_SCOPES = ['todo:read'];
const SCOPES_SUPPORTED = ['todo:read', 'todo:write', 'todo:admin'];

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
        extra: { sub: principal.sub },
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

/** A fresh MCP server with the `whoami` tool (one per request: stateless mode). */
function createMcpServer() {
  const server = new McpServer({ name: 'mcp-edge-guard-example', version: '0.1.0' });
  server.registerTool(
    'whoami',
    { description: "The caller's OAuth client id and scopes, as verified by mcp-edge-guard.", inputSchema: {} },
    async (_args, extra) => {
      const auth = extra.authInfo; // req.auth, set by requireBearerAuth
      const who = { clientId: auth?.clientId ?? null, scopes: auth?.scopes ?? [], sub: auth?.extra?.sub ?? null };
      return { content: [{ type: 'text', text: JSON.stringify(who) }], structuredContent: who };
    },
  );
  return server;
}

/**
 * Start the example. `resource` is this server's MCP endpoint URL (the tokens' audience);
 * by default http://127.0.0.1:<port>/mcp. `jwksUri` defaults to `${issuer}/jwks`
 * (where stack/auth-server.mjs serves its keys).
 * @param {{ port?: number, issuer: string, jwksUri?: string, resource?: string }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startExampleServer({ port = 0, issuer, jwksUri, resource } = {}) {
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

  // RFC 9728 Protected Resource Metadata, at the well-known URL derived from the
  // resource identifier (path inserted after /.well-known/oauth-protected-resource).
  const metadataPath = `/.well-known/oauth-protected-resource${mcpPath === '/' ? '' : mcpPath}`;
  const resourceMetadataUrl = new URL(metadataPath, resource).href;
  const metadata = protectedResourceMetadata({
    resource,
    authorizationServers: [issuer],
    scopesSupported: SCOPES_SUPPORTED,
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
  app.post(mcpPath, bearerAuth, async (req, res) => {
    const server = createMcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
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
