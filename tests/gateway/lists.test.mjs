// FILTER_LISTS: tools/list, prompts/list and resources/list answers reaching
// the client hold only what the token may use under POLICY (true, the default),
// everything but what no scope could unlock (step-up), or everything (false).
// Through the real MCP SDK origin answering SSE and answering JSON, in batches,
// through the real MCP SDK client, and an SSE stream whose other events pass.
//
//   node --test --test-concurrency=1 tests/gateway/lists.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startMcpOrigin } from '../../stack/mcp-origin.mjs';
import { gatewayFor, listenLocal, messages, startStack } from './harness.mjs';
import { ACCEPT, openSession, post, rpc, toolCall } from './mcp.mjs';

// The demo origin serves (in this order):
//   tools      list_todos, create_todo, delete_todo, count_slowly
//   prompts    summarize_todos, draft_todo, admin_report
//   resources  todo://list, todo://stats, admin://audit-log
const POLICY = {
  tools: { list_todos: 'todo:read', create_todo: 'todo:write', delete_todo: false, count_slowly: 'todo:admin' },
  // draft_todo matches nothing: hidden from everyone.
  prompts: { summarize_todos: 'todo:read', admin_report: 'todo:admin' },
  resources: { 'todo://*': 'todo:read', 'admin://*': { scopes: ['todo:read'], claims: { tenant: 'acme' } } },
};
// demo-m2m carries tenant "acme"; demo-readonly no claim.
const EXTRA_CLAIMS = { 'demo-m2m': { tenant: 'acme' } };

const LISTS = {
  tools: { method: 'tools/list', key: 'tools', id: (entry) => entry.name },
  prompts: { method: 'prompts/list', key: 'prompts', id: (entry) => entry.name },
  resources: { method: 'resources/list', key: 'resources', id: (entry) => entry.uri },
};

// What each token may see with FILTER_LISTS=true, and with step-up.
const VISIBLE = {
  readonly: {
    tools: ['list_todos'],
    prompts: ['summarize_todos'],
    resources: ['todo://list', 'todo://stats'],
  },
  full: {
    tools: ['list_todos', 'create_todo', 'count_slowly'],
    prompts: ['summarize_todos', 'admin_report'],
    resources: ['todo://list', 'todo://stats', 'admin://audit-log'],
  },
};
const STEP_UP_VISIBLE_READONLY = {
  tools: ['list_todos', 'create_todo', 'count_slowly'], // delete_todo: false
  prompts: ['summarize_todos', 'admin_report'], // draft_todo: unmatched
  resources: ['todo://list', 'todo://stats'], // admin://audit-log: claim fails
};
const ALL = {
  tools: ['list_todos', 'create_todo', 'delete_todo', 'count_slowly'],
  prompts: ['summarize_todos', 'draft_todo', 'admin_report'],
  resources: ['todo://list', 'todo://stats', 'admin://audit-log'],
};

/** Sessions through one gateway, one per token. */
function sessions(url) {
  const open = new Map();
  return (token) => {
    if (!open.has(token)) open.set(token, openSession(url, token));
    return open.get(token);
  };
}

/** A list request through `url`: the HTTP response's parts and its JSON-RPC messages. */
async function list(url, session, token, body) {
  const response = await post(url, { token, session: await session(token), body });
  const text = await response.clone().text();
  assert.equal(response.status, 200, `${JSON.stringify(body)}: ${text}`);
  return {
    contentType: response.headers.get('content-type') ?? '',
    cacheControl: response.headers.get('cache-control') ?? '',
    messages: await messages(response),
  };
}

const entryIds = (kind, message) => message.result[LISTS[kind].key].map(LISTS[kind].id);

/**
 * `filtered` is `unfiltered` with only the entries named `visible`, in the
 * origin's order, each unchanged, and the rest of the message as it was.
 */
function assertFilteredFrom(kind, filtered, unfiltered, visible) {
  const { key, id } = LISTS[kind];
  assert.deepEqual(entryIds(kind, unfiltered), ALL[kind], 'the reference is the unfiltered list');
  const expected = { ...unfiltered, result: { ...unfiltered.result, [key]: unfiltered.result[key].filter((entry) => visible.includes(id(entry))) } };
  assert.deepEqual(entryIds(kind, filtered), entryIds(kind, expected), `${kind}: only ${visible.join(', ')}`);
  assert.deepEqual(filtered, expected, `${kind}: kept entries and the rest of the message unchanged`);
}

describe('FILTER_LISTS through the MCP SDK origin', () => {
  let stack;
  let jsonOrigin;
  const gateways = {};
  const tokens = {};
  const sessionsOf = {};
  // name → [origin, FILTER_LISTS, extra POLICY sections]
  const SETUP = {
    sse: ['sse', undefined],
    sseOff: ['sse', 'false'],
    sseStepUp: ['sse', 'step-up'],
    json: ['json', 'true'],
    jsonOff: ['json', 'false'],
    jsonStepUp: ['json', 'step-up'],
    methods: ['sse', undefined, { methods: { 'tools/call': 'todo:write', 'prompts/get': false, '*': [] } }],
  };

  before(async () => {
    stack = await startStack({ auth: { extraClaims: EXTRA_CLAIMS } });
    jsonOrigin = await startMcpOrigin({ jsonResponse: true });
    [tokens.full, tokens.readonly] = await Promise.all([stack.token(), stack.token('demo-readonly', 'todo:read')]);
    for (const [name, [origin, filter, extra = {}]] of Object.entries(SETUP)) {
      const vars = { POLICY: JSON.stringify({ ...POLICY, ...extra }), TOOL_SCOPES: '' };
      if (filter !== undefined) vars.FILTER_LISTS = filter;
      gateways[name] = await gatewayFor(stack, origin === 'sse' ? stack.origin.url : jsonOrigin.url, { vars });
      sessionsOf[name] = sessions(`${gateways[name].url}/mcp`);
    }
  });
  after(async () => {
    for (const gateway of Object.values(gateways)) await gateway.close();
    await jsonOrigin?.close();
    await stack?.close();
  });

  const listThrough = (name, who, body) => list(`${gateways[name].url}/mcp`, sessionsOf[name], tokens[who], body);

  test('the origins answer as expected (SSE and JSON), and FILTER_LISTS=false shows everything', async () => {
    for (const [name, type] of [['sseOff', /^text\/event-stream/], ['jsonOff', /^application\/json/]]) {
      for (const kind of Object.keys(LISTS)) {
        for (const who of ['readonly', 'full']) {
          const { contentType, messages: [message] } = await listThrough(name, who, rpc(2, LISTS[kind].method));
          assert.match(contentType, type, `${name} ${kind}`);
          assert.deepEqual(entryIds(kind, message), ALL[kind], `${name} ${kind} ${who}: unfiltered`);
        }
      }
    }
  });

  for (const [name, off, type] of [['sse', 'sseOff', /^text\/event-stream/], ['json', 'jsonOff', /^application\/json/]]) {
    for (const kind of Object.keys(LISTS)) {
      for (const who of ['readonly', 'full']) {
        test(`${name}: ${kind}/list for ${who} holds only what it may use`, async () => {
          const body = rpc(3, LISTS[kind].method);
          const filtered = await listThrough(name, who, body);
          const reference = await listThrough(off, who, body);
          assert.match(filtered.contentType, type, 'the content type is kept');
          assert.equal(filtered.messages.length, 1);
          assertFilteredFrom(kind, filtered.messages[0], reference.messages[0], VISIBLE[who][kind]);
          assert.match(filtered.cacheControl, /\bprivate\b/, `Cache-Control: ${filtered.cacheControl}`);
        });
      }
    }
  }

  for (const name of ['sseStepUp', 'jsonStepUp']) {
    test(`${name}: step-up hides only what no scope unlocks (false, failed claims, unmatched)`, async () => {
      for (const kind of Object.keys(LISTS)) {
        const body = rpc(4, LISTS[kind].method);
        const filtered = await listThrough(name, 'readonly', body);
        const reference = await listThrough(name.startsWith('sse') ? 'sseOff' : 'jsonOff', 'readonly', body);
        assertFilteredFrom(kind, filtered.messages[0], reference.messages[0], STEP_UP_VISIBLE_READONLY[kind]);
        assert.match(filtered.cacheControl, /\bprivate\b/, `${kind}: Cache-Control: ${filtered.cacheControl}`);
      }
      // With the claim, the claim-gated resource shows; a false tool never does.
      const full = await listThrough(name, 'full', rpc(5, 'resources/list'));
      assert.deepEqual(entryIds('resources', full.messages[0]), ALL.resources);
      const tools = await listThrough(name, 'full', rpc(6, 'tools/list'));
      assert.deepEqual(entryIds('tools', tools.messages[0]), ['list_todos', 'create_todo', 'count_slowly']);
    });
  }

  test('entries are judged with the methods section too (tools/call, prompts/get)', async () => {
    // tools/call needs todo:write on top of each tool's rule; prompts/get is false.
    const readonlyTools = await listThrough('methods', 'readonly', rpc(7, 'tools/list'));
    assert.deepEqual(entryIds('tools', readonlyTools.messages[0]), [], 'todo:read can call no tool');
    const fullTools = await listThrough('methods', 'full', rpc(8, 'tools/list'));
    assert.deepEqual(entryIds('tools', fullTools.messages[0]), VISIBLE.full.tools);
    const fullPrompts = await listThrough('methods', 'full', rpc(9, 'prompts/list'));
    assert.deepEqual(entryIds('prompts', fullPrompts.messages[0]), [], 'no prompt can be got');
    const resources = await listThrough('methods', 'readonly', rpc(10, 'resources/list'));
    assert.deepEqual(entryIds('resources', resources.messages[0]), VISIBLE.readonly.resources, 'resources/read is not restricted');
  });

  for (const [name, off, type] of [['sse', 'sseOff', /^text\/event-stream/], ['json', 'jsonOff', /^application\/json/]]) {
    test(`${name}: a batch [tools/list, prompts/list, resources/list] is filtered element by element`, async () => {
      const body = [rpc(11, 'tools/list'), rpc(12, 'prompts/list'), rpc(13, 'resources/list')];
      const filtered = await listThrough(name, 'readonly', body);
      const reference = await listThrough(off, 'readonly', body);
      assert.match(filtered.contentType, type);
      assert.equal(filtered.messages.length, 3);
      const byId = (all, id) => all.find((m) => m.id === id);
      assertFilteredFrom('tools', byId(filtered.messages, 11), byId(reference.messages, 11), VISIBLE.readonly.tools);
      assertFilteredFrom('prompts', byId(filtered.messages, 12), byId(reference.messages, 12), VISIBLE.readonly.prompts);
      assertFilteredFrom('resources', byId(filtered.messages, 13), byId(reference.messages, 13), VISIBLE.readonly.resources);
      assert.match(filtered.cacheControl, /\bprivate\b/, `Cache-Control: ${filtered.cacheControl}`);
    });
  }

  test('other answers pass unfiltered (a tools/call result, a prompts/get result)', async () => {
    const [call] = (await listThrough('sse', 'readonly', toolCall(14, 'list_todos'))).messages;
    assert.ok(call.result?.content, JSON.stringify(call));
    const [prompt] = (await listThrough('sse', 'readonly', rpc(15, 'prompts/get', { name: 'summarize_todos' }))).messages;
    assert.ok(Array.isArray(prompt.result?.messages), JSON.stringify(prompt));
  });

  for (const [name, off] of [['sse', 'sseOff'], ['json', 'jsonOff']]) {
    test(`${name}: the MCP SDK client lists only what the token may use`, async (t) => {
      const connect = async (gateway, token) => {
        const client = new Client({ name: 'mcp-edge-guard-lists-test', version: '0.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${gateways[gateway].url}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
        }));
        t.after(() => client.close());
        return client;
      };
      const client = await connect(name, tokens.readonly);
      const unfiltered = await connect(off, tokens.readonly);
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((tool) => tool.name), VISIBLE.readonly.tools);
      const all = (await unfiltered.listTools()).tools;
      assert.deepEqual(tools, all.filter((tool) => VISIBLE.readonly.tools.includes(tool.name)), 'the kept tool as the origin describes it');
      assert.deepEqual((await client.listPrompts()).prompts.map((prompt) => prompt.name), VISIBLE.readonly.prompts);
      assert.deepEqual((await client.listResources()).resources.map((resource) => resource.uri), VISIBLE.readonly.resources);
      const result = await client.callTool({ name: 'list_todos', arguments: {} });
      assert.notEqual(result.isError, true, 'what is listed can be called');

      const admin = await connect(name, tokens.full);
      assert.deepEqual((await admin.listTools()).tools.map((tool) => tool.name), VISIBLE.full.tools);
    });
  }
});

/** A hand-written origin answering tools/list as an SSE stream with a notification first. */
async function streamingOrigin() {
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  const tools = ['list_todos', 'create_todo', 'delete_todo', 'count_slowly'].map((name) => ({
    name,
    description: `the ${name} tool`,
    inputSchema: { type: 'object', properties: {} },
  }));
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (body?.method === 'tools/list') {
        res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'listing tools' } })}\n\n`);
        res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p', progress: 1 } })}\n\n`);
        await released; // the client must see the notifications before the list is sent
        res.end(`id: 7\nevent: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: body.id, result: { tools, nextCursor: 'page-2' } })}\n\n`);
      } else {
        // Not a list: a result that merely looks like one passes as it is.
        res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: body?.id ?? null, result: { tools, content: [] } })}\n\n`);
      }
    });
  });
  const { base, close } = await listenLocal(server);
  return { url: `${base}/mcp`, tools, release: () => release(), close };
}

describe('FILTER_LISTS on an SSE stream with other events', () => {
  let stack;
  let origin;
  let gateway;
  let readonly;
  before(async () => {
    stack = await startStack();
    origin = await streamingOrigin();
    gateway = await gatewayFor(stack, origin.url, { vars: { POLICY: JSON.stringify({ tools: POLICY.tools }), TOOL_SCOPES: '' } });
    readonly = await stack.token('demo-readonly', 'todo:read');
  });
  after(async () => {
    origin?.release();
    await gateway?.close();
    await origin?.close();
    await stack?.close();
  });

  test('notifications stream through as they come; the list result is filtered', async () => {
    const response = await fetch(`${gateway.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, authorization: `Bearer ${readonly}` },
      body: JSON.stringify(rpc(21, 'tools/list')),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const timeout = setTimeout(() => origin.release(), 3000); // do not hang if the gateway buffers
    let sawNotificationsFirst = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      if (!sawNotificationsFirst && text.includes('notifications/progress') && !text.includes('"tools"')) {
        sawNotificationsFirst = true;
        origin.release();
      }
    }
    clearTimeout(timeout);
    assert.ok(sawNotificationsFirst, 'the notifications arrived before the origin sent the list');
    const data = text.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => JSON.parse(line.slice(5)));
    assert.equal(data.length, 3, text);
    assert.deepEqual(data[0], { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'listing tools' } });
    assert.deepEqual(data[1], { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p', progress: 1 } });
    assert.deepEqual(data[2], {
      jsonrpc: '2.0',
      id: 21,
      result: { tools: origin.tools.filter((tool) => tool.name === 'list_todos'), nextCursor: 'page-2' },
    });
    assert.match(response.headers.get('cache-control') ?? '', /\bprivate\b/);
  });

  test('a non-list result shaped like a list is not touched', async () => {
    const response = await post(`${gateway.url}/mcp`, { token: readonly, body: toolCall(22, 'list_todos') });
    assert.equal(response.status, 200);
    const [message] = await messages(response);
    assert.deepEqual(message.result.tools.map((tool) => tool.name), origin.tools.map((tool) => tool.name));
  });
});
