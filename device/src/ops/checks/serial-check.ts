import { accessSync, constants, statSync } from 'node:fs';
import type { AgentConfig } from '@smartdoor/shared';
import { type CheckResult, fail, ok, warn } from './check-result.js';

/** The badge reader's serial device: there, a character device, and ours to read. */
export function checkSerial(config: Pick<AgentConfig, 'badgeReader'>): CheckResult {
  const br = config.badgeReader;
  if (!br.enabled) return ok('serial', 'badge reader disabled');
  let isCharDevice: boolean;
  try {
    isCharDevice = statSync(br.path).isCharacterDevice();
  } catch {
    return fail(
      'serial',
      `${br.path} does not exist: is the reader plugged in, and the serial port enabled (raspi-config > Interface > Serial Port)?`,
    );
  }
  try {
    accessSync(br.path, constants.R_OK | constants.W_OK);
  } catch {
    return fail(
      'serial',
      `${br.path} is not readable and writable: add the service user to the dialout group`,
    );
  }
  if (!isCharDevice) return warn('serial', `${br.path} exists but is not a character device`);
  return ok('serial', `${br.path} present (${br.protocol}, ${br.baudRate} baud)`);
}
