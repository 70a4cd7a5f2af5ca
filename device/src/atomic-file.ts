import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Write a small file whole or not at all: temp file, fsync, rename. A reader, or the next
 * boot after a power cut, sees the old file or the new one, never half (without the fsync
 * a power cut can leave the renamed file empty). A failed write (a full disk) removes its
 * temp file: one would be left per failure otherwise, taking space the disk lacks.
 */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The write's error is the one to report.
    }
    throw error;
  }
}
