import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type BusEvent, type BusEventMetadata, DetailType, EventSource } from '@smartdoor/shared';
import { DashboardState, type DoorTile, type StreamItem } from './dashboard-state.js';
import { FiguresTracker } from './figures.js';
import { CloudMetrics } from './metrics.js';
import { SseHub } from './sse-hub.js';
import {
  type DashboardRoute,
  type DashboardSignal,
  type DashboardSources,
  type DeadLetterList,
  ERROR_REASONS,
} from './types.js';

const KNOWN_REASONS: ReadonlySet<string> = new Set(ERROR_REASONS);
// The catalog's values: a PutEvents may carry any source or detail-type, and a label value
// per made-up one would grow the metric without bound.
const KNOWN_SOURCES: ReadonlySet<string> = new Set(Object.values(EventSource));
const KNOWN_DETAIL_TYPES: ReadonlySet<string> = new Set(Object.values(DetailType));

/** Timers and time, injected so tests drive them. */
export interface DashboardClock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const systemClock: DashboardClock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface DashboardOptions {
  sources: DashboardSources;
  /** Metrics to update and serve on /metrics. @default a new CloudMetrics */
  metrics?: CloudMetrics;
  clock?: DashboardClock;
  /** How often changed doors and new events go out to browsers. @default 200 */
  flushMs?: number;
  /** How often the figures are sampled. @default 1000 */
  sampleMs?: number;
  /** How often the dead-letter list is refreshed. @default 2000 */
  deadLetterPollMs?: number;
  /**
   * Events sent per flush at most: alerts first (the newest, up to this many: more than the
   * page lists), then the newest others; the rest are counted as skipped. @default 100
   */
  maxEventsPerFlush?: number;
}

const PUBLIC = new URL('./public/', import.meta.url);
const FILES: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/charts.js': ['charts.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
  // The page names its icon inline; this answers a browser that opens /metrics or /api/*.
  '/favicon.ico': ['favicon.svg', 'image/svg+xml'],
};

/**
 * The live dashboard: door grid, event stream, alerts, dead letters with redrive (or
 * dismiss, for error-queue messages), four live charts, over SSE; and /metrics for
 * Prometheus. It serves routes; the local cloud's HTTP server owns the port.
 */
export class Dashboard {
  readonly metrics: CloudMetrics;
  readonly state: DashboardState;
  readonly figures = new FiguresTracker();
  private readonly hub = new SseHub(() => [['snapshot', this.freshSnapshot()]]);
  private readonly clock: DashboardClock;
  private readonly changed = new Set<DoorTile>();
  private pending: StreamItem[] = [];
  private skipped = 0;
  private deadLetterList: DeadLetterList = { items: [], total: 0 };
  private timers: unknown[] = [];
  private unsubscribe: Array<() => void> = [];
  private lastSample = 0;
  private readonly files = new Map<string, Buffer>();

  constructor(private readonly options: DashboardOptions) {
    this.metrics = options.metrics ?? new CloudMetrics();
    this.clock = options.clock ?? systemClock;
    const doors = options.sources.doors;
    this.state = new DashboardState(doors ? { isDoor: (name) => doors.isDoor(name) } : {});
  }

  get clients(): number {
    return this.hub.size;
  }

  async start(): Promise<void> {
    for (const [file] of Object.values(FILES)) this.files.set(file, readFileSync(new URL(file, PUBLIC)));
    const { sources } = this.options;
    this.unsubscribe.push(sources.subscribeBus((e) => this.onBusEvent(e)));
    if (sources.subscribeSignals) this.unsubscribe.push(sources.subscribeSignals((s) => this.onSignal(s)));
    this.seedDoors();
    this.lastSample = this.clock.now();
    const every = (ms: number, fn: () => void) => this.timers.push(this.clock.setInterval(fn, ms));
    every(this.options.flushMs ?? 200, () => this.flush());
    every(this.options.sampleMs ?? 1_000, () => this.sample());
    every(this.options.deadLetterPollMs ?? 2_000, () => void this.refreshDeadLetters());
    every(15_000, () => this.hub.ping());
    await this.refreshDeadLetters();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) this.clock.clearInterval(t);
    this.timers = [];
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.hub.closeAll();
  }

  /** The routes to register on the local cloud's HTTP server. */
  routes(): DashboardRoute[] {
    const file = (path: string): DashboardRoute => ({
      method: 'GET',
      path,
      handler: (_req, res) => {
        const [name, type] = FILES[path]!;
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
        res.end(this.files.get(name));
      },
    });
    return [
      ...Object.keys(FILES).map(file),
      {
        method: 'GET',
        path: '/events',
        handler: (_req, res) => this.hub.open(res, [['snapshot', this.freshSnapshot()]]),
      },
      { method: 'GET', path: '/api/state', handler: (_req, res) => json(res, 200, this.snapshot()) },
      { method: 'GET', path: '/api/dlq', handler: (_req, res) => json(res, 200, this.deadLetterList.items) },
      { method: 'POST', path: '/api/dlq/redrive', handler: (req, res) => this.redrive(req, res) },
      { method: 'POST', path: '/api/dlq/dismiss', handler: (req, res) => this.dismiss(req, res) },
      { method: 'GET', path: '/metrics', handler: (_req, res) => this.serveMetrics(res) },
    ];
  }

  /** For a plain node:http server: handle the request if it is ours; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '/').split('?')[0];
    const route = this.routes().find((r) => r.method === req.method && r.path === path);
    if (!route) return false;
    void Promise.resolve(route.handler(req, res)).catch((error: unknown) =>
      json(res, 500, { message: String(error) }),
    );
    return true;
  }

  snapshot() {
    return {
      doors: [...this.state.doors.values()],
      events: this.state.stream.slice(-100),
      alerts: this.state.alerts.slice(-50),
      // The page counts alerts from here on: it needs the total, not the list's length.
      alertTotal: this.state.alertTotal,
      figures: this.figures.series,
      deadLetters: this.deadLetterList.items,
      // The list is cut (per queue); the page says "showing N of M".
      deadLetterTotal: this.deadLetterList.total,
    };
  }

  /**
   * The snapshot for a browser that joins or catches up. What waits for the next flush goes
   * out first: it is in the snapshot, and the browser would otherwise get it twice.
   */
  private freshSnapshot(): ReturnType<Dashboard['snapshot']> {
    this.flush();
    return this.snapshot();
  }

  /**
   * The doors known at start get their tiles: after a restart a door that is gone shows,
   * offline (every connection ended with the old process), instead of vanishing.
   */
  private seedDoors(): void {
    const doors = this.options.sources.doors;
    if (!doors) return;
    const connected = new Set(doors.connected());
    // No browser is connected yet: the first snapshot carries them.
    for (const name of doors.known()) this.state.addDoor(name, connected.has(name));
  }

  private onBusEvent(event: BusEvent): void {
    const now = this.clock.now();
    const { door, item } = this.state.apply(event, now);
    if (door) this.changed.add(door);
    this.pending.push(item);
    const source = KNOWN_SOURCES.has(event.source) ? event.source : 'other';
    const type = KNOWN_DETAIL_TYPES.has(event['detail-type']) ? event['detail-type'] : 'other';
    this.metrics.busEvents.inc({ source, detail_type: type });
    const meta = (event.detail as { metadata?: Partial<BusEventMetadata> }).metadata;
    if (event.source === EventSource.Device) {
      // The device's own time, to the millisecond: the envelope's `time` is cut to the
      // second (as EventBridge does), which made latency up to a second of noise.
      const occurredAt = meta?.occurredAt;
      const edge = occurredAt === undefined ? Number.NaN : Date.parse(occurredAt);
      const ms = this.figures.deviceEvent(meta?.['idempotency-key'], edge, now);
      if (ms !== undefined) this.metrics.ingestLatency.observe(ms / 1_000);
    } else if (meta?.causedBy?.length) {
      const ms = this.figures.resultEvent(meta.causedBy, now);
      if (ms !== undefined) this.metrics.resultLatency.observe(ms / 1_000);
    } else {
      this.figures.otherEvent();
    }
  }

  private onSignal(signal: DashboardSignal): void {
    if (signal.kind === 'error') {
      this.figures.error(signal.count ?? 1);
      // A label value per message would let any device grow the metric without bound.
      const reason = KNOWN_REASONS.has(signal.reason) ? signal.reason : 'other';
      this.metrics.errors.inc({ reason }, signal.count ?? 1);
    } else if (signal.kind === 'device') {
      // Per device event: only a new door costs more than a lookup.
      if (this.state.doors.has(signal.thingName)) return;
      this.changed.add(this.state.addDoor(signal.thingName).door);
      this.options.sources.doors?.remember(signal.thingName);
    } else {
      const door = this.state.setConnected(signal.thingName, signal.connected);
      if (door) this.changed.add(door);
    }
  }

  private flush(): void {
    if (this.changed.size > 0) {
      const doors = [...this.changed];
      this.changed.clear();
      this.hub.broadcast('doors', doors);
    }
    if (this.pending.length > 0) {
      const items = pick(this.pending, this.options.maxEventsPerFlush ?? 100);
      this.skipped += this.pending.length - items.length;
      this.pending = [];
      // The page's alerts total: the alerts it is sent may be fewer than there were.
      this.hub.broadcast('events', { items, skipped: this.skipped, alertTotal: this.state.alertTotal });
    }
  }

  private sample(): void {
    const now = this.clock.now();
    const backlog = this.options.sources.backlog?.() ?? {
      queues: 0,
      deadLetters: this.deadLetterList.total,
    };
    const outbox = this.state.outboxBacklog();
    const point = this.figures.sample(now, { outbox, ...backlog }, now - this.lastSample);
    this.lastSample = now;
    this.updateGauges(outbox, backlog);
    this.hub.broadcast('figures', point);
  }

  private updateGauges(outbox: number, backlog: { queues: number; deadLetters: number }): void {
    const m = this.metrics;
    const counts = { open: 0, closed: 0, unknown: 0 };
    let connected = 0;
    for (const d of this.state.doors.values()) {
      counts[d.state]++;
      if (d.connected) connected++;
    }
    for (const [state, n] of Object.entries(counts)) m.doors.set({ state }, n);
    m.doorsConnected.set(connected);
    m.outboxBacklog.set(outbox);
    m.queueBacklog.set(backlog.queues);
    m.deadLetters.set(backlog.deadLetters);
    m.dashboardClients.set(this.hub.size);
  }

  private async refreshDeadLetters(): Promise<void> {
    const list = this.options.sources.deadLetters;
    if (!list) return;
    try {
      const items = await list();
      // The list stops at a number per queue; the queues' depth counts them all.
      const total = Math.max(items.length, this.options.sources.backlog?.().deadLetters ?? 0);
      const next: DeadLetterList = { items, total };
      if (JSON.stringify(next) !== JSON.stringify(this.deadLetterList)) {
        this.deadLetterList = next;
        this.hub.broadcast('dlq', next);
      }
    } catch {
      // The next poll tries again; the list on screen stays as it was.
    }
  }

  private async redrive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const redrive = this.options.sources.redrive;
    if (!redrive)
      return json(res, 501, {
        message: 'redrive is not available: this dashboard was started without queues',
      });
    const ids = await readIds(req, res);
    if (!ids) return;
    const redriven = await redrive(ids);
    await this.refreshDeadLetters();
    json(res, 200, { redriven });
  }

  private async dismiss(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const dismiss = this.options.sources.dismiss;
    if (!dismiss)
      return json(res, 501, {
        message: 'dismiss is not available: this dashboard was started without queues',
      });
    const ids = await readIds(req, res);
    if (!ids) return;
    // Deleting is for messages someone looked at: no "all" here, unlike redrive.
    if (ids.length === 0) return json(res, 400, { message: 'ids: name the error-queue messages to dismiss' });
    const dismissed = await dismiss(ids);
    await this.refreshDeadLetters();
    json(res, 200, { dismissed });
  }

  private async serveMetrics(res: ServerResponse): Promise<void> {
    this.updateGauges(
      this.state.outboxBacklog(),
      this.options.sources.backlog?.() ?? { queues: 0, deadLetters: 0 },
    );
    const text = await this.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
    res.end(text);
  }
}

/**
 * At most `max` of `pending`, in their order: the newest alerts first (an alert must not
 * give way to a burst of door events), then the newest other items in what room is left.
 */
export function pick(pending: readonly StreamItem[], max: number): StreamItem[] {
  if (pending.length <= max) return [...pending];
  const keep = new Set<StreamItem>();
  for (let i = pending.length - 1; i >= 0 && keep.size < max; i--)
    if (pending[i]!.level === 'alert') keep.add(pending[i]!);
  for (let i = pending.length - 1; i >= 0 && keep.size < max; i--) keep.add(pending[i]!);
  return pending.filter((item) => keep.has(item));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * The `ids` of a `{"ids": [...]}` body (empty when absent); undefined once it answered.
 * Only the dashboard's own page may post: a page of another site can send a "simple"
 * cross-origin POST (text/plain, no preflight) to a loopback server, so the body must be
 * declared JSON (which such a request cannot do) and an Origin, when sent, must be this one.
 */
async function readIds(req: IncomingMessage, res: ServerResponse): Promise<string[] | undefined> {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) {
    json(res, 403, { message: `origin ${origin} may not change this dashboard` });
    return undefined;
  }
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    json(res, 415, { message: 'content-type: expected application/json' });
    return undefined;
  }
  try {
    const text = await readBody(req, 64 * 1024);
    const body = text ? (JSON.parse(text) as { ids?: unknown }) : {};
    if (body.ids === undefined) return [];
    if (Array.isArray(body.ids) && body.ids.every((i) => typeof i === 'string')) return body.ids;
    json(res, 400, { message: 'ids: expected an array of dead-letter ids' });
  } catch (error) {
    json(res, 400, { message: `body: expected JSON like {"ids": [...]} (${(error as Error).message})` });
  }
  return undefined;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new Error(`over ${limit} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
