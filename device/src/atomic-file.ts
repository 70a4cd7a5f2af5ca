import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** The file's exact mode (keys: 0600), whatever the umask. @default the umask's */
  mode?: number;
  /**
   * Create the folder when missing. Off where the folder's own mode matters (a key's
   * folder is made 0700 first, on purpose). @default true
   */
  createFolder?: boolean;
}

/**
 * Write a small file whole or not at all: temp file, fsync, rename, fsync of the folder. A
 * reader, or the next boot after a power cut, sees the old file or the new one, never half
 * (without the fsyncs a power cut can leave the renamed file empty, or the rename undone).
 * A failed write (a full disk) removes its temp file: one would be left per failure
 * otherwise, taking space the disk lacks.
 */
export function writeFileAtomic(path: string, text: string, options: AtomicWriteOptions = {}): void {
  const { mode, createFolder = true } = options;
  if (createFolder) mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (mode !== undefined) chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (error) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The write's error is the one to report.
    }
    throw error;
  }
  fsyncDir(dirname(path));
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a folder; the rename itself is still atomic.
  }
}
