// The dashboard page: one EventSource, a keyed door grid, two feeds, four charts, the DLQ.
import { drawChart, legend } from './charts.js';

const $ = (id) => document.getElementById(id);
const doors = new Map(); // thingName -> { data, el }
let figures = [];
let alertCount = 0;
let roving; // the thing whose tile is in the tab order (the others: arrow keys)

const CHARTS = {
  latency: {
    title: 'Latency',
    lines: [
      { key: 'ingestP50', label: 'edge→bus p50', color: '#2f7de1' },
      { key: 'ingestP99', label: 'edge→bus p99', color: '#e08a1e' },
      { key: 'resultP99', label: 'edge→result p99', color: '#9b4dca' },
    ],
    format: (n) => `${n.toFixed(n < 10 ? 1 : 0)} ms`,
    // Idle seconds have no latency: show the last second that had one.
    now: () => {
      const p = [...figures].reverse().find((f) => f.ingestP99 !== null);
      return p ? `p99 ${p.ingestP99} ms` : '–';
    },
    min: 5,
  },
  throughput: {
    title: 'Throughput',
    lines: [{ key: 'throughput', label: 'events/s', color: '#1f9d74' }],
    format: (n) => `${n.toFixed(0)}/s`,
    now: (p) => `${p.throughput}/s`,
    min: 2,
  },
  errors: {
    title: 'Error rate',
    lines: [{ key: 'errorRatePct', label: 'errors %', color: '#d64545' }],
    format: (n) => `${n.toFixed(1)}%`,
    now: (p) => `${(p.errorRate * 100).toFixed(1)}%`,
    min: 1,
  },
  backlog: {
    title: 'Backlog',
    lines: [
      { key: 'outboxBacklog', label: 'door outboxes', color: '#2f7de1' },
      { key: 'queueBacklog', label: 'queues', color: '#e08a1e' },
      { key: 'deadLetters', label: 'DLQ', color: '#d64545' },
    ],
    format: (n) => n.toFixed(0),
    now: (p) => `${p.outboxBacklog + p.queueBacklog}`,
    min: 2,
  },
};

function tileClass(d) {
  const cls = ['door', d.state];
  if (d.heldOpen) cls.push('held');
  if (d.fault) cls.push('fault');
  if (d.connected === false) cls.push('offline');
  return cls.join(' ');
}

function tileLabel(d) {
  const parts = [d.thingName, d.heldOpen ? 'held open' : d.state];
  if (d.fault) parts.push(d.fault);
  parts.push(d.connected === false ? 'offline' : d.connected ? 'online' : 'connection unknown');
  if (d.lastPerson) parts.push(`last entry ${d.lastPerson}`);
  return parts.join(', ');
}

/**
 * The tile's text is what assistive technology reads, in compact mode too (hidden there
 * only visually): name, state, then offline or the last event. The title is for the mouse.
 */
function renderDoor(d) {
  let entry = doors.get(d.thingName);
  if (!entry) {
    const el = document.createElement('li');
    el.dataset.thing = d.thingName;
    el.innerHTML = '<span class="name"></span> <span class="state"></span> <span class="info"></span>';
    el.tabIndex = roving === undefined ? 0 : -1;
    roving ??= d.thingName;
    entry = { el, data: d };
    insertSorted(el, d.thingName);
    doors.set(d.thingName, entry);
  }
  entry.data = d;
  const { el } = entry;
  el.className = tileClass(d);
  el.dataset.state = d.state;
  el.dataset.connected = String(d.connected);
  el.title = tileLabel(d);
  el.children[0].textContent = d.thingName;
  el.children[1].textContent = d.heldOpen ? 'held open' : d.fault ? 'fault' : d.state;
  el.children[2].textContent = d.connected === false ? 'offline' : (d.lastEvent ?? '');
  if (el === document.activeElement) $('door-focus').textContent = tileLabel(d);
  // Briefly highlight a tile that just changed, so the eye finds it (no forced layout).
  if (!reducedMotion) el.animate(FLASH, 800);
}

/** Arrow keys, Home and End move focus over the tiles; one tile at a time is tabbable. */
function onDoorKey(e) {
  const from = e.target.closest('li.door');
  if (!from) return;
  const i = order.indexOf(from.dataset.thing);
  const columns = getComputedStyle($('doors')).gridTemplateColumns.split(' ').length;
  const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }[e.key];
  let j;
  if (step !== undefined) j = Math.min(order.length - 1, Math.max(0, i + step));
  else if (e.key === 'Home') j = 0;
  else if (e.key === 'End') j = order.length - 1;
  else return;
  e.preventDefault();
  focusDoor(order[j]);
}

function focusDoor(name) {
  const entry = doors.get(name);
  if (!entry) return;
  const previous = doors.get(roving);
  if (previous) previous.el.tabIndex = -1;
  roving = name;
  entry.el.tabIndex = 0;
  entry.el.focus();
}

function onDoorFocus(e) {
  const tile = e.target.closest('li.door');
  if (!tile) return;
  if (tile.dataset.thing !== roving) {
    const previous = doors.get(roving);
    if (previous) previous.el.tabIndex = -1;
    roving = tile.dataset.thing;
    tile.tabIndex = 0;
  }
  // Compact tiles show colour only: the focused one's words show under the grid.
  $('door-focus').textContent = tileLabel(doors.get(tile.dataset.thing).data);
}

const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)').matches;
const FLASH = [{ boxShadow: '0 0 0 3px rgba(47, 125, 225, .35)' }, { boxShadow: '0 0 0 0 transparent' }];

const collator = new Intl.Collator('en', { numeric: true });
const order = []; // thing names in grid order

/** Insert a tile in name order (binary search: thousands of doors stay cheap). */
function insertSorted(el, name) {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (collator.compare(order[mid], name) < 0) lo = mid + 1;
    else hi = mid;
  }
  const before = order[lo];
  order.splice(lo, 0, name);
  $('doors').insertBefore(el, before === undefined ? null : doors.get(before).el);
}

function updateTotals() {
  let open = 0;
  let offline = 0;
  for (const { data } of doors.values()) {
    if (data.state === 'open') open++;
    if (data.connected === false) offline++;
  }
  $('total-doors').textContent = doors.size;
  $('total-open').textContent = open;
  $('total-offline').textContent = offline;
  $('total-alerts').textContent = alertCount;
  $('doors-empty').hidden = doors.size > 0;
  $('doors').classList.toggle('compact', doors.size > 120);
}

function feedItem(item) {
  const li = document.createElement('li');
  li.className = item.level;
  const t = new Date(item.at).toLocaleTimeString([], { hour12: false });
  li.innerHTML = '<time></time> <b></b> <span></span>';
  li.children[0].textContent = t;
  li.children[0].setAttribute('datetime', new Date(item.at).toISOString());
  li.children[1].textContent = item.thingName ?? item.source;
  li.children[2].textContent = item.summary;
  return li;
}

function prepend(listId, items, keep) {
  const list = $(listId);
  const frag = document.createDocumentFragment();
  for (const item of [...items].reverse()) frag.appendChild(feedItem(item));
  list.insertBefore(frag, list.firstChild);
  while (list.childElementCount > keep) list.lastChild.remove();
}

function addEvents(items, alertTotal) {
  prepend('events', items, 80);
  const alerts = items.filter((i) => i.level === 'alert');
  // The server's total: in a burst it may send fewer alerts than there were.
  alertCount = alertTotal ?? alertCount + alerts.length;
  if (alerts.length) prepend('alerts', alerts, 40);
  updateEmpty();
}

function updateEmpty() {
  $('alerts-empty').hidden = $('alerts').childElementCount > 0;
  $('events-empty').hidden = $('events').childElementCount > 0;
}

const ALT_EVERY_MS = 5_000;
let altAt = 0;

function drawFigures(force = false) {
  const series = figures.map((p) => ({ ...p, errorRatePct: p.errorRate * 100 }));
  const last = series[series.length - 1];
  // The text alternatives: current values, but not every second (no live region either):
  // a screen reader reads them when the user gets there.
  const now = Date.now();
  const alt = force || now - altAt >= ALT_EVERY_MS;
  if (alt) altAt = now;
  for (const [name, spec] of Object.entries(CHARTS)) {
    const fig = $(`chart-${name}`);
    legend(fig.querySelector('.legend'), spec.lines);
    const lines = spec.lines.map((l) => ({ ...l, values: series.map((p) => p[l.key]) }));
    const svg = fig.querySelector('svg');
    drawChart(svg, lines, spec);
    fig.querySelector('.now').textContent = last ? spec.now(last) : '';
    if (alt) svg.setAttribute('aria-label', altText(spec, lines));
  }
}

/** "Latency: edge→bus p50 3.0 ms, ..." from each line's newest value (idle seconds have none). */
function altText(spec, lines) {
  const parts = [];
  for (const l of lines) {
    const v = l.values.findLast((x) => x !== null && Number.isFinite(x));
    if (v !== undefined) parts.push(`${l.label} ${spec.format(v)}`);
  }
  return `${spec.title}: ${parts.length ? parts.join(', ') : 'no data yet'}`;
}

const MAX_ROWS = 200;
const rows = new Map(); // dead-letter id -> tr, kept across updates (focus stays put)

function deadLetterRow(m) {
  const tr = document.createElement('tr');
  tr.dataset.id = m.id;
  const when = m.at ? new Date(m.at).toLocaleTimeString([], { hour12: false }) : '';
  for (const v of [m.queue, m.detailType ?? '', m.thingName ?? '', m.reason ?? '', m.attempts ?? '', when]) {
    const td = document.createElement('td');
    td.textContent = String(v);
    tr.appendChild(td);
  }
  const td = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  // Malformed input or a failed rule: a redrive cannot fix it, so it can only go.
  const verb = m.redrivable ? 'Redrive' : 'Dismiss';
  button.textContent = verb;
  button.setAttribute('aria-label', `${verb} ${m.detailType ?? 'message'} ${m.id} from ${m.queue}`);
  button.addEventListener('click', () => (m.redrivable ? redrive([m.id]) : dismiss([m.id])));
  td.appendChild(button);
  tr.appendChild(td);
  return tr;
}

/**
 * The table, by message id: rows that stay are the same elements, so a keyboard user's
 * focus stays where it was. When the focused row goes (redriven, dismissed), focus moves
 * to the row now in its place, else to the last row, else to the panel's heading.
 */
function renderDeadLetters({ items, total }) {
  const panel = $('dlq-title').parentElement;
  const focused = panel.contains(document.activeElement) ? document.activeElement : undefined;
  const focusedRow = focused?.closest('#dlq tr');
  const focusedIndex = focusedRow ? [...$('dlq').children].indexOf(focusedRow) : -1;
  const shown = items.slice(0, MAX_ROWS);
  const keep = new Set(shown.map((m) => m.id));
  for (const [id, tr] of rows) {
    if (keep.has(id)) continue;
    rows.delete(id);
    tr.remove();
  }
  // Rows in place stay where they are: taking an element out of the page, even to put it
  // back, drops the focus it holds.
  const body = $('dlq');
  let at = body.firstElementChild;
  for (const m of shown) {
    let tr = rows.get(m.id);
    if (!tr) {
      tr = deadLetterRow(m);
      rows.set(m.id, tr);
    }
    if (tr === at) at = at.nextElementSibling;
    else body.insertBefore(tr, at);
  }
  const count = Math.max(total ?? items.length, items.length);
  $('dlq-count').textContent = count;
  $('dlq-shown').textContent = shown.length < count ? `showing ${shown.length} of ${count}` : '';
  $('dlq-empty').hidden = count > 0;
  $('dlq-table').hidden = shown.length === 0;
  // Error-queue messages cannot be redriven: "Redrive all" is for the others only.
  $('redrive-all').disabled = !items.some((m) => m.redrivable);
  if (focused && (!focused.isConnected || focused.disabled)) {
    const list = $('dlq').children;
    const row = list[Math.min(Math.max(focusedIndex, 0), list.length - 1)];
    (row?.querySelector('button') ?? $('dlq-title')).focus();
  }
}

/** POST the ids to /api/dlq/{action} and say in the status line how it went. */
async function dlqAction(action, ids, doing, done) {
  const out = $('redrive-result');
  out.textContent = `${doing}…`;
  try {
    const res = await fetch(`/api/dlq/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids }),
    });
    const body = await res.json();
    out.textContent = res.ok ? `${body[done]} ${done}` : `${action} failed: ${body.message}`;
  } catch (error) {
    out.textContent = `${action} failed: ${error.message}`;
  }
}

const redrive = (ids) => dlqAction('redrive', ids, 'redriving', 'redriven');
const dismiss = (ids) => dlqAction('dismiss', ids, 'dismissing', 'dismissed');

function snapshot(s) {
  // A snapshot rebuilds the grid: a focused tile is focused again after it.
  const focused = document.activeElement?.closest?.('li.door')?.dataset.thing;
  $('doors').replaceChildren();
  doors.clear();
  order.length = 0;
  const keep = s.doors.some((d) => d.thingName === roving) ? roving : undefined;
  roving = undefined;
  for (const d of [...s.doors].sort((a, b) => collator.compare(a.thingName, b.thingName))) renderDoor(d);
  if (keep !== undefined && keep !== roving) {
    doors.get(roving).el.tabIndex = -1;
    doors.get(keep).el.tabIndex = 0;
    roving = keep;
  }
  if (focused !== undefined && doors.has(focused)) focusDoor(focused);
  $('events').replaceChildren();
  $('alerts').replaceChildren();
  prepend('events', s.events, 80);
  prepend('alerts', s.alerts, 40);
  updateEmpty();
  // The list is the newest 50; the total counts every alert since the cloud started.
  alertCount = s.alertTotal ?? s.alerts.length;
  figures = s.figures;
  drawFigures(true);
  renderDeadLetters({ items: s.deadLetters, total: s.deadLetterTotal });
  updateTotals();
}

function connect() {
  const live = $('live');
  const source = new EventSource('/events');
  const on = (name, fn) => source.addEventListener(name, (e) => fn(JSON.parse(e.data)));
  source.onopen = () => {
    live.dataset.state = 'live';
    live.textContent = 'live';
  };
  source.onerror = () => {
    live.dataset.state = 'down';
    live.textContent = 'reconnecting…';
  };
  on('snapshot', snapshot);
  on('doors', (list) => {
    for (const d of list) renderDoor(d);
    updateTotals();
  });
  on('events', ({ items, skipped, alertTotal }) => {
    addEvents(items, alertTotal);
    $('events-skipped').textContent = skipped ? `(${skipped} not shown at this rate)` : '';
    updateTotals();
  });
  on('figures', (p) => {
    figures.push(p);
    if (figures.length > 120) figures.shift();
    drawFigures();
  });
  on('dlq', renderDeadLetters);
}

$('redrive-all').addEventListener('click', () => redrive([]));
$('doors').addEventListener('keydown', onDoorKey);
$('doors').addEventListener('focusin', onDoorFocus);
connect();
