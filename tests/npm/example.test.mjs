// examples/mcp-sdk-server: an MCP SDK server whose bearer tokens are verified by the
// npm package and whose requests are judged (and tools/list filtered) by its
// Policy, driven by the SDK's own Client over Streamable HTTP with real
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

const ALL_TOOLS = ['whoami', 'list_todos', 'add_todo', 'purge_todos'];

/** An SDK Client connected with `Authorization: Bearer <accessToken>`; `use(client)`, then closed. */
async function withClient(accessToken, use) {
  const client = new Client({ name: 'mcp-edge-guard-example-test', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(example.url), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
  await client.connect(transport);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** The names in the token's tools/list. */
const toolNames = (accessToken) =>
  withClient(accessToken, async (client) => (await client.listTools()).tools.map((t) => t.name));

/** A tool's structured result through the SDK Client. */
const callTool = (accessToken, name, args = {}) =>
  withClient(accessToken, async (client) => {
    const result = await client.callTool({ name, arguments: args });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    return result.structuredContent;
  });

/** whoami through the SDK Client, with `Authorization: Bearer <accessToken>`. */
async function whoami(accessToken) {
  const client = new Client({ name: 'mcp-edge-guard-example-test', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(example.url), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'whoami'), JSON.stringify(tools));
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

/** A raw POST of `body` (JSON-serialized unless a string), to see the status, headers and body sent. */
function post(body, headers = {}) {
  return fetch(example.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A raw initialize POST, to see the status, headers and body the middleware sends. */
const postInitialize = (headers = {}) => post(INITIALIZE, headers);

const toolCall = (name, id = 1, args = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
const bearer = (accessToken) => ({ authorization: `Bearer ${accessToken}` });

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
    scopes_supported: ['todo:admin', 'todo:read', 'todo:write'], // policy.scopes(): sorted
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

// ---- the Policy ----

test('policy: tools/list is filtered to the tools the token may call', async () => {
  const m2m = await token('demo-m2m', 'todo:read todo:write todo:admin');
  assert.deepEqual(await toolNames(m2m), ALL_TOOLS);
  // A readonly token's list lacks the write tool and the admin tool (claims: demo-m2m only).
  const readonly = await token('demo-readonly', 'todo:read');
  assert.deepEqual(await toolNames(readonly), ['whoami', 'list_todos']);
  // demo-m2m with todo:read todo:admin: add_todo (todo:write) is hidden, purge_todos is not.
  assert.deepEqual(await toolNames(await token('demo-m2m', 'todo:read todo:admin')), ['whoami', 'list_todos', 'purge_todos']);

  // Raw: the JSON-RPC response keeps its other members; only the array is shorter.
  const response = await post({ jsonrpc: '2.0', id: 'l1', method: 'tools/list' }, { ...bearer(readonly), accept: 'application/json, text/event-stream' });
  assert.equal(response.status, 200);
  const text = await response.text();
  const data = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)));
  assert.equal(data.length, 1, text);
  assert.equal(data[0].id, 'l1');
  assert.deepEqual(data[0].result.tools.map((t) => t.name), ['whoami', 'list_todos']);
  assert.equal(data[0].result.tools[1].description, 'The todos.');
});

test('policy: each tool works for a token the policy allows', async () => {
  const m2m = await token('demo-m2m', 'todo:read todo:write todo:admin');
  assert.deepEqual(await callTool(m2m, 'add_todo', { title: 'buy milk' }), { todos: ['buy milk'] });
  const readonly = await token('demo-readonly', 'todo:read');
  assert.deepEqual(await callTool(readonly, 'list_todos'), { todos: ['buy milk'] });
  assert.deepEqual(await callTool(m2m, 'purge_todos'), { todos: [] }); // scope and client_id claim hold
});

test('policy: a readonly token calling the write tool gets 403 insufficient_scope with a step-up challenge', async () => {
  const readonly = await token('demo-readonly', 'todo:read');
  const response = await post(toolCall('add_todo', 1, { title: 'x' }), bearer(readonly));
  assert.equal(response.status, 403);
  const params = challengeParams(response.headers.get('www-authenticate'));
  assert.equal(params.error, 'insufficient_scope');
  assert.equal(params.scope, 'todo:read todo:write'); // granted first, then the missing one
  assert.equal(params.resource_metadata, new URL('/.well-known/oauth-protected-resource/mcp', resource).href);
  assert.equal((await response.json()).error, 'insufficient_scope');

  await assert.rejects(callTool(readonly, 'add_todo', { title: 'x' }), (err) => {
    assert.ok(err instanceof StreamableHTTPError, String(err));
    assert.equal(err.code, 403);
    assert.match(err.message, /insufficient_scope/);
    return true;
  });
  assert.deepEqual(await callTool(readonly, 'list_todos'), { todos: [] }, 'nothing was added');
});

test('policy: a denied tool gets 403 access_denied, with no challenge', async () => {
  // purge_todos: the readonly client fails the client_id claim condition.
  const readonly = await token('demo-readonly', 'todo:read');
  const response = await post(toolCall('purge_todos'), bearer(readonly));
  assert.equal(response.status, 403);
  assert.equal(response.headers.get('www-authenticate'), null);
  assert.deepEqual(await response.json(), {
    error: 'access_denied',
    error_description: 'This token may not make this request, whatever its scopes',
  });

  // A tool the policy does not name is refused even to the most privileged token.
  const m2m = await token('demo-m2m', 'todo:read todo:write todo:admin');
  const unnamed = await post(toolCall('drop_tables'), bearer(m2m));
  assert.equal(unnamed.status, 403);
  assert.equal((await unnamed.json()).error, 'access_denied');

  await assert.rejects(callTool(readonly, 'purge_todos'), (err) => {
    assert.ok(err instanceof StreamableHTTPError, String(err));
    assert.equal(err.code, 403);
    assert.match(err.message, /access_denied/);
    return true;
  });
});

test('policy: a batch with one denied call is refused whole; a body that is not JSON-RPC is 400', async () => {
  const readonly = await token('demo-readonly', 'todo:read');
  const batch = await post([toolCall('list_todos', 1), toolCall('purge_todos', 2)], bearer(readonly));
  assert.equal(batch.status, 403);
  assert.equal((await batch.json()).error, 'access_denied');

  for (const body of [{ jsonrpc: '2.0', id: 1 }, [], { jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }]) {
    const response = await post(body, bearer(readonly));
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal((await response.json()).error.code, -32600);
  }
  // Not application/json: express.json() leaves the body unparsed, and the policy refuses it.
  const plain = await post(JSON.stringify(toolCall('purge_todos')), { ...bearer(readonly), 'content-type': 'text/plain' });
  assert.equal(plain.status, 400);
});
