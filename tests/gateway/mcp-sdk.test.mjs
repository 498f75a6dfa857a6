// The official MCP TypeScript SDK as the client of the gateway: a bearer token
// from client credentials, a read-only token refused with 403 insufficient_scope,
// and the SDK's full OAuth flow discovered from the gateway's 401 (RFC 9728 PRM →
// AS metadata → dynamic registration → PKCE → code exchange).
//
//   node --test --test-concurrency=1 tests/gateway/mcp-sdk.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { decodeJwt } from 'jose';
import { startStack } from './harness.mjs';
import { completeLogin } from '../../stack/auth-login.mjs';

const REDIRECT_URL = 'http://127.0.0.1:8787/callback';

function newClient() {
  return new Client({ name: 'mcp-edge-guard-sdk-test', version: '0.0.0' });
}

function bearerTransport(stack, token) {
  return new StreamableHTTPClientTransport(new URL(stack.resource), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
}

const textOf = (result) => result.content.map((c) => c.text).join('');

/** Parameters of a `Bearer a="b", c="d"` challenge. */
function challengeParams(header) {
  assert.match(header ?? '', /^Bearer /, `a Bearer challenge, got ${header}`);
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
}

/** In-memory OAuthClientProvider; the "browser" is completeLogin. */
class MemoryOAuthProvider {
  constructor() {
    this.saved = {};
    this.authorizationUrls = [];
    this.code = undefined;
  }

  get redirectUrl() {
    return REDIRECT_URL;
  }

  get clientMetadata() {
    return {
      client_name: 'mcp-edge-guard SDK test',
      redirect_uris: [REDIRECT_URL],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    };
  }

  state() {
    this.saved.state = randomUUID();
    return this.saved.state;
  }

  clientInformation() {
    return this.saved.client;
  }

  saveClientInformation(info) {
    this.saved.client = info;
  }

  tokens() {
    return this.saved.tokens;
  }

  saveTokens(tokens) {
    this.saved.tokens = tokens;
  }

  saveCodeVerifier(verifier) {
    this.saved.verifier = verifier;
  }

  codeVerifier() {
    if (!this.saved.verifier) throw new Error('no code verifier saved');
    return this.saved.verifier;
  }

  async redirectToAuthorization(url) {
    this.authorizationUrls.push(url);
    const back = new URL(await completeLogin(url.href));
    this.code = back.searchParams.get('code');
    this.returnedState = back.searchParams.get('state');
  }
}

/** A fetch that records what the SDK asked for (method, URL, status). */
function recordingFetch(log) {
  return async (input, init) => {
    const response = await fetch(input, init);
    log.push({ method: init?.method ?? 'GET', url: String(input instanceof Request ? input.url : input), status: response.status });
    return response;
  };
}

test('client credentials: initialize, listTools, create_todo then list_todos', async (t) => {
  const stack = await startStack();
  t.after(() => stack.close());
  const token = await stack.token();

  const client = newClient();
  await client.connect(bearerTransport(stack, token));
  t.after(() => client.close());
  assert.equal(client.getServerVersion()?.name, 'demo-todos');

  const { tools } = await client.listTools();
  const names = tools.map((tool) => tool.name);
  for (const name of ['list_todos', 'create_todo', 'delete_todo']) {
    assert.ok(names.includes(name), `${name} listed: ${names.join(', ')}`);
  }

  const created = await client.callTool({ name: 'create_todo', arguments: { title: 'Buy milk' } });
  assert.ok(!created.isError, textOf(created));
  assert.match(textOf(created), /Created todo 1 "Buy milk" for demo-m2m/);

  const listed = await client.callTool({ name: 'list_todos', arguments: {} });
  const todos = JSON.parse(textOf(listed));
  assert.equal(todos.length, 1);
  assert.equal(todos[0].title, 'Buy milk');
  assert.equal(todos[0].createdBy, 'demo-m2m', 'the gateway forwarded the verified subject');
});

test('read-only token: create_todo is refused with 403 insufficient_scope', async (t) => {
  const stack = await startStack();
  t.after(() => stack.close());
  const token = await stack.token('demo-readonly', 'todo:read');

  const client = newClient();
  await client.connect(bearerTransport(stack, token));
  t.after(() => client.close());
  // Reading is allowed.
  const listed = await client.callTool({ name: 'list_todos', arguments: {} });
  assert.deepEqual(JSON.parse(textOf(listed)), []);

  await assert.rejects(
    client.callTool({ name: 'create_todo', arguments: { title: 'Not allowed' } }),
    (err) => {
      assert.ok(err instanceof StreamableHTTPError, `StreamableHTTPError, got ${err?.name}: ${err?.message}`);
      assert.equal(err.code, 403, err.message);
      assert.match(err.message, /insufficient_scope/);
      return true;
    },
  );
  assert.equal(stack.origin.todos.length, 0, 'nothing was created at the origin');

  // The same call without the SDK: status and challenge.
  const response = await fetch(stack.resource, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'create_todo', arguments: { title: 'Not allowed' } },
    }),
  });
  assert.equal(response.status, 403);
  const params = challengeParams(response.headers.get('www-authenticate'));
  assert.equal(params.error, 'insufficient_scope');
  assert.deepEqual(params.scope.split(' ').sort(), ['todo:read', 'todo:write'], 'granted + required scopes');
  assert.equal(params.resource_metadata, `${stack.base}/.well-known/oauth-protected-resource/mcp`);
  assert.equal((await response.json()).error, 'insufficient_scope');
});

test('full OAuth flow discovered from the 401: PRM, AS metadata, registration, PKCE', async (t) => {
  const stack = await startStack();
  t.after(() => stack.close());
  const provider = new MemoryOAuthProvider();
  const log = [];
  const where = () => log.map((e) => `${e.method} ${e.url} → ${e.status}`).join('\n  ');

  // 1. No token: the SDK gets the 401, discovers, registers and "redirects".
  const first = new StreamableHTTPClientTransport(new URL(stack.resource), {
    authProvider: provider,
    fetch: recordingFetch(log),
  });
  const client1 = newClient();
  await assert.rejects(client1.connect(first), (err) => {
    assert.ok(err instanceof UnauthorizedError, `UnauthorizedError, got ${err?.name}: ${err?.message}\n  ${where()}`);
    return true;
  });

  const prmUrl = `${stack.base}/.well-known/oauth-protected-resource/mcp`;
  const step = (method, url) => log.find((e) => e.method === method && e.url === url);
  assert.equal(step('POST', stack.resource)?.status, 401, `initialize got the 401:\n  ${where()}`);
  assert.equal(step('GET', prmUrl)?.status, 200, `PRM fetched from resource_metadata:\n  ${where()}`);
  assert.ok(
    log.some((e) => e.url.startsWith(`${stack.auth.issuer}/.well-known/`) && e.status === 200),
    `AS metadata fetched:\n  ${where()}`,
  );
  assert.ok(log.some((e) => e.method === 'POST' && e.url === `${stack.auth.issuer}/reg` && e.status === 201),
    `dynamic registration:\n  ${where()}`);
  assert.ok(provider.saved.client?.client_id, 'client registered');

  assert.equal(provider.authorizationUrls.length, 1, 'one authorization request');
  const authorization = provider.authorizationUrls[0].searchParams;
  assert.equal(authorization.get('resource'), stack.resource, 'resource indicator from the PRM');
  assert.equal(authorization.get('code_challenge_method'), 'S256');
  assert.ok(authorization.get('code_challenge'));
  assert.ok(authorization.get('scope')?.split(' ').includes('todo:read'), authorization.get('scope'));
  assert.ok(provider.code, 'the login returned a code');
  assert.equal(provider.returnedState, provider.saved.state, 'state round-trips');

  // 2. Exchange the code on the transport that saw the 401.
  await first.finishAuth(provider.code);
  assert.ok(log.some((e) => e.method === 'POST' && e.url === `${stack.auth.issuer}/token` && e.status === 200),
    `code exchanged:\n  ${where()}`);
  const accessToken = provider.saved.tokens?.access_token;
  assert.ok(accessToken, 'tokens saved');
  const claims = decodeJwt(accessToken); // throws unless it is a JWT
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  assert.deepEqual(aud, [stack.resource], 'the token is for this resource');
  assert.equal(claims.iss, stack.auth.issuer);
  assert.ok(provider.saved.tokens.refresh_token, 'a refresh token too');
  await client1.close();

  // 3. Reconnect with the same provider: the saved token is used.
  const second = new StreamableHTTPClientTransport(new URL(stack.resource), {
    authProvider: provider,
    fetch: recordingFetch(log),
  });
  const client2 = newClient();
  await client2.connect(second);
  t.after(() => client2.close());
  const { tools } = await client2.listTools();
  assert.ok(tools.some((tool) => tool.name === 'create_todo'), tools.map((tool) => tool.name).join(', '));
  const created = await client2.callTool({ name: 'create_todo', arguments: { title: 'Via OAuth' } });
  assert.match(textOf(created), /Created todo \d+ "Via OAuth" for demo-user/);
});
