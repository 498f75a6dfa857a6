// Step 7: MCP tool calls through the gateway with the token, up to a refusal
// for scope, and the step-up panel that offers to ask for the missing scope.

import { decodeJwt, failureOf, parseChallenges, scopesOf } from '../http.js';
import { McpClient, PROTOCOL_VERSION, toolText } from '../mcp.js';
import { currentMcpUrl } from '../mcp-url.js';
import { state } from '../state.js';
import { $, StepError } from '../step-card.js';

function expectJsonRpc(result, what) {
  if (!result.ok) throw new StepError(`${what} failed: ${failureOf(result)}.`);
  if (!result.message) throw new StepError(`${what}: the response holds no JSON-RPC answer.`);
  if (result.message.error) {
    const { code, message } = result.message.error;
    throw new StepError(`${what} failed with JSON-RPC error ${code}: ${message}`);
  }
  return result.message.result;
}

/**
 * initialize → notifications/initialized → tools/list (and prompts/list) → list_todos →
 * create_todo → delete_todo (of the todo just created), stopping at the first
 * call the gateway refuses for scope. Returns { summary, denied }.
 */
export async function callTools(ctx, token, { compact = false } = {}) {
  const granted = scopesOf(decodeJwt(token).claims);
  const client = new McpClient(currentMcpUrl(), token);

  const init = await client.initialize();
  ctx.add({ ...init.record, collapsed: compact });
  const info = expectJsonRpc(init, 'initialize');
  ctx.add({
    type: 'kv',
    title: 'Session',
    rows: [
      ['server', `${info.serverInfo?.name ?? '?'} ${info.serverInfo?.version ?? ''}`.trim()],
      ['protocolVersion', info.protocolVersion ?? PROTOCOL_VERSION],
      ['Mcp-Session-Id', client.sessionId ?? '(none: stateless server)'],
    ],
  });
  const initialized = await client.notify('notifications/initialized');
  ctx.add({ ...initialized.record, collapsed: true });
  if (!initialized.ok) throw new StepError(`notifications/initialized failed: ${failureOf(initialized)}.`);

  // The lists as the gateway passed them on: with FILTER_LISTS=step-up it
  // keeps what more scopes would unlock and leaves out what no scope unlocks.
  const list = await client.request('tools/list', {});
  ctx.add({ ...list.record, collapsed: true });
  const tools = expectJsonRpc(list, 'tools/list').tools ?? [];
  const names = new Set(tools.map((t) => t.name));
  const listed = [['tools/list', [...names]]];
  if (info.capabilities?.prompts) {
    const prompts = await client.request('prompts/list', {});
    ctx.add({ ...prompts.record, collapsed: true });
    listed.push(['prompts/list', (expectJsonRpc(prompts, 'prompts/list').prompts ?? []).map((p) => p.name)]);
  }
  ctx.add({ type: 'kv', title: 'Listed by the gateway', rows: listed });

  const done = [];
  const plan = [
    ['list_todos', () => ({})],
    ['create_todo', () => ({ title: `Try mcp-edge-guard (${new Date().toLocaleTimeString()})` })],
    ['delete_todo', (created) => (created ? { id: created } : null)],
  ];
  let created = null;
  for (const [name, argsFor] of plan) {
    const args = argsFor(created);
    if (!names.has(name) || !args) continue;
    const result = await client.callTool(name, args);
    ctx.add(result.record);
    if (result.status === 403) {
      const bearer = parseChallenges(result.headers.get('www-authenticate')).find((c) => c.scheme.toLowerCase() === 'bearer');
      if (bearer?.params.error === 'insufficient_scope') {
        const wanted = (bearer.params.scope ?? '').split(' ').filter(Boolean);
        const missing = wanted.filter((s) => !granted.includes(s));
        ctx.add({
          type: 'kv',
          tone: 'warn',
          title: `${name} refused: 403 insufficient_scope`,
          rows: [
            ['error_description', bearer.params.error_description ?? '', { plain: true }],
            ['scope (granted + required)', wanted],
            ['missing', missing],
            ['resource_metadata', bearer.params.resource_metadata ?? ''],
          ],
        });
        const before = done.length ? `${done.join(', ')} succeeded; ` : '';
        return {
          summary: `${before}the gateway refused ${name} with 403 insufficient_scope: it needs ${missing.join(' ') || bearer.params.scope}.`,
          denied: { tool: name, scope: wanted.join(' '), missing },
        };
      }
    }
    const outcome = expectJsonRpc(result, `tools/call ${name}`);
    const text = toolText(outcome);
    if (outcome.isError) throw new StepError(`${name} returned a tool error: ${text}`);
    ctx.add({ type: 'note', tone: 'ok', title: `${name} succeeded`, code: text });
    done.push(name);
    if (name === 'create_todo') created = /Created todo (\S+)/.exec(text)?.[1] ?? null;
  }
  return { summary: `Every call succeeded: ${done.join(', ')}.`, denied: null };
}

export async function toolsStep(ctx) {
  const token = state.token?.access_token;
  if (!token) throw new StepError('No access token yet: sign in first (steps 4 and 5).');
  state.stepUp = null;
  renderStepUp();
  const { summary, denied } = await callTools(ctx, token);
  if (denied) state.stepUp = denied;
  return summary;
}

export function renderStepUp() {
  const panel = $('[data-stepup]');
  const pendingStepUp = state.stepUp;
  panel.hidden = !pendingStepUp;
  if (pendingStepUp) $('[data-stepup-scope]').textContent = pendingStepUp.scope;
}
