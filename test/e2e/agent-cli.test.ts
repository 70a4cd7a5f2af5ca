/**
 * The `smartdoor-agent` CLI as an installer runs it: `run` in a child process through the
 * bin shim, stopped with SIGTERM, and `status` reading the status file and the outbox.
 * Roles: `broker` is aedes in this process; `cli` runs device/bin/smartdoor-agent.js.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { topics } from '@smartdoor/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../support/aedes-broker.js';
import { waitUntil } from '../support/wait.js';

const BIN = fileURLToPath(new URL('../../device/bin/smartdoor-agent.js', import.meta.url));
const run = promisify(execFile);

describe('E2E: smartdoor-agent CLI', () => {
  let dir: string;
  let broker: TestBroker;
  let configFile: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-cli-'));
    broker = await startTestBroker();
    configFile = join(dir, 'agent.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        thingName: 'door-cli',
        dataDir: join(dir, 'data'),
        mqtt: { endpoint: broker.url },
        reedSwitch: { driver: 'simulated' },
        badgeReader: { enabled: false },
      }),
    );
  });

  afterEach(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Command: run', () => {
    it('connects, publishes, and on SIGTERM says offline and exits 0', async () => {
      // Prepare
      const cli = spawn(process.execPath, [BIN, 'run', '--config', configFile], { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
      await waitUntil(() => broker.json(topics.events('door-cli')).length > 0, 'first event', 20_000);
      // Act
      cli.kill('SIGTERM');
      const code = await exited;
      // Assess
      expect(code).toBe(0);
      const status = await broker.retained(topics.status('door-cli'));
      expect(JSON.parse(status!.toString())).toMatchObject({ state: 'offline' });
    });
  });

  describe('Command: run, with metrics', () => {
    /** A port nobody listens on now, and the server holding it when `hold` is set. */
    const freePort = async (hold = false) => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as { port: number };
      if (!hold) await new Promise((r) => server.close(r));
      return { port, close: () => new Promise((r) => server.close(r)) };
    };

    it('serves the agent figures at /metrics when the config enables them', async () => {
      // Prepare
      const { port } = await freePort();
      const config = JSON.parse(readFileSync(configFile, 'utf8'));
      writeFileSync(configFile, JSON.stringify({ ...config, metrics: { enabled: true, port } }));
      const cli = spawn(process.execPath, [BIN, 'run', '--config', configFile], { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
      // Act
      const text = await waitUntil(
        async () => {
          const body = await fetch(`http://127.0.0.1:${port}/metrics`).then(
            (r) => r.text(),
            () => '',
          );
          return /smartdoor_agent_events_published_total\{type="door.state.changed"\} 1/.test(body) && body;
        },
        'a scrape showing the first PUBACK',
        20_000,
      );
      cli.kill('SIGTERM');
      // Assess
      expect(text).toContain('smartdoor_agent_connected 1');
      expect(text).toContain('smartdoor_agent_outbox_depth_events 0');
      expect(text).toContain('smartdoor_agent_process_resident_memory_bytes');
      expect(await exited).toBe(0);
    });

    it('runs without metrics, saying why, when --metrics-port is taken', async () => {
      // Prepare
      const taken = await freePort(true);
      let output = '';
      const cli = spawn(process.execPath, [
        BIN,
        'run',
        '--config',
        configFile,
        '--metrics-port',
        String(taken.port),
      ]);
      cli.stdout.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
      // Act
      await waitUntil(() => broker.json(topics.events('door-cli')).length > 0, 'first event', 20_000);
      cli.kill('SIGTERM');
      // Assess
      expect(await exited).toBe(0);
      await taken.close();
      expect(output).toContain(`port ${taken.port} is already in use on 127.0.0.1`);
    });

    it('refuses a --metrics-port that is not a port', async () => {
      // Act
      const result = await run(process.execPath, [
        BIN,
        'run',
        '--config',
        configFile,
        '--metrics-port',
        '70000',
      ]).catch((e: { code: number; stderr: string }) => e);
      // Assess
      expect(result).toMatchObject({ code: 1 });
      expect((result as { stderr: string }).stderr).toContain(
        'expected a port number from 0 to 65535, received 70000',
      );
    });
  });

  describe('Command: run, twice on one dataDir', () => {
    it('refuses the second agent, naming the first one, which keeps running', async () => {
      // Prepare
      const first = spawn(process.execPath, [BIN, 'run', '--config', configFile], { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
      await waitUntil(() => broker.json(topics.events('door-cli')).length > 0, 'first event', 20_000);
      // Act
      const second = await run(process.execPath, [BIN, 'run', '--config', configFile]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      // Assess
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`the outbox is in use by another agent (pid ${first.pid})`);
      expect(first.exitCode).toBeNull();
      first.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
  });

  describe('Command: status', () => {
    it('reports the outbox and the last run as JSON', async () => {
      // Prepare: one run that leaves an event behind (the broker is away).
      await broker.pause();
      const cli = spawn(process.execPath, [BIN, 'run', '--config', configFile], { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
      await waitUntil(
        async () => {
          const { stdout } = await run(process.execPath, [BIN, 'status', '--config', configFile, '--json']);
          return JSON.parse(stdout).outbox?.depth === 1;
        },
        'an event waiting',
        20_000,
      );
      cli.kill('SIGTERM');
      await exited;
      // Act
      const { stdout } = await run(process.execPath, [BIN, 'status', '--config', configFile, '--json']);
      // Assess
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({
        thingName: 'door-cli',
        running: false,
        outbox: { kind: 'log', depth: 1, oldestSeq: 1, nextSeq: 2 },
      });
      expect(report.lastPubackAt).toBeUndefined();
      expect(report.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);
    });

    it('names the missing config file and exits 1', async () => {
      // Act
      const result = await run(process.execPath, [BIN, 'status', '--config', join(dir, 'nope.json')]).catch(
        (e: { code: number; stderr: string }) => e,
      );
      // Assess
      expect(result).toMatchObject({ code: 1 });
      expect((result as { stderr: string }).stderr).toContain('nope.json');
    });
  });
});
