import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThreadCloud, type ThreadCloud } from '../../simulator/src/cloud-thread/cloud-thread.js';
import { Simulation } from '../../simulator/src/simulation.js';

// Roles: `cloud` is the real local cloud in a worker thread; the doors run in this thread
// and see it only through the SimCloud interface, across the thread boundary.
let cloud: ThreadCloud;
beforeAll(async () => {
  cloud = await startThreadCloud({ logLevel: 'silent' });
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

describe('Function: startThreadCloud', () => {
  it('runs doors in this thread against the cloud in its own, books balanced to the subscriber results', async () => {
    // Prepare
    const sim = new Simulation({
      cloud,
      scenario: 'steady-entries',
      doors: 3,
      rate: 6,
      durationMs: 1_500,
      drainMs: 15_000,
      seed: 'thread',
    });
    // Act
    await sim.start();
    const summary = await sim.run();
    await sim.stop();
    // Assess: every event on the bus, and each opening's identification result back over the thread
    expect(summary.created).toBeGreaterThan(0);
    expect(summary.ingested).toBe(summary.created);
    expect(summary.lost).toBe(0);
    expect(summary.subscriberResults).toBeGreaterThan(0);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(await cloud.errorQueueDepth!()).toBe(0);
  }, 60_000);

  it('answers requests across the thread: certificates from its CA, a broker restart on the same port', async () => {
    // Act
    const credentials = await cloud.credentials('door-x');
    const restarted = await cloud.restartBroker!(50);
    // Assess
    expect(credentials.ca).toBe(cloud.pki.caCertPem);
    expect(credentials.cert).toContain('BEGIN CERTIFICATE');
    expect(restarted.port).toBe(cloud.broker.port);
  }, 30_000);

  it('fails to start with the reason the cloud gave, naming the thread', async () => {
    // Act + Assess
    await expect(startThreadCloud({ logLevel: 'silent', config: { awsPort: 'eighty' } })).rejects.toThrow(
      /the cloud thread did not start: .*awsPort/s,
    );
  }, 60_000);

  it('fails a request made after the thread stopped with a readable error', async () => {
    // Prepare
    const other = await startThreadCloud({ logLevel: 'silent' });
    await other.stop();
    // Act + Assess
    await expect(other.credentials('door-y')).rejects.toThrow(/cloud thread exited/);
  }, 60_000);
});
