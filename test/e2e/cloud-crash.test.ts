/**
 * At least once across kill -9: a door publishes a burst of QoS 1 events, the cloud process
 * is killed the moment the last PUBACK arrives, and after a restart every acknowledged
 * event still reaches a bus target (an HTTP endpoint in this test process). Messages the
 * broker acknowledged but had not yet put on the bus come back from the journal; deliveries
 * the bus had not finished resume from SQLite.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudProcess } from '../support/cloud-process.js';

const N = 200;

const startCloud = (dataDir: string) => startCloudProcess(dataDir, [], { logLevel: 'error' });

describe('Command: smartdoor cloud (kill -9 during a burst)', () => {
  let dir: string;
  let hook: Server;
  let hookUrl: string;
  const delivered = new Set<string>();
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloud-crash-'));
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        const event = JSON.parse(body) as { detail: { metadata: { 'idempotency-key': string } } };
        delivered.add(event.detail.metadata['idempotency-key']);
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    hook.closeAllConnections();
    await new Promise((r) => hook.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every acknowledged event after a restart', async () => {
    // Prepare
    const dataDir = join(dir, 'cloud');
    const first = await startCloud(dataDir);
    children.push(first.child);
    const events = new EventBridgeClient({
      endpoint: first.ready.aws,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await events.send(
      new PutRuleCommand({
        Name: 'to-hook',
        EventBusName: 'smartdoor',
        EventPattern: '{"source":["smartdoor.device"]}',
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'to-hook',
        EventBusName: 'smartdoor',
        Targets: [{ Id: 'hook', Arn: hookUrl }],
      }),
    );
    events.destroy();
    const door = await new Promise<mqtt.MqttClient>((resolve, reject) => {
      const c = mqtt.connect(first.ready.mqtt!, { clientId: 'door-001', reconnectPeriod: 0 });
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
    const keys = Array.from({ length: N }, () => randomUUID());

    // Act: every PUBACK received, then kill -9 at once.
    await Promise.all(
      keys.map(
        (key, seq) =>
          new Promise<void>((resolve, reject) =>
            door.publish(
              'smartdoor/door-001/events',
              JSON.stringify({
                schemaVersion: 1,
                type: 'door.state.changed',
                thingName: 'door-001',
                seq,
                occurredAt: '2026-11-22T12:00:00.123Z',
                idempotencyKey: key,
                state: seq % 2 === 0 ? 'open' : 'closed',
              }),
              { qos: 1 },
              (err) => (err ? reject(err) : resolve()),
            ),
          ),
      ),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    door.end(true);
    const beforeRestart = delivered.size;
    const second = await startCloud(dataDir);
    children.push(second.child);

    // Assess
    const deadline = Date.now() + 30_000;
    while (keys.some((k) => !delivered.has(k)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(keys.filter((k) => !delivered.has(k))).toEqual([]);
    expect(beforeRestart).toBeLessThanOrEqual(N);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 90_000);
});
