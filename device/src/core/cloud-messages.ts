import { DeviceCommand, ShadowSettings } from '@smartdoor/shared';

/**
 * Pure parsing of what the cloud sends: commands and shadow documents. Bad input gives a
 * readable reason, never an exception that reaches the connection.
 */
export type ParsedCommand = { ok: true; command: DeviceCommand } | { ok: false; reason: string };

export function parseCommand(payload: Buffer | string): ParsedCommand {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch (err) {
    return { ok: false, reason: `command is not JSON: ${(err as Error).message}` };
  }
  const result = DeviceCommand.safeParse(json);
  if (!result.success) {
    return {
      ok: false,
      reason: result.error.issues.map((i) => `${i.path.join('.') || '(command)'}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, command: result.data };
}

export interface SettingsChange {
  /** Valid settings found in the document. */
  settings: Partial<ShadowSettings>;
  /** Fields that were present but invalid, with the reason. */
  rejected: string[];
}

/**
 * Settings from a shadow `update/delta` (`{ state: {...} }`) or `get/accepted`
 * (`{ state: { delta: {...} } }`) document. Each field is checked on its own, so one bad
 * field does not block the others; unknown fields are ignored.
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-data-flow.html
 */
export function settingsFromShadow(
  payload: Buffer | string,
  kind: 'delta' | 'get-accepted',
): SettingsChange | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString());
  } catch (err) {
    return { error: `shadow document is not JSON: ${(err as Error).message}` };
  }
  // A delta always carries a state object; a get/accepted is at least an object.
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return { error: `shadow document is not an object: ${JSON.stringify(doc)}` };
  if (
    kind === 'delta' &&
    (typeof (doc as { state?: unknown }).state !== 'object' || (doc as { state?: unknown }).state === null)
  )
    return { error: 'shadow delta has no state object' };
  const state = (doc as { state?: Record<string, unknown> }).state;
  const source = kind === 'delta' ? state : (state?.delta as Record<string, unknown> | undefined);
  const settings: Record<string, unknown> = {};
  const rejected: string[] = [];
  if (source && typeof source === 'object') {
    for (const [name, schema] of Object.entries(ShadowSettings.shape)) {
      if (!(name in source)) continue;
      const r = schema.safeParse(source[name]);
      if (r.success) settings[name] = r.data;
      else rejected.push(`${name}: ${r.error.issues[0]?.message ?? 'invalid'}`);
    }
  }
  return { settings: settings as Partial<ShadowSettings>, rejected };
}

/** The reported settings differ from what the device runs. */
export function reportedDiffers(payload: Buffer | string, current: ShadowSettings): boolean {
  try {
    const reported = (JSON.parse(payload.toString()) as { state?: { reported?: Record<string, unknown> } })
      .state?.reported;
    if (!reported) return true;
    return Object.entries(current).some(([k, v]) => reported[k] !== v);
  } catch {
    return true;
  }
}
