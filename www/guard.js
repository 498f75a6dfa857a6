// The mcp-edge-guard npm package's web build (www/pkg/), loaded on first use.

import { StepError } from './step-card.js';

let guardModule;
/** The npm package's web build; init() loads its wasm (once). */
export function loadGuard() {
  guardModule ??= (async () => {
    const guard = await import('./pkg/mcp_edge_guard.js');
    await guard.default();
    return guard;
  })();
  return guardModule.catch((err) => {
    guardModule = undefined;
    throw new StepError(`Could not load the mcp-edge-guard package from /pkg/mcp_edge_guard.js (build it with \`make npm\`): ${err?.message ?? err}`);
  });
}
