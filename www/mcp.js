// A minimal MCP Streamable HTTP client (JSON-RPC over POST; answers arrive as
// JSON or as server-sent events) that records every exchange through send().

import { send } from './http.js';

export const PROTOCOL_VERSION = '2025-06-18';

export const CLIENT_INFO = { name: 'mcp-edge-guard browser demo', version: '1.0.0' };

export class McpClient {
  constructor(url, token) {
    this.url = url;
    this.token = token;
    this.sessionId = null;
    this.protocolVersion = null;
    this.nextId = 1;
  }

  headers() {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    return headers;
  }

  /** A JSON-RPC request; `result.message` is the response with the same id, if any. */
  async request(method, params, label = method) {
    const id = this.nextId;
    this.nextId += 1;
    const result = await send('POST', this.url, {
      headers: this.headers(),
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      label,
    });
    result.message = result.messages.find((m) => m && m.id === id) ?? null;
    return result;
  }

  /** A JSON-RPC notification (no id; the server answers 202 Accepted). */
  notify(method, params, label = method) {
    const message = { jsonrpc: '2.0', method };
    if (params) message.params = params;
    return send('POST', this.url, { headers: this.headers(), body: JSON.stringify(message), label });
  }

  async initialize(label = 'initialize') {
    const result = await this.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: CLIENT_INFO,
    }, label);
    if (result.ok && result.message?.result) {
      this.sessionId = result.headers.get('mcp-session-id');
      this.protocolVersion = result.message.result.protocolVersion ?? PROTOCOL_VERSION;
    }
    return result;
  }

  callTool(name, args) {
    return this.request('tools/call', { name, arguments: args }, `tools/call ${name}`);
  }
}

/** The text of a tools/call result's content. */
export function toolText(result) {
  return (result?.content ?? [])
    .map((part) => (part.type === 'text' ? part.text : `[${part.type}]`))
    .join('\n');
}
