// The npm package's `Policy` (the gateway's POLICY in JavaScript): rule forms,
// pattern precedence, sections, claim conditions, batches, filterList in each
// filterLists mode, TypeErrors, scopes(); and a Principal from a real Verifier.
//
//   node --test --test-concurrency=1 tests/npm/policy.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

import { Policy, Verifier } from '../../pkg/node/mcp_edge_guard.js';
import { nowSeconds } from './util.mjs';

// ---- helpers ----

const ALLOWED = { decision: 'allowed' };
const insufficient = (...requiredScopes) => ({ decision: 'insufficient_scope', status: 403, requiredScopes });
const denied = (reason) => ({ decision: 'denied', status: 403, reason });

const who = (scopes = [], claims) => (claims === undefined ? { scopes } : { scopes, claims });

let nextId = 1;
const rpc = (method, params) => ({ jsonrpc: '2.0', id: nextId++, method, ...(params ? { params } : {}) });
const callTool = (name) => rpc('tools/call', { name, arguments: {} });
const getPrompt = (name) => rpc('prompts/get', { name });
const readResource = (uri, method = 'resources/read') => rpc(method, { uri });

/** `policy.check`, with a plain-object copy of the decision (deepEqual is strict about prototypes). */
const check = (policy, principal, message) => ({ ...policy.check(principal, message) });

// ---- rule forms ----

test('rule forms: a scope, several scopes (all needed), [] (any token), false (nobody)', () => {
  const policy = new Policy({
    tools: {
      one: 'todo:read',
      all: ['todo:read', 'todo:write'],
      any: [],
      none: false,
      object: { scopes: 'todo:admin' },
      objectArray: { scopes: ['todo:read', 'todo:admin'] },
      empty: {},
    },
  });
  assert.deepEqual(check(policy, who(['todo:read']), callTool('one')), ALLOWED);
  assert.deepEqual(check(policy, who([]), callTool('one')), insufficient('todo:read'));
  assert.deepEqual(check(policy, who(['todo:write']), callTool('one')), insufficient('todo:read'));

  assert.deepEqual(check(policy, who(['todo:read', 'todo:write']), callTool('all')), ALLOWED);
  assert.deepEqual(check(policy, who(['todo:read']), callTool('all')), insufficient('todo:write'));
  assert.deepEqual(check(policy, who([]), callTool('all')), insufficient('todo:read', 'todo:write'));

  assert.deepEqual(check(policy, who([]), callTool('any')), ALLOWED);
  assert.deepEqual(check(policy, who([]), callTool('empty')), ALLOWED, '{} is [] without claims');

  for (const scopes of [[], ['todo:read', 'todo:write', 'todo:admin'], ['*']]) {
    assert.deepEqual(check(policy, who(scopes), callTool('none')), denied('rule_false'), scopes.join(' '));
  }

  assert.deepEqual(check(policy, who(['todo:admin']), callTool('object')), ALLOWED);
  assert.deepEqual(check(policy, who([]), callTool('object')), insufficient('todo:admin'));
  assert.deepEqual(check(policy, who(['todo:read']), callTool('objectArray')), insufficient('todo:admin'));
});

test('scopes: the hierarchy (a:b:* grants a:b:c), and principal scopes as a space-separated string', () => {
  const policy = new Policy({ tools: { calendar: 'mcp:tools:calendar:read', pair: ['a', 'b'] } });
  assert.deepEqual(check(policy, who(['mcp:tools:*']), callTool('calendar')), ALLOWED);
  assert.deepEqual(check(policy, who(['mcp:tools:calendar:*']), callTool('calendar')), ALLOWED);
  assert.deepEqual(check(policy, who(['mcp:tools:calendar:write']), callTool('calendar')), insufficient('mcp:tools:calendar:read'));
  assert.deepEqual(check(policy, who('a b'), callTool('pair')), ALLOWED);
  assert.deepEqual(check(policy, who('b'), callTool('pair')), insufficient('a'));
  assert.deepEqual(check(policy, who(''), callTool('pair')), insufficient('a', 'b'));
});

// ---- patterns ----

test('precedence: exact beats the longest prefix, which beats "*"; document order does not matter', () => {
  const rules = {
    '*': 'default',
    'todo_*': 'todo',
    'todo_admin_*': 'admin',
    todo_admin_purge: false,
  };
  const reversed = Object.fromEntries(Object.entries(rules).reverse());
  for (const tools of [rules, reversed]) {
    const policy = new Policy({ tools });
    const need = (name) => check(policy, who([]), callTool(name));
    assert.deepEqual(need('todo_admin_purge'), denied('rule_false'));
    assert.deepEqual(need('todo_admin_list'), insufficient('admin'));
    assert.deepEqual(need('todo_admin_'), insufficient('admin'), 'a prefix matches itself');
    assert.deepEqual(need('todo_list'), insufficient('todo'));
    assert.deepEqual(need('todo'), insufficient('default'), "'todo' is shorter than the prefix 'todo_'");
    assert.deepEqual(need('other'), insufficient('default'));
    assert.deepEqual(need('TODO_LIST'), insufficient('default'), 'names are case-sensitive');
  }
});

test('patterns: without "*", an unmatched name in a present section is denied (no_matching_rule)', () => {
  const policy = new Policy({ tools: { list_todos: [], 'admin_*': 'todo:admin' } });
  assert.deepEqual(check(policy, who([]), callTool('list_todos')), ALLOWED);
  assert.deepEqual(check(policy, who(['todo:admin']), callTool('admin_x')), ALLOWED);
  for (const name of ['create_todo', 'list_todos2', 'List_todos', 'admin', '']) {
    assert.deepEqual(check(policy, who(['todo:admin']), callTool(name)), denied('no_matching_rule'), name);
  }
});

// ---- sections ----

test('sections: tools ← tools/call name, prompts ← prompts/get name, resources ← uri of read/subscribe/unsubscribe', () => {
  const policy = new Policy({
    tools: { t: 'tool:scope' },
    prompts: { p: 'prompt:scope' },
    resources: { 'todo://*': 'res:scope', 'secret://*': false },
  });
  assert.deepEqual(check(policy, who([]), callTool('t')), insufficient('tool:scope'));
  assert.deepEqual(check(policy, who(['tool:scope']), callTool('t')), ALLOWED);
  assert.deepEqual(check(policy, who([]), callTool('p')), denied('no_matching_rule'), 'tools are not judged by prompts');

  assert.deepEqual(check(policy, who([]), getPrompt('p')), insufficient('prompt:scope'));
  assert.deepEqual(check(policy, who(['prompt:scope']), getPrompt('p')), ALLOWED);
  assert.deepEqual(check(policy, who(['tool:scope']), getPrompt('t')), denied('no_matching_rule'));

  for (const method of ['resources/read', 'resources/subscribe', 'resources/unsubscribe']) {
    assert.deepEqual(check(policy, who([]), readResource('todo://1', method)), insufficient('res:scope'), method);
    assert.deepEqual(check(policy, who(['res:scope']), readResource('todo://1', method)), ALLOWED, method);
    assert.deepEqual(check(policy, who(['res:scope']), readResource('secret://x', method)), denied('rule_false'), method);
    assert.deepEqual(check(policy, who(['res:scope']), readResource('file:///etc', method)), denied('no_matching_rule'), method);
  }

  // Other methods have no target: with no `methods` section, any token may.
  for (const method of ['initialize', 'ping', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'notifications/initialized']) {
    assert.deepEqual(check(policy, who([]), rpc(method)), ALLOWED, method);
  }
});

test('sections: an absent section allows every target; {} as a section denies every target', () => {
  const onlyTools = new Policy({ tools: { a: 'x' } });
  assert.deepEqual(check(onlyTools, who([]), getPrompt('anything')), ALLOWED);
  assert.deepEqual(check(onlyTools, who([]), readResource('any://thing')), ALLOWED);

  const empty = new Policy({});
  assert.deepEqual(check(empty, who([]), callTool('anything')), ALLOWED);
  assert.deepEqual(empty.scopes(), []);

  const closed = new Policy({ prompts: {} });
  assert.deepEqual(check(closed, who(['*']), getPrompt('p')), denied('no_matching_rule'));
  assert.deepEqual(check(closed, who([]), callTool('t')), ALLOWED);
});

test('methods: applies to every JSON-RPC method, in addition to the target section', () => {
  const policy = new Policy({
    methods: { '*': [], 'tools/call': 'mcp:call', 'resources/*': 'mcp:resources', 'logging/setLevel': false },
    tools: { admin: 'todo:admin', open: [] },
  });
  assert.deepEqual(check(policy, who([]), rpc('ping')), ALLOWED);
  assert.deepEqual(check(policy, who([]), rpc('logging/setLevel', { level: 'debug' })), denied('rule_false'));
  assert.deepEqual(check(policy, who([]), rpc('resources/list')), insufficient('mcp:resources'));
  // Both rules: the method's scopes and then the target's, missing ones together.
  assert.deepEqual(check(policy, who([]), callTool('admin')), insufficient('mcp:call', 'todo:admin'));
  assert.deepEqual(check(policy, who(['mcp:call']), callTool('admin')), insufficient('todo:admin'));
  assert.deepEqual(check(policy, who(['todo:admin']), callTool('admin')), insufficient('mcp:call'));
  assert.deepEqual(check(policy, who(['mcp:call', 'todo:admin']), callTool('admin')), ALLOWED);
  assert.deepEqual(check(policy, who([]), callTool('open')), insufficient('mcp:call'));
  // A method rule that refuses wins over the target's missing scopes.
  assert.deepEqual(check(policy, who([]), callTool('nope')), denied('no_matching_rule'));

  const noDefault = new Policy({ methods: { 'tools/call': [] } });
  assert.deepEqual(check(noDefault, who(['*']), rpc('initialize')), denied('no_matching_rule'));
  assert.deepEqual(check(noDefault, who([]), callTool('anything')), ALLOWED);
  // Responses (no method) call nothing.
  assert.deepEqual(check(noDefault, who([]), { jsonrpc: '2.0', id: 7, result: {} }), ALLOWED);
  assert.deepEqual(check(noDefault, who([]), { jsonrpc: '2.0', id: 7, error: { code: 1, message: 'x' } }), ALLOWED);
});

// ---- claims ----

test('claims: a scalar claim equals one value (exact JSON equality); an array claim contains one', () => {
  const policy = new Policy({
    tools: {
      tenant: { claims: { tenant: 'acme' } },
      either: { claims: { tenant: ['acme', 'globex'] } },
      number: { claims: { level: 3 } },
      bool: { claims: { admin: true } },
      both: { scopes: 'todo:admin', claims: { tenant: 'acme', admin: true } },
    },
  });
  const ok = (name, claims, scopes = []) => assert.deepEqual(check(policy, who(scopes, claims), callTool(name)), ALLOWED, `${name} ${JSON.stringify(claims)}`);
  const mismatch = (name, claims, scopes = []) =>
    assert.deepEqual(check(policy, who(scopes, claims), callTool(name)), denied('claims_mismatch'), `${name} ${JSON.stringify(claims)}`);

  ok('tenant', { tenant: 'acme' });
  ok('tenant', { tenant: ['globex', 'acme'] });
  mismatch('tenant', { tenant: 'ACME' });
  mismatch('tenant', { tenant: 'acme ' });
  mismatch('tenant', { tenant: 'acme globex' }); // a string claim is one value, never split
  mismatch('tenant', { tenant: ['globex'] });
  mismatch('tenant', { tenant: [['acme']] });
  mismatch('tenant', { tenant: { acme: true } }); // an object never matches
  mismatch('tenant', { tenant: null });
  mismatch('tenant', {});
  mismatch('tenant', undefined); // no claims at all

  ok('either', { tenant: 'globex' });
  ok('either', { tenant: ['x', 'acme'] });
  mismatch('either', { tenant: 'initech' });

  ok('number', { level: 3 });
  ok('number', { level: [1, 3] });
  mismatch('number', { level: '3' });
  mismatch('number', { level: 4 });

  ok('bool', { admin: true });
  mismatch('bool', { admin: 'true' });
  mismatch('bool', { admin: 1 });
  mismatch('bool', { admin: false });

  // Claims are judged first: a failed condition is access_denied even when scopes are missing too.
  mismatch('both', { tenant: 'acme', admin: false });
  assert.deepEqual(check(policy, who([], { tenant: 'acme', admin: true }), callTool('both')), insufficient('todo:admin'));
  ok('both', { tenant: 'acme', admin: true }, ['todo:admin']);
});

// ---- messages and batches ----

test('messages: an object, a batch array, or JSON text', () => {
  const policy = new Policy({ tools: { read: 'todo:read', write: 'todo:write', gone: false } });
  const message = callTool('read');
  assert.deepEqual(check(policy, who([]), message), insufficient('todo:read'));
  assert.deepEqual(check(policy, who([]), JSON.stringify(message)), insufficient('todo:read'));
  assert.deepEqual(check(policy, who([]), [message]), insufficient('todo:read'));
  assert.deepEqual(check(policy, who([]), JSON.stringify([message])), insufficient('todo:read'));
});

test('batches: missing scopes of all elements unioned in order; one refused element refuses the batch', () => {
  const policy = new Policy({ tools: { read: 'todo:read', write: ['todo:read', 'todo:write'], any: [], gone: false } });
  assert.deepEqual(
    check(policy, who([]), [callTool('read'), callTool('write'), callTool('any'), rpc('notifications/initialized')]),
    insufficient('todo:read', 'todo:write'),
  );
  assert.deepEqual(check(policy, who(['todo:read']), [callTool('read'), callTool('write')]), insufficient('todo:write'));
  assert.deepEqual(check(policy, who(['todo:read', 'todo:write']), [callTool('read'), callTool('write')]), ALLOWED);
  assert.deepEqual(check(policy, who(['todo:read']), [callTool('read'), callTool('gone')]), denied('rule_false'));
  assert.deepEqual(check(policy, who([]), [callTool('write'), callTool('gone'), callTool('read')]), denied('rule_false'));
  assert.deepEqual(check(policy, who([]), [callTool('any'), callTool('unknown')]), denied('no_matching_rule'));
  assert.deepEqual(check(policy, who([]), [{ jsonrpc: '2.0', id: 1, result: {} }, callTool('any')]), ALLOWED);
});

// ---- filterList ----

const TOOLS = {
  tools: [
    { name: 'read', description: 'r', inputSchema: { type: 'object' } },
    { name: 'write', description: 'w' },
    { name: 'admin_purge' },
    { name: 'tenant_only' },
    { name: 'gone' },
    { name: 'unknown' },
  ],
  nextCursor: 'c1',
  _meta: { note: 'kept' },
};
const PROMPTS = { prompts: [{ name: 'summary' }, { name: 'draft', arguments: [{ name: 'topic' }] }, { name: 'internal' }, { name: 'other' }] };
const RESOURCES = {
  resources: [
    { uri: 'todo://1', name: 'one', mimeType: 'text/plain' },
    { uri: 'todo://admin/2', name: 'two' },
    { uri: 'secret://3', name: 'three' },
    { uri: 'file:///4', name: 'four' },
  ],
  nextCursor: 'r1',
};

const LIST_POLICY = {
  tools: {
    read: 'todo:read',
    write: 'todo:write',
    'admin_*': 'todo:admin',
    tenant_only: { scopes: 'todo:read', claims: { tenant: 'acme' } },
    gone: false,
  },
  prompts: { summary: [], draft: 'prompt:write', internal: false },
  resources: { 'todo://*': 'todo:read', 'todo://admin/*': 'todo:admin', 'secret://*': false },
};

/** The names (the uris, for resources) of a list result's entries. */
const names = (list, member) => list[member].map((entry) => (member === 'resources' ? entry.uri : entry.name));

test('filterList (filterLists true, the default): only the entries the principal may use now', () => {
  for (const options of [undefined, {}, { filterLists: true }]) {
    const policy = new Policy(LIST_POLICY, options);
    const reader = who(['todo:read']);
    const tools = policy.filterList(reader, 'tools/list', TOOLS);
    assert.deepEqual(tools, { ...TOOLS, tools: [TOOLS.tools[0]] }, 'other members and kept entries unchanged');
    assert.notEqual(tools, TOOLS, 'a copy');
    assert.equal(TOOLS.tools.length, 6, 'the input is not changed');

    assert.deepEqual(names(policy.filterList(who(['todo:read'], { tenant: 'acme' }), 'tools/list', TOOLS), 'tools'), ['read', 'tenant_only']);
    assert.deepEqual(
      names(policy.filterList(who(['todo:read', 'todo:write', 'todo:admin'], { tenant: 'acme' }), 'tools/list', TOOLS), 'tools'),
      ['read', 'write', 'admin_purge', 'tenant_only'],
    );
    assert.deepEqual(policy.filterList(who([]), 'tools/list', TOOLS), { ...TOOLS, tools: [] });

    assert.deepEqual(policy.filterList(who([]), 'prompts/list', PROMPTS), { prompts: [PROMPTS.prompts[0]] });
    assert.deepEqual(names(policy.filterList(who(['prompt:write']), 'prompts/list', PROMPTS), 'prompts'), ['summary', 'draft']);

    assert.deepEqual(policy.filterList(reader, 'resources/list', RESOURCES), { resources: [RESOURCES.resources[0]], nextCursor: 'r1' });
    assert.deepEqual(names(policy.filterList(who(['todo:admin']), 'resources/list', RESOURCES), 'resources'), ['todo://admin/2']);
    assert.deepEqual(names(policy.filterList(who(['todo:*']), 'resources/list', RESOURCES), 'resources'), ['todo://1', 'todo://admin/2']);
  }
});

test('filterList ("step-up"): also the entries that only lack scopes; never false, claims or unmatched', () => {
  const policy = new Policy(LIST_POLICY, { filterLists: 'step-up' });
  assert.deepEqual(names(policy.filterList(who([]), 'tools/list', TOOLS), 'tools'), ['read', 'write', 'admin_purge']);
  assert.deepEqual(names(policy.filterList(who([], { tenant: 'acme' }), 'tools/list', TOOLS), 'tools'), ['read', 'write', 'admin_purge', 'tenant_only']);
  const tools = policy.filterList(who([]), 'tools/list', TOOLS);
  assert.deepEqual(tools.tools[0], TOOLS.tools[0]);
  assert.equal(tools.nextCursor, 'c1');
  assert.deepEqual(tools._meta, { note: 'kept' });

  assert.deepEqual(names(policy.filterList(who([]), 'prompts/list', PROMPTS), 'prompts'), ['summary', 'draft']);
  assert.deepEqual(policy.filterList(who([]), 'resources/list', RESOURCES), { resources: RESOURCES.resources.slice(0, 2), nextCursor: 'r1' });
});

test('filterList (false): the result as is', () => {
  const policy = new Policy(LIST_POLICY, { filterLists: false });
  for (const [method, result] of [['tools/list', TOOLS], ['prompts/list', PROMPTS], ['resources/list', RESOURCES]]) {
    assert.equal(policy.filterList(who([]), method, result), result, method);
  }
});

test('filterList: judged by the methods rule of tools/call, prompts/get and resources/read too', () => {
  const policy = new Policy({ methods: { '*': [], 'tools/call': 'mcp:call', 'prompts/get': false } });
  const tools = { tools: [{ name: 'a' }, { name: 'b' }] };
  assert.deepEqual(policy.filterList(who([]), 'tools/list', tools), { tools: [] });
  assert.deepEqual(policy.filterList(who(['mcp:call']), 'tools/list', tools), tools);
  assert.deepEqual(policy.filterList(who(['*']), 'prompts/list', { prompts: [{ name: 'p' }] }), { prompts: [] });
  assert.deepEqual(policy.filterList(who([]), 'resources/list', { resources: [{ uri: 'x://1' }] }), { resources: [{ uri: 'x://1' }] });

  const stepUp = new Policy({ methods: { '*': [], 'tools/call': 'mcp:call' } }, { filterLists: 'step-up' });
  assert.deepEqual(stepUp.filterList(who([]), 'tools/list', tools), tools);
});

test('filterList: entries without a name (or uri) are dropped; a policy that restricts nothing keeps all', () => {
  const policy = new Policy({ tools: { '*': [] }, resources: { '*': [] } });
  const tools = { tools: [{ name: 'a' }, { title: 'no name' }, { name: 5 }, { name: 'b', extra: [1, { x: null }] }] };
  assert.deepEqual(policy.filterList(who([]), 'tools/list', tools), { tools: [tools.tools[0], tools.tools[3]] });
  assert.deepEqual(policy.filterList(who([]), 'resources/list', { resources: [{ name: 'todo://1' }, { uri: 'todo://2' }] }), { resources: [{ uri: 'todo://2' }] });

  // No prompts section and no methods: prompts/get is never refused, so prompts/list is left alone.
  const prompts = { prompts: [{ name: 'p' }, { title: 'no name' }] };
  assert.deepEqual(policy.filterList(who([]), 'prompts/list', prompts), prompts);
});

// ---- errors ----

test('TypeError: a policy that is not a valid POLICY document', () => {
  const bad = [
    [42, /must be a JSON object/],
    ['[]', /must be a JSON object/],
    ['{not json', /not valid JSON/],
    [null, /must be a JSON object/],
    [{ tool: {} }, /unknown section 'tool'/],
    [{ tools: [] }, /section 'tools' must be an object/],
    [{ tools: { 'a*b': 'x' } }, /pattern 'a\*b' in 'tools'/],
    [{ tools: { '*a': 'x' } }, /pattern '\*a'/],
    [{ tools: { a: true } }, /rule for 'a' in 'tools'/],
    [{ tools: { a: 7 } }, /rule for 'a' in 'tools'/],
    [{ tools: { a: null } }, /rule for 'a' in 'tools'/],
    [{ tools: { a: 'two scopes' } }, /'two scopes' is not a single valid scope token/],
    [{ tools: { a: '' } }, /'' is not a single valid scope token/],
    [{ tools: { a: [1] } }, /scopes must be strings/],
    [{ prompts: { a: { scopes: 'x', role: 'y' } } }, /unknown member 'role'/],
    [{ resources: { a: { claims: 'tenant' } } }, /claims must be an object/],
    [{ methods: { a: { claims: { t: [] } } } }, /claim 't' must name/],
    [{ tools: { a: { claims: { t: { x: 1 } } } } }, /claim 't' must name/],
    [{ tools: { a: { claims: { t: null } } } }, /claim 't' must name/],
    [{ tools: { a: { claims: { t: [['x']] } } } }, /claim 't' must name/],
  ];
  for (const [policy, message] of bad) {
    assert.throws(() => new Policy(policy), (err) => err instanceof TypeError && message.test(err.message), JSON.stringify(policy));
  }
  assert.throws(() => new Policy(undefined), TypeError);
  assert.deepEqual(new Policy('{"tools":{"a":"x"}}').scopes(), ['x'], 'JSON text is a policy too');
});

test('TypeError: bad options', () => {
  for (const options of [{ filterLists: 'maybe' }, { filterLists: 1 }, { filterList: true }, { other: 1 }, 'step-up', 5]) {
    assert.throws(() => new Policy({}, options), TypeError, JSON.stringify(options));
  }
  for (const options of [null, undefined, {}, { filterLists: undefined }, { filterLists: null }, { filterLists: 'step-up' }, { filterLists: false }]) {
    assert.doesNotThrow(() => new Policy({}, options), JSON.stringify(options));
  }
});

test('TypeError: check() of a body that is not JSON-RPC, or a bad principal', () => {
  const policy = new Policy({ tools: { '*': [] } });
  const notRpc = [
    '{not json',
    '',
    42,
    [],
    [1],
    { id: 1 },
    { jsonrpc: '2.0', id: 1, method: 7 },
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} },
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 1 } },
    { jsonrpc: '2.0', id: 1, method: 'resources/read', params: {} },
    { jsonrpc: '2.0', id: 1, method: 'prompts/get' },
    { jsonrpc: '2.0', id: 1, method: 'ping', METHOD: 'tools/call' },
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a', Name: 'b' } },
    [callTool('a'), { jsonrpc: '2.0' }],
    undefined,
  ];
  for (const message of notRpc) {
    assert.throws(() => policy.check(who([]), message), TypeError, JSON.stringify(message) ?? String(message));
  }
  for (const principal of [null, undefined, 'todo:read', {}, { scopes: [1] }, { scopes: 5 }, { scopes: [], claims: 'x' }, { scopes: [], claims: [1] }]) {
    assert.throws(() => policy.check(principal, callTool('a')), TypeError, JSON.stringify(principal));
  }
  assert.deepEqual(check(policy, { scopes: [], claims: null }, callTool('a')), ALLOWED, 'claims null is no claims');
});

test('TypeError: filterList of another method, a non-string method, or a result that is not a list', () => {
  const policy = new Policy({ tools: { '*': [] } });
  for (const method of ['tools/call', 'resources/templates/list', 'x', 5, undefined]) {
    assert.throws(() => policy.filterList(who([]), method, { tools: [] }), TypeError, String(method));
  }
  for (const result of [null, 'text', [1], { tools: 'x' }, { tools: { name: 'a' } }]) {
    assert.throws(() => policy.filterList(who([]), 'tools/list', result), TypeError, JSON.stringify(result));
  }
  assert.throws(() => policy.filterList(null, 'tools/list', { tools: [] }), TypeError);
  assert.deepEqual(policy.filterList(who([]), 'tools/list', {}), {}, 'no entries member: nothing to filter');
});

// ---- scopes() ----

test('scopes(): every scope named in any section, once, sorted', () => {
  const policy = new Policy({
    tools: { a: 'todo:write', b: ['todo:read', 'todo:write'], c: false, d: { scopes: 'todo:admin', claims: { t: 'x' } }, e: [] },
    prompts: { '*': 'prompts:read' },
    resources: { 'r*': { scopes: ['res:read'] } },
    methods: { 'logging/*': 'admin:logs', '*': [] },
  });
  assert.deepEqual(policy.scopes(), ['admin:logs', 'prompts:read', 'res:read', 'todo:admin', 'todo:read', 'todo:write']);
  assert.deepEqual(new Policy({ tools: { a: false, b: [] } }).scopes(), []);
});

// ---- a real Principal ----

test('a Principal from Verifier.verify() (jose-minted token) is judged by its scopes and claims', async () => {
  const issuer = 'https://auth.example.test';
  const audience = 'https://mcp.example.test/mcp';
  const kid = 'policy-test';
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const mint = (claims) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime(nowSeconds() + 300)
      .sign(privateKey);

  const verifier = new Verifier({ issuer, audience, jwks });
  const policy = new Policy(
    {
      tools: {
        list_todos: 'todo:read',
        create_todo: 'todo:write',
        purge: { scopes: 'todo:admin', claims: { groups: 'admins', tenant: 'acme' } },
      },
    },
    { filterLists: 'step-up' },
  );
  try {
    const admin = await verifier.verify(await mint({ scope: 'todo:read todo:admin', client_id: 'c1', tenant: 'acme', groups: ['staff', 'admins'] }));
    assert.ok(Object.isFrozen(admin), 'a real, frozen Principal');
    assert.deepEqual(check(policy, admin, callTool('list_todos')), ALLOWED);
    assert.deepEqual(check(policy, admin, callTool('purge')), ALLOWED);
    assert.deepEqual(check(policy, admin, callTool('create_todo')), insufficient('todo:write'));
    assert.deepEqual(check(policy, admin, [callTool('purge'), callTool('create_todo')]), insufficient('todo:write'));
    assert.deepEqual(check(policy, admin, callTool('unknown')), denied('no_matching_rule'));

    const outsider = await verifier.verify(await mint({ scope: 'todo:read todo:admin', client_id: 'c2', tenant: 'globex', groups: ['admins'] }));
    assert.deepEqual(check(policy, outsider, callTool('purge')), denied('claims_mismatch'));

    const list = { tools: [{ name: 'list_todos' }, { name: 'create_todo' }, { name: 'purge' }, { name: 'unknown' }] };
    assert.deepEqual(names(policy.filterList(admin, 'tools/list', list), 'tools'), ['list_todos', 'create_todo', 'purge']);
    assert.deepEqual(names(policy.filterList(outsider, 'tools/list', list), 'tools'), ['list_todos', 'create_todo']);
  } finally {
    verifier.free();
    policy.free();
  }
});
