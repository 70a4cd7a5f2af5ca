import { EventEmitter } from 'node:events';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dashboard, type DashboardClock } from './dashboard.js';
import { dashboardBusEvent } from './testing/bus-event.js';

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
  let clock: HandClock;
  let dashboard: Dashboard;
  let server: Server;
  let url: string;
  // The first interval the dashboard sets is its flush to the browsers.
  const flush = () => clock.intervals[0]!();

  beforeEach(async () => {
    clock = new HandClock();
    dashboard = new Dashboard({
      clock,
      sources: {
        subscribeBus: (l) => {
          bus.on('event', l);
          return () => bus.off('event', l);
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
});
