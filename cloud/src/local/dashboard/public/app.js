// The dashboard page: one EventSource, a keyed door grid, two feeds, four charts, the DLQ.
import { drawChart, legend } from './charts.js';

const $ = (id) => document.getElementById(id);
const doors = new Map(); // thingName -> { data, el }
let figures = [];
let alertCount = 0;

const CHARTS = {
  latency: {
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
    lines: [{ key: 'throughput', label: 'events/s', color: '#1f9d74' }],
    format: (n) => `${n.toFixed(0)}/s`,
    now: (p) => `${p.throughput}/s`,
    min: 2,
  },
  errors: {
    lines: [{ key: 'errorRatePct', label: 'errors %', color: '#d64545' }],
    format: (n) => `${n.toFixed(1)}%`,
    now: (p) => `${(p.errorRate * 100).toFixed(1)}%`,
    min: 1,
  },
  backlog: {
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

function renderDoor(d) {
  let entry = doors.get(d.thingName);
  if (!entry) {
    const el = document.createElement('li');
    el.dataset.thing = d.thingName;
    el.innerHTML = '<span class="name"></span><span class="state"></span><span class="info"></span>';
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
  el.setAttribute('aria-label', tileLabel(d));
  el.children[0].textContent = d.thingName;
  el.children[1].textContent = d.heldOpen ? 'held open' : d.fault ? 'fault' : d.state;
  el.children[2].textContent = d.connected === false ? 'offline' : (d.lastEvent ?? '');
  // Briefly highlight a tile that just changed, so the eye finds it (no forced layout).
  if (!reducedMotion) el.animate(FLASH, 800);
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

function addEvents(items) {
  prepend('events', items, 80);
  const alerts = items.filter((i) => i.level === 'alert');
  alertCount += alerts.length;
  if (alerts.length) prepend('alerts', alerts, 40);
}

function drawFigures() {
  const series = figures.map((p) => ({ ...p, errorRatePct: p.errorRate * 100 }));
  const last = series[series.length - 1];
  for (const [name, spec] of Object.entries(CHARTS)) {
    const fig = $(`chart-${name}`);
    legend(fig.querySelector('.legend'), spec.lines);
    const lines = spec.lines.map((l) => ({ ...l, values: series.map((p) => p[l.key]) }));
    drawChart(fig.querySelector('svg'), lines, spec);
    fig.querySelector('.now').textContent = last ? spec.now(last) : '';
  }
}

function renderDeadLetters(list) {
  $('dlq-count').textContent = list.length;
  $('dlq-empty').hidden = list.length > 0;
  $('dlq-table').hidden = list.length === 0;
  // Error-queue messages cannot be redriven: "Redrive all" is for the others only.
  $('redrive-all').disabled = !list.some((m) => m.redrivable);
  $('dlq').replaceChildren(
    ...list.slice(0, 200).map((m) => {
      const tr = document.createElement('tr');
      const when = m.at ? new Date(m.at).toLocaleTimeString([], { hour12: false }) : '';
      for (const v of [
        m.queue,
        m.detailType ?? '',
        m.thingName ?? '',
        m.reason ?? '',
        m.attempts ?? '',
        when,
      ]) {
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
    }),
  );
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
  $('doors').replaceChildren();
  doors.clear();
  order.length = 0;
  for (const d of [...s.doors].sort((a, b) => collator.compare(a.thingName, b.thingName))) renderDoor(d);
  $('events').replaceChildren();
  $('alerts').replaceChildren();
  prepend('events', s.events, 80);
  prepend('alerts', s.alerts, 40);
  // The list is the newest 50; the total counts every alert since the cloud started.
  alertCount = s.alertTotal ?? s.alerts.length;
  figures = s.figures;
  drawFigures();
  renderDeadLetters(s.deadLetters);
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
  on('events', ({ items, skipped }) => {
    addEvents(items);
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
connect();
