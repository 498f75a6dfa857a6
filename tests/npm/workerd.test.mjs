// The npm package's web build (pkg/web/) inside workerd, through Miniflare, as
// a Cloudflare Worker would run it: one module-level Verifier per isolate with
// a jwksUri, shared by concurrent requests. Workers forbid a request to wait on
// another request's I/O and cancel the I/O a request leaves pending when it
// ends (and, in production, a request whose client went away), so the
// single-flight JWKS fetch must hold up when the request that started it is
// gone. The JWKS comes from a node:http server on 127.0.0.1 that counts its
// requests and can delay or hold its answers.
//
// Seen under Miniflare 4.20260426: a client that aborts does not cancel its
// request (its fetch goes on, and times out after 5 s); a handler that answers
// before its verify() settles does get its pending JWKS fetch cancelled at
// once, and that fetch's promise never settles. The tests accept either
// cancellation behaviour for the client abort, and judge each strictly.
//
//   node --test tests/npm/workerd.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Miniflare } from 'miniflare';

import { PKG } from './util.mjs';

const WEB = join(PKG, 'web');
const AUDIENCE = 'https://mcp.example.test/mcp';
// Integer seconds: a refetch for a new kid needs ≥ 2 s since the last fetch,
// and a forged kid within 1 s of a refetch is always inside the cooldown.
const COOLDOWN_SECONDS = 2;
// The package's bound on waiting for another request's fetch: 5 s fetch timeout + 1 s.
const REFRESH_LIMIT_MS = 6_000;
// A correctness bound against hanging, not a speed target.
const HANG_BOUND_MS = 10_000;

// ---------------------------------------------------------------- JWKS server

/**
 * Serves `{ keys }` at /jwks with `Cache-Control: max-age=300`. `delayMs`
 * delays every answer; `holdNext` holds that many next requests until
 * `release()`. Every request is logged with whether its client closed the
 * connection before an answer was sent.
 */
async function startJwksServer() {
  const jwks = {
    keys: [],
    delayMs: 0,
    holdNext: 0,
    log: [],
    held: [],
    waiters: [],
    get requests() {
      return this.log.length;
    },
    /** Resolves once `count` requests have arrived in total. */
    received(count) {
      if (this.log.length >= count) return Promise.resolve();
      return new Promise((done) => this.waiters.push({ count, done }));
    },
    /** Answers every held request (those whose client is still there). */
    release() {
      const held = this.held.splice(0);
      for (const answer of held) answer();
      return held.length;
    },
    reset() {
      this.delayMs = 0;
      this.holdNext = 0;
      this.release();
      this.log = [];
      this.waiters = [];
    },
  };
  const server = createServer((req, res) => {
    if (new URL(req.url, 'http://x').pathname !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    const entry = { n: jwks.log.length + 1, at: Date.now(), answered: false, closedByClient: false };
    jwks.log.push(entry);
    res.on('close', () => {
      if (!entry.answered) {
        entry.closedByClient = true;
        entry.closedAt = performance.now();
      }
    });
    const answer = () => {
      if (res.destroyed || res.writableEnded) return;
      entry.answered = true;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
      res.end(JSON.stringify({ keys: jwks.keys }));
    };
    const delayed = () => (jwks.delayMs > 0 ? setTimeout(answer, jwks.delayMs) : answer());
    if (jwks.holdNext > 0) {
      jwks.holdNext -= 1;
      entry.held = true;
      jwks.held.push(delayed);
    } else {
      delayed();
    }
    jwks.waiters = jwks.waiters.filter((w) => (jwks.log.length >= w.count ? (w.done(), false) : true));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    jwks,
    origin,
    uri: `${origin}/jwks`,
    close: () =>
      new Promise((done) => {
        jwks.release();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

// ---------------------------------------------------------------- keys, tokens

async function newSigningKey(kid) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, jwk };
}

async function mint(key, issuer, sub, { kid = key.kid, scope = 'mcp:read mcp:write' } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope, client_id: sub })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key.privateKey);
}

// ---------------------------------------------------------------- the worker

/**
 * A worker that does what a Workers user of the package would: init the wasm
 * and build one Verifier at module level, verify each request's bearer token.
 * `?deadline=ms` makes the handler answer 504 when verify() has not settled
 * by then (a handler with its own deadline); workerd then cancels the I/O
 * that request left pending, a JWKS fetch it started included.
 */
function workerSource(options) {
  return `import wasm from './mcp_edge_guard_bg.wasm';
import { initSync, Verifier } from './mcp_edge_guard.js';

initSync({ module: wasm });
const verifier = new Verifier(${JSON.stringify(options)});
const DEADLINE = Symbol('deadline');

const failure = (err) => ({ ok: false, name: err?.name, code: err?.code, reason: err?.reason, message: String(err?.message ?? err) });

export default {
  async fetch(request) {
    const token = (request.headers.get('authorization') ?? '').replace(/^Bearer /i, '');
    const deadline = Number(new URL(request.url).searchParams.get('deadline')) || 0;
    const verifying = verifier.verify(token);
    try {
      const p = deadline
        ? await Promise.race([verifying, new Promise((done) => setTimeout(() => done(DEADLINE), deadline))])
        : await verifying;
      if (p === DEADLINE) {
        verifying.then(
          (late) => console.log('verify() settled after the deadline: ' + late.sub),
          (err) => console.log('verify() failed after the deadline: ' + err?.reason),
        );
        return Response.json({ ok: false, reason: 'deadline' }, { status: 504 });
      }
      return Response.json({ ok: true, iss: p.iss, sub: p.sub, clientId: p.clientId, scopes: p.scopes, exp: p.exp });
    } catch (err) {
      return Response.json(failure(err), { status: Number.isInteger(err?.status) ? err.status : 500 });
    }
  },
};
`;
}

let server;
let dir;
let key1;
let issuer;
let workerdOutput = [];

before(async () => {
  server = await startJwksServer();
  issuer = server.origin;
  key1 = await newSigningKey('key-1');
  server.jwks.keys = [key1.jwk];
  dir = mkdtempSync(join(tmpdir(), 'mcp-edge-guard-workerd-'));
  copyFileSync(join(WEB, 'mcp_edge_guard.js'), join(dir, 'mcp_edge_guard.js'));
  copyFileSync(join(WEB, 'mcp_edge_guard_bg.wasm'), join(dir, 'mcp_edge_guard_bg.wasm'));
  cpSync(join(WEB, 'snippets'), join(dir, 'snippets'), { recursive: true });
  writeFileSync(
    join(dir, 'worker.mjs'),
    workerSource({ issuer, audience: AUDIENCE, jwksUri: server.uri, algorithms: ['ES256'], cooldownSeconds: COOLDOWN_SECONDS }),
  );
});

after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh workerd (a cold isolate, so a cold key cache) running the worker. */
async function startWorker() {
  const output = [];
  workerdOutput = output;
  const collect = (stream, name) => {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      for (const line of chunk.split('\n')) if (line.trim()) output.push(`[${name}] ${line}`);
    });
  };
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, 'worker.mjs'),
    modulesRoot: dir,
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: '2026-04-01',
    cf: false,
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio: (stdout, stderr) => {
      collect(stdout, 'stdout');
      collect(stderr, 'stderr');
    },
  });
  try {
    const url = (await mf.ready).href;
    return { mf, url, output };
  } catch (error) {
    // A Miniflare that failed to start still keeps the process alive until disposed.
    await mf.dispose().catch(() => {});
    throw error;
  }
}

/** `promise`, or a failure naming `what` after `ms` (so a hang fails the test, and cleanup runs). */
async function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One request to the worker: status, JSON body, and how long it took. */
async function call(url, token, signal) {
  const started = performance.now();
  // Past the hang bound, a request that has not answered is abandoned (and the test fails).
  const timeout = AbortSignal.timeout(HANG_BOUND_MS + 5_000);
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { ok: false, reason: `not JSON: ${text.slice(0, 300)}` }; // e.g. workerd's own error page
  }
  return { status: response.status, body, ms: Math.round(performance.now() - started) };
}

const summary = (results) =>
  results.map((r) => `${r.status} ${r.body.ok ? r.body.sub : r.body.reason} ${r.ms}ms`).join(', ');

/** What workerd printed, for the test log (and failure messages). */
function reportOutput(t) {
  for (const line of workerdOutput) t.diagnostic(`workerd: ${line}`);
}

// ---------------------------------------------------------------- tests

test('cold burst: 20 concurrent requests share one JWKS fetch on a fresh isolate', async (t) => {
  server.jwks.reset();
  server.jwks.delayMs = 300;
  const { mf, url } = await startWorker();
  try {
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => mint(key1, issuer, `user-${i}`)));
    const results = await Promise.all(tokens.map((token) => call(url, token)));
    t.diagnostic(`responses: ${summary(results)}`);
    t.diagnostic(`JWKS requests: ${server.jwks.requests}`);
    reportOutput(t);
    results.forEach((r, i) => {
      assert.equal(r.status, 200, `request ${i}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.sub, `user-${i}`);
      assert.equal(r.body.clientId, `user-${i}`);
      assert.equal(r.body.iss, issuer);
      assert.deepEqual([...r.body.scopes].sort(), ['mcp:read', 'mcp:write']);
    });
    assert.equal(server.jwks.requests, 1, 'the 20 requests should share one JWKS fetch');
    // The cached keys serve later requests without another fetch.
    const again = await call(url, tokens[0]);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(server.jwks.requests, 1);
  } finally {
    await mf.dispose();
  }
});

/**
 * Request A starts the cold isolate's JWKS fetch, which the JWKS server holds;
 * then A goes away: its client aborts (`abort`), or its handler answers at a
 * deadline (`deadlineMs`). Then 10 requests B arrive while A's fetch is
 * outstanding; `release` says whether the server then answers A's fetch.
 * Returns what happened, for the test to judge.
 */
async function requestGoesAway(t, { abort = false, deadlineMs = 0, release = false }) {
  server.jwks.reset();
  server.jwks.holdNext = 1;
  const { mf, url } = await startWorker();
  try {
    const tokenA = await mint(key1, issuer, 'user-a');
    const tokensB = await Promise.all(Array.from({ length: 10 }, (_, i) => mint(key1, issuer, `user-b${i}`)));

    const controller = new AbortController();
    const startedA = performance.now();
    const a = call(deadlineMs ? `${url}?deadline=${deadlineMs}` : url, tokenA, controller.signal).then(
      (result) => ({ result }),
      (error) => ({ error }),
    );
    await within(server.jwks.received(1), 5_000, 'the JWKS fetch of request A'); // A is now fetching the JWKS
    const heldA = server.jwks.log[0];
    if (abort) controller.abort();
    const outcomeA = await a;
    if (abort) assert.ok(outcomeA.error, `A should have been aborted, got ${JSON.stringify(outcomeA.result)}`);
    else assert.equal(outcomeA.result?.status, 504, `A: ${JSON.stringify(outcomeA.result ?? String(outcomeA.error))}`);
    const goneAt = performance.now();
    await sleep(100); // workerd notices

    const startedB = performance.now();
    const b = Promise.all(tokensB.map((token) => call(url, token)));
    let released = 0;
    let closedBeforeRelease;
    if (release) {
      await sleep(200); // B are waiting by now
      closedBeforeRelease = heldA.closedByClient;
      released = server.jwks.release();
    }
    const results = await b;
    const tookB = Math.round(performance.now() - startedB);
    const sinceA = Math.round(performance.now() - startedA);
    const heldClosedAfterGone = heldA.closedAt === undefined ? undefined : Math.round(heldA.closedAt - goneAt);

    t.diagnostic(`A: ${outcomeA.error ? `client ${outcomeA.error.name}` : `${outcomeA.result.status} ${outcomeA.result.body.reason}`}`);
    t.diagnostic(`B: ${summary(results)}`);
    t.diagnostic(`B took ${tookB} ms (${sinceA} ms since A started)`);
    t.diagnostic(
      `JWKS requests: ${server.jwks.requests}; A's fetch: ` +
        (release
          ? `released ${released}, closed by workerd before release: ${closedBeforeRelease}, answered: ${heldA.answered}`
          : `never answered, workerd closed it ${heldClosedAfterGone ?? '(never)'} ms after A went away`),
    );
    reportOutput(t);
    return { results, tookB, sinceA, heldA, heldClosedAfterGone, requests: server.jwks.requests };
  } finally {
    await mf.dispose();
  }
}

const assertAllVerified = (results) =>
  results.forEach((r, i) => {
    assert.equal(r.status, 200, `B${i}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.sub, `user-b${i}`);
  });

test('the client of the fetching request aborts; its fetch is answered later: the others get keys', async (t) => {
  const { results, tookB, heldA, requests } = await requestGoesAway(t, { abort: true, release: true });
  assertAllVerified(results);
  assert.ok(tookB < HANG_BOUND_MS, `B took ${tookB} ms`);
  if (heldA.answered) {
    // workerd kept A running: its fetch served everyone, B made none.
    assert.equal(requests, 1, 'B should have read the keys A fetched');
  } else {
    // workerd cancelled A: B waited out the bound and made one fetch between them.
    assert.equal(requests, 2, 'B should share one fetch of their own');
  }
});

test('the client of the fetching request aborts; its fetch is never answered: the others do not hang', async (t) => {
  const { results, tookB, sinceA, heldClosedAfterGone, requests } = await requestGoesAway(t, { abort: true });
  assert.ok(tookB < HANG_BOUND_MS, `B took ${tookB} ms`);
  const cancelledA = heldClosedAfterGone !== undefined && heldClosedAfterGone < 3_000;
  if (cancelledA) {
    // workerd cancelled A (and its fetch): after the bound, B fetch themselves, once.
    assertAllVerified(results);
    assert.equal(requests, 2, 'B should share one fetch of their own');
    assert.ok(sinceA >= REFRESH_LIMIT_MS - 500, `B finished ${sinceA} ms after A started, before the bound`);
  } else {
    // A lives on after its client left: its fetch times out (5 s) and that
    // failed refresh is the answer of every request that waited for it (no
    // stampede on a failing server): 503 keys_unavailable, one JWKS request.
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 503, `B${i}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'temporarily_unavailable');
      assert.equal(r.body.reason, 'keys_unavailable');
    }
    assert.equal(requests, 1, 'B should not fetch while A is still fetching');
    assert.ok(sinceA >= 4_500, `B finished ${sinceA} ms after A started: before A's fetch could time out`);
  }
});

test('the fetching request ends before its fetch does (handler deadline): the others fetch themselves within the bound', async (t) => {
  const { results, tookB, sinceA, heldClosedAfterGone, requests } = await requestGoesAway(t, { deadlineMs: 150 });
  // workerd cancels the I/O a finished request left pending: A's fetch never completes.
  assert.ok(heldClosedAfterGone !== undefined && heldClosedAfterGone < 3_000, "workerd should have cancelled A's fetch");
  assertAllVerified(results);
  assert.ok(tookB < HANG_BOUND_MS, `B took ${tookB} ms`);
  assert.equal(requests, 2, "B should share one fetch of their own after A's is abandoned");
  assert.ok(sinceA >= REFRESH_LIMIT_MS - 500, `B finished ${sinceA} ms after A started, before the bound`);
});

test('rotation across requests: a new kid refetches once; a made-up kid within the cooldown does not', async (t) => {
  server.jwks.reset();
  server.jwks.keys = [key1.jwk];
  const { mf, url } = await startWorker();
  try {
    const first = await call(url, await mint(key1, issuer, 'user-old'));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(server.jwks.requests, 1);

    const key2 = await newSigningKey('key-2');
    server.jwks.keys = [key1.jwk, key2.jwk]; // the AS publishes a new key
    await sleep(COOLDOWN_SECONDS * 1000 + 100); // past the cooldown since the first fetch

    const rotated = await call(url, await mint(key2, issuer, 'user-new'));
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.equal(rotated.body.sub, 'user-new');
    assert.equal(server.jwks.requests, 2, 'the new kid should cause exactly one refetch');

    // Both keys are known now: no more fetches for either.
    const [old, fresh] = await Promise.all([
      call(url, await mint(key1, issuer, 'user-old')),
      call(url, await mint(key2, issuer, 'user-new')),
    ]);
    assert.equal(old.status, 200, JSON.stringify(old.body));
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));

    // A token under a kid the AS never published, within the cooldown of the refetch.
    const forger = await newSigningKey('made-up-kid');
    const forged = await Promise.all(
      Array.from({ length: 3 }, async () => call(url, await mint(forger, issuer, 'user-new'))),
    );
    t.diagnostic(`forged: ${summary(forged)}; JWKS requests: ${server.jwks.requests}`);
    reportOutput(t);
    for (const r of forged) {
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(r.body.name, 'VerifyError');
      assert.equal(r.body.code, 'invalid_token');
      assert.equal(r.body.reason, 'unknown_kid');
    }
    assert.equal(server.jwks.requests, 2, 'a made-up kid within the cooldown must not fetch');
  } finally {
    await mf.dispose();
  }
});
