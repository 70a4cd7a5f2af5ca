import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';

// writeFileSync fails as a full disk makes it, when a test says so.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, writeFileSync: vi.fn(actual.writeFileSync) };
});

describe('Function: writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-atomic-'));
  });
  afterEach(() => {
    vi.mocked(writeFileSync).mockReset();
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
});
