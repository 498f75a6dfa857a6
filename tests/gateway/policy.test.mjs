// POLICY: which token may send which JSON-RPC message. Rule forms (scope,
// [scopes], [], false, {scopes, claims}), pattern precedence, every section
// (tools, resources, prompts, methods), claim matching, batches, configuration
// errors and the advertised scopes. Real AS (with extra token claims), real MCP
// SDK origin, real worker; each refusal is checked to have reached nothing.
//
//   node --test --test-concurrency=1 tests/gateway/policy.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayFor, messages, startStack } from './harness.mjs';
import { mcpHeaders, openSession, post, rpc, toolCall } from './mcp.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Token claims added by the authorization server (see stack/auth-server.mjs).
const EXTRA_CLAIMS = {
  'demo-m2m': { tenant: 'acme', groups: ['eng', 'ops'], level: 3, beta: true, org: 'acme corp', profile: { team: 'eng' } },
  'demo-readonly': { tenant: 'acme' },
};
// `todo:*` as well, so that a client may be granted the wildcard scope.
const AUTH_SCOPES = ['todo:read', 'todo:write', 'todo:admin', 'todo:*'];

/** Starts the stack every describe below shares, and its tokens. */
async function policyStack() {
  const stack = await startStack({ auth: { scopes: AUTH_SCOPES, extraClaims: EXTRA_CLAIMS } });
  const [full, readonly, writeOnly, star] = await Promise.all([
    stack.token('demo-m2m', 'todo:read todo:write todo:admin'),
    stack.token('demo-readonly', 'todo:read'),
    stack.token('demo-m2m', 'todo:write'),
    stack.token('demo-m2m', 'todo:*'),
  ]);
  return { stack, tokens: { full, readonly, writeOnly, star } };
}

/** A gateway in front of the stack's origin with this POLICY (and no TOOL_SCOPES). */
function policyGateway(stack, policy, vars = {}) {
  return gatewayFor(stack, stack.origin.url, { vars: { POLICY: JSON.stringify(policy), TOOL_SCOPES: '', ...vars } });
}

/** Parses `Bearer k="v", k2="v2"`. */
function challengeParams(header) {
  assert.match(header ?? '', /^Bearer /, `a Bearer challenge, got ${header}`);
  return Object.fromEntries([...header.matchAll(/([a-z_]+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
}

/**
 * Sends `body` through `gateway` and expects it to reach the origin: 200 and
 * an answer from the origin for every request id. Returns the messages.
 */
async function expectForwarded(stack, gateway, { token, session, body }, label = JSON.stringify(body)) {
  const seen = stack.origin.requests.length;
  const response = await post(`${gateway.url}/mcp`, { token, session, body });
  const text = await response.clone().text();
  assert.equal(response.status, 200, `${label}: forwarded, got ${response.status} ${text}`);
  const answers = await messages(response);
  assert.equal(stack.origin.requests.length, seen + 1, `${label}: reached the origin`);
  const ids = [].concat(body).filter((m) => m.id !== undefined).map((m) => m.id);
  for (const id of ids) {
    assert.ok(answers.some((m) => m.id === id && ('result' in m || 'error' in m)), `${label}: answer for id ${id}: ${text}`);
  }
  return answers;
}

/** 403 access_denied, no scope hint anywhere, nothing forwarded. */
async function expectDenied(stack, gateway, { token, session, body }, label = JSON.stringify(body)) {
  const seen = stack.origin.requests.length;
  const response = await post(`${gateway.url}/mcp`, { token, session, body });
  const text = await response.text();
  assert.equal(response.status, 403, `${label}: refused, got ${response.status} ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/, label);
  const parsed = JSON.parse(text);
  assert.equal(parsed.error, 'access_denied', `${label}: ${text}`);
  assert.equal(typeof parsed.error_description, 'string', label);
  const header = response.headers.get('www-authenticate');
  assert.ok(!(header ?? '').includes('scope='), `${label}: no scope a client could ask for: ${header}`);
  assert.ok(!(header ?? '').includes('insufficient_scope'), `${label}: ${header}`);
  assert.equal(stack.origin.requests.length, seen, `${label}: the origin saw nothing`);
}

/**
 * 403 insufficient_scope whose `scope` holds every scope of `needs` and none
 * of `notNeeded` (`scope` is granted + required); nothing forwarded.
 */
async function expectInsufficient(stack, gateway, { token, session, body }, { needs, notNeeded = [] }, label = JSON.stringify(body)) {
  const seen = stack.origin.requests.length;
  const response = await post(`${gateway.url}/mcp`, { token, session, body });
  const text = await response.text();
  assert.equal(response.status, 403, `${label}: refused, got ${response.status} ${text}`);
  const params = challengeParams(response.headers.get('www-authenticate'));
  assert.equal(params.error, 'insufficient_scope', label);
  const scopes = (params.scope ?? '').split(' ');
  for (const scope of needs) assert.ok(scopes.includes(scope), `${label}: scope="${params.scope}" asks for ${scope}`);
  for (const scope of notNeeded) assert.ok(!scopes.includes(scope), `${label}: scope="${params.scope}" does not ask for ${scope}`);
  assert.equal(JSON.parse(text).error, 'insufficient_scope', label);
  assert.equal(stack.origin.requests.length, seen, `${label}: the origin saw nothing`);
  return params;
}

/** Sessions through one gateway, one per token (a session is bound to its principal). */
function sessions(gateway) {
  const open = new Map();
  return (token) => {
    if (!open.has(token)) open.set(token, openSession(`${gateway.url}/mcp`, token));
    return open.get(token);
  };
}

/** The decision lines logged after `since` of them (log lines arrive asynchronously). */
async function decisionsAfter(gateway, since, { atLeast = 1, within = 3000 } = {}) {
  const deadline = Date.now() + within;
  for (;;) {
    const found = gateway.logs.filter((entry) => entry.event === 'mcp_edge_guard.decision').slice(since);
    if (found.length >= atLeast || Date.now() > deadline) return found;
    await sleep(20);
  }
}

async function settledDecisionCount(gateway) {
  await sleep(150); // the previous requests' lines have arrived
  return gateway.logs.filter((entry) => entry.event === 'mcp_edge_guard.decision').length;
}

// ------------------------------------------------------------------ tests

describe('POLICY tools: rule forms, pattern precedence, batches', () => {
  let stack;
  let tokens;
  let gateway;
  let session;
  const POLICY = {
    tools: {
      list_todos: 'todo:read', // a scope
      create_todo: ['todo:read', 'todo:write'], // all of these
      count_slowly: [], // any valid token
      delete_todo: false, // nobody
      // Prefixes, the shorter declared first...
      'admin_*': 'todo:admin',
      'admin_audit_*': ['todo:admin', 'todo:write'],
      admin_audit_view: 'todo:read',
      // ...and the longer declared first.
      'report_audit_*': 'todo:write',
      'report_*': 'todo:admin',
      '*': 'todo:write',
    },
  };
  before(async () => {
    ({ stack, tokens } = await policyStack());
    gateway = await policyGateway(stack, POLICY);
    session = sessions(gateway);
  });
  after(async () => {
    await gateway?.close();
    await stack?.close();
  });

  test('a scope string: todo:read may, todo:write alone may not', async () => {
    await expectForwarded(stack, gateway, { token: tokens.readonly, session: await session(tokens.readonly), body: toolCall(2, 'list_todos') });
    await expectInsufficient(
      stack, gateway,
      { token: tokens.writeOnly, session: await session(tokens.writeOnly), body: toolCall(3, 'list_todos') },
      { needs: ['todo:read', 'todo:write'], notNeeded: ['todo:admin'] },
    );
  });

  test('an array: every scope is required', async () => {
    const before = stack.origin.todos.length;
    await expectInsufficient(
      stack, gateway,
      { token: tokens.readonly, session: await session(tokens.readonly), body: toolCall(4, 'create_todo', { title: 'no' }) },
      { needs: ['todo:read', 'todo:write'], notNeeded: ['todo:admin'] },
    );
    await expectInsufficient(
      stack, gateway,
      { token: tokens.writeOnly, session: await session(tokens.writeOnly), body: toolCall(5, 'create_todo', { title: 'no' }) },
      { needs: ['todo:read', 'todo:write'], notNeeded: ['todo:admin'] },
      'create_todo with todo:write alone (one scope of the two is not enough)',
    );
    assert.equal(stack.origin.todos.length, before);
    await expectForwarded(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: toolCall(6, 'create_todo', { title: 'yes' }) });
    assert.equal(stack.origin.todos.length, before + 1);
  });

  test('[]: any valid token', async () => {
    for (const token of [tokens.readonly, tokens.writeOnly]) {
      await expectForwarded(stack, gateway, { token, session: await session(token), body: toolCall(7, 'count_slowly', { n: 0 }) });
    }
  });

  test('false: nobody, whatever its scopes → 403 access_denied', async () => {
    const before = stack.origin.todos.length;
    stack.origin.todos.push({ id: 'keep', title: 'keep me' });
    try {
      for (const token of [tokens.full, tokens.star]) {
        await expectDenied(stack, gateway, { token, session: await session(token), body: toolCall(8, 'delete_todo', { id: 'keep' }) });
      }
      assert.ok(stack.origin.todos.some((todo) => todo.id === 'keep'), 'nothing deleted');
    } finally {
      stack.origin.todos.splice(before);
    }
  });

  test('a granted todo:* covers todo:read and todo:write', async () => {
    const s = await session(tokens.star);
    await expectForwarded(stack, gateway, { token: tokens.star, session: s, body: toolCall(9, 'list_todos') });
    await expectForwarded(stack, gateway, { token: tokens.star, session: s, body: toolCall(10, 'create_todo', { title: 'by wildcard' }) });
  });

  test('exact beats the longest prefix, which beats a shorter one, which beats "*" (whatever the order)', async () => {
    const token = tokens.readonly;
    const s = await session(token);
    // The exact rule (todo:read) wins over admin_audit_* and admin_*: forwarded.
    await expectForwarded(stack, gateway, { token, session: s, body: toolCall(11, 'admin_audit_view') });
    // admin_audit_* (declared after admin_*): admin + write.
    await expectInsufficient(stack, gateway, { token, session: s, body: toolCall(12, 'admin_audit_purge') }, { needs: ['todo:admin', 'todo:write'] });
    // admin_*: admin only.
    await expectInsufficient(stack, gateway, { token, session: s, body: toolCall(13, 'admin_purge') }, { needs: ['todo:admin'], notNeeded: ['todo:write'] });
    // report_audit_* (declared before report_*): write only.
    await expectInsufficient(stack, gateway, { token, session: s, body: toolCall(14, 'report_audit_export') }, { needs: ['todo:write'], notNeeded: ['todo:admin'] });
    // report_*: admin only.
    await expectInsufficient(stack, gateway, { token, session: s, body: toolCall(15, 'report_export') }, { needs: ['todo:admin'], notNeeded: ['todo:write'] });
    // Nothing but "*": write only.
    await expectInsufficient(stack, gateway, { token, session: s, body: toolCall(16, 'something_else') }, { needs: ['todo:write'], notNeeded: ['todo:admin'] });
    // A prefix is not a substring match: "x_admin_purge" does not start with "admin_".
    await expectInsufficient(stack, gateway, { token, session: s, body: toolCall(17, 'x_admin_purge') }, { needs: ['todo:write'], notNeeded: ['todo:admin'] });
    // With the scopes, the prefix rules let the calls through.
    await expectForwarded(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: toolCall(18, 'admin_audit_purge') });
  });

  test('decision log: insufficient_scope for missing scopes, access_denied for false', async () => {
    const s = await session(tokens.readonly);
    let since = await settledDecisionCount(gateway);
    await expectInsufficient(stack, gateway, { token: tokens.readonly, session: s, body: toolCall(19, 'admin_purge') }, { needs: ['todo:admin'] });
    let [line] = await decisionsAfter(gateway, since);
    assert.equal(line?.decision, 'deny', JSON.stringify(line));
    assert.equal(line.reason, 'insufficient_scope');
    assert.equal(line.status, 403);

    since = await settledDecisionCount(gateway);
    await expectDenied(stack, gateway, { token: tokens.readonly, session: s, body: toolCall(20, 'delete_todo', { id: '1' }) });
    [line] = await decisionsAfter(gateway, since);
    assert.equal(line?.decision, 'deny', JSON.stringify(line));
    assert.equal(line.reason, 'access_denied');
    assert.equal(line.status, 403);
  });

  test('batch: one denied element refuses the whole batch with access_denied', async () => {
    const token = tokens.full;
    const s = await session(token);
    const before = stack.origin.todos.length;
    await expectDenied(stack, gateway, {
      token,
      session: s,
      body: [toolCall(21, 'list_todos'), toolCall(22, 'create_todo', { title: 'smuggled' }), toolCall(23, 'delete_todo', { id: '1' })],
    });
    // Denial wins over a missing scope in another element.
    await expectDenied(stack, gateway, {
      token: tokens.readonly,
      session: await session(tokens.readonly),
      body: [toolCall(24, 'admin_purge'), toolCall(25, 'delete_todo', { id: '1' })],
    });
    assert.equal(stack.origin.todos.length, before, 'no element ran');
  });

  test('batch: the missing scopes of every element are asked for at once', async () => {
    const token = tokens.readonly;
    const s = await session(token);
    await expectInsufficient(
      stack, gateway,
      { token, session: s, body: [toolCall(26, 'list_todos'), toolCall(27, 'create_todo', { title: 'x' }), toolCall(28, 'admin_purge')] },
      { needs: ['todo:read', 'todo:write', 'todo:admin'] },
    );
    const answers = await expectForwarded(stack, gateway, { token, session: s, body: [toolCall(29, 'list_todos'), toolCall(30, 'count_slowly', { n: 0 })] });
    assert.equal(answers.length, 2);
  });
});

describe('POLICY resources, prompts; absent sections allow', () => {
  let stack;
  let tokens;
  let gateway;
  let session;
  const POLICY = {
    resources: { 'todo://*': 'todo:read', 'todo://stats': [], 'admin://*': 'todo:admin' },
    prompts: { summarize_todos: 'todo:read', 'draft_*': 'todo:write', admin_report: false },
  };
  before(async () => {
    ({ stack, tokens } = await policyStack());
    gateway = await policyGateway(stack, POLICY);
    session = sessions(gateway);
  });
  after(async () => {
    await gateway?.close();
    await stack?.close();
  });

  const read = (id, uri) => rpc(id, 'resources/read', { uri });
  const getPrompt = (id, name, args) => rpc(id, 'prompts/get', { name, ...(args ? { arguments: args } : {}) });

  test('resources/read by params.uri: prefix, exact, scope missing', async () => {
    const [answer] = await expectForwarded(stack, gateway, { token: tokens.readonly, session: await session(tokens.readonly), body: read(2, 'todo://list') });
    assert.equal(answer.result?.contents?.[0]?.uri, 'todo://list', JSON.stringify(answer));
    // The exact todo://stats ([]) beats todo://* (todo:read).
    const writer = await session(tokens.writeOnly);
    await expectForwarded(stack, gateway, { token: tokens.writeOnly, session: writer, body: read(3, 'todo://stats') });
    await expectInsufficient(stack, gateway, { token: tokens.writeOnly, session: writer, body: read(4, 'todo://list') }, { needs: ['todo:read'], notNeeded: ['todo:admin'] });
    await expectInsufficient(
      stack, gateway,
      { token: tokens.readonly, session: await session(tokens.readonly), body: read(5, 'admin://audit-log') },
      { needs: ['todo:admin'], notNeeded: ['todo:write'] },
    );
    await expectForwarded(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: read(6, 'admin://audit-log') });
  });

  test('a URI no pattern matches (the section has no "*") → access_denied', async () => {
    const s = await session(tokens.full);
    for (const uri of ['file:///etc/passwd', 'todo:/list', 'xtodo://list']) {
      await expectDenied(stack, gateway, { token: tokens.full, session: s, body: read(7, uri) }, `resources/read ${uri}`);
    }
  });

  test('a resource URI the origin would normalise to another one is refused (400, nothing forwarded)', async () => {
    const s = await session(tokens.full);
    // Each names admin://audit-log or todo:///private… to the SDK origin's `new URL(uri).toString()`.
    for (const uri of ['TODO://list', 'ADMIN://audit-log', ' admin://audit-log', 'ad\tmin://audit-log', 'todo:///public/../private', 'todo:///public/%2e%2e/private']) {
      const seen = stack.origin.requests.length;
      const response = await post(`${gateway.url}/mcp`, { token: tokens.full, session: s, body: read(12, uri) });
      assert.equal(response.status, 400, `${JSON.stringify(uri)}: ${response.status}`);
      assert.equal((await response.json()).error.code, -32600, uri);
      assert.equal(stack.origin.requests.length, seen, `${JSON.stringify(uri)}: the origin saw nothing`);
    }
  });

  test('resources/subscribe and resources/unsubscribe are judged by params.uri', async () => {
    const token = tokens.readonly;
    const s = await session(token);
    await expectForwarded(stack, gateway, { token, session: s, body: rpc(8, 'resources/subscribe', { uri: 'todo://list' }) });
    assert.ok(stack.origin.subscriptions.has('todo://list'), 'the origin took the subscription');
    await expectInsufficient(stack, gateway, { token, session: s, body: rpc(9, 'resources/subscribe', { uri: 'admin://audit-log' }) }, { needs: ['todo:admin'] });
    await expectInsufficient(stack, gateway, { token, session: s, body: rpc(10, 'resources/unsubscribe', { uri: 'admin://audit-log' }) }, { needs: ['todo:admin'] });
    assert.ok(!stack.origin.subscriptions.has('admin://audit-log'));
    await expectDenied(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: rpc(11, 'resources/subscribe', { uri: 'https://elsewhere.example/' }) });
    await expectDenied(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: rpc(12, 'resources/unsubscribe', { uri: 'https://elsewhere.example/' }) });
  });

  test('prompts/get by params.name: scope, prefix, false, unmatched', async () => {
    const s = await session(tokens.readonly);
    const [answer] = await expectForwarded(stack, gateway, { token: tokens.readonly, session: s, body: getPrompt(13, 'summarize_todos') });
    assert.ok(Array.isArray(answer.result?.messages), JSON.stringify(answer));
    await expectInsufficient(stack, gateway, { token: tokens.readonly, session: s, body: getPrompt(14, 'draft_todo', { topic: 'milk' }) }, { needs: ['todo:write'] });
    const full = await session(tokens.full);
    await expectForwarded(stack, gateway, { token: tokens.full, session: full, body: getPrompt(15, 'draft_todo', { topic: 'milk' }) });
    await expectDenied(stack, gateway, { token: tokens.full, session: full, body: getPrompt(16, 'admin_report') });
    await expectDenied(stack, gateway, { token: tokens.full, session: full, body: getPrompt(17, 'unlisted_prompt') }, 'a prompt no pattern matches');
  });

  test('decision log: access_denied for an unmatched target', async () => {
    const since = await settledDecisionCount(gateway);
    await expectDenied(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: read(18, 'file:///etc/shadow') });
    const [line] = await decisionsAfter(gateway, since);
    assert.equal(line?.decision, 'deny', JSON.stringify(line));
    assert.equal(line.reason, 'access_denied');
  });

  test('no tools section: any valid token may call any tool (TOOL_SCOPES is unset)', async () => {
    const s = await session(tokens.readonly);
    const [answer] = await expectForwarded(stack, gateway, { token: tokens.readonly, session: s, body: toolCall(19, 'delete_todo', { id: 'none' }) });
    assert.match(JSON.stringify(answer.result), /No todo with id none/, 'the origin ran it');
  });

  test('no methods section: initialize, ping, notifications and lists keep working', async () => {
    const token = tokens.readonly;
    const s = await session(token); // initialize + notifications/initialized
    for (const method of ['ping', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']) {
      const [answer] = await expectForwarded(stack, gateway, { token, session: s, body: rpc(20, method) }, method);
      assert.ok(answer.result, `${method}: ${JSON.stringify(answer)}`);
    }
    const note = await post(`${gateway.url}/mcp`, { token, session: s, body: { jsonrpc: '2.0', method: 'notifications/roots/list_changed' } });
    assert.equal(note.status, 202);
    await note.body?.cancel();
  });
});

describe('POLICY methods', () => {
  let stack;
  let tokens;
  let gateway;
  let session;
  const POLICY = {
    methods: { initialize: [], 'notifications/*': [], 'notifications/roots/*': false, 'tools/*': 'todo:read', '*': false },
    tools: { create_todo: 'todo:write', '*': [] },
  };
  before(async () => {
    ({ stack, tokens } = await policyStack());
    gateway = await policyGateway(stack, POLICY);
    session = sessions(gateway);
  });
  after(async () => {
    await gateway?.close();
    await stack?.close();
  });

  test('initialize and notifications allowed by the methods section', async () => {
    const s = await session(tokens.readonly); // asserts 200 and 202
    assert.ok(s.id);
  });

  test('tools/* by the method rule: tools/list and tools/call with todo:read', async () => {
    const s = await session(tokens.readonly);
    const [list] = await expectForwarded(stack, gateway, { token: tokens.readonly, session: s, body: rpc(2, 'tools/list') });
    assert.ok(Array.isArray(list.result?.tools));
    await expectForwarded(stack, gateway, { token: tokens.readonly, session: s, body: toolCall(3, 'list_todos') });
    await expectInsufficient(stack, gateway, { token: tokens.writeOnly, session: await session(tokens.writeOnly), body: rpc(4, 'tools/list') }, { needs: ['todo:read'] });
  });

  test('"*": false denies every other method: ping, resources/list, prompts/get', async () => {
    const s = await session(tokens.full);
    for (const body of [rpc(5, 'ping'), rpc(6, 'resources/list'), rpc(7, 'prompts/get', { name: 'summarize_todos' }), rpc(8, 'resources/read', { uri: 'todo://list' })]) {
      await expectDenied(stack, gateway, { token: tokens.full, session: s, body }, body.method);
    }
  });

  test('a tools/call needs the method rule and the tools rule', async () => {
    // tools/call create_todo: todo:read (methods) and todo:write (tools).
    await expectInsufficient(
      stack, gateway,
      { token: tokens.writeOnly, session: await session(tokens.writeOnly), body: toolCall(9, 'create_todo', { title: 'x' }) },
      { needs: ['todo:read', 'todo:write'] },
      'create_todo with todo:write alone (methods ask for todo:read)',
    );
    await expectInsufficient(
      stack, gateway,
      { token: tokens.readonly, session: await session(tokens.readonly), body: toolCall(10, 'create_todo', { title: 'x' }) },
      { needs: ['todo:read', 'todo:write'] },
      'create_todo with todo:read alone (tools ask for todo:write)',
    );
    await expectForwarded(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: toolCall(11, 'create_todo', { title: 'ok' }) });
  });

  test('a batch with a denied method is refused whole', async () => {
    await expectDenied(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: [rpc(12, 'tools/list'), rpc(13, 'ping')] });
  });

  test('notifications are judged by the methods section: the longer prefix wins', async () => {
    const s = await session(tokens.full);
    const seen = stack.origin.requests.length;
    const denied = await post(`${gateway.url}/mcp`, { token: tokens.full, session: s, body: { jsonrpc: '2.0', method: 'notifications/roots/list_changed' } });
    assert.equal(denied.status, 403);
    assert.equal((await denied.json()).error, 'access_denied');
    assert.ok(!(denied.headers.get('www-authenticate') ?? '').includes('scope='));
    assert.equal(stack.origin.requests.length, seen, 'the origin saw nothing');
    const allowed = await post(`${gateway.url}/mcp`, {
      token: tokens.full,
      session: s,
      body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99, reason: 'test' } },
    });
    assert.equal(allowed.status, 202);
    await allowed.body?.cancel();
    assert.equal(stack.origin.requests.length, seen + 1);
  });
});

describe('POLICY claims', () => {
  let stack;
  let tokens;
  let gateway;
  let session;
  // Claims of demo-m2m: tenant "acme", groups ["eng","ops"], level 3, beta true,
  // org "acme corp", profile {team: "eng"}. demo-readonly: tenant "acme".
  const ALLOWED = {
    c_tenant: { tenant: 'acme' },
    c_tenant_one_of: { tenant: ['globex', 'acme'] },
    c_groups_contains: { groups: 'ops' },
    c_groups_one_of: { groups: ['admins', 'eng'] },
    c_level: { level: 3 },
    c_level_one_of: { level: [1, 2, 3] },
    c_beta: { beta: true },
    c_org_whole: { org: 'acme corp' },
    c_every: { tenant: 'acme', groups: 'eng', level: 3, beta: [true] },
  };
  const DENIED = {
    d_tenant_other: { tenant: 'globex' },
    d_tenant_case: { tenant: 'ACME' },
    d_tenant_padded: { tenant: ' acme' },
    d_groups_none: { groups: ['admins', 'sre'] },
    d_groups_joined: { groups: 'eng ops' },
    d_groups_prefix: { groups: 'en' },
    d_level_string: { level: '3' },
    d_level_other: { level: 4 },
    d_beta_false: { beta: false },
    d_beta_string: { beta: 'true' },
    d_missing: { department: 'eng' },
    d_object_claim: { profile: ['eng', 'team'] },
    d_org_split: { org: 'acme' },
    d_org_split_array: { org: ['acme', 'corp'] },
    d_not_every: { tenant: 'acme', level: 4 },
  };
  const POLICY = {
    tools: {
      ...Object.fromEntries(Object.entries({ ...ALLOWED, ...DENIED }).map(([name, claims]) => [name, { scopes: [], claims }])),
      with_scope_acme: { scopes: ['todo:write'], claims: { tenant: 'acme' } },
      with_scope_globex: { scopes: ['todo:write'], claims: { tenant: 'globex' } },
      'claims_prefix_*': { scopes: ['todo:read'], claims: { groups: ['ops'] } },
    },
  };
  before(async () => {
    ({ stack, tokens } = await policyStack());
    gateway = await policyGateway(stack, POLICY);
    session = sessions(gateway);
  });
  after(async () => {
    await gateway?.close();
    await stack?.close();
  });

  test('matching claims let the call through', async () => {
    const s = await session(tokens.full);
    for (const [name, claims] of Object.entries(ALLOWED)) {
      await expectForwarded(stack, gateway, { token: tokens.full, session: s, body: toolCall(2, name) }, `${name} ${JSON.stringify(claims)}`);
    }
    await expectForwarded(stack, gateway, { token: tokens.full, session: s, body: toolCall(3, 'claims_prefix_anything') }, 'a prefix rule with claims');
  });

  test('claims that do not match (exact JSON equality, no splitting, no folding) → access_denied', async () => {
    const s = await session(tokens.full);
    for (const [name, claims] of Object.entries(DENIED)) {
      await expectDenied(stack, gateway, { token: tokens.full, session: s, body: toolCall(4, name) }, `${name} ${JSON.stringify(claims)}`);
    }
    // demo-readonly has no groups claim at all.
    await expectDenied(stack, gateway, { token: tokens.readonly, session: await session(tokens.readonly), body: toolCall(5, 'claims_prefix_anything') }, 'missing array claim');
  });

  test('claims hold, scopes missing → insufficient_scope; claims fail → access_denied even with scopes missing', async () => {
    const s = await session(tokens.readonly);
    await expectInsufficient(stack, gateway, { token: tokens.readonly, session: s, body: toolCall(6, 'with_scope_acme') }, { needs: ['todo:write'] });
    await expectDenied(stack, gateway, { token: tokens.readonly, session: s, body: toolCall(7, 'with_scope_globex') });
    await expectForwarded(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: toolCall(8, 'with_scope_acme') });
  });

  test('decision log: access_denied for failed claims', async () => {
    const since = await settledDecisionCount(gateway);
    await expectDenied(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: toolCall(9, 'd_org_split') });
    const [line] = await decisionsAfter(gateway, since);
    assert.equal(line?.decision, 'deny', JSON.stringify(line));
    assert.equal(line.reason, 'access_denied');
  });

  test('a batch: a failed claim in one element refuses all', async () => {
    await expectDenied(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: [toolCall(10, 'c_tenant'), toolCall(11, 'd_tenant_other')] });
    await expectForwarded(stack, gateway, { token: tokens.full, session: await session(tokens.full), body: [toolCall(12, 'c_tenant'), toolCall(13, 'c_beta')] });
  });
});

describe('POLICY configuration', () => {
  let stack;
  let tokens;
  before(async () => {
    ({ stack, tokens } = await policyStack());
  });
  after(async () => {
    await stack?.close();
  });

  /** A gateway with these vars refuses requests, and /health names POLICY:invalid. */
  async function expectMisconfigured(vars, label) {
    const gateway = await gatewayFor(stack, stack.origin.url, { vars });
    try {
      const seen = stack.origin.requests.length;
      const response = await fetch(`${gateway.url}/mcp`, {
        method: 'POST',
        headers: mcpHeaders({ token: tokens.full }),
        body: JSON.stringify(toolCall(1, 'list_todos')),
      });
      const text = await response.text();
      assert.ok([500, 503].includes(response.status), `${label}: refused, got ${response.status} ${text}`);
      const body = JSON.parse(text);
      assert.equal(body.error, 'server_misconfigured', `${label}: ${text}`);
      assert.ok(body.problems.includes('POLICY:invalid'), `${label}: ${text}`);
      assert.equal(stack.origin.requests.length, seen, `${label}: nothing forwarded`);
      const health = await fetch(`${gateway.url}/health`);
      const report = await health.json();
      assert.equal(health.status, 503, label);
      assert.equal(report.config, 'invalid', label);
      assert.ok(report.problems.includes('POLICY:invalid'), `${label}: ${JSON.stringify(report)}`);
    } finally {
      await gateway.close();
    }
  }

  test('TOOL_SCOPES and POLICY together are a configuration error', async () => {
    await expectMisconfigured(
      { TOOL_SCOPES: JSON.stringify({ list_todos: 'todo:read' }), POLICY: JSON.stringify({ prompts: { '*': [] } }) },
      'TOOL_SCOPES + POLICY',
    );
  });

  test('a "*" anywhere but at the end of a pattern is a configuration error', async () => {
    for (const policy of [{ tools: { 'admin_*_purge': 'todo:admin' } }, { resources: { '*://list': 'todo:read' } }, { methods: { 'tools/**': [] } }]) {
      await expectMisconfigured({ TOOL_SCOPES: '', POLICY: JSON.stringify(policy) }, JSON.stringify(policy));
    }
  });

  test('POLICY that is not JSON is a configuration error', async () => {
    await expectMisconfigured({ TOOL_SCOPES: '', POLICY: '{"tools":' }, 'truncated JSON');
  });

  test('an empty POLICY counts as unset: TOOL_SCOPES applies', async () => {
    const gateway = await gatewayFor(stack, stack.origin.url, { vars: { POLICY: '' } });
    try {
      const s = await openSession(`${gateway.url}/mcp`, tokens.readonly);
      await expectForwarded(stack, gateway, { token: tokens.readonly, session: s, body: toolCall(2, 'list_todos') });
      await expectInsufficient(stack, gateway, { token: tokens.readonly, session: s, body: toolCall(3, 'create_todo', { title: 'x' }) }, { needs: ['todo:write'] });
    } finally {
      await gateway.close();
    }
  });

  test('scopes_supported lists every scope POLICY names, sorted, unless SCOPES_SUPPORTED is set', async () => {
    const policy = {
      tools: { a: 'p:one', b: ['p:two', 'p:one'], c: false, d: { scopes: ['p:three'], claims: { tenant: 'acme' } }, '*': [] },
      resources: { 'file://*': 'p:four' },
      prompts: { '*': 'p:six' },
      methods: { '*': 'p:five' },
    };
    const named = await policyGateway(stack, policy);
    const fixed = await policyGateway(stack, policy, { SCOPES_SUPPORTED: 'x:b x:a' });
    try {
      const doc = await (await fetch(`${named.url}/.well-known/oauth-protected-resource/mcp`)).json();
      assert.deepEqual(doc.scopes_supported, ['p:five', 'p:four', 'p:one', 'p:six', 'p:three', 'p:two']);
      const given = await (await fetch(`${fixed.url}/.well-known/oauth-protected-resource/mcp`)).json();
      assert.deepEqual([...given.scopes_supported].sort(), ['x:a', 'x:b']);
    } finally {
      await named.close();
      await fixed.close();
    }
  });
});
