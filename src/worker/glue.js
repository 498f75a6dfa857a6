// Batched platform calls for the Worker adapter (src/worker/): each does in
// one call from wasm what would otherwise take one wasm↔JS crossing per
// header, per init field or per timer. I/O only: every rule stays in Rust.

// Header values cannot hold a line feed (Fetch: no CR or LF in values), nor
// can names or URLs, so it separates the fields of the joined strings below.
const SEP = '\n';

/** The request's URL and method, then each header of `names` (SEP-joined):
 *  `+value` when present (several fields joined with ", ", as get() does),
 *  `-` when absent. One string, decoded once in wasm. */
export function readRequest(request, names) {
  const headers = request.headers;
  let out = request.url + SEP + request.method;
  for (const name of names.split(SEP)) {
    const value = headers.get(name);
    out += value === null ? SEP + '-' : SEP + '+' + value;
  }
  return out;
}

/** A new Headers object from SEP-joined name, value pairs. */
export function headersFrom(pairs) {
  const headers = new Headers();
  const parts = pairs.split(SEP);
  for (let i = 0; i + 1 < parts.length; i += 2) headers.set(parts[i], parts[i + 1]);
  return headers;
}

/** fetch() that gives up (aborting the request) when no response head has
 *  come within `ms`; rejects with the string "timeout" then. The deadline
 *  covers the head only: a streamed body (SSE) runs on. Redirects are
 *  returned, never followed. */
export function fetchWithin(url, method, headers, body, ms) {
  const controller = new AbortController();
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject('timeout');
    }, ms);
  });
  const request = fetch(url, { method, headers, body, redirect: 'manual', signal: controller.signal });
  return Promise.race([request, deadline]).finally(() => clearTimeout(timer));
}

/** The response as the client gets it: a copy (status, status text, headers,
 *  the body stream itself, or no body when `bodyless`) without the
 *  SEP-joined `drop` headers, and the values of the SEP-joined `read` ones
 *  (or null) as they came: [response, ...values]. */
export function relay(response, bodyless, drop, read) {
  const copy = new Response(bodyless ? null : response.body, response);
  return [copy, ...trim(copy.headers, drop, read)];
}

/** The response's headers as a mutable copy without the SEP-joined `drop`
 *  names, and the values of the `read` ones: [headers, ...values]. */
export function copyHeaders(response, drop, read) {
  const headers = new Headers(response.headers);
  return [headers, ...trim(headers, drop, read)];
}

/** Reads the `read` headers, then deletes the `drop` ones. */
function trim(headers, drop, read) {
  const values = read.split(SEP).map((name) => headers.get(name));
  for (const name of drop.split(SEP)) headers.delete(name);
  return values;
}

/** The body piped through `filter` (an EventFilter from wasm): one
 *  synchronous call per chunk, complete events out as they complete. A
 *  filter that throws errors the stream (the client sees it cut). */
export function filterEvents(body, filter) {
  const done = () => filter.free();
  return body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      let out;
      try {
        out = filter.push(chunk);
      } catch (error) {
        done();
        throw error;
      }
      if (out.length > 0) controller.enqueue(out);
    },
    flush: done,
  }));
}
