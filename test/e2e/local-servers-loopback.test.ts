// What a web page of another site can do to the local cloud's loopback servers from the
// developer's browser: DNS rebinding (its own name as Host) and "simple" cross-origin POSTs.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

let cloud: TestCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

/** A raw HTTP request with the headers a browser would send (Host included). */
function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('LocalCloud: its HTTP servers against a page of another site', () => {
  it('refuses requests naming another host (DNS rebinding) on the AWS endpoint and the dashboard', async () => {
    // Prepare
    cloud = await startTestCloud('loopback', { options: { dashboard: true } });
    const { aws, dashboard } = cloud.endpoints as { aws: string; dashboard: string };
    const rebound = { host: 'attacker.example' };
    const signed = {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSEvents.ListEventBuses',
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20261123/us-east-1/events/aws4_request, SignedHeaders=host, Signature=00',
    };
    // Act
    const awsRebound = await send(aws, { method: 'POST', headers: { ...signed, ...rebound }, body: '{}' });
    const awsLocal = await send(aws, { method: 'POST', headers: signed, body: '{}' });
    const stateRebound = await send(`${dashboard}/api/state`, { headers: rebound });
    const stateLocal = await send(`${dashboard}/api/state`, { headers: { host: 'localhost' } });
    // Assess
    expect(awsRebound.status).toBe(403);
    expect(awsRebound.body).toMatch(/attacker\.example/);
    expect(awsLocal.status).toBe(200);
    expect(stateRebound.status).toBe(403);
    expect(stateLocal.status).toBe(200);
  });

  it("takes the dashboard's buttons only from its own page: JSON, and no other origin", async () => {
    // Prepare
    cloud = await startTestCloud('loopback', { options: { dashboard: true } });
    const { dashboard } = cloud.endpoints as { dashboard: string };
    const redrive = `${dashboard}/api/dlq/redrive`;
    // Act: a form-like cross-origin POST, a JSON one from another origin, and the page's own.
    const simple = await send(redrive, {
      method: 'POST',
      headers: { origin: 'http://attacker.example', 'content-type': 'text/plain' },
      body: '{}',
    });
    const foreign = await send(redrive, {
      method: 'POST',
      headers: { origin: 'http://attacker.example', 'content-type': 'application/json' },
      body: '{}',
    });
    const own = await send(redrive, {
      method: 'POST',
      headers: { origin: dashboard, 'content-type': 'application/json' },
      body: '{}',
    });
    // Assess
    expect(simple.status).toBe(403);
    expect(foreign.status).toBe(403);
    expect([own.status, JSON.parse(own.body)]).toEqual([200, { redriven: 0 }]);
  });

  it('keeps the plain MQTT port on loopback when --host opens the rest to the network', async () => {
    // Prepare / Act
    cloud = await startTestCloud('loopback', { config: { host: '0.0.0.0', mqttPort: 0 } });
    // Assess
    expect(new URL(cloud.endpoints.mqtt!).hostname).toBe('127.0.0.1');
    expect(new URL(cloud.endpoints.mqtts).hostname).toBe('0.0.0.0');
  });
});
