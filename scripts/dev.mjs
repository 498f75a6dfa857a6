#!/usr/bin/env node
// The local stack (`make dev`): on 127.0.0.1, the demo authorization server
// (oidc-provider, :9000), the demo MCP origin (MCP SDK todo server, :9100) and
// the gateway on `wrangler dev` (:8787), configured to both by wrangler.toml.
// Ctrl-C stops all three.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { startAuthServer } from '../stack/auth-server.mjs';
import { startMcpOrigin } from '../stack/mcp-origin.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const GATEWAY = 'http://127.0.0.1:8787';
const RESOURCE = `${GATEWAY}/mcp`;

const auth = await startAuthServer({ port: 9000, resource: RESOURCE });
const origin = await startMcpOrigin({ port: 9100 });
// A fresh SESSION_SECRET per run (a `wrangler secret` in a deployment): binds
// MCP sessions to their principal and authenticates the shared key copy.
const sessionSecret = randomBytes(32).toString('base64url');
const wrangler = spawn(resolve(ROOT, 'node_modules/.bin/wrangler'), ['dev', '--ip', '127.0.0.1', '--port', '8787', '--var', `SESSION_SECRET:${sessionSecret}`], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});

let announced = false;
wrangler.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /Ready on/i.test(chunk.toString())) {
    announced = true;
    const m2m = auth.clients['demo-m2m'];
    console.log(`
mcp-edge-guard local stack is up:
  browser demo (PKCE flow) ${GATEWAY}/
  gateway (wrangler dev)   ${RESOURCE}
  authorization server     ${auth.issuer}
  MCP origin (todo server) ${origin.url}

Try it:
  # 1. no token: a 401 challenge that points at the metadata
  curl -si -X POST ${RESOURCE} -H 'content-type: application/json' -d '{}'
  curl -s ${GATEWAY}/.well-known/oauth-protected-resource/mcp

  # 2. a client-credentials token (machine to machine)
  TOKEN=$(curl -s ${auth.issuer}/token -u ${m2m.client_id}:${m2m.client_secret} \\
    -d grant_type=client_credentials -d 'scope=todo:read todo:write' -d resource=${RESOURCE} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')

  # 3. initialize a session and call a tool through the gateway
  curl -si ${RESOURCE} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -H 'accept: application/json, text/event-stream' \\
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
  # then, with the mcp-session-id header it returned:
  curl -s ${RESOURCE} -H "authorization: Bearer $TOKEN" -H "mcp-session-id: <id>" -H 'mcp-protocol-version: 2025-06-18' \\
    -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \\
    -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_todo","arguments":{"title":"try the gateway"}}}'

  curl -s ${GATEWAY}/health
Ctrl-C stops everything.
`);
  }
});

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  wrangler.kill('SIGTERM');
  await Promise.allSettled([auth.close(), origin.close()]);
  process.exit(code);
}
wrangler.on('exit', (code) => stop(code ?? 1));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
