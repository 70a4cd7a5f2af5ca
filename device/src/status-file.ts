import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentStatus } from './status-types.js';

/** The status file's name in the data dir. */
export const STATUS_FILE_NAME = 'agent-status.json';

export function statusFilePath(dataDir: string): string {
  return join(dataDir, STATUS_FILE_NAME);
}

/** Write the status atomically (temp file, then rename), so a reader never sees half. */
export function writeStatusFile(path: string, status: AgentStatus): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(tmp, path);
}

/** Read the status file, or undefined when there is none (agent never ran). */
export function readStatusFile(path: string): AgentStatus | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return JSON.parse(text) as AgentStatus;
}
