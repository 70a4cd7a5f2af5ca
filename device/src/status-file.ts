import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import type { AgentStatus } from './status-types.js';

/** The status file's name in the data dir. */
export const STATUS_FILE_NAME = 'agent-status.json';

export function statusFilePath(dataDir: string): string {
  return join(dataDir, STATUS_FILE_NAME);
}

/** Write the status whole or not at all, so a reader never sees half. */
export function writeStatusFile(path: string, status: AgentStatus): void {
  writeFileAtomic(path, `${JSON.stringify(status, null, 2)}\n`);
}

/**
 * Read the status file, or undefined when there is none (agent never ran) or it cannot
 * be read (empty or garbled, e.g. after a power cut): `warn` then says which file and why.
 */
export function readStatusFile(path: string, warn?: (message: string) => void): AgentStatus | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      warn?.(`status file ${path} cannot be read (${(err as Error).message}); shown as missing`);
    }
    return undefined;
  }
  try {
    const status: unknown = JSON.parse(text);
    if (typeof status !== 'object' || status === null || Array.isArray(status))
      throw new Error('not an object');
    return status as AgentStatus;
  } catch (err) {
    const why = text.trim() === '' ? 'empty' : `not valid: ${(err as Error).message}`;
    warn?.(`status file ${path} is ${why}; shown as missing`);
    return undefined;
  }
}
