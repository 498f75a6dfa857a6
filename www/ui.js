// Rendering: step results are plain data (kept in sessionStorage across the
// redirects) turned into DOM here. Everything from the network is inserted as
// text, never as HTML.

/** document.createElement with props (class, text, on*, attributes) and children. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const statusClass = (status) => (status ? `s${String(status)[0]}` : 's0');

/** An HTTP message as text: start line, headers, blank line, body. */
function httpMessage(startLine, headers, body, note) {
  const lines = [h('span', { class: 'start-line', text: startLine }), '\n'];
  for (const [name, value] of headers) {
    lines.push(h('span', { class: 'h-name', text: `${name}:` }), ` ${value}\n`);
  }
  if (body) lines.push('\n', body);
  else if (note) lines.push('\n', h('span', { class: 'muted', text: note }));
  return h('pre', { class: 'code http' }, h('code', {}, lines));
}

function renderExchange(x) {
  const url = new URL(x.request.url);
  const res = x.response;
  const statusText = res ? `${res.status} ${res.statusText}`.trim() : 'no response';
  const requestPane = h('div', { class: 'pane' },
    h('p', { class: 'pane-title' }, 'Request ', h('span', { class: 'pane-note', text: '(headers this page set)' })),
    httpMessage(`${x.request.method} ${url.pathname}${url.search}`, [['host', url.host], ...x.request.headers], x.request.body),
  );
  const responsePane = res
    ? h('div', { class: 'pane' },
      h('p', { class: 'pane-title' }, 'Response ', h('span', { class: 'pane-note', text: x.ms != null ? `(${x.ms} ms)` : '' })),
      httpMessage(`HTTP ${statusText}`, res.headers, res.body, '(empty body)'))
    : null;
  return h('details', { class: `exchange ${statusClass(res?.status)}`, open: !x.collapsed || !res || res.status >= 400 },
    h('summary', {},
      x.label ? h('span', { class: 'x-label', text: x.label }) : null,
      h('span', { class: 'x-line' },
        h('span', { class: 'x-method', text: x.request.method }),
        h('span', { class: 'x-url', text: x.request.url }),
        h('span', { class: `x-status ${statusClass(res?.status)}`, text: statusText })),
    ),
    h('div', { class: 'panes' },
      requestPane,
      responsePane,
      x.error ? h('p', { class: 'note error' }, h('strong', { text: 'Request failed. ' }), x.error) : null),
  );
}

function value(v, mono = true) {
  if (Array.isArray(v)) {
    return v.length ? h('ul', { class: 'chips' }, v.map((item) => h('li', { class: 'chip', text: String(item) }))) : h('span', { class: 'muted', text: '(none)' });
  }
  if (v && typeof v === 'object') return h('code', { text: JSON.stringify(v) });
  return mono ? h('code', { text: String(v) }) : String(v);
}

function renderKv(item) {
  return h('figure', { class: `kv${item.tone ? ` tone-${item.tone}` : ''}` },
    item.title ? h('figcaption', { text: item.title }) : null,
    h('dl', {}, item.rows.map(([key, v, opts = {}]) => h('div', { class: 'kv-row' },
      h('dt', { text: key }),
      h('dd', {}, value(v, !opts.plain), opts.hint ? h('span', { class: 'hint', text: ` ${opts.hint}` }) : null)))),
  );
}

function renderNote(item) {
  return h('div', { class: `note ${item.tone ?? 'info'}`, role: item.tone === 'error' ? 'alert' : null },
    item.title ? h('p', { class: 'note-title', text: item.title }) : null,
    item.text ? h('p', { text: item.text }) : null,
    item.code != null ? h('pre', { class: 'code' }, h('code', { text: item.code || '(empty)' })) : null,
  );
}

function renderTable(item) {
  return h('figure', { class: 'table' },
    item.title ? h('figcaption', { text: item.title }) : null,
    h('div', { class: 'table-scroll' },
      h('table', {},
        h('thead', {}, h('tr', {}, item.columns.map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, item.rows.map((row) => h('tr', {}, row.map((cell, i) => h('td', {}, i === 0 ? h('code', { text: cell }) : String(cell)))))))),
  );
}

function renderItem(item) {
  switch (item.type) {
    case 'exchange': return renderExchange(item);
    case 'kv': return renderKv(item);
    case 'note': return renderNote(item);
    case 'table': return renderTable(item);
    case 'json':
      return h('figure', { class: 'json' },
        h('figcaption', { text: item.title }),
        h('pre', { class: 'code' }, h('code', { text: JSON.stringify(item.value, null, 2) })));
    case 'code':
      return h('figure', { class: 'json' },
        h('figcaption', { text: item.title }),
        h('pre', { class: 'code wrap' }, h('code', { text: item.text })));
    case 'group':
      return h('details', { class: 'group' },
        h('summary', { text: item.label }),
        h('div', { class: 'group-body' }, item.items.map(renderItem)));
    default:
      return h('p', { text: JSON.stringify(item) });
  }
}

export function renderItems(items) {
  return items.map(renderItem);
}
