import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// Roles: the child process runs the local bus on a temp SQLite file (crash-child.ts); the test
// kills it with SIGKILL while deliveries are pending, restarts it, and reads the function's log.
const CHILD = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../cloud/src/local/events/testing/crash-child.ts',
);

let dir: string;
let children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(
  mode: 'first' | 'second',
  db: string,
  log: string,
): { child: ChildProcess; output: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, log, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const output = new Promise<string>((resolve, reject) => {
    const want = mode === 'first' ? 'PUT' : 'DONE';
    const timer = setInterval(() => {
      if (out.includes(want)) {
        clearInterval(timer);
        resolve(out);
      }
    }, 10);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (out.includes(want)) resolve(out);
      else reject(new Error(`child ${mode} exited ${code ?? signal} before ${want}: ${err}`));
    });
  });
  return { child, output };
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function okLines(log: string, mode: string): number[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${mode} ok `))
    .map((l) => Number(l.split(' ')[2]));
}

describe('Class: EventBusService (durability)', () => {
  describe('Method: start', () => {
    it('delivers every event after a SIGKILL with deliveries pending, none lost', async () => {
      // Prepare
      dir = mkdtempSync(join(tmpdir(), 'smartdoor-eb-crash-'));
      const db = join(dir, 'cloud.sqlite');
      const log = join(dir, 'deliveries.log');
      const first = run('first', db, log);
      await first.output;
      // Let events 4-20 succeed; 1-3 hang in their handler, pending.
      const deadline = Date.now() + 10_000;
      while (okLines(log, 'first').length < 17 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      // Act
      first.child.kill('SIGKILL');
      await waitExit(first.child);
      const second = run('second', db, log);
      await second.output;
      await waitExit(second.child);
      // Assess
      const before = okLines(log, 'first');
      const after = okLines(log, 'second');
      expect(before.sort((a, b) => a - b)).toEqual([
        4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
      ]);
      expect(after.filter((n) => n <= 3).sort((a, b) => a - b)).toEqual([1, 2, 3]);
      expect(new Set([...before, ...after]).size).toBe(20);
    }, 60_000);
  });
});
