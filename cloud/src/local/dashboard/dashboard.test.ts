import { EventEmitter } from 'node:events';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dashboard, type DashboardClock, pick } from './dashboard.js';
import type { StreamItem } from './dashboard-state.js';
import { dashboardBusEvent } from './testing/bus-event.js';
import type { DashboardSignal, DeadLetterList, DeadLetterView, DoorDirectory, ErrorReason } from './types.js';

// Roles: `bus` feeds the dashboard; `browser` is a raw SSE client over real HTTP; the
// dashboard's timers run only when the test calls `flush()`.

/** A clock whose intervals fire only when the test calls them, in the order they were set. */
class HandClock implements DashboardClock {
  readonly intervals: Array<() => void> = [];
  now = () => Date.UTC(2026, 10, 22, 12);
  setInterval(fn: () => void): unknown {
    this.intervals.push(fn);
    return this.intervals.length - 1;
  }
  clearInterval(): void {}
}

/** Reads SSE messages off a response, one at a time. */
class SseReader {
  #buffer = '';
  #messages: Array<{ event: string; data: unknown }> = [];
  #wake: (() => void) | undefined;

  constructor(res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let end = this.#buffer.indexOf('\n\n');
      while (end >= 0) {
        const frame = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data) this.#messages.push({ event, data: JSON.parse(data) });
        end = this.#buffer.indexOf('\n\n');
      }
      this.#wake?.();
    });
  }

  async next(): Promise<{ event: string; data: unknown }> {
    while (this.#messages.length === 0) await new Promise<void>((r) => (this.#wake = r));
    return this.#messages.shift()!;
  }
}

/**
 * A browser's response as the dashboard writes it, whose buffer the test fills (`full`:
 * more waits than any limit) and drains (`drain()`). Keeps the messages written.
 */
class FakeBrowser extends EventEmitter {
  readonly messages: Array<{ event: string; data: unknown }> = [];
  full = false;
  get writableLength(): number {
    return this.full ? Number.MAX_SAFE_INTEGER : 0;
  }
  writeHead(): this {
    return this;
  }
  write(text: string): boolean {
    const event = /^event: (.*)$/m.exec(text)?.[1];
    const data = /^data: (.*)$/m.exec(text)?.[1];
    if (event && data) this.messages.push({ event, data: JSON.parse(data) });
    return !this.full;
  }
  end(): void {}
  drain(): void {
    this.full = false;
    this.emit('drain');
  }
  /** Opens the dashboard's event stream on this browser. */
  open(dashboard: Dashboard): this {
    dashboard.handle({ method: 'GET', url: '/events' } as IncomingMessage, this as unknown as ServerResponse);
    return this;
  }
}

/** A door directory in memory: `registered` things are doors; `remembered` are the ones learned. */
function memoryDirectory(known: string[] = [], connected: string[] = []) {
  const registered = new Set<string>(known);
  const remembered: string[] = [];
  const directory: DoorDirectory = {
    known: () => known,
    isDoor: (name) => registered.has(name),
    remember: (name) => void remembered.push(name),
    connected: () => connected,
  };
  return { directory, registered, remembered };
}

describe('Class: Dashboard', () => {
  const bus = new EventEmitter();
  const cloud = new EventEmitter();
  let clock: HandClock;
  let dashboard: Dashboard;
  let server: Server;
  let url: string;
  let deadLetters: DeadLetterView[];
  let dlqDepth: number | undefined;
  let doors: ReturnType<typeof memoryDirectory>;
  const dismissed: string[][] = [];
  // The first interval the dashboard sets is its flush to the browsers, the second its sample.
  const flush = () => clock.intervals[0]!();
  const sample = () => clock.intervals[1]!();
  const pollDeadLetters = async () => {
    clock.intervals[2]!();
    await new Promise((r) => setImmediate(r));
  };
  const signal = (s: DashboardSignal) => cloud.emit('signal', s);
  /** What the ingest function says before it puts a door's device event on the bus. */
  const deviceEvent = (thingName: string, detailType: string, body: Record<string, unknown>) => {
    signal({ kind: 'device', thingName });
    bus.emit('event', dashboardBusEvent(detailType, body, { thingName }));
  };
  const post = (path: string, body: string) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  beforeEach(async () => {
    clock = new HandClock();
    deadLetters = [
      { id: 'm-1', queue: 'smartdoor-notification-dlq', redrivable: true },
      { id: 'e-1', queue: 'smartdoor-ingest-errors', reason: 'invalid', redrivable: false },
    ];
    dismissed.length = 0;
    dlqDepth = undefined;
    doors = memoryDirectory();
    dashboard = new Dashboard({
      clock,
      sources: {
        doors: doors.directory,
        subscribeBus: (l) => {
          bus.on('event', l);
          return () => bus.off('event', l);
        },
        subscribeSignals: (l) => {
          cloud.on('signal', l);
          return () => cloud.off('signal', l);
        },
        deadLetters: () => deadLetters,
        dismiss: (ids) => {
          dismissed.push(ids);
          const before = deadLetters.length;
          deadLetters = deadLetters.filter((d) => d.redrivable || !ids.includes(d.id));
          return before - deadLetters.length;
        },
        backlog: () => ({ queues: 0, deadLetters: dlqDepth ?? deadLetters.length }),
      },
    });
    await dashboard.start();
    server = createServer((req, res) => {
      if (!dashboard.handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await dashboard.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  describe('Route: GET /events', () => {
    it('sends a joining browser what was waiting for the flush once, in its snapshot', async () => {
      // Prepare: an alert on the bus, not flushed yet
      deviceEvent('door-001', 'Door Held Open', { openedAt: '', limitSeconds: 30 });
      // Act: a browser joins, then a new event is flushed
      const res = await new Promise<IncomingMessage>((r) => get(`${url}/events`, r));
      const browser = new SseReader(res);
      const snapshot = (await browser.next()) as {
        event: string;
        data: { alerts: unknown[]; events: unknown[] };
      };
      bus.emit('event', dashboardBusEvent('Door State Changed', { state: 'closed' }));
      flush();
      const doors = await browser.next();
      const live = (await browser.next()) as { event: string; data: { items: Array<{ summary: string }> } };
      res.destroy();
      // Assess
      expect(snapshot.event).toBe('snapshot');
      expect(snapshot.data.alerts).toHaveLength(1);
      expect(snapshot.data.events).toHaveLength(1);
      expect(doors.event).toBe('doors');
      expect(live.event).toBe('events');
      expect(live.data.items.map((i) => i.summary)).toEqual(['door closed']);
    });

    it('sends a fresh snapshot to a browser that fell behind on a door update, once it drains', () => {
      // Prepare: a browser that saw the door open, then stopped reading
      const browser = new FakeBrowser().open(dashboard);
      deviceEvent('door-001', 'Door State Changed', { state: 'open' });
      flush();
      browser.full = true;
      // Act: the door closes while the browser is behind (that update cannot reach it), then it drains
      deviceEvent('door-001', 'Door State Changed', { state: 'closed' });
      flush();
      browser.drain();
      // Assess
      expect(browser.messages.map((m) => m.event)).toEqual(['snapshot', 'doors', 'events', 'snapshot']);
      const last = browser.messages.at(-1)!.data as { doors: Array<{ thingName: string; state: string }> };
      expect(last.doors).toEqual([expect.objectContaining({ thingName: 'door-001', state: 'closed' })]);
    });

    it('keeps every alert of a busy flush and sends the alerts total with it', () => {
      // Prepare: 20 doors held open, then 150 ordinary events, within one flush
      const browser = new FakeBrowser().open(dashboard);
      for (let i = 0; i < 20; i++) deviceEvent(`door-${i}`, 'Door Held Open', { limitSeconds: 30 });
      for (let i = 0; i < 150; i++) deviceEvent(`door-${i % 20}`, 'Door State Changed', { state: 'closed' });
      // Act
      flush();
      // Assess
      const events = browser.messages.find((m) => m.event === 'events')!.data as {
        items: StreamItem[];
        skipped: number;
        alertTotal: number;
      };
      expect(events.items).toHaveLength(100);
      expect(events.items.filter((i) => i.level === 'alert')).toHaveLength(20);
      expect(events).toMatchObject({ skipped: 70, alertTotal: 20 });
    });
  });

  describe('Function: pick', () => {
    it('keeps the newest alerts, then the newest others, in their order', () => {
      // Prepare
      const item = (n: number, level: StreamItem['level']) => ({ at: n, level }) as unknown as StreamItem;
      const pending = [item(1, 'alert'), item(2, 'info'), item(3, 'alert'), item(4, 'info'), item(5, 'warn')];
      // Act / Assess
      expect(pick(pending, 3).map((i) => i.at)).toEqual([1, 3, 5]);
      expect(pick(pending, 1).map((i) => i.at)).toEqual([3]);
      expect(pick(pending, 9)).toHaveLength(5);
    });
  });

  describe('Doors', () => {
    it('makes no tile for an MQTT client that is no door, and one for a thing that sent a device event', async () => {
      // Act: an ops client connects; a door's device event comes through ingest
      signal({ kind: 'presence', thingName: 'ops-monitor', connected: true });
      deviceEvent('door-001', 'Door State Changed', { state: 'open' });
      sample();
      const state = (await (await fetch(`${url}/api/state`)).json()) as {
        doors: Array<{ thingName: string }>;
      };
      const metrics = await (await fetch(`${url}/metrics`)).text();
      // Assess
      expect(state.doors.map((d) => d.thingName)).toEqual(['door-001']);
      expect(metrics).toMatch(/^smartdoor_doors_connected 1$/m);
      expect(doors.remembered).toEqual(['door-001']);
    });

    it('follows the presence of a registered thing before it sends anything', () => {
      // Prepare
      doors.registered.add('door-reg');
      // Act
      signal({ kind: 'presence', thingName: 'door-reg', connected: false });
      // Assess
      expect(dashboard.state.doors.get('door-reg')).toMatchObject({ connected: false });
    });

    it('seeds the tiles at start: a known door not connected now is offline', async () => {
      // Prepare: two doors known before a restart; only door-b reconnected so far
      const { directory } = memoryDirectory(['door-a', 'door-b'], ['door-b', 'ops-monitor']);
      const restarted = new Dashboard({
        clock: new HandClock(),
        sources: { subscribeBus: () => () => {}, doors: directory },
      });
      // Act
      await restarted.start();
      const tiles = restarted.snapshot().doors.map((d) => [d.thingName, d.connected]);
      await restarted.stop();
      // Assess
      expect(tiles).toEqual([
        ['door-a', false],
        ['door-b', true],
      ]);
    });
  });

  describe('Metric: smartdoor_bus_events_total', () => {
    it('counts sources and detail-types outside the catalog as other', async () => {
      // Act: PutEvents with made-up values, and a door's event
      for (let i = 0; i < 5; i++)
        bus.emit('event', dashboardBusEvent(`junk-${i}`, {}, { thingName: `ghost-${i}` }));
      bus.emit(
        'event',
        dashboardBusEvent('Door State Changed', { state: 'open' }, { source: 'smartdoor.x' }),
      );
      deviceEvent('door-001', 'Door State Changed', { state: 'open' });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      // Assess
      expect(metrics.match(/^smartdoor_bus_events_total\{.*$/gm)?.sort()).toEqual([
        'smartdoor_bus_events_total{source="other",detail_type="Door State Changed"} 1',
        'smartdoor_bus_events_total{source="smartdoor.device",detail_type="Door State Changed"} 1',
        'smartdoor_bus_events_total{source="smartdoor.device",detail_type="other"} 5',
      ]);
      expect(dashboard.state.doors.size).toBe(1);
    });
  });

  describe('Latency', () => {
    it("measures from the device event's occurredAt to the millisecond, not the bus time's whole second", async () => {
      // Prepare: put-events rounds `time` down to the second; the door's edge was 3 ms ago
      const key = '0193a1b2-0000-7000-8000-00000000abcd';
      clock.now = () => Date.parse('2026-11-22T12:00:01.000Z');
      bus.emit(
        'event',
        dashboardBusEvent(
          'Door State Changed',
          { state: 'open' },
          {
            key,
            time: '2026-11-22T12:00:00Z',
            occurredAt: '2026-11-22T12:00:00.997Z',
          },
        ),
      );
      // Act: the subscriber's result comes 20 ms later, then the second closes
      clock.now = () => Date.parse('2026-11-22T12:00:01.020Z');
      bus.emit(
        'event',
        dashboardBusEvent(
          'Entry Identified',
          { personId: 'alice' },
          {
            source: 'smartdoor.identification',
            time: '2026-11-22T12:00:01Z',
            causedBy: [key],
          },
        ),
      );
      sample();
      const metrics = await (await fetch(`${url}/metrics`)).text();
      // Assess
      expect(dashboard.figures.series.at(-1)).toMatchObject({ ingestP50: 3, ingestP99: 3, resultP99: 23 });
      expect(metrics).toMatch(/smartdoor_ingest_latency_seconds_bucket\{le="0.005"\} 1\n/);
      expect(metrics).toMatch(/smartdoor_result_latency_seconds_bucket\{le="0.025"\} 1\n/);
    });
  });

  describe('Route: GET /api/state', () => {
    it('sends the total of alerts, not only the 50 newest it lists', async () => {
      // Prepare
      for (let i = 0; i < 60; i++)
        bus.emit('event', dashboardBusEvent('Door Held Open', { limitSeconds: 30 }));
      // Act
      const state = (await (await fetch(`${url}/api/state`)).json()) as {
        alerts: unknown[];
        alertTotal: number;
      };
      // Assess
      expect(state.alerts).toHaveLength(50);
      expect(state.alertTotal).toBe(60);
    });
  });

  describe('Metric: smartdoor_errors_total', () => {
    it('keeps its reason label to a fixed set, whatever text a source passes', async () => {
      // Prepare: a source that passes error messages (device payload text) as the reason
      const signal = (s: DashboardSignal) => cloud.emit('signal', s);
      // Act
      for (let i = 0; i < 50; i++)
        signal({ kind: 'error', reason: `invalid event: type "door.exploded-${i}"` as ErrorReason });
      signal({ kind: 'error', reason: 'ingest-invalid', count: 2 });
      signal({ kind: 'error', reason: 'subscriber-thread-crashed' });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      // Assess
      expect(metrics.match(/^smartdoor_errors_total\{.*$/gm)?.sort()).toEqual([
        'smartdoor_errors_total{reason="ingest-invalid"} 2',
        'smartdoor_errors_total{reason="other"} 50',
        'smartdoor_errors_total{reason="subscriber-thread-crashed"} 1',
      ]);
    });
  });

  describe('Dead letters', () => {
    it('counts them all from the queues when the list stops at 100 per queue', async () => {
      // Prepare: 150 malformed messages in the error queue, of which the list holds 100
      deadLetters = Array.from({ length: 100 }, (_, i) => ({
        id: `e-${i}`,
        queue: 'smartdoor-ingest-errors',
        redrivable: false,
      }));
      dlqDepth = 150;
      const browser = new FakeBrowser().open(dashboard);
      // Act
      await pollDeadLetters();
      const state = (await (await fetch(`${url}/api/state`)).json()) as { deadLetterTotal: number };
      // Assess
      const dlq = browser.messages.find((m) => m.event === 'dlq')!.data as DeadLetterList;
      expect([dlq.items.length, dlq.total]).toEqual([100, 150]);
      expect(state.deadLetterTotal).toBe(150);
    });
  });

  describe('Route: GET /favicon.ico', () => {
    it('answers with an icon, not a 404', async () => {
      // Act
      const res = await fetch(`${url}/favicon.ico`);
      // Assess
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml');
    });
  });

  describe('Route: POST /api/dlq/dismiss', () => {
    it('deletes the given error-queue messages and answers how many', async () => {
      // Act
      const res = await post('/api/dlq/dismiss', JSON.stringify({ ids: ['e-1'] }));
      const list = (await (await fetch(`${url}/api/dlq`)).json()) as DeadLetterView[];
      // Assess
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ dismissed: 1 });
      expect(dismissed).toEqual([['e-1']]);
      expect(list.map((d) => d.id)).toEqual(['m-1']);
    });

    it('refuses to dismiss without ids: dismissing is for chosen messages only', async () => {
      // Act
      const res = await post('/api/dlq/dismiss', '{}');
      // Assess
      expect(res.status).toBe(400);
      expect(dismissed).toEqual([]);
    });
  });
});
