// The `smartdoor` binary as users run it (node simulator/bin/smartdoor.js), and the lazy
// subcommand guard that keeps it working while a part is missing.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '@smartdoor/simulator/cli';
import { PartLoadError } from '@smartdoor/simulator/errors';
import { describe, expect, it } from 'vitest';
import { SMARTDOOR_CLI } from '../support/cloud-process.js';
import { smartdoor } from '../support/smartdoor-cli.js';
import { waitUntil } from '../support/wait.js';

describe('Function: buildProgram', () => {
  it('mounts every subcommand', () => {
    // Act
    const names = buildProgram().commands.map((c) => c.name());
    // Assess
    expect(names).toEqual(['start', 'simulate', 'cloud', 'events', 'rules', 'provision']);
  });

  it('names the part and its module when a subcommand cannot be loaded', async () => {
    // Prepare
    const program = buildProgram([
      {
        name: 'ghost',
        description: 'x',
        module: './no-such-command.js',
        exportName: 'ghostCommand',
        part: 'the ghost',
      },
    ]);
    // Act
    const running = program.parseAsync(['ghost', '--flag'], { from: 'user' });
    // Assess
    await expect(running).rejects.toThrow(PartLoadError);
    await expect(running).rejects.toThrow(/the ghost could not be loaded \(\.\/no-such-command\.js\)/);
  });
});

describe('Binary: smartdoor', () => {
  it('lists the subcommands in --help', async () => {
    // Act
    const { code, stdout } = await smartdoor('--help');
    // Assess
    expect(code).toBe(0);
    for (const name of ['start', 'simulate', 'cloud', 'events', 'rules', 'provision'])
      expect(stdout).toContain(name);
  });

  it('passes --help through to the real subcommand', async () => {
    // Act
    const simulate = await smartdoor('simulate', '--help');
    const events = await smartdoor('events', '--help');
    // Assess
    expect(simulate.stdout).toMatch(/^Usage: smartdoor simulate \[options\]/);
    expect(simulate.stdout).toContain('--scenario <name>');
    expect(simulate.stdout).toContain('network-partition');
    expect(events.stdout).toContain('test-event-pattern');
  });

  it('refuses a bad option with a readable message naming it', async () => {
    // Act
    const zero = await smartdoor('simulate', '--doors', '0');
    const scenario = await smartdoor('simulate', '--scenario', 'nope', '--endpoint', 'mqtt://127.0.0.1:1');
    // Assess
    expect(zero.code).toBe(2); // a usage error
    expect(zero.stderr).toMatch(/--doors must be a whole number >= 1/);
    expect(scenario.code).toBe(2); // what the user asked wrongly
    expect(scenario.stderr).toMatch(/--scenario: unknown scenario "nope"; choose one of office-day/);
  });

  it('runs a short simulation and prints one JSON summary line', async () => {
    // Act
    const { code, stdout } = await smartdoor(
      'simulate',
      '--doors',
      '3',
      '--duration',
      '3s',
      '--rate',
      '2',
      '--drain',
      '5s',
      '--json',
      '--seed',
      '11',
    );
    // Assess
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary).toMatchObject({ scenario: 'office-day', seed: 11, doors: 3, lost: 0, lostAfterAck: 0 });
    expect(summary.created).toBeGreaterThan(0);
    expect(summary.latencyMs).toHaveProperty('p99');
  });

  it('names the --data-dir it cannot create, in start and simulate, and stops without a stack trace', async () => {
    // Prepare: a folder under a file cannot exist
    const dir = mkdtempSync(join(tmpdir(), 'smartdoor-cli-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    try {
      // Act
      const start = await smartdoor('start', '--data-dir', join(file, 'data'));
      const simulate = await smartdoor('simulate', '--outbox', 'sqlite', '--data-dir', join(file, 'data'));
      const doors = await smartdoor('start', '--doors', 'six');
      // Assess
      for (const run of [start, simulate]) {
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(
          /^smartdoor: --data-dir: cannot create the folder ".*a-file\/data" \(ENOTDIR/,
        );
        expect(run.stderr).not.toMatch(/\n\s+at /);
      }
      expect(doors.code).not.toBe(0);
      expect(doors.stderr).toContain('--doors must be a whole number >= 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The limit is read from /proc (Linux); elsewhere simulate does not check it.
  it.runIf(existsSync('/proc/self/limits'))(
    'refuses a fleet this process cannot open files for, before starting anything',
    async () => {
      // Act: 10 million doors need more open files than any process may have, with the
      // proxy (the partition scenario's default, or asked for) and without it.
      const [straight, partition, proxied] = await Promise.all([
        smartdoor('simulate', '--doors', '10000000'),
        smartdoor('simulate', '--doors', '10000000', '--scenario', 'network-partition'),
        smartdoor('simulate', '--doors', '10000000', '--proxy'),
      ]);
      // Assess
      const refusal = (perDoor: number) =>
        new RegExp(
          `--doors: 10000000 doors need about \\d+ open files \\(${perDoor} a door, and 200 for the cloud and the process\\) and this process may open \\d+: raise the hard limit`,
        );
      for (const run of [straight, partition, proxied]) expect(run.code).toBe(2);
      expect(straight.stderr).toMatch(refusal(2));
      expect(partition.stderr).toMatch(refusal(4));
      expect(proxied.stderr).toMatch(refusal(4));
      // Only an asked-for proxy is worth leaving out: the partition scenario needs it.
      expect(proxied.stderr).toContain('leave out --proxy');
      expect(partition.stderr).not.toContain('--proxy');
    },
  );

  it('refuses --no-proxy for the scenario that cuts the network, before starting anything', async () => {
    // Act
    const { code, stderr } = await smartdoor('simulate', '--scenario', 'network-partition', '--no-proxy');
    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      'smartdoor: --no-proxy: scenario network-partition cuts the network between the doors and the broker: it needs the proxy\n',
    );
  });

  it.each([
    ['sqlite', '.outbox.db'],
    ['log', '.outbox.log'],
  ])('keeps %s outboxes in --data-dir, one file per door, and keeps its log quiet', async (kind, suffix) => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'smartdoor-sim-outbox-'));
    try {
      // Act
      const { code, stdout, stderr } = await smartdoor(
        'simulate',
        '--doors',
        '2',
        '--duration',
        '2s',
        '--rate',
        '1',
        '--drain',
        '3s',
        '--outbox',
        kind,
        '--data-dir',
        dataDir,
        '--scenario',
        'unknown-badges',
        '--json',
      );
      // Assess: the notifications it causes are not logged over the summary
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ observed: 'bus', lost: 0 });
      expect(
        readdirSync(dataDir)
          .filter((f) => f.endsWith(suffix))
          .sort(),
      ).toEqual([`door-001${suffix}`, `door-002${suffix}`]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  // Up to 30 s for the run to get under way (the cloud starts in a thread: 3-6 s alone,
  // longer under a loaded suite), then the stop itself: hence more than the default timeout.
  it('stops on SIGTERM as on Ctrl-C: prints the summary and removes its temporary folders', {
    timeout: 60_000,
  }, async () => {
    // Prepare: its own temp root, to see what the run leaves there. A 1 s drain: a stopped
    // run waits for no backlog, only for that moment (at most 2 s by default).
    const tmp = mkdtempSync(join(tmpdir(), 'sim-term-'));
    const child = spawn(
      process.execPath,
      [
        SMARTDOOR_CLI,
        'simulate',
        '--doors',
        '2',
        '--duration',
        '60s',
        '--drain',
        '1s',
        '--outbox',
        'sqlite',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } },
    );
    try {
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // Act: once the doors have an outbox (the run is under way), a service manager's stop.
      await waitUntil(
        () => readdirSync(tmp, { recursive: true }).some((f) => String(f).endsWith('.outbox.db')),
        'the doors',
        30_000,
      );
      child.kill('SIGTERM');
      // Assess
      expect(await exited).toBe(0);
      const summary = JSON.parse(stdout) as { scenario: string; durationMs: number };
      expect(summary.scenario).toBe('office-day');
      expect(summary.durationMs).toBeLessThan(60_000);
      // (tsx keeps its compile cache there too: not the run's.)
      expect(readdirSync(tmp).filter((f) => !f.startsWith('tsx-'))).toEqual([]);
    } finally {
      // A failed wait must not leave a 60 s simulation running after the test.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
