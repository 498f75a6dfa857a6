// The driver of src/exchange.rs: polls a future from wasm until it is done,
// awaiting here, natively, each promise it waits on, and handing back how
// that promise settled. Resolves to the future's outcome; rejects with its
// error. (`run` in exchange.rs calls this only for a future that waits.)

export async function drive(exchange) {
  try {
    let outcome;
    for (let pending = exchange.pending(); pending !== undefined; pending = exchange.pending()) {
      let ok = true;
      let value;
      try {
        value = await pending;
      } catch (error) {
        ok = false;
        value = error;
      }
      outcome = exchange.poll(ok, value);
    }
    return outcome;
  } finally {
    exchange.free();
  }
}
