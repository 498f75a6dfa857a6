// A resumed stream cannot leak an unfiltered list. With an event store on the
// origin (Streamable HTTP resumability), a GET with Last-Event-ID replays the
// events of a stream after that id, responses included: a tools/list result
// answered on a POST comes back on the GET, where there is no request id to
// match it by. The gateway filters it by its shape, as it filtered the POST.
// Controls: the origin itself, and a gateway with FILTER_LISTS=false, replay
// the whole list, so the filtered replay is the gateway's doing.
//
//   node --test --test-concurrency=1 tests/gateway/resume.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSION_SECRET, gatewayFor, startStack } from './harness.mjs';
import { openSession, post, rpc } from './mcp.mjs';

// TOOL_SCOPES (harness): list_todos todo:read, create_todo todo:write,
// delete_todo todo:admin, count_slowly todo:read.
const ALL_TOOLS = ['list_todos', 'create_todo', 'delete_todo', 'count_slowly'];
const READONLY_TOOLS = ['list_todos', 'count_slowly'];

/** The origin's own id inside a session id the gateway bound to its principal. */
const originSessionId = (bound) => Buffer.from(bound.split('.')[0], 'base64url').toString();

/**
 * Reads the SSE events of `response` ({ id, data } with data parsed, or null
 * when empty) until `until(events)` holds or the stream ends; returns them.
 */
async function readEvents(response, until = () => false) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const events = [];
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        let id;
        const data = [];
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith('id:')) id = line.slice(3).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (id === undefined && data.length === 0) continue; // comment / keep-alive
        const text = data.join('\n');
        events.push({ id, data: text.trim() ? JSON.parse(text) : null });
        if (until(events)) return events;
      }
    }
    return events;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

const toolNames = (message) => message.result.tools.map((tool) => tool.name);
const hasListResponse = (events) => events.some((event) => event.data?.id === 2);

/**
 * GET `url` resuming after `lastEventId`; the replayed events up to the
 * tools/list response (id 2). The stream stays open afterwards: aborted.
 */
async function resume(url, { token, sessionId, protocolVersion, lastEventId }) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('no tools/list response replayed within 5s')), 5000);
  try {
    const headers = {
      accept: 'text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': protocolVersion,
      'last-event-id': lastEventId,
    };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, { method: 'GET', headers, signal: controller.signal });
    assert.equal(response.status, 200, `resume GET ${url}`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = await readEvents(response, hasListResponse);
    return { events, list: events.find((event) => event.data?.id === 2)?.data };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

describe('resumed GET streams (origin with an event store)', () => {
  let stack;
  let token;
  let session;
  let firstEventId;

  before(async () => {
    stack = await startStack({ origin: { eventStore: true } });
    token = await stack.token('demo-readonly', 'todo:read');
    session = await openSession(stack.resource, token);
  });
  after(async () => {
    await stack?.close();
  });

  test('POST [ping, tools/list]: one SSE stream, event ids kept, the list filtered', async () => {
    const response = await post(stack.resource, { token, session, body: [rpc(1, 'ping'), rpc(2, 'tools/list')] });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = (await readEvents(response)).filter((event) => event.data !== null);
    assert.deepEqual(events.map((event) => event.data.id), [1, 2], JSON.stringify(events));
    for (const event of events) assert.ok(event.id, `event ${JSON.stringify(event.data)} carries an id: line`);
    assert.notEqual(events[0].id, events[1].id);
    assert.deepEqual(events[0].data.result, {});
    assert.deepEqual(toolNames(events[1].data), READONLY_TOOLS);
    firstEventId = events[0].id;
  });

  test('GET with Last-Event-ID through the gateway: the replayed tools/list is filtered', async () => {
    assert.ok(firstEventId, 'needs the POST test first');
    const { events, list } = await resume(stack.resource, {
      token,
      sessionId: session.id,
      protocolVersion: session.protocolVersion,
      lastEventId: firstEventId,
    });
    assert.ok(list, `tools/list response replayed: ${JSON.stringify(events)}`);
    assert.ok(!events.some((event) => event.data?.id === 1), 'the ping before Last-Event-ID is not replayed');
    assert.deepEqual(toolNames(list), READONLY_TOOLS);
    const raw = JSON.stringify(events);
    for (const hidden of ['create_todo', 'delete_todo']) assert.ok(!raw.includes(hidden), `${hidden} not in the replay`);
  });

  test('control: the origin itself replays the whole list', async () => {
    assert.ok(firstEventId, 'needs the POST test first');
    const { events, list } = await resume(stack.origin.url, {
      sessionId: originSessionId(session.id),
      protocolVersion: session.protocolVersion,
      lastEventId: firstEventId,
    });
    assert.ok(list, `tools/list response replayed by the origin: ${JSON.stringify(events)}`);
    assert.deepEqual(toolNames(list), ALL_TOOLS);
  });

  test('control: a gateway with FILTER_LISTS=false passes the replayed list whole', async () => {
    assert.ok(firstEventId, 'needs the POST test first');
    const unfiltered = await gatewayFor(stack, stack.origin.url, { vars: { SESSION_SECRET, FILTER_LISTS: 'false' } });
    try {
      const { events, list } = await resume(`${unfiltered.url}/mcp`, {
        token,
        sessionId: session.id,
        protocolVersion: session.protocolVersion,
        lastEventId: firstEventId,
      });
      assert.ok(list, `tools/list response replayed: ${JSON.stringify(events)}`);
      assert.deepEqual(toolNames(list), ALL_TOOLS);
    } finally {
      await unfiltered.close();
    }
  });
});
