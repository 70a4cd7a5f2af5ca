// The whole system in a real browser: the simulator's doors (real DoorAgent, mTLS) ->
// LocalCloud broker -> rules -> ingest -> bus -> dashboard (SSE) -> chromium.
import { type InProcessCloud, startInProcessCloud } from '@smartdoor/simulator/in-process-cloud';
import { Simulation } from '@smartdoor/simulator/simulation';
import pino from 'pino';
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

describe('Dashboard on the local cloud (chromium, simulated doors)', () => {
  let cloud: InProcessCloud;
  let sim: Simulation;
  let browser: Browser;

  beforeAll(async () => {
    cloud = await startInProcessCloud({ logger: pino({ level: 'silent' }) });
    // A long, quiet run: the test drives the doors itself.
    sim = new Simulation({ cloud, scenario: 'office-day', doors: 6, rate: 0, durationMs: 60_000, seed: 3 });
    await sim.start();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      headless: true,
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await cloud?.stop();
  });

  it('changes the tile of a door the simulator opens within a second', async () => {
    // Prepare
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(cloud.dashboardUrl!);
    const tile = page.locator('li.door[data-thing="door-002"]');
    await expect.poll(() => tile.getAttribute('data-state'), { timeout: 10_000 }).toBe('closed');
    // Act
    const started = Date.now();
    sim.doors[1]!.apply({ kind: 'open' });
    await page.waitForSelector('li.door[data-thing="door-002"][data-state="open"]', { timeout: 1_000 });
    // Assess
    expect(Date.now() - started).toBeLessThan(1_000);
    await page.close();
  });

  it('shows identified and unidentified entries and keeps a screenshot', async () => {
    // Prepare
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(cloud.dashboardUrl!);
    await page.waitForSelector('#live[data-state="live"]');
    // Act: a known badge then an opening at door 1; an unknown badge at door 4; door 6 flaps.
    sim.doors[0]!.apply({ kind: 'scan', badgeId: '0A00001000' });
    sim.doors[0]!.apply({ kind: 'open' });
    sim.doors[3]!.apply({ kind: 'scan', badgeId: 'FF12345678' });
    sim.doors[3]!.apply({ kind: 'open' });
    for (let i = 0; i < 12; i++) sim.doors[5]!.apply({ kind: i % 2 ? 'close' : 'open' });
    // Assess
    await page.waitForSelector('li.door.fault[data-thing="door-006"]', { timeout: 5_000 });
    await page.waitForSelector('#events li:has-text("entry by alice")', { timeout: 10_000 });
    await page.waitForSelector('#alerts li:has-text("unidentified entry")', { timeout: 10_000 });
    sim.doors[0]!.apply({ kind: 'close' });
    await page.waitForTimeout(2_500);
    await page.screenshot({ path: 'test/artifacts/dashboard-live.png', fullPage: true });
    await page.close();
  });

  it('serves /metrics with the bus counters on the same port', async () => {
    // Act
    const text = await (await fetch(`${cloud.dashboardUrl}/metrics`)).text();
    // Assess
    expect(text).toMatch(
      /smartdoor_bus_events_total\{source="smartdoor.device",detail_type="Door State Changed"\} [1-9]/,
    );
    expect(text).toMatch(/smartdoor_ingest_latency_seconds_count [1-9]/);
  });
});
