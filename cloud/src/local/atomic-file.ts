import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Temp files writeFileAtomic names `{file}.{pid}.tmp`. */
const TEMP_FILE = /\.\d+\.tmp$/;

/**
 * Write a file whole or not at all: temp file (created with `mode`), fsync, rename. A
 * crash or a power cut leaves the old file or the new one, never half of one, as a key
 * or certificate must be. A failed write removes its temp file.
 */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const file = await open(tmp, 'w', mode);
    try {
      await file.chmod(mode); // the umask may have narrowed or widened nothing: be exact
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {});
    throw error;
  }
}

/**
 * Remove the temp files a process killed inside writeFileAtomic left in `dir` (kill -9
 * gives it no chance to). Call it at start, while the data folder is locked to this
 * process.
 */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await Promise.all(names.filter((n) => TEMP_FILE.test(n)).map((n) => rm(join(dir, n), { force: true })));
}
