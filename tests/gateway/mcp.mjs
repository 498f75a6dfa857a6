// A small MCP Streamable HTTP client for the gateway tests: JSON-RPC bodies,
// headers, and a session opened through the gateway.

import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { messages } from './harness.mjs';

export const ACCEPT = 'application/json, text/event-stream';
export const PROTOCOL_VERSION = '2025-06-18';

export const rpc = (id, method, params) => ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
export const toolCall = (id, name, args = {}, meta) =>
  rpc(id, 'tools/call', { name, arguments: args, ...(meta ? { _meta: meta } : {}) });
export const initializeBody = (id = 1) =>
  rpc(id, 'initialize', {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'proxy-test', version: '0.0.0' },
  });

export function mcpHeaders({ token, session, extra = {} } = {}) {
  const headers = { 'content-type': 'application/json', accept: ACCEPT, ...extra };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (session) {
    headers['mcp-session-id'] = session.id;
    headers['mcp-protocol-version'] = session.protocolVersion;
  }
  return headers;
}

/** POSTs `body` as JSON, or `raw` text as it is. */
export function post(url, { token, session, body, raw, headers }) {
  return fetch(url, { method: 'POST', headers: mcpHeaders({ token, session, extra: headers }), body: raw ?? JSON.stringify(body) });
}

/** initialize + notifications/initialized through the gateway. */
export async function openSession(url, token) {
  const response = await post(url, { token, body: initializeBody() });
  assert.equal(response.status, 200, 'initialize through the gateway');
  const id = response.headers.get('mcp-session-id');
  assert.ok(id, 'initialize response carries mcp-session-id');
  const [init] = await messages(response);
  const session = { id, protocolVersion: init.result.protocolVersion };
  const note = await post(url, { token, session, body: { jsonrpc: '2.0', method: 'notifications/initialized' } });
  assert.equal(note.status, 202);
  await note.body?.cancel();
  return session;
}

/**
 * A request with exactly this method and these headers (fetch refuses some
 * methods and adds headers): an object, or an array of raw name/value pairs
 * (then Host is added, as node adds no defaults to raw headers).
 */
export function rawRequest(url, method, headers = {}, body) {
  const u = new URL(url);
  const all = Array.isArray(headers) ? ['Host', u.host, ...headers] : headers;
  return new Promise((resolve, reject) => {
    const req = httpRequest(u, { method, headers: all }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GET /health: status and JSON body. */
export async function health(url) {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: await response.json() };
}

/**
 * The gateway refuses MCP requests as misconfigured (500, the problem
 * `code`), /health answers 503 naming it, and (given `origin`) nothing
 * reached the origin.
 */
export async function assertMisconfigured(gateway, token, code, label, origin) {
  const seen = origin?.requests.length;
  const response = await fetch(`${gateway.url}/mcp`, { method: 'POST', headers: mcpHeaders({ token }), body: JSON.stringify(initializeBody()) });
  const text = await response.text();
  assert.equal(response.status, 500, `${label}: HTTP ${response.status} ${text.slice(0, 200)}`);
  const body = JSON.parse(text);
  assert.equal(body.error, 'server_misconfigured', label);
  assert.ok(body.problems.includes(code), `${label}: ${JSON.stringify(body.problems)}`);
  const h = await health(gateway.url);
  assert.equal(h.status, 503, `${label}: ${JSON.stringify(h.body)}`);
  assert.equal(h.body.config, 'invalid', label);
  assert.ok(h.body.problems.includes(code), `${label}: ${JSON.stringify(h.body)}`);
  if (origin) assert.equal(origin.requests.length, seen, `${label}: the origin saw nothing`);
}
