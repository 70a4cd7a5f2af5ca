import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from './data-dir-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Function: lockDataDir', () => {
  it('refuses a second cloud on the folder, saying whose it is and what to do', () => {
    // Prepare
    const release = lockDataDir(dir);
    // Act
    let second: unknown;
    try {
      lockDataDir(dir);
    } catch (error) {
      second = error;
    }
    release();
    // Assess
    expect(second).toBeInstanceOf(DataDirInUseError);
    expect((second as Error).message).toBe(
      `the data folder ${dir} is in use by another local cloud (pid ${process.pid}): stop it, or use another ` +
        `data folder (if pid ${process.pid} is no smartdoor, delete ${join(dir, 'cloud.pid')})`,
    );
    lockDataDir(dir)();
  });

  it('passes on an error other than the folder being in use', () => {
    // Act / Assess
    expect(() => lockDataDir(join(dir, 'missing'))).toThrow(/ENOENT/);
  });
});
