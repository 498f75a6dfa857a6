// The demo's state: plain data kept in this tab's sessionStorage, so each
// step's results survive the round trips to the authorization server.

const STORE_KEY = 'mcp-edge-guard-demo';

function load() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? 'null');
    if (saved && typeof saved === 'object') return { steps: {}, ...saved };
  } catch {
    // a broken entry: start clean
  }
  return { steps: {} };
}

export const state = load();

export function save() {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
  } catch (err) {
    console.warn('mcp-edge-guard demo: could not save to sessionStorage', err);
  }
}

/** Drops the saved state (Start over). */
export function forget() {
  sessionStorage.removeItem(STORE_KEY);
}

export function stepState(n) {
  state.steps[n] ??= { status: 'idle', summary: '', items: [] };
  return state.steps[n];
}

/** Folds a step's current results into a collapsed group (kept for comparison). */
export function archive(n, label) {
  const s = stepState(n);
  if (s.items.length) s.items = [{ type: 'group', label, items: s.items }];
  s.status = 'idle';
  s.summary = '';
}
