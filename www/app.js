// The browser demo of mcp-edge-guard: an MCP client's OAuth 2.1 flow, one
// card per step. Each step's results are plain data saved in sessionStorage,
// so they survive the round trips to the authorization server. This entry
// point wires the steps (www/steps/) to the page.

import { archive, forget, save, state, stepState } from './state.js';
import { $, afterRender, focusStep, render, run, STEP_NUMBERS } from './step-card.js';
import { callWithoutToken, discover } from './steps/discovery.js';
import { exchangeCode, REDIRECT_URI, registerClient, renderScopes, selectedScopes, startAuthorization } from './steps/authorize.js';
import { verifyToken } from './steps/verify.js';
import { renderStepUp, toolsStep } from './steps/tools.js';
import { clientCredentials } from './steps/client-credentials.js';

afterRender(7, renderStepUp);

function renderAll() {
  STEP_NUMBERS.forEach(render);
  renderScopes();
}

// ---------------------------------------------------------------- return from the authorization server

async function handleRedirectBack(params) {
  history.replaceState(null, '', location.pathname); // the code does not stay in the address bar
  const pending = state.pending ?? null;
  const stepUp = pending?.purpose === 'step-up' && params.get('state') === pending.state;
  if (stepUp) {
    const before = state.token?.scope ? ` (token scope: ${state.token.scope})` : '';
    archive(5, `First sign-in${before}`);
    archive(6, `Token before step-up${before}`);
    archive(7, `Calls before step-up${before}`);
    state.stepUp = null;
  } else if (stepState(5).items.length) {
    archive(5, 'Earlier sign-in');
  }
  renderAll();
  focusStep(5);
  const ok = await run(5, (ctx) => exchangeCode(ctx, params, pending), { keep: true });
  if (!ok || !stepUp) return;
  if (await run(6, verifyToken, { keep: true })) {
    await run(7, async (ctx) => {
      const summary = await toolsStep(ctx);
      return `After step-up: ${summary}`;
    }, { keep: true });
    focusStep(7);
  }
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('#mcp-url').value = state.mcpUrl ?? `${location.origin}/mcp`;
  if (state.client?.provided) $('#client-id').value = state.client.client_id;
  $('[data-redirect-uri]').textContent = REDIRECT_URI;

  $('[data-form="1"]').addEventListener('submit', (event) => {
    event.preventDefault();
    run(1, callWithoutToken);
  });
  $('[data-action="discover"]').addEventListener('click', () => run(2, discover));
  $('[data-form="3"]').addEventListener('submit', (event) => {
    event.preventDefault();
    run(3, registerClient);
  });
  $('[data-scope-list]').addEventListener('change', () => {
    state.scopeSelection = selectedScopes();
    save();
  });
  $('[data-form="4"]').addEventListener('submit', (event) => {
    event.preventDefault();
    const scope = selectedScopes().join(' ');
    startAuthorization({ scope, purpose: 'sign-in', archiveAs: stepState(4).items.length ? 'Earlier authorization request' : undefined });
  });
  $('[data-action="verify"]').addEventListener('click', () => run(6, verifyToken));
  $('[data-action="tools"]').addEventListener('click', () => run(7, toolsStep));
  $('[data-action="step-up"]').addEventListener('click', () => {
    const { scope } = state.stepUp ?? {};
    if (!scope) return;
    state.scopeSelection = scope.split(' ');
    renderScopes();
    const earlier = state.pending?.scope ?? state.token?.scope;
    startAuthorization({ scope, purpose: 'step-up', archiveAs: `Earlier authorization request${earlier ? ` (scope: ${earlier})` : ''}` });
    focusStep(4);
  });
  $('[data-form="8"]').addEventListener('submit', (event) => {
    event.preventDefault();
    run(8, clientCredentials);
  });
  $('#reset').addEventListener('click', () => {
    forget();
    location.assign(location.pathname);
  });
}

wire();
const params = new URLSearchParams(location.search);
if (params.has('code') || params.has('error')) {
  handleRedirectBack(params);
} else {
  renderAll();
}
