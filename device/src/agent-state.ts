import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DoorState, ShadowSettings } from '@smartdoor/shared';
import { writeFileAtomic } from './atomic-file.js';
import type { ResumedDoorState } from './core/door-monitor.js';

/**
 * What the agent keeps across restarts beside the outbox, in its data folder: the door's
 * state (so a restart with the door open neither reports it again nor restarts its
 * held-open timer) and the settings the shadow applied (so an offline reboot runs on
 * them, not on the config file's). The outbox cannot serve: acknowledged events leave it.
 */
export const DOOR_STATE_FILE_NAME = 'door-state.json';
export const SETTINGS_FILE_NAME = 'shadow-settings.json';

export function doorStateFilePath(dir: string): string {
  return join(dir, DOOR_STATE_FILE_NAME);
}

export function settingsFilePath(dir: string): string {
  return join(dir, SETTINGS_FILE_NAME);
}

/** A value as a JSON file, written whole or not at all. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value)}\n`);
}

/** The JSON in `path`, undefined when there is none; throws when it cannot be read or parsed. */
function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text);
}

export interface SavedDoorState {
  door: DoorState;
  /** ISO time the door opened, when open. */
  openedAt?: string;
  heldOpenRaised: boolean;
}

export function toSavedDoorState(
  door: DoorState,
  openedAt: number | undefined,
  heldOpenRaised: boolean,
): SavedDoorState {
  return door === 'open' && openedAt !== undefined
    ? { door, openedAt: new Date(openedAt).toISOString(), heldOpenRaised }
    : { door, heldOpenRaised: false };
}

/** The saved door state, or undefined when there is none; throws on a damaged file. */
export function readDoorStateFile(path: string): ResumedDoorState | undefined {
  const json = readJson(path) as Partial<SavedDoorState> | undefined;
  if (json === undefined) return undefined;
  const door = DoorState.parse(json.door);
  const openedAt = json.openedAt === undefined ? undefined : Date.parse(json.openedAt);
  if (openedAt !== undefined && !Number.isFinite(openedAt)) throw new Error(`bad openedAt ${json.openedAt}`);
  return { door, openedAt, heldOpenRaised: json.heldOpenRaised === true };
}

/** The saved settings, each checked on its own (a bad one is left out), or {} when none. */
export function readSettingsFile(path: string): Partial<ShadowSettings> {
  const json = readJson(path);
  if (json === undefined) return {};
  if (typeof json !== 'object' || json === null) throw new Error('not an object');
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(ShadowSettings.shape)) {
    const r = schema.safeParse((json as Record<string, unknown>)[name]);
    if (name in json && r.success) out[name] = r.data;
  }
  return out as Partial<ShadowSettings>;
}
