import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from './data-dir-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('Function: lockDataDir', () => {
  it('lets one cloud have the folder, names its pid to a second, and frees it on release', () => {
    // Act
    const release = lockDataDir(dir);
    let second: unknown;
    try {
      lockDataDir(dir);
    } catch (error) {
      second = error;
    }
    const mode = statSync(join(dir, LOCK_FILE)).mode & 0o777;
    release();
    const again = lockDataDir(dir);
    // Assess
    expect(second).toBeInstanceOf(DataDirInUseError);
    expect((second as DataDirInUseError).pid).toBe(process.pid);
    expect((second as Error).message).toContain(`in use by another local cloud (pid ${process.pid})`);
    expect(mode).toBe(0o600);
    again();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it.each([
    ['a process that is gone', () => `${deadPid()}\n`],
    ['no pid at all', () => 'not a pid'],
  ])('takes over a folder whose pid file names %s', (_what, content) => {
    // Prepare
    writeFileSync(join(dir, LOCK_FILE), content());
    // Act
    const release = lockDataDir(dir);
    // Assess
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    release();
  });

  it('leaves the pid file alone on release once another process has taken it over', () => {
    // Prepare
    const release = lockDataDir(dir);
    writeFileSync(join(dir, LOCK_FILE), '1\n');
    // Act
    release();
    // Assess
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('1\n');
  });

  it('passes on an error other than a pid file already there', () => {
    // Act / Assess
    expect(() => lockDataDir(join(dir, 'missing'))).toThrow(/ENOENT/);
  });
});
