// examples/mcp-sdk-server: an MCP SDK server whose bearer tokens are verified by the
// npm package, driven by the SDK's own Client over Streamable HTTP with real
// client-credentials tokens from the demo authorization server.
//
//   node --test --test-concurrency=1 tests/npm/example.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startAuthServer } from '../../stack/auth-server.mjs';
import { startExampleServer } from '../../examples/mcp-sdk-server/server.mjs';
import { freePort } from '../gateway/harness.mjs';

let auth;
let example;
let resource;


/** A client-credentials access token from the demo authorization server. */
const token = (clientId, scope) => auth.clientCredentialsToken(clientId, scope, resource);

/** whoami through the SDK Client, with `Authorization: Bearer <accessToken>`. */
async function whoami(accessToken) {
  const client = new Client({ name: 'mcp-edge-guard-example-test', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(example.url), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['whoami']);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    const fromText = JSON.parse(result.content[0].text);
    assert.deepEqual(result.structuredContent, fromText);
    return fromText;
  } finally {
    await client.close();
  }
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

/** A raw initialize POST, to see the status, headers and body the middleware sends. */
function postInitialize(headers = {}) {
  return fetch(example.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(INITIALIZE),
  });
}

/** Parameters of a `Bearer a="b", c="d"` challenge. */
function challengeParams(header) {
  assert.match(header ?? '', /^Bearer /, `a Bearer challenge, got ${header}`);
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
}

before(async () => {
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  auth = await startAuthServer({ resource });
  example = await startExampleServer({ port, issuer: auth.issuer, jwksUri: auth.jwksUri, resource });
});

after(async () => {
  await example?.close();
  await auth?.close();
});

test('the example listens at the resource URL', () => {
  assert.equal(example.url, resource);
});

test('whoami with a demo-m2m token returns demo-m2m and its scopes', async () => {
  const me = await whoami(await token('demo-m2m', 'todo:read todo:write todo:admin'));
  assert.equal(me.clientId, 'demo-m2m');
  assert.deepEqual([...me.scopes].sort(), ['todo:admin', 'todo:read', 'todo:write']);
  assert.equal(me.sub, 'demo-m2m'); // client-credentials tokens: sub is the client
});

test('whoami with a demo-readonly token (todo:read only) works', async () => {
  const me = await whoami(await token('demo-readonly', 'todo:read'));
  assert.equal(me.clientId, 'demo-readonly');
  assert.deepEqual(me.scopes, ['todo:read']);
});

test('no token: 401 with WWW-Authenticate naming the RFC 9728 metadata', async () => {
  const response = await postInitialize();
  assert.equal(response.status, 401);
  const params = challengeParams(response.headers.get('www-authenticate'));
  const metadataUrl = new URL('/.well-known/oauth-protected-resource/mcp', resource).href;
  assert.equal(params.resource_metadata, metadataUrl);
  assert.equal(params.error, 'invalid_token');
  assert.equal(params.scope, 'todo:read');
  assert.equal((await response.json()).error, 'invalid_token');

  // The metadata document itself, built by protectedResourceMetadata().
  const metadata = await fetch(params.resource_metadata);
  assert.equal(metadata.status, 200);
  assert.deepEqual(await metadata.json(), {
    resource,
    authorization_servers: [auth.issuer],
    scopes_supported: ['todo:read', 'todo:write', 'todo:admin'],
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-edge-guard example (MCP SDK)',
  });

  // The SDK client without credentials can't connect either.
  const client = new Client({ name: 'anonymous', version: '0.0.0' });
  await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(example.url))), (err) => {
    assert.ok(err instanceof StreamableHTTPError, String(err));
    assert.equal(err.code, 401);
    assert.match(err.message, /invalid_token/);
    return true;
  });
});

test('a garbage token: 401 invalid_token', async () => {
  const response = await postInitialize({ authorization: 'Bearer not.a.jwt' });
  assert.equal(response.status, 401);
  const params = challengeParams(response.headers.get('www-authenticate'));
  assert.equal(params.error, 'invalid_token');
  assert.match(params.error_description, /malformed/i); // the package's message
  assert.ok(params.resource_metadata);
  const body = await response.json();
  assert.equal(body.error, 'invalid_token');

  await assert.rejects(whoami('garbage'), (err) => {
    assert.ok(err instanceof StreamableHTTPError, String(err));
    assert.equal(err.code, 401);
    assert.match(err.message, /invalid_token/);
    return true;
  });
});

test('a tampered real token: 401 invalid_token', async () => {
  const real = await token('demo-m2m', 'todo:read');
  const [h, p, s] = real.split('.');
  const tampered = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
  const response = await postInitialize({ authorization: `Bearer ${tampered}` });
  assert.equal(response.status, 401);
  assert.equal(challengeParams(response.headers.get('www-authenticate')).error, 'invalid_token');
});

test('a valid token without todo:read: 403 insufficient_scope', async () => {
  const response = await postInitialize({ authorization: `Bearer ${await token('demo-m2m', 'todo:write')}` });
  assert.equal(response.status, 403);
  const params = challengeParams(response.headers.get('www-authenticate'));
  assert.equal(params.error, 'insufficient_scope');
  assert.equal(params.scope, 'todo:read');
});
