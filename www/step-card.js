// One card per step: run() drives a step's task and render() shows its state
// (data-status, badge, summary, results, nav dot).

import { renderItems } from './ui.js';
import { archive, save, stepState } from './state.js';

export const STEP_NUMBERS = [1, 2, 3, 4, 5, 6, 7, 8];
const BADGES = { idle: 'Not started', busy: 'Working…', ok: 'Done', error: 'Failed' };

/** A failure to show as the step's result (the exchange above it shows the body). */
export class StepError extends Error {}

export const $ = (selector, root = document) => root.querySelector(selector);
const section = (n) => $(`[data-step="${n}"]`);

const busy = new Set();
const afterRenderHooks = new Map();

/** Runs `hook` each time step `n` is rendered (for parts of a card outside its results). */
export function afterRender(n, hook) {
  afterRenderHooks.set(n, hook);
}

export function render(n) {
  const s = stepState(n);
  const root = section(n);
  const isBusy = busy.has(n);
  root.dataset.status = s.status;
  if (isBusy) root.setAttribute('aria-busy', 'true');
  else root.removeAttribute('aria-busy');
  $('[data-badge]', root).textContent = BADGES[isBusy ? 'busy' : s.status];
  const summary = $('[data-summary]', root);
  const text = isBusy && !s.summary ? 'Working…' : s.summary;
  if (summary.textContent !== text) summary.textContent = text;
  $('[data-results]', root).replaceChildren(...renderItems(s.items));
  for (const button of root.querySelectorAll('button')) button.disabled = isBusy;
  const nav = $(`[data-nav="${n}"]`);
  nav.dataset.status = isBusy ? 'busy' : s.status;
  afterRenderHooks.get(n)?.();
}

export function focusStep(n) {
  const heading = $(`#step-${n}-title`);
  heading.focus({ preventScroll: true });
  section(n).scrollIntoView({ block: 'start', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
}

/**
 * Runs one step: resets its results (or folds them into a group), shows it
 * busy, and ends in data-status ok or error. Errors are shown, never swallowed.
 */
export async function run(n, task, { archiveAs, keep = false } = {}) {
  if (busy.has(n)) return false;
  const s = stepState(n);
  if (archiveAs) archive(n, archiveAs);
  else if (!keep) s.items = [];
  s.status = 'idle';
  s.summary = '';
  busy.add(n);
  render(n);
  const ctx = {
    add(item) {
      s.items.push(item);
      render(n);
      save();
      return item;
    },
  };
  try {
    s.summary = (await task(ctx)) ?? 'Done.';
    s.status = 'ok';
  } catch (err) {
    s.status = 'error';
    if (err instanceof StepError) {
      s.summary = err.message;
    } else {
      s.summary = `Unexpected error: ${err?.message ?? err}`;
      console.error(err);
    }
  } finally {
    busy.delete(n);
    save();
    render(n);
  }
  return s.status === 'ok';
}
