import { EventEmitter } from 'node:events';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dashboard, type DashboardClock } from './dashboard.js';
import { dashboardBusEvent } from './testing/bus-event.js';
import type { DashboardSignal, DeadLetterView, ErrorReason } from './types.js';

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

describe('Class: Dashboard', () => {
  const bus = new EventEmitter();
  const cloud = new EventEmitter();
  let clock: HandClock;
  let dashboard: Dashboard;
  let server: Server;
  let url: string;
  let deadLetters: DeadLetterView[];
  const dismissed: string[][] = [];
  // The first interval the dashboard sets is its flush to the browsers, the second its sample.
  const flush = () => clock.intervals[0]!();
  const sample = () => clock.intervals[1]!();
  const post = (path: string, body: string) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  beforeEach(async () => {
    clock = new HandClock();
    deadLetters = [
      { id: 'm-1', queue: 'smartdoor-notification-dlq', redrivable: true },
      { id: 'e-1', queue: 'smartdoor-ingest-errors', reason: 'invalid', redrivable: false },
    ];
    dismissed.length = 0;
    dashboard = new Dashboard({
      clock,
      sources: {
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
      bus.emit('event', dashboardBusEvent('Door Held Open', { openedAt: '', limitSeconds: 30 }));
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
