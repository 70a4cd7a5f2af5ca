import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, readIfExists, writeFileAtomic } from './atomic-file.js';
import { ProvisioningFileError } from './errors.js';

describe('Function: writeFileAtomic', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces a file with the given mode and leaves no temp file behind', () => {
    // Prepare
    const path = join(dir, 'agent.json');
    writeFileSync(path, 'old', { mode: 0o644 });

    // Act
    writeFileAtomic(path, 'new', 0o600);

    // Assess
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['agent.json']);
  });

  it('throws a ProvisioningFileError naming the path when the folder is missing', () => {
    // Act
    const act = () => writeFileAtomic(join(dir, 'nope', 'x'), 'y');

    // Assess
    expect(act).toThrow(ProvisioningFileError);
    expect(act).toThrow(/nope\/x/);
  });

  it('leaves no temp file behind when the write fails', () => {
    // Prepare: a folder with something in it where the file should go, so the rename fails
    const path = join(dir, 'agent.json');
    mkdirSync(join(path, 'x'), { recursive: true });

    // Act
    const act = () => writeFileAtomic(path, 'new');

    // Assess
    expect(act).toThrow(ProvisioningFileError);
    expect(readdirSync(dir)).toEqual(['agent.json']);
  });
});

describe('Function: ensurePrivateDir', () => {
  it('makes the folder 0700 even when it existed with wider rights', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'private-'));
    const sub = join(dir, 'certs');
    ensurePrivateDir(sub);

    // Act
    ensurePrivateDir(sub);

    // Assess
    expect(statSync(sub).mode & 0o777).toBe(0o700);
    expect(readIfExists(join(sub, 'missing'))).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});
