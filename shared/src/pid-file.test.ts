import { spawnSync } from 'node:child_process';
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
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    release();
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
});
