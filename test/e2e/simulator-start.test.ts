// `smartdoor start` (what `npm start` runs) as a child process: everything comes up, the
// dashboard shows the doors, Ctrl-C stops it cleanly, a second start reuses the data folder.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { smartdoor } from '../support/smartdoor-cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'smartdoor-start-'));

function start(logLevel = 'error'): {
  child: ChildProcess;
  output: () => string;
  errors: () => string;
  line: (re: RegExp) => Promise<RegExpMatchArray>;
} {
  const child = spawn(
    'node',
    [
      'simulator/bin/smartdoor.js',
      'start',
      '--data-dir',
      dataDir,
      '--doors',
      '4',
      ...['--http-port', '0'],
      ...['--mqtts-port', '0', '--mqtt-port', '0', '--aws-port', '0'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: logLevel } },
  );
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  // A line on stdout, or on stderr where the log goes.
  const line = (re: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(out) ?? re.exec(err);
        if (m) {
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          resolve(m);
        }
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('exit', () => reject(new Error(`exited before ${re}: ${out}${err}`)));
      check();
    });
  return { child, output: () => out, errors: () => err, line };
}

function exit(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('Command: smartdoor start', () => {
  it('starts the cloud and the doors, serves the dashboard, and stops cleanly on SIGINT', async () => {
    // Prepare
    const run = start();
    const [, url] = await run.line(/dashboard\s+(http:\/\/127\.0\.0\.1:\d+)/);
    // Act
    let doors = 0;
    for (let i = 0; i < 50 && doors < 4; i++) {
      const state = (await (await fetch(`${url}/api/state`)).json()) as { doors: unknown[] };
      doors = state.doors.length;
      if (doors < 4) await new Promise((r) => setTimeout(r, 200));
    }
    const exited = exit(run.child);
    run.child.kill('SIGINT');
    // Assess
    expect(doors).toBe(4);
    expect(await exited).toBe(0);
    expect(run.output()).toContain('4 simulated doors connected over mTLS');
    expect(run.output()).toMatch(/stopped\. State kept in/);
  }, 60_000);

  it('reuses the data folder on a second start: same CA, same door outboxes', async () => {
    // Prepare
    const caBefore = readFileSync(join(dataDir, 'cloud', 'ca', 'ca.crt'), 'utf8');
    const outbox = join(dataDir, 'doors', 'door-001.outbox.db');
    const outboxBefore = statSync(outbox).ino;
    // Act
    const run = start();
    await run.line(/Ctrl-C stops everything/);
    const exited = exit(run.child);
    run.child.kill('SIGINT');
    // Assess
    expect(await exited).toBe(0);
    expect(readFileSync(join(dataDir, 'cloud', 'ca', 'ca.crt'), 'utf8')).toBe(caBefore);
    expect(statSync(outbox).ino).toBe(outboxBefore);
  }, 60_000);

  it('writes its log as short lines a person reads, notifications included, not JSON', async () => {
    // Prepare
    const run = start('warn');
    // Act: the demo plays an unknown badge at door-001 within its first seconds
    const [notification] = await run.line(/smartdoor: warning: notification: door-\d+: [^\n]+/);
    const exited = exit(run.child);
    run.child.kill('SIGINT');
    // Assess
    expect(await exited).toBe(0);
    expect(notification).toMatch(/entry not identified|held open|sensor/);
    expect(run.errors()).not.toMatch(/^\{/m);
  }, 60_000);

  it('says on stderr, not stdout, why the cloud did not start (a port taken)', async () => {
    // Prepare: a port someone else holds.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const taken = String((holder.address() as AddressInfo).port);
    try {
      // Act
      const { code, stdout, stderr } = await smartdoor('start', '--data-dir', dataDir, '--http-port', taken);
      // Assess
      expect(code).toBe(1);
      expect(stderr).toMatch(/the local cloud did not start: .*EADDRINUSE/);
      expect(stderr).toMatch(/a port is taken/);
      expect(stdout).not.toMatch(/did not start/);
    } finally {
      holder.close();
    }
  }, 60_000);
});
