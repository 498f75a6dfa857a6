// The driver of src/exchange.rs: polls a future from wasm until it is done,
// awaiting here, natively, each promise it waits on, and handing back how
// that promise settled. Resolves to the future's outcome; rejects with its
// error.

export async function drive(exchange) {
  try {
    for (;;) {
      const pending = exchange.pending();
      if (pending === undefined) throw new Error('mcp-edge-guard: nothing to await');
      let ok = true;
      let value;
      try {
        value = await pending;
      } catch (error) {
        ok = false;
        value = error;
      }
      const outcome = exchange.poll(ok, value);
      if (exchange.pending() === undefined) return outcome;
    }
  } finally {
    exchange.free();
  }
}
