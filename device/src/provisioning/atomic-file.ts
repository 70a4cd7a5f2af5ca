import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic as writeWhole } from '../atomic-file.js';
import { ProvisioningFileError } from './errors.js';

/**
 * The agent's atomic write (../atomic-file.ts), with errors that name the file as the
 * provisioning commands report them.
 */
export function writeFileAtomic(path: string, content: string, mode = 0o600): void {
  try {
    writeWhole(path, content, { mode, createFolder: false });
  } catch (err) {
    throw new ProvisioningFileError(path, `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Creates the folder (0700) if needed and makes sure it is 0700. */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (err) {
    throw new ProvisioningFileError(dir, `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ProvisioningFileError(path, `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}
