/**
 * The agent's metrics endpoint over real HTTP on loopback. Roles: `registry` holds one
 * counter (and, in one test, a gauge whose collector throws); `fetch` is the scraper.
 */
import { createServer, type Server } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MetricsServer, MetricsServerError, startMetricsServer } from './metrics-server.js';

describe('Function: startMetricsServer', () => {
  let registry: Registry;
  let server: MetricsServer | undefined;
  let blocker: Server | undefined;

  beforeEach(() => {
    registry = new Registry();
    new Counter({ name: 'test_things_total', help: 'things', registers: [registry] }).inc(3);
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
    blocker = undefined;
  });

  it('serves the registry at GET /metrics on loopback by default', async () => {
    // Act
    server = await startMetricsServer({ registry, port: 0 });
    const res = await fetch(server.url);
    // Assess
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('test_things_total 3');
  });

  it('answers HEAD without a body, other paths with 404 and other methods with 405', async () => {
    // Prepare
    server = await startMetricsServer({ registry, port: 0 });
    const base = server.url.replace('/metrics', '');
    // Act
    const head = await fetch(server.url, { method: 'HEAD' });
    const other = await fetch(`${base}/status`);
    const post = await fetch(server.url, { method: 'POST', body: 'x' });
    // Assess
    expect([head.status, await head.text()]).toEqual([200, '']);
    expect(other.status).toBe(404);
    expect(await other.text()).toContain('only /metrics');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 500 naming the failure when a collector throws, and goes on serving', async () => {
    // Prepare
    let fail = true;
    new Gauge({
      name: 'test_flaky',
      help: 'fails once',
      registers: [registry],
      collect() {
        if (fail) throw new Error('sensor gone');
        this.set(1);
      },
    });
    server = await startMetricsServer({ registry, port: 0 });
    // Act
    const failed = await fetch(server.url);
    fail = false;
    const next = await fetch(server.url);
    // Assess
    expect(failed.status).toBe(500);
    expect(await failed.text()).toContain('sensor gone');
    expect(next.status).toBe(200);
    expect(await next.text()).toContain('test_flaky 1');
  });

  it('names the port when it is already taken', async () => {
    // Prepare
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    // Act
    const started = startMetricsServer({ registry, port });
    // Assess
    await expect(started).rejects.toThrow(MetricsServerError);
    await expect(started).rejects.toThrow(`port ${port} is already in use on 127.0.0.1`);
  });

  it('says so when the host is not an address of this machine', async () => {
    // Act: 192.0.2.1 is TEST-NET-1, never assigned to a real interface.
    const started = startMetricsServer({ registry, host: '192.0.2.1', port: 0 });
    // Assess
    await expect(started).rejects.toThrow('metrics endpoint: 192.0.2.1 is not an address of this machine');
  });
});
