// The dashboard page in a real browser (Debian chromium through playwright-core), fed by
// the real Dashboard component over a plain HTTP server. The full system (simulator ->
// broker -> bus -> dashboard) is covered in dashboard-live.test.ts.
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Dashboard } from '@smartdoor/cloud/local/dashboard/dashboard';
import { dashboardBusEvent } from '@smartdoor/cloud/local/dashboard/testing/bus-event';
import type { DeadLetterView } from '@smartdoor/cloud/local/dashboard/types';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A door's bus event, timed 3 ms ago (the latency chart plots it). */
const busEvent = (detailType: string, thingName: string, body: Record<string, unknown>, source?: string) =>
  dashboardBusEvent(detailType, body, {
    thingName,
    time: new Date(Date.now() - 3).toISOString(),
    ...(source ? { source } : {}),
  });

describe('Class: Dashboard (in chromium)', () => {
  const bus = new EventEmitter();
  let deadLetters: DeadLetterView[] = [
    {
      id: 'm-1',
      queue: 'notification-dlq',
      reason: 'webhook answered 503',
      attempts: 3,
      detailType: 'Door Held Open',
      thingName: 'door-003',
      redrivable: true,
    },
    // Malformed input the ingest function refused: no redrive can fix it.
    {
      id: 'e-1',
      queue: 'smartdoor-ingest-errors',
      reason: 'type: expected door.state.changed, …',
      redrivable: false,
    },
  ];
  const redriven: string[][] = [];
  const dismissed: string[][] = [];
  let dashboard: Dashboard;
  let server: Server;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    dashboard = new Dashboard({
      flushMs: 100,
      sampleMs: 250,
      deadLetterPollMs: 200,
      sources: {
        subscribeBus: (l) => {
          bus.on('event', l);
          return () => bus.off('event', l);
        },
        deadLetters: () => deadLetters,
        redrive: async (ids) => {
          redriven.push(ids);
          const moved = deadLetters.filter((d) => d.redrivable && (ids.length === 0 || ids.includes(d.id)));
          deadLetters = deadLetters.filter((d) => !moved.includes(d));
          return moved.length;
        },
        dismiss: async (ids) => {
          dismissed.push(ids);
          const gone = deadLetters.filter((d) => !d.redrivable && ids.includes(d.id));
          deadLetters = deadLetters.filter((d) => !gone.includes(d));
          return gone.length;
        },
        backlog: () => ({ queues: 2, deadLetters: deadLetters.length }),
      },
    });
    await dashboard.start();
    server = createServer((req, res) => {
      if (!dashboard.handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      headless: true,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('changes a door tile within a second when the door opens', async () => {
    // Prepare
    for (let i = 1; i <= 8; i++) {
      const thing = `door-${String(i).padStart(3, '0')}`;
      bus.emit('event', busEvent('Device Connected', thing, {}, 'smartdoor.presence'));
      bus.emit('event', busEvent('Door State Changed', thing, { state: 'closed' }));
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    const tile = page.locator('li.door[data-thing="door-002"]');
    await expect.poll(() => tile.getAttribute('data-state')).toBe('closed');
    // Act
    const started = Date.now();
    bus.emit('event', busEvent('Door State Changed', 'door-002', { state: 'open' }));
    await page.waitForSelector('li.door[data-thing="door-002"][data-state="open"]', { timeout: 1_000 });
    // Assess
    expect(Date.now() - started).toBeLessThan(1_000);
    await page.close();
  });

  it('shows alerts, the event stream and the charts, and keeps a screenshot', async () => {
    // Prepare
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    // Act
    bus.emit(
      'event',
      busEvent(
        'Entry Identified',
        'door-001',
        { personId: 'alice', openedAt: '', badgeReadAt: '' },
        'smartdoor.identification',
      ),
    );
    bus.emit(
      'event',
      busEvent('Door Held Open', 'door-004', { openedAt: new Date().toISOString(), limitSeconds: 30 }),
    );
    bus.emit('event', busEvent('Device Fault', 'door-005', { fault: 'sensor.flapping', active: true }));
    bus.emit(
      'event',
      busEvent(
        'Device Disconnected',
        'door-006',
        { disconnectReason: 'CONNECTION_LOST' },
        'smartdoor.presence',
      ),
    );
    bus.emit(
      'event',
      busEvent(
        'Entry Unidentified',
        'door-007',
        { reason: 'unknown-badge', openedAt: '' },
        'smartdoor.identification',
      ),
    );
    for (let i = 0; i < 6; i++) {
      bus.emit('event', busEvent('Device Heartbeat', 'door-008', { outboxDepth: i, doorState: 'closed' }));
      await new Promise((r) => setTimeout(r, 260));
    }
    // Assess
    await page.waitForSelector('li.door.held[data-thing="door-004"]');
    await page.waitForSelector('li.door.fault[data-thing="door-005"]');
    await page.waitForSelector('li.door.offline[data-thing="door-006"]');
    expect(await page.locator('#alerts li').count()).toBe(3);
    expect(await page.locator('#chart-throughput svg path').count()).toBe(1);
    expect(await page.locator('#dlq tr').count()).toBe(2);
    await page.screenshot({ path: 'test/artifacts/dashboard-page.png', fullPage: true });
    await page.close();
  });

  it('offers Redrive for dead letters and Dismiss, not Redrive, for error-queue messages', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('#dlq tr');
    // Act
    const dead = page.locator('#dlq tr', { hasText: 'notification-dlq' });
    const error = page.locator('#dlq tr', { hasText: 'smartdoor-ingest-errors' });
    // Assess
    expect(await dead.getByRole('button').allTextContents()).toEqual(['Redrive']);
    expect(await error.getByRole('button').allTextContents()).toEqual(['Dismiss']);
    expect(await error.getByRole('button').getAttribute('aria-label')).toBe(
      'Dismiss message e-1 from smartdoor-ingest-errors',
    );
    await page.close();
  });

  it('redrives only the dead letters that can be redriven when Redrive all is pressed', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('#dlq tr');
    // Act
    await page.getByRole('button', { name: 'Redrive all' }).click();
    // Assess
    await page.waitForSelector('#redrive-result:has-text("1 redriven")');
    expect(redriven).toEqual([[]]);
    await expect.poll(() => page.locator('#dlq tr').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Redrive all' }).isDisabled()).toBe(true);
    await page.close();
  });

  it('dismisses an error-queue message from the keyboard', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(url);
    const button = page.getByRole('button', { name: 'Dismiss message e-1 from smartdoor-ingest-errors' });
    // Act
    await button.focus();
    await page.keyboard.press('Enter');
    // Assess
    await page.waitForSelector('#redrive-result:has-text("1 dismissed")');
    expect(dismissed).toEqual([['e-1']]);
    await expect.poll(() => page.locator('#dlq tr').count()).toBe(0);
    await page.close();
  });

  it('keeps the alerts total over a reload, past the 50 alerts the page lists', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('#live[data-state="live"]');
    const before = Number(await page.textContent('#total-alerts'));
    // Act
    for (let i = 0; i < 60; i++)
      bus.emit('event', busEvent('Door Held Open', 'door-004', { limitSeconds: 30 }));
    await page.waitForFunction(`document.getElementById('total-alerts').textContent === '${before + 60}'`);
    await page.reload();
    await page.waitForSelector('#live[data-state="live"]');
    // Assess
    await expect.poll(() => page.textContent('#total-alerts')).toBe(String(before + 60));
    await page.close();
  });

  it('draws thousands of doors as compact tiles quickly', async () => {
    // Prepare
    for (let i = 1; i <= 3_000; i++) {
      bus.emit('event', busEvent('Door State Changed', `load-${i}`, { state: i % 7 ? 'closed' : 'open' }));
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Act
    const started = Date.now();
    await page.goto(url);
    // A string: the function runs in the page, whose DOM types this Node project does not load.
    await page.waitForFunction("document.querySelectorAll('li.door').length >= 3008", undefined, {
      timeout: 10_000,
    });
    const elapsed = Date.now() - started;
    // Assess
    expect(elapsed).toBeLessThan(5_000);
    expect(await page.locator('#doors.compact').count()).toBe(1);
    const names = await page
      .locator('li.door')
      .evaluateAll((els) => els.slice(8, 12).map((e) => e.dataset.thing));
    expect(names).toEqual(['load-1', 'load-2', 'load-3', 'load-4']);
    await page.screenshot({ path: 'test/artifacts/dashboard-3000-doors.png' });
    await page.close();
  });

  it('serves Prometheus metrics with the bus counters', async () => {
    // Act
    const res = await fetch(`${url}/metrics`);
    const text = await res.text();
    // Assess
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toMatch(
      /smartdoor_bus_events_total\{source="smartdoor.device",detail_type="Door State Changed"\} \d+/,
    );
    expect(text).toMatch(/smartdoor_doors_connected \d+/);
  });
});
