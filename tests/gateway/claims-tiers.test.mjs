// Verified token claims forwarded to the origin as headers (`CLAIM_HEADERS`),
// and scope-tiered rate limits (`RATE_LIMIT_TIERS` choosing among
// `[[ratelimits]]` bindings), against the real oidc-provider AS (with extra
// per-client claims) and the MCP SDK origin, in workerd.
//
//   node --test --test-concurrency=1 tests/gateway/claims-tiers.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSION_SECRET, gatewayFor, startStack } from './harness.mjs';
import { assertMisconfigured, health, initializeBody, mcpHeaders, post } from './mcp.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Miniflare's rate limiter counts in windows aligned to the minute: do not straddle one. */
async function awayFromMinuteBoundary(need = 8_000) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < need) await sleep(left + 50);
}

const CLAIM_HEADERS = {
  email: 'X-Auth-Email',
  tenant: 'X-Auth-Tenant',
  groups: 'X-Auth-Groups',
  level: 'X-Auth-Level',
  beta: 'X-Auth-Beta',
  profile: 'X-Auth-Profile',
  note: 'X-Auth-Note',
  name: 'X-Auth-Name',
};

// demo-m2m's tokens carry these; demo-readonly's carry none of them.
const M2M_CLAIMS = {
  email: 'ada@example.com',
  tenant: 'acme',
  groups: ['eng', 'ops'],
  level: 3,
  beta: true,
  profile: { team: 'core', admin: true },
  note: 'line1\r\nX-Evil: 1 at 100%',
  name: 'José\u0000',
};

const FORGED = {
  'X-Auth-Email': 'mallory@evil.example',
  'X-Auth-Tenant': 'evil',
  'X-Auth-Groups': 'root',
  'X-Auth-Level': '99',
  'X-Auth-Beta': 'false',
  'X-Auth-Profile': '{"admin":true}',
  'X-Auth-Note': 'forged',
  'X-Auth-Name': 'forged',
};

/** POSTs an initialize with `token` and extra client headers; returns the headers the origin received. */
async function forwarded(stack, url, token, headers = {}) {
  const requests = stack.origin.requests.length;
  const response = await post(url, { token, body: initializeBody(), headers });
  assert.equal(response.status, 200, await response.clone().text());
  await response.body?.cancel();
  assert.equal(stack.origin.requests.length, requests + 1, 'one request reached the origin');
  return stack.origin.requests.at(-1).headers;
}


describe('CLAIM_HEADERS: verified claims to the origin', () => {
  let stack;
  let full;
  let readonly;
  before(async () => {
    stack = await startStack({
      auth: { extraClaims: { 'demo-m2m': M2M_CLAIMS } },
      vars: { CLAIM_HEADERS: JSON.stringify(CLAIM_HEADERS) },
    });
    [full, readonly] = await Promise.all([stack.token(), stack.token('demo-readonly', 'todo:read')]);
  });
  after(async () => {
    await stack?.close();
  });

  test('the gateway with CLAIM_HEADERS is configured and healthy', async () => {
    const h = await health(stack.base);
    assert.equal(h.body.config, 'ok', JSON.stringify(h.body));
  });

  test('strings, numbers and booleans go as they are; arrays joined with spaces; objects never', async () => {
    const seen = await forwarded(stack, stack.resource, full);
    assert.equal(seen['x-auth-email'], 'ada@example.com');
    assert.equal(seen['x-auth-tenant'], 'acme');
    assert.equal(seen['x-auth-groups'], 'eng ops');
    assert.equal(seen['x-auth-level'], '3');
    assert.equal(seen['x-auth-beta'], 'true');
    assert.equal(seen['x-auth-profile'], undefined, 'an object claim is not sent');
    // The identity headers are still there and still the token's.
    assert.equal(seen['x-auth-subject'], 'demo-m2m');
    assert.equal(seen['x-auth-client-id'], 'demo-m2m');
  });

  test('claim values are made header-safe like X-Auth-Subject (no CR/LF/NUL, nothing smuggled)', async () => {
    const seen = await forwarded(stack, stack.resource, full);
    // The identity headers' encoding: visible ASCII and space pass, every other byte and % are %XX.
    assert.equal(seen['x-auth-note'], 'line1%0D%0AX-Evil: 1 at 100%25');
    assert.equal(seen['x-auth-name'], 'Jos%C3%A9%00');
    assert.equal(seen['x-evil'], undefined, 'no header split off the claim');
    for (const name of Object.values(CLAIM_HEADERS)) {
      const value = seen[name.toLowerCase()];
      if (value !== undefined) assert.doesNotMatch(String(value), /[\u0000-\u001f\u007f]/, name);
    }
  });

  test('client-sent copies are replaced by the token\'s values', async () => {
    const seen = await forwarded(stack, stack.resource, full, FORGED);
    assert.equal(seen['x-auth-tenant'], 'acme', 'one value, the token\'s (an array would mean the client copy came too)');
    assert.equal(seen['x-auth-email'], 'ada@example.com');
    assert.equal(seen['x-auth-groups'], 'eng ops');
    assert.equal(seen['x-auth-level'], '3');
    assert.equal(seen['x-auth-beta'], 'true');
    assert.equal(seen['x-auth-note'], 'line1%0D%0AX-Evil: 1 at 100%25');
    assert.equal(seen['x-auth-profile'], undefined, 'the client\'s copy of an object-valued claim\'s header is dropped too');
  });

  test('a token without the claims: no such headers, whatever the client sends', async () => {
    const seen = await forwarded(stack, stack.resource, readonly, FORGED);
    for (const name of Object.values(CLAIM_HEADERS)) {
      assert.equal(seen[name.toLowerCase()], undefined, `${name} not forwarded from the client`);
    }
    assert.equal(seen['x-auth-subject'], 'demo-readonly');
  });

  test('a gateway without CLAIM_HEADERS sends none of these headers', async () => {
    const plain = await gatewayFor(stack, stack.origin.url);
    try {
      const seen = await forwarded(stack, `${plain.url}/mcp`, full, FORGED);
      for (const name of Object.values(CLAIM_HEADERS)) assert.equal(seen[name.toLowerCase()], undefined, name);
    } finally {
      await plain.close();
    }
  });

  test('header names are checked at configuration time: reserved, hop-by-hop and invalid names', async () => {
    const refused = [
      'Authorization',
      'authorization',
      'Connection',
      'Keep-Alive',
      'Transfer-Encoding',
      'Upgrade',
      'TE',
      'Trailer',
      'Proxy-Connection',
      'X-Gateway-Secret',
      'x-gateway-secret',
      'X Auth Tenant',
      'X-Auth-Tenant:',
      'X-Auth-Tenant\r\nX-Evil',
      'X-Auth-Ténant',
      '',
    ];
    for (const header of refused) {
      const gateway = await gatewayFor(stack, stack.origin.url, {
        vars: { CLAIM_HEADERS: JSON.stringify({ email: 'X-Auth-Email', tenant: header }) },
      });
      try {
        await assertMisconfigured(gateway, full, 'CLAIM_HEADERS:invalid', JSON.stringify(header));
      } finally {
        await gateway.close();
      }
    }
  });

  test('CLAIM_HEADERS that is not a JSON object of names is a configuration error', async () => {
    for (const value of ['{"tenant":', '["X-Auth-Tenant"]', '{"tenant":42}', '"X-Auth-Tenant"']) {
      const gateway = await gatewayFor(stack, stack.origin.url, { vars: { CLAIM_HEADERS: value } });
      try {
        await assertMisconfigured(gateway, full, 'CLAIM_HEADERS:invalid', value);
      } finally {
        await gateway.close();
      }
    }
  });
});

describe('RATE_LIMIT_TIERS: the token\'s scopes pick the rate-limit binding', () => {
  let stack;
  let gateway;
  let url;
  before(async () => {
    // `todo:*` is offered too, to check that a wildcard grant reaches a tier.
    stack = await startStack({ auth: { scopes: ['todo:read', 'todo:write', 'todo:admin', 'todo:*'] } });
    gateway = await gatewayFor(stack, stack.origin.url, {
      rateLimit: { limit: 3, period: 60 },
      ratelimits: {
        RATE_LIMITER_PREMIUM: { simple: { limit: 1000, period: 60 } },
        RATE_LIMITER_WRITE: { simple: { limit: 2, period: 60 } },
      },
      vars: {
        RATE_LIMIT_TIERS: JSON.stringify([['todo:admin', 'RATE_LIMITER_PREMIUM'], ['todo:write', 'RATE_LIMITER_WRITE']]),
        SESSION_SECRET,
      },
    });
    url = `${gateway.url}/mcp`;
  });
  after(async () => {
    await gateway?.close();
    await stack?.close();
  });

  /** `n` initializes with `token`; their statuses, plus the first 429 response's details. */
  async function burst(token, n) {
    const statuses = [];
    let limited;
    for (let i = 0; i < n; i++) {
      const response = await post(url, { token, body: initializeBody() });
      statuses.push(response.status);
      if (response.status === 429 && !limited) {
        limited = { retryAfter: response.headers.get('retry-after'), body: await response.json() };
      } else {
        await response.body?.cancel();
      }
    }
    return { statuses, limited };
  }

  test('the gateway with tiers is configured', async () => {
    assert.equal((await health(gateway.url)).body.config, 'ok');
  });

  test('read-only client: RATE_LIMITER (3/min) → 429 on the 4th; the admin client makes 10 under the premium tier', async () => {
    await awayFromMinuteBoundary();
    const readonly = await stack.token('demo-readonly', 'todo:read');
    const admin = await stack.token('demo-m2m', 'todo:read todo:write todo:admin');

    const requests = stack.origin.requests.length;
    const low = await burst(readonly, 4);
    assert.deepEqual(low.statuses, [200, 200, 200, 429]);
    assert.ok(/^[1-9]\d*$/.test(low.limited.retryAfter ?? ''), `Retry-After: ${low.limited.retryAfter}`);
    assert.deepEqual(low.limited.body, { error: 'rate_limit_exceeded' });
    assert.equal(stack.origin.requests.length, requests + 3, 'the limited request was not forwarded');

    // demo-m2m's token also grants todo:write: the first matching pair (todo:admin) wins.
    const high = await burst(admin, 10);
    assert.deepEqual(high.statuses, Array(10).fill(200), 'premium tier: 1000/min, and not the write tier (2/min)');
  });

  test('a wildcard grant (todo:* covers todo:admin) reaches the premium tier', async () => {
    await awayFromMinuteBoundary();
    const wildcard = await stack.token('demo-m2m', 'todo:*');
    const { statuses } = await burst(wildcard, 6);
    assert.deepEqual(statuses, Array(6).fill(200));
  });

  test('the second pair: a todo:write token counts in RATE_LIMITER_WRITE (2/min)', async () => {
    await awayFromMinuteBoundary();
    const writer = await stack.token('demo-m2m', 'todo:read todo:write');
    const { statuses } = await burst(writer, 3);
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  test('no pair matches → RATE_LIMITER; each binding counts the same client on its own', async () => {
    await awayFromMinuteBoundary();
    const reader = await stack.token('demo-m2m', 'todo:read');
    const { statuses } = await burst(reader, 4);
    assert.deepEqual(statuses, [200, 200, 200, 429], 'demo-m2m with todo:read only: the default binding');
    // The same client, now with todo:admin: the premium binding has its own count.
    const admin = await stack.token('demo-m2m', 'todo:read todo:write todo:admin');
    const { statuses: after } = await burst(admin, 3);
    assert.deepEqual(after, [200, 200, 200]);
  });

  test('without RATE_LIMIT_TIERS every client counts in RATE_LIMITER', async () => {
    const untiered = await gatewayFor(stack, stack.origin.url, {
      rateLimit: { limit: 3, period: 60 },
      ratelimits: { RATE_LIMITER_PREMIUM: { simple: { limit: 1000, period: 60 } } },
    });
    try {
      await awayFromMinuteBoundary();
      const admin = await stack.token();
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        const response = await post(`${untiered.url}/mcp`, { token: admin, body: initializeBody() });
        statuses.push(response.status);
        await response.body?.cancel();
      }
      assert.deepEqual(statuses, [200, 200, 200, 429]);
    } finally {
      await untiered.close();
    }
  });

  test('a malformed RATE_LIMIT_TIERS is a configuration error', async () => {
    const token = await stack.token();
    const malformed = [
      '[["todo:admin","RATE_LIMITER_PREMIUM"]',
      '{"todo:admin":"RATE_LIMITER_PREMIUM"}',
      '["todo:admin","RATE_LIMITER_PREMIUM"]',
      '[["todo:admin"]]',
      '[["todo:admin","RATE_LIMITER_PREMIUM","extra"]]',
      '[["todo:admin",7]]',
      '"RATE_LIMITER_PREMIUM"',
    ];
    for (const value of malformed) {
      const broken = await gatewayFor(stack, stack.origin.url, {
        rateLimit: { limit: 3, period: 60 },
        ratelimits: { RATE_LIMITER_PREMIUM: { simple: { limit: 1000, period: 60 } } },
        vars: { RATE_LIMIT_TIERS: value },
      });
      try {
        await assertMisconfigured(broken, token, 'RATE_LIMIT_TIERS:invalid', value);
      } finally {
        await broken.close();
      }
    }
  });
});
