import { join } from 'node:path';
import { readIfExists, writeFileAtomic } from './atomic-file.js';
import { ProvisioningFileError } from './errors.js';

/**
 * Where an interrupted `provision` run got to, kept beside the certificate so a rerun
 * resumes: `key-ready` (CSR mode: the device key exists), `certificate-issued` (the
 * certificate and its ownership token), `registered` (RegisterThing answered: only the
 * files are left to write), `done` (config written).
 */
export interface ProvisioningState {
  version: 1;
  serial: string;
  templateName: string;
  phase: 'key-ready' | 'certificate-issued' | 'registered' | 'done';
  certificateId?: string;
  certificatePem?: string;
  certificateOwnershipToken?: string;
  /** Milliseconds since the epoch when the token was received (tokens expire after an hour). */
  tokenReceivedAt?: number;
  thingName?: string;
}

export const STATE_FILE_NAME = 'provisioning-state.json';

export function statePath(outDir: string): string {
  return join(outDir, STATE_FILE_NAME);
}

export function readState(outDir: string): ProvisioningState | undefined {
  const path = statePath(outDir);
  const text = readIfExists(path);
  if (text === undefined) return undefined;
  try {
    const state = JSON.parse(text) as ProvisioningState;
    if (state.version !== 1 || typeof state.phase !== 'string') throw new Error('unknown format');
    return state;
  } catch (err) {
    throw new ProvisioningFileError(
      path,
      `${path} is not a provisioning state file (${(err as Error).message}); remove it to start again`,
      { cause: err },
    );
  }
}

export function writeState(outDir: string, state: ProvisioningState): void {
  writeFileAtomic(statePath(outDir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
