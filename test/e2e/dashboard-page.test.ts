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

/**
 * Text whose contrast with its background is under WCAG AA (4.5:1, 3:1 for large text),
 * as "selector colour: ratio". A string: it runs in the page, whose DOM types this Node
 * project does not load.
 */
const LOW_CONTRAST = `(() => {
  const parse = (c) => { const p = c.match(/rgba?\\(([^)]+)\\)/)[1].split(',').map(Number); return { r: p[0], g: p[1], b: p[2], a: p[3] ?? 1 }; };
  const mix = (f, b) => ({ r: f.r * f.a + b.r * (1 - f.a), g: f.g * f.a + b.g * (1 - f.a), b: f.b * f.a + b.b * (1 - f.a) });
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
    return layers.reverse().reduce((b, l) => mix(l, b), { r: 255, g: 255, b: 255 });
  };
  const out = new Set();
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    if (el.closest('[hidden]') || el.closest('.visually-hidden') || el.closest('.compact')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const bg = background(el);
    const fg = parse(cs.color);
    const ink = mix({ ...fg, a: fg.a * opacity }, bg);
    const [hi, lo] = [lum(ink), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(cs.fontSize);
    const need = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.add(el.tagName.toLowerCase() + '.' + el.className + ' ' + cs.color + ': ' + ratio.toFixed(2));
  }
  return [...out];
})()`;

describe('Class: Dashboard (in chromium)', () => {
  const bus = new EventEmitter();
  const signals = new EventEmitter();
  /** Puts an event on the bus; a door's own events come through ingest, which makes it a door. */
  const put = (event: ReturnType<typeof busEvent>) => {
    const { thingName } = (event.detail as { metadata: { thingName: string } }).metadata;
    if (event.source === 'smartdoor.device') signals.emit('signal', { kind: 'device', thingName });
    bus.emit('event', event);
  };
  /** Messages in the DLQs; the list shows `deadLetters` (unless set, as many). */
  let dlqDepth: number | undefined;
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
        subscribeSignals: (l) => {
          signals.on('signal', l);
          return () => signals.off('signal', l);
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
        backlog: () => ({ queues: 2, deadLetters: dlqDepth ?? deadLetters.length }),
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

  it('says the feeds are empty, and asks for no /favicon.ico', async () => {
    // Prepare
    const page = await browser.newPage();
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    // Act
    await page.goto(url);
    await page.waitForSelector('#live[data-state="live"]');
    // Assess
    expect(await page.isVisible('#alerts-empty')).toBe(true);
    expect(await page.isVisible('#events-empty')).toBe(true);
    expect(await page.getAttribute('#alerts', 'aria-labelledby')).toBe('alerts-title');
    expect(asked).not.toContain('/favicon.ico');
    await page.close();
  });

  it('changes a door tile within a second when the door opens', async () => {
    // Prepare
    for (let i = 1; i <= 8; i++) {
      const thing = `door-${String(i).padStart(3, '0')}`;
      put(busEvent('Device Connected', thing, {}, 'smartdoor.presence'));
      put(busEvent('Door State Changed', thing, { state: 'closed' }));
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    const tile = page.locator('li.door[data-thing="door-002"]');
    await expect.poll(() => tile.getAttribute('data-state')).toBe('closed');
    // Act
    const started = Date.now();
    put(busEvent('Door State Changed', 'door-002', { state: 'open' }));
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
    put(
      busEvent(
        'Entry Identified',
        'door-001',
        { personId: 'alice', openedAt: '', badgeReadAt: '' },
        'smartdoor.identification',
      ),
    );
    put(busEvent('Door Held Open', 'door-004', { openedAt: new Date().toISOString(), limitSeconds: 30 }));
    put(busEvent('Device Fault', 'door-005', { fault: 'sensor.flapping', active: true }));
    put(
      busEvent(
        'Device Disconnected',
        'door-006',
        { disconnectReason: 'CONNECTION_LOST' },
        'smartdoor.presence',
      ),
    );
    put(
      busEvent(
        'Entry Unidentified',
        'door-007',
        { reason: 'unknown-badge', openedAt: '' },
        'smartdoor.identification',
      ),
    );
    for (let i = 0; i < 6; i++) {
      put(busEvent('Device Heartbeat', 'door-008', { outboxDepth: i, doorState: 'closed' }));
      await new Promise((r) => setTimeout(r, 260));
    }
    // Assess
    await page.waitForSelector('li.door.held[data-thing="door-004"]');
    await page.waitForSelector('li.door.fault[data-thing="door-005"]');
    await page.waitForSelector('li.door.offline[data-thing="door-006"]');
    expect(await page.locator('#alerts li').count()).toBe(3);
    expect(await page.isVisible('#alerts-empty')).toBe(false);
    expect(await page.locator('#chart-throughput svg path.line').count()).toBe(1);
    expect(await page.locator('#dlq tr').count()).toBe(2);
    expect(await page.evaluate(LOW_CONTRAST)).toEqual([]);
    // The charts' text alternative gives the values (not live: it is set every few seconds).
    await page.reload();
    await page.waitForSelector('#live[data-state="live"]');
    expect(await page.getAttribute('#chart-latency svg', 'aria-label')).toMatch(
      /^Latency: edge→bus p50 [\d.]+ ms, edge→bus p99 [\d.]+ ms/,
    );
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

  it('keeps the keyboard focus when the list changes, and says when it shows only some', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(url);
    const dismiss = page.getByRole('button', { name: 'Dismiss message e-1 from smartdoor-ingest-errors' });
    await dismiss.focus();
    // Act: a new dead letter arrives; the queues hold more than the list
    deadLetters = [...deadLetters, { id: 'm-2', queue: 'notification-dlq', redrivable: true }];
    dlqDepth = 150;
    await page.waitForSelector('#dlq tr:nth-child(3)');
    await page.waitForSelector('#dlq-count:text-is("150")');
    // Assess
    expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe(
      'Dismiss message e-1 from smartdoor-ingest-errors',
    );
    expect(await page.textContent('#dlq-shown')).toBe('showing 3 of 150');
    deadLetters = deadLetters.filter((d) => d.id !== 'm-2');
    dlqDepth = undefined;
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
    // Its row is gone: focus is on the panel's heading, not lost to the page.
    expect(await page.evaluate('document.activeElement.id')).toBe('dlq-title');
    await page.close();
  });

  it('draws a second with data between idle ones as a dot', async () => {
    // Prepare: idle seconds
    await new Promise((r) => setTimeout(r, 600));
    // Act: one event, then idle again
    put(busEvent('Door State Changed', 'door-003', { state: 'open' }));
    await new Promise((r) => setTimeout(r, 600));
    const page = await browser.newPage();
    await page.goto(url);
    // Assess
    // Attached, not "visible": a zero-length path has an empty box, though its caps draw a dot.
    await page.waitForSelector('#chart-latency svg path.dot', { state: 'attached', timeout: 5_000 });
    await page.close();
  });

  it('keeps the alerts total over a reload, past the 50 alerts the page lists', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('#live[data-state="live"]');
    const before = Number(await page.textContent('#total-alerts'));
    // Act: in one flush, more other events after the alerts than a flush sends
    for (let i = 0; i < 120; i++) put(busEvent('Door Held Open', 'door-004', { limitSeconds: 30 }));
    for (let i = 0; i < 150; i++)
      put(busEvent('Device Heartbeat', 'door-008', { outboxDepth: 0, doorState: 'closed' }));
    await page.waitForFunction(`document.getElementById('total-alerts').textContent === '${before + 120}'`);
    await page.reload();
    await page.waitForSelector('#live[data-state="live"]');
    // Assess
    await expect.poll(() => page.textContent('#total-alerts')).toBe(String(before + 120));
    await page.close();
  });

  it('draws thousands of doors as compact tiles quickly', async () => {
    // Prepare
    for (let i = 1; i <= 3_000; i++) {
      put(busEvent('Door State Changed', `load-${i}`, { state: i % 7 ? 'closed' : 'open' }));
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
    // Colour only on screen; the words are there for a screen reader, and the keyboard reaches them
    expect(await page.locator('li.door[data-thing="load-1"]').ariaSnapshot()).toMatch(
      /^- listitem[^:]*: load-1 closed/,
    );
    await page.keyboard.press('Tab');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate('document.activeElement.dataset.thing')).toBe('load-2999');
    expect(await page.textContent('#door-focus')).toMatch(/^load-2999, closed/);
    expect(await page.isVisible('#door-focus')).toBe(true);
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
