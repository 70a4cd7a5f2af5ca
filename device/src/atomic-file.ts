import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
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
 *
 * The temp file has a random name and is created exclusively without following links: a
 * symlink planted at a guessable temp name would otherwise send the text (a private key)
 * into its target. The rename replaces a symlink at `path` itself; it never writes through it.
 */
export function writeFileAtomic(path: string, text: string, options: AtomicWriteOptions = {}): void {
  const { mode, createFolder = true } = options;
  if (createFolder) mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, TEMP_FLAGS, mode ?? 0o666);
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

/** Create only, never an existing file or a link's target ('wx' plus O_NOFOLLOW). */
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

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
