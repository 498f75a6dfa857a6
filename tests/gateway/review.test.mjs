// Findings of the security review, end to end: repeated member names and
// batch ids that JavaScript would read as one refused; a list answered with
// the id as the origin's JSON reader wrote it still filtered;
// completion/complete judged by its ref; resources/templates/list filtered;
// a JSON list answer in another charset not passed on; claim headers (reserved
// names, spaces encoded); a tier naming an unbound rate-limit binding.
// Real AS, real MCP SDK origin (and hand-written ones), real worker; every
// refusal is checked from the origin's side.
//
//   node --test --test-concurrency=1 tests/gateway/review.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { gatewayFor, listenLocal, messages, startStack } from './harness.mjs';
import { assertMisconfigured, health, initializeBody, mcpHeaders, openSession, post, rawRequest, rpc } from './mcp.mjs';

/** Sessions through one gateway URL, one per token (a session is bound to its principal). */
function sessions(url) {
  const open = new Map();
  return (token) => {
    if (!open.has(token)) open.set(token, openSession(url, token));
    return open.get(token);
  };
}

/** `raw` text (or `body` as JSON) reaches the origin and every request id gets an answer. */
async function expectForwarded(stack, url, { token, session, body, raw, ids }, label) {
  const seen = stack.origin.requests.length;
  const response = await post(url, { token, session, body, raw });
  const text = await response.clone().text();
  assert.equal(response.status, 200, `${label}: forwarded, got ${response.status} ${text}`);
  assert.equal(stack.origin.requests.length, seen + 1, `${label}: reached the origin`);
  const answers = await messages(response);
  for (const id of ids ?? []) {
    assert.ok(answers.some((m) => m.id === id && ('result' in m || 'error' in m)), `${label}: an answer for id ${id}: ${text}`);
  }
  return answers;
}

/** 400 with a JSON-RPC -32600 body (id null); the origin saw nothing. */
async function expectInvalidRequest(stack, url, { token, session, raw }, label = raw) {
  const seen = stack.origin.requests.length;
  const response = await post(url, { token, session, raw });
  const text = await response.text();
  assert.equal(response.status, 400, `${label}: refused, got ${response.status} ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/, label);
  const body = JSON.parse(text);
  assert.equal(body.jsonrpc, '2.0', `${label}: ${text}`);
  assert.equal(body.id, null, `${label}: ${text}`);
  assert.equal(body.error?.code, -32600, `${label}: ${text}`);
  assert.equal(stack.origin.requests.length, seen, `${label}: the origin saw nothing`);
}

/** 403 access_denied; the origin saw nothing. */
async function expectDenied(stack, url, { token, session, body }, label = JSON.stringify(body)) {
  const seen = stack.origin.requests.length;
  const response = await post(url, { token, session, body });
  const text = await response.text();
  assert.equal(response.status, 403, `${label}: refused, got ${response.status} ${text}`);
  assert.equal(JSON.parse(text).error, 'access_denied', `${label}: ${text}`);
  assert.equal(stack.origin.requests.length, seen, `${label}: the origin saw nothing`);
}


// ------------------------------------------------------------------ tests

describe('JSON-RPC messages read as a JavaScript or first-wins reader would', () => {
  let stack;
  let url;
  let full;
  let readonly;
  let session;
  before(async () => {
    stack = await startStack();
    url = stack.resource;
    [full, readonly] = await Promise.all([stack.token(), stack.token('demo-readonly', 'todo:read')]);
    session = sessions(url);
  });
  after(async () => {
    await stack?.close();
  });

  test('the unrepeated messages are forwarded (the reference for the refusals below)', async () => {
    const s = await session(full);
    await expectForwarded(stack, url, { token: full, session: s, raw: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_todos"}}', ids: [1] }, 'tools/call list_todos');
    await expectForwarded(stack, url, { token: full, session: s, raw: '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_todo","arguments":{"id":"none"}}}', ids: [2] }, 'tools/call delete_todo');
    await expectForwarded(stack, url, { token: full, session: s, raw: '[{"jsonrpc":"2.0","id":3,"method":"ping"},{"jsonrpc":"2.0","id":"3","method":"ping"}]', ids: [3, '3'] }, '3 and "3" are two ids');
  });

  test('a member name repeated in a message, its params, params.arguments or params.ref → 400 -32600', async () => {
    const s = await session(full);
    const bodies = [
      // The brief's case: `name` twice, once escaped.
      String.raw`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_todo","n\u0061me":"list_todos"}}`,
      '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_todos","name":"delete_todo","arguments":{"id":"none"}}}',
      // In the message itself.
      '{"jsonrpc":"2.0","id":3,"method":"ping","method":"tools/list"}',
      String.raw`{"jsonrpc":"2.0","id":4,"method":"ping","m\u0065thod":"tools/list"}`,
      '{"jsonrpc":"2.0","id":5,"id":6,"method":"ping"}',
      '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_todos"},"params":{"name":"delete_todo","arguments":{"id":"none"}}}',
      // In params.arguments.
      '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"delete_todo","arguments":{"id":"none","id":"1"}}}',
      String.raw`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"delete_todo","arguments":{"id":"none","\u0069d":"1"}}}`,
      // In params.ref.
      '{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"draft_todo","name":"admin_report"},"argument":{"name":"topic","value":""}}}',
      String.raw`{"jsonrpc":"2.0","id":11,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"draft_todo","n\u0061me":"admin_report"},"argument":{"name":"topic","value":""}}}`,
      // In one message of a batch.
      String.raw`[{"jsonrpc":"2.0","id":12,"method":"ping"},{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"delete_todo","n\u0061me":"list_todos"}}]`,
    ];
    for (const raw of bodies) await expectInvalidRequest(stack, url, { token: full, session: s, raw });
  });

  test('the refusal is on the raw text: through rawRequest as well', async () => {
    const s = await session(full);
    const seen = stack.origin.requests.length;
    const raw = String.raw`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_todo","n\u0061me":"list_todos"}}`;
    const response = await rawRequest(url, 'POST', mcpHeaders({ token: full, session: s }), raw);
    assert.equal(response.status, 400, response.text);
    assert.equal(JSON.parse(response.text).error?.code, -32600, response.text);
    assert.equal(stack.origin.requests.length, seen, 'the origin saw nothing');
  });

  test('two requests of a batch with ids JavaScript compares equal → 400 -32600, nothing forwarded', async () => {
    const s = await session(full);
    const pairs = [
      ['1', '1.0'],
      ['1', '1e0'],
      ['0', '-0'],
      ['10', '1.0e1'],
      ['"a"', '"a"'],
      ['"a"', String.raw`"\u0061"`],
    ];
    for (const [a, b] of pairs) {
      const raw = `[{"jsonrpc":"2.0","id":${a},"method":"ping"},{"jsonrpc":"2.0","id":${b},"method":"tools/list"}]`;
      await expectInvalidRequest(stack, url, { token: full, session: s, raw });
    }
    // Three messages, the repeat not adjacent; and a notification in between.
    await expectInvalidRequest(stack, url, {
      token: full,
      session: s,
      raw: '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}},{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":1.0,"method":"tools/list"}]',
    });
  });

  test('tools/list with "id":1.0 (answered as id 1) is still filtered for a read-only token', async () => {
    const s = await session(readonly);
    for (const id of ['1.0', '1e0', '10e-1']) {
      const answers = await expectForwarded(stack, url, { token: readonly, session: s, raw: `{"jsonrpc":"2.0","id":${id},"method":"tools/list"}` }, `id ${id}`);
      assert.equal(answers.length, 1, JSON.stringify(answers));
      const [answer] = answers;
      assert.equal(answer.id, Number(id), `the origin answers with the id as it read it: ${JSON.stringify(answer)}`);
      assert.deepEqual(answer.result.tools.map((tool) => tool.name), ['list_todos', 'count_slowly'], `id ${id}`);
    }
    // The same list for the admin token, to show the origin lists every tool.
    const admin = await expectForwarded(stack, url, { token: full, session: await session(full), raw: '{"jsonrpc":"2.0","id":1.0,"method":"tools/list"}' }, 'admin');
    assert.deepEqual(admin[0].result.tools.map((tool) => tool.name), ['list_todos', 'create_todo', 'delete_todo', 'count_slowly']);
  });

  test('in a batch: tools/list "id":1.0 and prompts/list "id":2 are each answered, the tools filtered', async () => {
    const answers = await expectForwarded(stack, url, {
      token: readonly,
      session: await session(readonly),
      raw: '[{"jsonrpc":"2.0","id":1.0,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"prompts/list"}]',
      ids: [1, 2],
    }, 'batch');
    const tools = answers.find((m) => m.id === 1);
    assert.deepEqual(tools.result.tools.map((tool) => tool.name), ['list_todos', 'count_slowly']);
  });
});

describe('completion/complete and resources/templates/list under POLICY', () => {
  const POLICY = { prompts: { admin_report: false, '*': [] }, resources: { 'admin://*': false, '*': [] } };
  let stack;
  let gateway;
  let unfiltered;
  let full;
  let readonly;
  let session;
  let unfilteredSession;
  before(async () => {
    stack = await startStack();
    gateway = await gatewayFor(stack, stack.origin.url, { vars: { POLICY: JSON.stringify(POLICY), TOOL_SCOPES: '' } });
    unfiltered = await gatewayFor(stack, stack.origin.url, { vars: { POLICY: JSON.stringify(POLICY), TOOL_SCOPES: '', FILTER_LISTS: 'false' } });
    [full, readonly] = await Promise.all([stack.token(), stack.token('demo-readonly', 'todo:read')]);
    session = sessions(`${gateway.url}/mcp`);
    unfilteredSession = sessions(`${unfiltered.url}/mcp`);
  });
  after(async () => {
    await unfiltered?.close();
    await gateway?.close();
    await stack?.close();
  });

  const complete = (id, ref, argument) => rpc(id, 'completion/complete', { ref, argument });

  test('a completion for a denied prompt → 403 access_denied, nothing forwarded', async () => {
    for (const token of [full, readonly]) {
      await expectDenied(stack, `${gateway.url}/mcp`, {
        token,
        session: await session(token),
        body: complete(1, { type: 'ref/prompt', name: 'admin_report' }, { name: 'x', value: '' }),
      });
    }
  });

  test('a completion for an allowed prompt is forwarded and answered', async () => {
    const answers = await expectForwarded(stack, `${gateway.url}/mcp`, {
      token: readonly,
      session: await session(readonly),
      body: complete(2, { type: 'ref/prompt', name: 'draft_todo' }, { name: 'topic', value: '' }),
      ids: [2],
    }, 'ref/prompt draft_todo');
    assert.ok(answers[0].result?.completion, JSON.stringify(answers[0]));
  });

  test('a completion for a denied resource template → 403; an allowed one is forwarded and completes', async () => {
    await expectDenied(stack, `${gateway.url}/mcp`, {
      token: full,
      session: await session(full),
      body: complete(3, { type: 'ref/resource', uri: 'admin://users/{id}' }, { name: 'id', value: '' }),
    });
    stack.origin.todos.push({ id: 'review-1', title: 'complete me' });
    try {
      const [answer] = await expectForwarded(stack, `${gateway.url}/mcp`, {
        token: readonly,
        session: await session(readonly),
        body: complete(4, { type: 'ref/resource', uri: 'todo://items/{id}' }, { name: 'id', value: 'review' }),
        ids: [4],
      }, 'ref/resource todo://items/{id}');
      assert.deepEqual(answer.result?.completion?.values, ['review-1'], JSON.stringify(answer));
    } finally {
      stack.origin.todos.splice(stack.origin.todos.findIndex((todo) => todo.id === 'review-1'), 1);
    }
  });

  test('the prompt in the ref is what is judged, not params.name', async () => {
    await expectDenied(stack, `${gateway.url}/mcp`, {
      token: full,
      session: await session(full),
      body: rpc(5, 'completion/complete', { name: 'draft_todo', ref: { type: 'ref/prompt', name: 'admin_report' }, argument: { name: 'x', value: '' } }),
    });
  });

  test('resources/templates/list: admin://users/{id} filtered out, todo://items/{id} kept; FILTER_LISTS=false shows both', async () => {
    const templatesOf = (answers) => answers[0].result.resourceTemplates.map((template) => template.uriTemplate);
    for (const token of [full, readonly]) {
      const all = await expectForwarded(stack, `${unfiltered.url}/mcp`, { token, session: await unfilteredSession(token), body: rpc(6, 'resources/templates/list'), ids: [6] }, 'unfiltered');
      assert.deepEqual(templatesOf(all), ['todo://items/{id}', 'admin://users/{id}'], 'the origin serves both templates');
      const filtered = await expectForwarded(stack, `${gateway.url}/mcp`, { token, session: await session(token), body: rpc(7, 'resources/templates/list'), ids: [7] }, 'filtered');
      assert.deepEqual(templatesOf(filtered), ['todo://items/{id}']);
      assert.deepEqual(filtered[0].result.resourceTemplates[0], all[0].result.resourceTemplates[0], 'the kept template unchanged');
    }
  });

  test('the templates read through the gateway as the policy says', async () => {
    const s = await session(readonly);
    const [answer] = await expectForwarded(stack, `${gateway.url}/mcp`, { token: readonly, session: s, body: rpc(8, 'resources/read', { uri: 'todo://items/1' }), ids: [8] }, 'todo://items/1');
    assert.equal(answer.result?.contents?.[0]?.uri, 'todo://items/1', JSON.stringify(answer));
    await expectDenied(stack, `${gateway.url}/mcp`, { token: full, session: await session(full), body: rpc(9, 'resources/read', { uri: 'admin://users/demo-m2m' }) });
  });
});

/** An origin answering tools/list as application/json with the charset it is set to. */
async function charsetOrigin() {
  const state = { charset: 'utf-7', requests: 0 };
  const tools = ['list_todos', 'delete_todo'].map((name) => ({ name, description: `the ${name} tool`, inputSchema: { type: 'object', properties: {} } }));
  const server = createServer((req, res) => {
    state.requests += 1;
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = null;
      }
      if (req.method === 'POST' && body?.method === 'tools/list') {
        res.writeHead(200, { 'content-type': `application/json; charset=${state.charset}` });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result: { tools } }));
      } else {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"not served"}');
      }
    });
  });
  const { base, close } = await listenLocal(server);
  return { url: `${base}/mcp`, state, close };
}

describe('a JSON list answer in another charset', () => {
  let stack;
  let origin;
  let gateway;
  let readonly;
  before(async () => {
    stack = await startStack();
    origin = await charsetOrigin();
    gateway = await gatewayFor(stack, origin.url);
    readonly = await stack.token('demo-readonly', 'todo:read');
  });
  after(async () => {
    await gateway?.close();
    await origin?.close();
    await stack?.close();
  });

  test('charset=utf-8: the list is filtered (the reference)', async () => {
    origin.state.charset = 'utf-8';
    const response = await post(`${gateway.url}/mcp`, { token: readonly, body: rpc(1, 'tools/list') });
    assert.equal(response.status, 200, await response.clone().text());
    const [answer] = await messages(response);
    assert.deepEqual(answer.result.tools.map((tool) => tool.name), ['list_todos']);
  });

  test('charset=utf-7 → 502 origin_bad_list, nothing of the list passed on', async () => {
    for (const charset of ['utf-7', 'UTF-16LE', 'iso-8859-1']) {
      origin.state.charset = charset;
      const seen = origin.state.requests;
      const response = await post(`${gateway.url}/mcp`, { token: readonly, body: rpc(2, 'tools/list') });
      const text = await response.text();
      assert.equal(origin.state.requests, seen + 1, 'the request reached the origin');
      assert.equal(response.status, 502, `${charset}: ${response.status} ${text}`);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(JSON.parse(text).error, 'origin_bad_list', text);
      assert.ok(!text.includes('delete_todo') && !text.includes('list_todos'), text);
    }
  });
});

describe('CLAIM_HEADERS: reserved names, spaces in values', () => {
  const CLAIM_HEADERS = { groups: 'X-Auth-Groups', tenant: 'X-Auth-Tenant' };
  let stack;
  let full;
  before(async () => {
    stack = await startStack({
      auth: { extraClaims: { 'demo-m2m': { groups: ['eng', 'eng admin'], tenant: ' acme ' } } },
      vars: { CLAIM_HEADERS: JSON.stringify(CLAIM_HEADERS) },
    });
    full = await stack.token();
  });
  after(async () => {
    await stack?.close();
  });

  test('a space inside an array element and around a string arrives percent-encoded', async () => {
    assert.equal((await health(stack.base)).body.config, 'ok');
    const seen = stack.origin.requests.length;
    const response = await post(stack.resource, { token: full, body: initializeBody() });
    assert.equal(response.status, 200, await response.clone().text());
    await response.body?.cancel();
    assert.equal(stack.origin.requests.length, seen + 1);
    const headers = stack.origin.requests.at(-1).headers;
    assert.equal(headers['x-auth-groups'], 'eng eng%20admin', 'two groups, not three');
    assert.equal(headers['x-auth-tenant'], '%20acme%20', 'the spaces HTTP would trim are kept');
  });

  test('Mcp-*, User-Agent and Accept are reserved names: a configuration error', async () => {
    for (const header of ['Mcp-Name', 'mcp-anything', 'MCP-Session-Id', 'Mcp-Protocol-Version', 'User-Agent', 'Accept']) {
      const gateway = await gatewayFor(stack, stack.origin.url, { vars: { CLAIM_HEADERS: JSON.stringify({ groups: 'X-Auth-Groups', tenant: header }) } });
      try {
        await assertMisconfigured(gateway, full, 'CLAIM_HEADERS:invalid', header, stack.origin);
      } finally {
        await gateway.close();
      }
    }
  });
});

describe('RATE_LIMIT_TIERS naming an unbound binding', () => {
  const TIERS = '[["todo:admin","RATE_LIMITER_MISSING"]]';
  let stack;
  let token;
  before(async () => {
    stack = await startStack();
    token = await stack.token();
  });
  after(async () => {
    await stack?.close();
  });

  test('bound, the tier is accepted (the reference)', async () => {
    const gateway = await gatewayFor(stack, stack.origin.url, {
      rateLimit: { limit: 100, period: 60 },
      ratelimits: { RATE_LIMITER_MISSING: { simple: { limit: 100, period: 60 } } },
      vars: { RATE_LIMIT_TIERS: TIERS },
    });
    try {
      assert.equal((await health(gateway.url)).body.config, 'ok');
      const response = await post(`${gateway.url}/mcp`, { token, body: initializeBody() });
      assert.equal(response.status, 200, await response.clone().text());
      await response.body?.cancel();
    } finally {
      await gateway.close();
    }
  });

  test('unbound → /health 503 RATE_LIMIT_TIERS:invalid, MCP endpoint 500 server_misconfigured', async () => {
    for (const options of [{}, { rateLimit: { limit: 100, period: 60 } }]) {
      const gateway = await gatewayFor(stack, stack.origin.url, { ...options, vars: { RATE_LIMIT_TIERS: TIERS } });
      try {
        await assertMisconfigured(gateway, token, 'RATE_LIMIT_TIERS:invalid', JSON.stringify(options), stack.origin);
      } finally {
        await gateway.close();
      }
    }
  });
});
