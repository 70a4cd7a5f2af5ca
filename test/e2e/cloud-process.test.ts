/**
 * `smartdoor cloud` as a child process, the way a developer and the simulator run it: the
 * ready line on stdout, a clean stop on SIGTERM, and state that survives kill -9.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, ListRulesCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudProcess } from '../support/cloud-process.js';

const run = promisify(execFile);

const startCloud = (dataDir: string, extra: string[] = []) => startCloudProcess(dataDir, extra);

function eventBridge(aws: string): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: aws,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** Messages in the dead-letter and error queues, as /metrics reports them. */
async function deadLetters(dashboard: string): Promise<number> {
  const text = await (await fetch(`${dashboard}/metrics`)).text();
  const m = /^smartdoor_dead_letters\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : -1;
}

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Command: smartdoor cloud', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloud-process-'));
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the ready line, serves the dashboard port, and stops cleanly on SIGTERM', async () => {
    // Prepare
    const started = await startCloud(join(dir, 'a'), ['--no-mqtt']);
    children.push(started.child);

    // Act
    const page = await fetch(started.ready.dashboard);
    started.child.kill('SIGTERM');
    const exit = await started.exited;

    // Assess
    expect(started.ready).toMatchObject({ ready: true, dataDir: join(dir, 'a') });
    expect(started.ready.mqtts).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(started.ready.aws).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.ready).not.toHaveProperty('mqtt');
    expect(page.status).toBe(200);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(started.stdoutLines).toHaveLength(1);
  });

  it('keeps rules, error-queue messages and the CA across kill -9 and a restart', async () => {
    // Prepare
    const dataDir = join(dir, 'b');
    const first = await startCloud(dataDir);
    children.push(first.child);
    const ca = await readFile(join(dataDir, 'ca', 'ca.crt'), 'utf8');
    const events = eventBridge(first.ready.aws);
    await events.send(new PutRuleCommand({ Name: 'kept-rule', EventPattern: '{"source":["x"]}' }));
    events.destroy();
    const port = new URL(first.ready.mqtt!).port;
    // A malformed door event goes to the ingest error queue, which nothing drains.
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-i',
      'door-001',
      '-t',
      'smartdoor/door-001/events',
      '-m',
      '{"type":',
      '-q',
      '1',
    ]);
    await eventually(async () => (await deadLetters(first.ready.dashboard)) >= 1);

    // Act
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await startCloud(dataDir);
    children.push(second.child);

    // Assess
    const again = eventBridge(second.ready.aws);
    const rules = await again.send(new ListRulesCommand({ NamePrefix: 'kept-' }));
    again.destroy();
    expect(rules.Rules?.map((r) => r.Name)).toEqual(['kept-rule']);
    expect(await deadLetters(second.ready.dashboard)).toBeGreaterThanOrEqual(1);
    expect(await readFile(join(dataDir, 'ca', 'ca.crt'), 'utf8')).toBe(ca);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('refuses a second cloud on a data folder a running one uses, naming its pid', async () => {
    // Prepare
    const dataDir = join(dir, 'c');
    const first = await startCloud(dataDir);
    children.push(first.child);
    // Act
    const second = await startCloud(dataDir).then(
      () => 'started',
      (error: Error) => error.message,
    );
    // Assess: the first still serves
    expect(second).toContain(
      `the data folder ${dataDir} is in use by another local cloud (pid ${first.child.pid})`,
    );
    expect((await fetch(first.ready.dashboard)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
  });
});
