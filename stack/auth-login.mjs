// Programmatic "user in a browser" for tests: drives the demo authorization server's
// authorization-code flow with fetch and a tiny cookie jar, and returns the redirect
// to the client (with `code` and `state`).

const MAX_STEPS = 10;

// Minimal per-origin cookie jar: name -> value. Paths are ignored (single test host).
class CookieJar {
  #jars = new Map();

  store(url, response) {
    const jar = this.#jar(url);
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v = ''] = a.split('=');
        const key = k.trim().toLowerCase();
        return (key === 'max-age' && Number(v) <= 0)
          || (key === 'expires' && Date.parse(v) <= Date.now());
      });
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  header(url) {
    return [...this.#jar(url)].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #jar(url) {
    const { origin } = new URL(url);
    if (!this.#jars.has(origin)) this.#jars.set(origin, new Map());
    return this.#jars.get(origin);
  }
}

async function fail(step, url, response) {
  const body = (await response.text()).replace(/\s+/g, ' ').slice(0, 300);
  return new Error(`completeLogin: ${step} ${url} -> HTTP ${response.status}: ${body}`);
}

// The first <form> on the page: its action and its named inputs.
function parseForm(html, pageUrl) {
  const form = html.match(/<form\b[^>]*>([\s\S]*?)<\/form>/i);
  if (!form) return null;
  const action = form[0].match(/\baction="([^"]*)"/i)?.[1] ?? pageUrl;
  const fields = new URLSearchParams();
  for (const [input] of form[1].matchAll(/<input\b[^>]*>/gi)) {
    const name = input.match(/\bname="([^"]*)"/i)?.[1];
    if (name) fields.set(name, input.match(/\bvalue="([^"]*)"/i)?.[1] ?? '');
  }
  return { action: new URL(action.replace(/&amp;/g, '&'), pageUrl).href, fields };
}

const isRedirect = (status) => status >= 300 && status < 400;

export async function completeLogin(authorizationUrl, { username = 'demo-user' } = {}) {
  const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri');
  const jar = new CookieJar();
  const toClient = (url) => redirectUri
    ? url.split(/[?#]/)[0] === redirectUri.split(/[?#]/)[0]
    : !url.startsWith(new URL(authorizationUrl).origin);
  let url = authorizationUrl;
  let submitted = false;

  for (let step = 0; step < MAX_STEPS; step++) {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(url, response);

    if (isRedirect(response.status)) {
      const next = new URL(response.headers.get('location'), url).href;
      if (toClient(next)) return checkResult(next);
      url = next;
      continue;
    }

    // Not a redirect: it must be the sign-in page, which we post exactly once.
    const html = response.status === 200 && !submitted ? await response.clone().text() : '';
    const form = parseForm(html, url);
    if (!form) throw await fail('unexpected response from', url, response);
    form.fields.set('username', username);
    submitted = true;

    const posted = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(form.action), 'content-type': 'application/x-www-form-urlencoded' },
      body: form.fields,
    });
    jar.store(form.action, posted);
    if (!isRedirect(posted.status)) throw await fail('sign-in form post to', form.action, posted);
    url = new URL(posted.headers.get('location'), form.action).href;
    if (toClient(url)) return checkResult(url);
  }
  throw new Error(`completeLogin: no redirect to ${redirectUri} after ${MAX_STEPS} steps (last ${url})`);
}

// An error redirect (e.g. access_denied, invalid_scope) is a failure for the caller.
function checkResult(url) {
  const params = new URL(url).searchParams;
  if (params.has('code')) return url;
  const err = new Error(`completeLogin: authorization failed: ${params.get('error') ?? 'no code'}`
    + `${params.get('error_description') ? ` (${params.get('error_description')})` : ''}`);
  err.redirectUrl = url;
  throw err;
}
