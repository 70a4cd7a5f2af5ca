import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { oneLine, runLimited, Simulation } from './simulation.js';

describe('Function: oneLine', () => {
  it('puts an OpenSSL error, which ends with a newline, on one line', () => {
    // Prepare: what Node gives for a TLS alert from the broker.
    const message =
      '807CA47A127F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 48\n';
    // Act
    const line = oneLine(message);
    // Assess
    expect(line).toBe(
      '807CA47A127F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 48',
    );
    expect(oneLine('connect ECONNREFUSED\n  127.0.0.1:1')).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('Function: runLimited', () => {
  it('starts no task after one fails, and waits for those under way before throwing the failure', async () => {
    // Prepare: two at once; the second fails at once, the first takes 50 ms.
    const log: string[] = [];
    const tasks = [
      async () => {
        await new Promise((r) => setTimeout(r, 50));
        log.push('slow done');
      },
      async () => {
        throw new Error('no bundle');
      },
      async () => {
        log.push('third started');
      },
    ];
    // Act
    const failure = await runLimited(tasks, 2).catch((e: Error) => e.message);
    // Assess
    expect(failure).toBe('no bundle');
    expect(log).toEqual(['slow done']);
  });
});

describe('Class: Simulation', () => {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server?.close(r));
  });

  it('stops at once while its doors are still connecting, and starts no more', async () => {
    // Prepare: a "broker" that takes connections and never answers (a hung endpoint).
    server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const sim = new Simulation({
      cloud: {
        broker: { scheme: 'mqtt', host: '127.0.0.1', port },
        credentials: async () => ({}),
        stop: async () => {},
      },
      scenario: 'office-day',
      doors: 4,
      rate: 1,
      durationMs: 60_000,
      seed: 1,
      proxy: false,
      connectConcurrency: 1,
    });
    const starting = sim.start().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    // Act
    const asked = Date.now();
    await sim.stop();
    await starting;
    // Assess: well inside one door's 10 s connect wait, and only the first door began.
    expect(Date.now() - asked).toBeLessThan(5_000);
    expect(sockets.size).toBe(1);
  }, 20_000);
});
