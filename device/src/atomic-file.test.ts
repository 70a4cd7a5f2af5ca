import { randomBytes } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';

// writeFileSync fails as a full disk makes it, when a test says so.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, writeFileSync: vi.fn(actual.writeFileSync) };
});

// randomBytes returns what a test says, to plant a link at the exact temp name.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, randomBytes: vi.fn(actual.randomBytes) };
});

describe('Function: writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-atomic-'));
  });
  afterEach(() => {
    vi.mocked(writeFileSync).mockReset();
    vi.mocked(randomBytes).mockReset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the file whole', () => {
    // Prepare
    const path = join(dir, 'agent-status.json');
    writeFileAtomic(path, 'old\n');
    // Act
    writeFileAtomic(path, 'new\n');
    // Assess
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toEqual(['agent-status.json']);
  });

  it('leaves the old file and no temp file when the disk is full', () => {
    // Prepare
    const path = join(dir, 'agent-status.json');
    writeFileAtomic(path, 'old\n');
    vi.mocked(writeFileSync).mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    // Act
    const act = () => writeFileAtomic(path, 'new\n');
    // Assess
    expect(act).toThrow('ENOSPC');
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['agent-status.json']);
  });

  it('leaves no temp file when the rename fails', () => {
    // Prepare: a folder with something in it where the file should go
    const path = join(dir, 'door-state.json');
    mkdirSync(join(path, 'x'), { recursive: true });
    // Act
    const act = () => writeFileAtomic(path, '{}\n');
    // Assess
    expect(act).toThrow();
    expect(readdirSync(dir)).toEqual(['door-state.json']);
  });

  it('does not write through a symlink planted at the pid temp name', () => {
    // Prepare: the temp name the old code used, linked to a file the agent must not touch
    const path = join(dir, 'device.key');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'victim\n');
    symlinkSync(victim, `${path}.${process.pid}.tmp`);
    // Act
    writeFileAtomic(path, 'SECRET\n', { mode: 0o600 });
    // Assess
    expect(readFileSync(victim, 'utf8')).toBe('victim\n');
    expect(readFileSync(path, 'utf8')).toBe('SECRET\n');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
  });

  it('refuses a symlink at its exact temp name rather than following it', () => {
    // Prepare: the random suffix guessed right
    const path = join(dir, 'device.key');
    const victim = join(dir, 'victim.txt');
    const fixed = Buffer.from('000000000000', 'hex');
    vi.mocked(randomBytes).mockImplementation((() => fixed) as unknown as typeof randomBytes);
    symlinkSync(victim, `${path}.${process.pid}.${fixed.toString('hex')}.tmp`);
    // Act
    const act = () => writeFileAtomic(path, 'SECRET\n', { mode: 0o600 });
    // Assess: no file created at the link's target, the link itself left in place
    expect(act).toThrow(/EEXIST|ELOOP/);
    expect(() => lstatSync(victim)).toThrow('ENOENT');
    expect(() => lstatSync(path)).toThrow('ENOENT');
  });

  it('replaces a symlink at the final path instead of writing to its target', () => {
    // Prepare
    const path = join(dir, 'agent-status.json');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'victim\n');
    symlinkSync(victim, path);
    // Act
    writeFileAtomic(path, '{}\n');
    // Assess
    expect(lstatSync(path).isFile()).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('{}\n');
    expect(readFileSync(victim, 'utf8')).toBe('victim\n');
  });
});
