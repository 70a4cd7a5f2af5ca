import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimPidFile, PidFileHeldError } from './pid-file.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-pid-'));
  file = join(dir, 'x.pid');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('Function: claimPidFile', () => {
  it('gives the file to one claim, names the holder to the next, and frees it on release', () => {
    // Act
    const release = claimPidFile(file);
    let second: unknown;
    try {
      claimPidFile(file);
    } catch (error) {
      second = error;
    }
    const mode = statSync(file).mode & 0o777;
    release();
    const gone = !existsSync(file);
    const again = claimPidFile(file);
    // Assess
    expect(second).toBeInstanceOf(PidFileHeldError);
    expect(second).toMatchObject({
      file,
      pid: process.pid,
      message: `${file} is held by pid ${process.pid}`,
    });
    expect(mode).toBe(0o600);
    expect(gone).toBe(true);
    again();
  });

  it.each([
    ['a process that is gone', () => `${deadPid()}\n`],
    ['no pid at all', () => 'not a pid'],
  ])('takes over a file that names %s', (_what, content) => {
    // Prepare
    writeFileSync(file, content());
    // Act
    const release = claimPidFile(file);
    // Assess
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    release();
  });

  // Linux only: elsewhere a pid file holds no boot or start time to compare.
  describe.runIf(existsSync('/proc/sys/kernel/random/boot_id'))('after a reboot or with a reused pid', () => {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const startOf = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    };

    it('writes the pid, the boot and its start time', () => {
      // Act
      const release = claimPidFile(file);
      // Assess
      expect(readFileSync(file, 'utf8')).toBe(`${process.pid} ${boot} ${startOf(process.pid)}\n`);
      release();
    });

    it('takes over a claim from another boot, even when its pid runs again (after a power cut)', () => {
      // Prepare: pid 1 runs now, but the claim was made before the last boot
      writeFileSync(file, `1 00000000-0000-0000-0000-000000000000 ${startOf(1)}\n`);
      // Act
      const release = claimPidFile(file);
      // Assess
      expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid} ${boot} `));
      release();
    });

    it('takes over a claim whose pid now runs a process started at another time', () => {
      // Prepare
      writeFileSync(file, `1 ${boot} 1${startOf(1)}\n`);
      // Act / Assess
      claimPidFile(file)();
    });

    it('refuses a claim of this boot whose process still runs', () => {
      // Prepare
      writeFileSync(file, `1 ${boot} ${startOf(1)}\n`);
      // Act / Assess
      expect(() => claimPidFile(file)).toThrow(PidFileHeldError);
    });
  });

  it('refuses while the holder lives, whoever runs it (pid 1: init)', () => {
    // Prepare: as root the signal reaches pid 1; as another user it is refused (EPERM), alive too
    writeFileSync(file, '1\n');
    // Act / Assess
    expect(() => claimPidFile(file)).toThrow(PidFileHeldError);
  });

  it('leaves the file alone on release once another process has taken it over', () => {
    // Prepare
    const release = claimPidFile(file);
    writeFileSync(file, '1\n');
    // Act
    release();
    // Assess
    expect(readFileSync(file, 'utf8')).toBe('1\n');
  });

  it('releases quietly when the file is already gone', () => {
    // Prepare
    const release = claimPidFile(file);
    rmSync(file);
    // Act / Assess
    expect(() => release()).not.toThrow();
    expect(existsSync(file)).toBe(false);
  });

  it('passes on an error other than the file being there', () => {
    // Act / Assess
    expect(() => claimPidFile(join(dir, 'missing', 'x.pid'))).toThrow(/ENOENT/);
  });

  it('gives a stale file to one of two processes taking it over at the same moment', async () => {
    // Prepare: stale files (a crash left them), one a round; two processes that, round
    // after round, wait for the same instant and then both claim that round's file. Their
    // file removals and renames are slowed by 20 ms, so the two take-overs overlap.
    const rounds = 8;
    const roundMs = 200;
    for (let i = 0; i < rounds; i++) writeFileSync(`${file}.${i}`, `${deadPid()}\n`);
    const t0 = Date.now() + 2_500; // after both have loaded
    const claimer = `
      import fs from 'node:fs';
      import { syncBuiltinESMExports } from 'node:module';
      const slow = (f) => (...args) => { const t = Date.now() + 20; while (Date.now() < t) {} return f(...args); };
      fs.rmSync = slow(fs.rmSync);
      fs.renameSync = slow(fs.renameSync);
      syncBuiltinESMExports();
      const { claimPidFile } = await import(${JSON.stringify(new URL('./pid-file.ts', import.meta.url).pathname)});
      const [file, t0, rounds, roundMs] = process.argv.slice(1).map((a, i) => (i ? Number(a) : a));
      for (let i = 0; i < rounds; i++) {
        while (Date.now() < t0 + i * roundMs) {}
        let got = false;
        try { claimPidFile(file + '.' + i); got = true; } catch {}
        process.stdout.write(got ? 'G' : 'H');
      }
      // Hold the claims until the test has both answers: a claim whose process has exited
      // is stale, and the other, if it came late, would rightly take it over.
      process.stdin.resume();
      process.stdin.on('end', () => process.exit(0));
    `;
    const start = () => {
      const args = [file, String(t0), String(rounds), String(roundMs)];
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', claimer, ...args],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      const answers = new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.length >= rounds) resolve(out);
        });
        child.on('error', reject);
        child.on('close', () => resolve(out));
      });
      return { child, answers };
    };
    // Act
    const claimers = [start(), start()];
    const [a, b] = (await Promise.all(claimers.map((c) => c.answers))) as [string, string];
    for (const c of claimers) c.child.stdin.end();
    // Assess: every round, exactly one of the two took the file.
    expect(a).toHaveLength(rounds);
    expect(b).toHaveLength(rounds);
    const winners = [...a].map((x, i) => Number(x === 'G') + Number(b[i] === 'G'));
    expect(winners).toEqual(Array(rounds).fill(1));
  }, 20_000);
});
