// The MCP server URL: as typed in step 1's field, or as saved by step 1.

import { state } from './state.js';
import { $, StepError } from './step-card.js';

export function mcpUrlFromInput() {
  const raw = $('#mcp-url').value.trim();
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new StepError(`"${raw}" is not an absolute URL.`);
  }
  if (!/^https?:$/.test(url.protocol)) throw new StepError('The MCP server URL must be http(s).');
  return url.href;
}

export function currentMcpUrl() {
  return state.mcpUrl ?? mcpUrlFromInput();
}
