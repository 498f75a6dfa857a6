// Demo MCP origin server ("demo-todos") that mcp-edge-guard protects.
//
// It does no OAuth: the gateway verifies bearer tokens and forwards identity in
// X-Auth-Subject / X-Auth-Client-Id / X-Auth-Scopes. With `originSecret` set it
// only answers requests carrying the gateway's X-Gateway-Secret.
//
// What it serves, for the gateway's policy and list-filtering tests:
//   tools      list_todos, create_todo, delete_todo, count_slowly
//   prompts    summarize_todos (no args), draft_todo (arg `topic`), admin_report (no args)
//   resources  todo://list (the todos as JSON), todo://stats, admin://audit-log;
//              resources/subscribe and resources/unsubscribe are accepted and recorded
//   templates  todo://items/{id} (one todo; `id` completes to the todo ids),
//              admin://users/{id} (not listed by resources/list)
// Responses are SSE streams unless `jsonResponse` is set (then application/json,
// the transport's `enableJsonResponse`).
// With `eventStore` set, each session keeps its SSE events in memory (the
// transport's `eventStore`): events carry `id:` lines and a GET with
// Last-Event-ID replays the events of that stream after that id (Streamable
// HTTP resumability), responses included.
//
// Library:  const origin = await startMcpOrigin({ port: 0, originSecret, jsonResponse, eventStore });
// CLI:      node stack/mcp-origin.mjs --port 9100 [--origin-secret S] [--json-response] [--event-store]

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod/v4';

/**
 * Start the origin. Resolves once it is listening.
 * @param {{ host?: string, port?: number, path?: string, originSecret?: string, jsonResponse?: boolean, eventStore?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, requests: Array<{method: string, path: string, headers: Record<string, string | string[]>}>, todos: Array<object>, subscriptions: Set<string>, close: () => Promise<void> }>}
 */
export async function startMcpOrigin(options = {}) {
  const { host = '127.0.0.1', port = 0, path = '/mcp', originSecret, jsonResponse = false, eventStore = false } = options;

  const requests = []; // every HTTP request as received, for tests
  const todos = []; // shared by all sessions
  const subscriptions = new Set(); // resource URIs subscribed to (any session)
  const state = { todos, nextId: 1, subscriptions };
  const sessions = new Map(); // Mcp-Session-Id -> transport

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error('mcp-origin: request failed:', err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });

  async function handle(req, res) {
    // Record before anything can reject or consume the request.
    requests.push({ method: req.method, path: req.url, headers: rawHeaderMap(req.rawHeaders) });

    if (originSecret !== undefined && !secretMatches(req.headers['x-gateway-secret'], originSecret)) {
      return sendJson(res, 403, { error: 'forbidden' });
    }
    if (new URL(req.url, 'http://origin.invalid').pathname !== path) {
      return sendJson(res, 404, { error: 'not_found' });
    }

    const sessionId = req.headers['mcp-session-id'];
    if (sessionId !== undefined) {
      const transport = sessions.get(sessionId);
      // 404 tells a spec-following client to start a new session.
      if (!transport) return sendRpcError(res, 404, -32001, 'Session not found');
      return transport.handleRequest(req, res);
    }

    // No session yet: only a POST (which must be `initialize`) can create one.
    if (req.method !== 'POST') {
      return sendRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => sessions.set(id, transport),
      // application/json answers instead of an SSE stream per request.
      enableJsonResponse: jsonResponse,
      // Resumability: events get ids and can be replayed after Last-Event-ID.
      eventStore: eventStore ? new OrderedEventStore() : undefined,
      // DNS-rebinding protection stays off (the default): the gateway checks
      // Origin, and requests arrive with the gateway's Host header.
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    // One McpServer per session: a server connects to exactly one transport.
    await createTodoServer(state).connect(transport);
    // The transport validates the body itself (JSON, initialize, batch rules).
    await transport.handleRequest(req, res);
    // If it was not a valid initialize, no session was created: drop it.
    if (transport.sessionId === undefined) await transport.close();
  }

  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const boundPort = httpServer.address().port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing;
  function close() {
    closing ??= (async () => {
      // Closing transports ends their open SSE streams and sessions.
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      sessions.clear();
      await new Promise((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections(); // idle keep-alive sockets too
      });
    })();
    return closing;
  }

  return { url: `http://${urlHost}:${boundPort}${path}`, port: boundPort, requests, todos, subscriptions, close };
}

/** Build the "demo-todos" MCP server over the shared in-memory state. */
function createTodoServer(state) {
  const server = new McpServer({ name: 'demo-todos', version: '0.1.0' });

  server.registerTool(
    'list_todos',
    { description: 'List all todos (JSON text).', inputSchema: {} },
    async () => text(JSON.stringify(state.todos, null, 2)),
  );

  server.registerTool(
    'create_todo',
    { description: 'Create a todo.', inputSchema: { title: z.string().min(1).describe('Todo title') } },
    async ({ title }, extra) => {
      const user = callerOf(extra);
      const todo = { id: String(state.nextId++), title, createdBy: user, createdAt: new Date().toISOString() };
      state.todos.push(todo);
      return text(`Created todo ${todo.id} "${title}" for ${user}.`);
    },
  );

  server.registerTool(
    'delete_todo',
    { description: 'Delete a todo by id.', inputSchema: { id: z.string().describe('Todo id') } },
    async ({ id }, extra) => {
      const index = state.todos.findIndex((t) => t.id === id);
      if (index === -1) return { ...text(`No todo with id ${id}.`), isError: true };
      const [todo] = state.todos.splice(index, 1);
      return text(`Deleted todo ${id} "${todo.title}" for ${callerOf(extra)}.`);
    },
  );

  // Emits progress notifications over time so tests can prove the gateway
  // streams SSE events as they happen instead of buffering the response.
  server.registerTool(
    'count_slowly',
    {
      description: 'Count to n, sending a progress notification every delayMs (needs a progressToken).',
      inputSchema: {
        n: z.number().int().min(0).max(1000).default(3).describe('How far to count'),
        delayMs: z.number().int().min(0).max(60_000).default(300).describe('Delay between counts (ms)'),
      },
    },
    async ({ n, delayMs }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let i = 1; i <= n; i++) {
        await sleep(delayMs, extra.signal); // stops early if the client cancels
        if (progressToken !== undefined) {
          // extra.sendNotification routes onto this request's SSE stream.
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: i, total: n, message: `count ${i}` },
          });
        }
      }
      return text(`counted to ${n}`);
    },
  );

  server.registerPrompt(
    'summarize_todos',
    { description: 'Ask for a summary of the current todos.' },
    async () => userPrompt(`Summarize these todos:\n${JSON.stringify(state.todos, null, 2)}`),
  );

  server.registerPrompt(
    'draft_todo',
    { description: 'Ask for a todo about a topic.', argsSchema: { topic: z.string().describe('What the todo is about') } },
    async ({ topic }) => userPrompt(`Draft one short todo about: ${topic}`),
  );

  server.registerPrompt(
    'admin_report',
    { description: 'Ask for an administrative report on who created which todos.' },
    async () => userPrompt(`Report who created each todo:\n${JSON.stringify(state.todos.map(({ id, createdBy }) => ({ id, createdBy })))}`),
  );

  // Static resources (fixed URIs), so resources/list lists every one of them.
  server.registerResource(
    'todo-list',
    'todo://list',
    { description: 'All todos (JSON).', mimeType: 'application/json' },
    async (uri) => jsonResource(uri, state.todos),
  );

  server.registerResource(
    'todo-stats',
    'todo://stats',
    { description: 'How many todos there are (JSON).', mimeType: 'application/json' },
    async (uri) => jsonResource(uri, { count: state.todos.length, nextId: state.nextId }),
  );

  server.registerResource(
    'audit-log',
    'admin://audit-log',
    { description: 'Who created which todo (JSON).', mimeType: 'application/json' },
    async (uri) => jsonResource(uri, state.todos.map(({ id, createdBy, createdAt }) => ({ id, createdBy, createdAt }))),
  );

  // Resource templates, listed by resources/templates/list only (no list
  // callback, so resources/list stays the three static resources above). The
  // todo-item template's `id` completes, which gives the server the
  // completion/complete capability.
  server.registerResource(
    'todo-item',
    new ResourceTemplate('todo://items/{id}', {
      list: undefined,
      complete: { id: (value) => state.todos.map((todo) => todo.id).filter((id) => id.startsWith(value)) },
    }),
    { description: 'One todo by id (JSON).', mimeType: 'application/json' },
    async (uri, { id }) => jsonResource(uri, state.todos.find((todo) => todo.id === id) ?? null),
  );

  server.registerResource(
    'admin-user',
    new ResourceTemplate('admin://users/{id}', { list: undefined }),
    { description: 'The todos a user created (JSON).', mimeType: 'application/json' },
    async (uri, { id }) => jsonResource(uri, state.todos.filter((todo) => todo.createdBy === id)),
  );

  // Subscriptions are only recorded (no update notifications are sent), so that
  // tests can see a subscribe reach the origin's handler.
  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async ({ params }) => {
    state.subscriptions.add(params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async ({ params }) => {
    state.subscriptions.delete(params.uri);
    return {};
  });

  return server;
}

/**
 * An in-memory EventStore (the SDK's storeEvent / replayEventsAfter interface),
 * one per session. Events replay in the order they were stored: the SDK's
 * example InMemoryEventStore orders them by sorting ids whose suffix is random
 * within a millisecond, so events stored together could replay out of order.
 */
class OrderedEventStore {
  #events = []; // { id, streamId, message }, in the order stored
  #next = 1;

  async storeEvent(streamId, message) {
    const id = `${streamId}_${this.#next++}`;
    this.#events.push({ id, streamId, message });
    return id;
  }

  async replayEventsAfter(lastEventId, { send }) {
    const index = this.#events.findIndex((event) => event.id === lastEventId);
    if (index === -1) return '';
    const { streamId } = this.#events[index];
    for (const event of this.#events.slice(index + 1)) {
      if (event.streamId === streamId) await send(event.id, event.message);
    }
    return streamId;
  }
}

// The SDK hands tool handlers the HTTP headers (lowercased) in extra.requestInfo.
function callerOf(extra) {
  return extra.requestInfo?.headers?.['x-auth-subject'] ?? 'anonymous';
}

function text(s) {
  return { content: [{ type: 'text', text: s }] };
}

function userPrompt(s) {
  return { messages: [{ role: 'user', content: { type: 'text', text: s } }] };
}

function jsonResource(uri, value) {
  return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] };
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// Lowercased names; a header sent more than once becomes an array, so tests
// can see duplicates that node's req.headers would merge or silently drop.
function rawHeaderMap(raw) {
  const out = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (!(name in out)) out[name] = value;
    else if (Array.isArray(out[name])) out[name].push(value);
    else out[name] = [out[name], value];
  }
  return out;
}

// Hash both sides so timingSafeEqual gets equal lengths and leaks nothing.
function secretMatches(given, expected) {
  if (typeof given !== 'string') return false;
  const digest = (s) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sendRpcError(res, status, code, message) {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}

// CLI entry point, only when run directly (not when imported).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '9100' },
      path: { type: 'string', default: '/mcp' },
      'origin-secret': { type: 'string' },
      'json-response': { type: 'boolean', default: false },
      'event-store': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`mcp-origin: invalid --port ${values.port}`);
    process.exit(2);
  }
  const origin = await startMcpOrigin({
    host: values.host,
    port,
    path: values.path,
    originSecret: values['origin-secret'],
    jsonResponse: values['json-response'],
    eventStore: values['event-store'],
  });
  const notes = [values['origin-secret'] && 'gateway secret required', values['json-response'] && 'JSON responses', values['event-store'] && 'event store'].filter(Boolean);
  console.log(`mcp-origin listening on ${origin.url}${notes.length ? ` (${notes.join(', ')})` : ''}`);
  const stop = async (signal) => {
    console.log(`mcp-origin: ${signal}, shutting down`);
    await origin.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
