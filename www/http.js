// HTTP plumbing for the demo: every request goes through send(), which returns
// the parsed response together with a display record of the whole exchange
// (method, URL, the headers this page set, status, relevant response headers,
// body). Secrets are masked in the record only, never in what is sent.

const REASONS = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 302: 'Found', 303: 'See Other',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 413: 'Content Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

// Response headers worth showing (the rest is transport noise).
const SHOWN_HEADERS = [
  'content-type', 'www-authenticate', 'mcp-session-id', 'mcp-protocol-version', 'location',
  'retry-after', 'cache-control', 'access-control-allow-origin', 'access-control-expose-headers',
];

// JSON fields whose values are credentials.
const SECRET_FIELDS = new Set(['access_token', 'refresh_token', 'id_token', 'registration_access_token', 'client_secret']);
const MAX_BODY_CHARS = 20000;

/** `eyJhbGciOi…Xq3w (812 characters, masked)`: enough to recognise, not to use. */
export function maskSecret(value) {
  const text = String(value ?? '');
  if (text.length <= 20) return '•'.repeat(Math.max(6, text.length));
  return `${text.slice(0, 10)}…${text.slice(-4)} (${text.length} characters, masked)`;
}

/** A deep copy of a JSON value with credential fields masked. */
export function redact(value) {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [
      key,
      SECRET_FIELDS.has(key) && typeof inner === 'string' ? maskSecret(inner) : redact(inner),
    ]));
  }
  return value;
}

function displayHeaderValue(name, value) {
  if (name.toLowerCase() !== 'authorization') return value;
  const [scheme, credentials = ''] = String(value).split(' ');
  if (/^bearer$/i.test(scheme)) return `${scheme} ${maskSecret(credentials)}`;
  if (/^basic$/i.test(scheme)) {
    try {
      const id = decodeURIComponent(atob(credentials).split(':')[0]);
      return `Basic base64("${id}:••••••••") (secret masked)`;
    } catch {
      return 'Basic ••••••••';
    }
  }
  return `${scheme} ••••••••`;
}

function displayRequestBody(body, contentType) {
  if (body == null) return '';
  if (body instanceof URLSearchParams) {
    // As sent (application/x-www-form-urlencoded), one parameter a line.
    return body.toString().split('&').map((pair, i) => {
      const key = decodeURIComponent(pair.split('=')[0].replace(/\+/g, ' '));
      return `${i ? '&' : ''}${SECRET_FIELDS.has(key) ? `${key}=••••••••` : pair}`;
    }).join('\n');
  }
  if (/json/i.test(contentType ?? '')) {
    try {
      return JSON.stringify(redact(JSON.parse(body)), null, 2);
    } catch {
      // not JSON after all: show as sent
    }
  }
  return String(body);
}

function displayResponseBody(text, json, contentType) {
  if (!text) return '';
  let shown;
  if (json !== undefined) {
    shown = JSON.stringify(redact(json), null, 2);
  } else if (/text\/event-stream/i.test(contentType)) {
    // Server-sent events: keep the framing, pretty-print each JSON data line.
    shown = text.split(/\r\n|\r|\n/).map((line) => {
      if (!line.startsWith('data:')) return line;
      try {
        return `data: ${JSON.stringify(redact(JSON.parse(line.slice(5))), null, 2)}`;
      } catch {
        return line;
      }
    }).join('\n').trim();
  } else {
    shown = text;
  }
  if (shown.length > MAX_BODY_CHARS) {
    shown = `${shown.slice(0, MAX_BODY_CHARS)}\n… (${shown.length - MAX_BODY_CHARS} more characters not shown)`;
  }
  return shown;
}

/** JSON-RPC messages of a text/event-stream body (one per event's data). */
export function parseSse(text) {
  const events = [];
  let data = [];
  for (const line of `${text}\n`.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length) events.push(data.join('\n'));
      data = [];
    } else if (line.startsWith('data:')) {
      data.push(line.slice(5).replace(/^ /, ''));
    }
  }
  return events.flatMap((event) => {
    try {
      return [].concat(JSON.parse(event));
    } catch {
      return [];
    }
  });
}

/**
 * Sends a request and records the exchange. Never throws for HTTP or network
 * failures: the caller decides what counts as an error and shows the record.
 */
export async function send(method, url, { headers = {}, body, label } = {}) {
  const contentType = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const record = {
    type: 'exchange',
    label,
    request: {
      method,
      url: String(url),
      headers: Object.entries(headers).map(([name, value]) => [name, displayHeaderValue(name, value)]),
      body: displayRequestBody(body, contentType),
    },
    response: null,
    error: null,
    ms: null,
  };
  const started = performance.now();
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: 'omit', cache: 'no-store' });
  } catch (err) {
    record.ms = Math.round(performance.now() - started);
    record.error = `${err?.name ?? 'Error'}: ${err?.message ?? err}. No HTTP response reached this page: the server is down or unreachable, or the browser blocked the response (CORS).`;
    return { record, ok: false, status: 0, headers: new Headers(), text: '', json: undefined, messages: [] };
  }
  let text = '';
  try {
    text = await response.text();
  } catch (err) {
    record.error = `Reading the response body failed: ${err?.message ?? err}`;
  }
  record.ms = Math.round(performance.now() - started);
  const type = response.headers.get('content-type') ?? '';
  let json;
  if (/json/i.test(type) && text) {
    try {
      json = JSON.parse(text);
    } catch {
      // shown as text
    }
  }
  const messages = /text\/event-stream/i.test(type) ? parseSse(text) : json !== undefined ? [].concat(json) : [];
  record.response = {
    status: response.status,
    statusText: response.statusText || REASONS[response.status] || '',
    headers: SHOWN_HEADERS.filter((name) => response.headers.has(name)).map((name) => [name, response.headers.get(name)]),
    body: displayResponseBody(text, json, type),
  };
  return { record, ok: response.ok, status: response.status, headers: response.headers, text, json, messages };
}

/** A short reason for a failed response: `400 invalid_grant: grant request is invalid`. */
export function failureOf(result) {
  if (!result.status) return 'network error (see above)';
  const json = result.json && typeof result.json === 'object' ? result.json : {};
  const detail = [json.error, json.error_description].filter(Boolean).join(': ');
  return `HTTP ${result.status}${detail ? ` ${detail}` : ''}`;
}

/**
 * WWW-Authenticate → [{ scheme, params }] (RFC 9110 §11.6.1: challenges of
 * auth-params, quoted strings with backslash escapes).
 */
export function parseChallenges(value) {
  const s = String(value ?? '');
  const challenges = [];
  let current = null;
  let i = 0;
  const skipSpace = () => {
    while (i < s.length && /[ \t]/.test(s[i])) i += 1;
  };
  const token = () => {
    const match = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/.exec(s.slice(i));
    if (!match) return null;
    i += match[0].length;
    return match[0];
  };
  while (i < s.length) {
    skipSpace();
    if (s[i] === ',') {
      i += 1;
      continue;
    }
    const name = token();
    if (!name) {
      i += 1;
      continue;
    }
    skipSpace();
    if (s[i] === '=' && current) {
      i += 1;
      skipSpace();
      let v = '';
      if (s[i] === '"') {
        i += 1;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\') i += 1;
          v += s[i] ?? '';
          i += 1;
        }
        i += 1;
      } else {
        v = token() ?? '';
        while (s[i] === '=') { // token68 padding
          v += '=';
          i += 1;
        }
      }
      current.params[name.toLowerCase()] = v;
    } else {
      current = { scheme: name, params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}

function base64UrlJson(part) {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Header and claims of a JWT, without checking anything. */
export function decodeJwt(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new Error(`a JWT has 3 dot-separated parts, this has ${parts.length}`);
  return { header: base64UrlJson(parts[0]), claims: base64UrlJson(parts[1]) };
}

/** Scopes of a claims set (`scope` string, or `scp`/`scopes` arrays). */
export function scopesOf(claims) {
  const value = claims?.scope ?? claims?.scp ?? claims?.scopes ?? '';
  return (Array.isArray(value) ? value : String(value).split(' ')).filter(Boolean);
}

/** `9 min 58 s`, `2 h 5 min`. */
export function formatDuration(seconds) {
  let s = Math.abs(Math.round(seconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h) return `${h} h${m ? ` ${m} min` : ''}`;
  if (m) return `${m} min${s ? ` ${s} s` : ''}`;
  return `${s} s`;
}

/** `Nov 22, 2026, 3:47:10 PM (in 9 min 58 s)` for a Unix time. */
export function describeTime(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  const when = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  const delta = unixSeconds - Date.now() / 1000;
  const relative = delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
  return `${when} (${relative})`;
}
