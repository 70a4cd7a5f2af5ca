import { join } from 'node:path';
import { claimPidFile, PidFileHeldError } from '@smartdoor/shared/pid-file';

/** The file that says which process runs the local cloud on a data folder. */
export const LOCK_FILE = 'cloud.pid';

/** Another process (or another cloud in this one) runs on the data folder. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data folder ${dataDir} is in use by another local cloud (pid ${pid}): stop it, or use another ` +
        `data folder (if pid ${pid} is no smartdoor, delete ${join(dataDir, LOCK_FILE)})`,
    );
  }
}

/**
 * One local cloud per data folder. Two on the same files would each receive and delete the
 * other's queue messages and journal entries, and both restore the same in-flight work after
 * a restart. Claims `cloud.pid` (a crashed cloud's file is taken over); returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  try {
    return claimPidFile(join(dataDir, LOCK_FILE));
  } catch (error) {
    if (error instanceof PidFileHeldError) throw new DataDirInUseError(dataDir, error.pid);
    throw error;
  }
}
