import { z } from 'zod';

/** Cloud-to-device commands on `smartdoor/{thing}/commands`. */
export const DeviceCommand = z.discriminatedUnion('name', [
  z.object({
    name: z.literal('buzzer'),
    commandId: z.string().min(1).max(64).describe('Unique per command; the device ignores repeats'),
    durationMs: z.number().int().min(50).max(60_000).default(2_000),
    reason: z.string().max(128).optional(),
  }),
]);
export type DeviceCommand = z.infer<typeof DeviceCommand>;

/** Retained status on `smartdoor/{thing}/status`; the last will publishes `offline`. */
export const DeviceStatus = z.object({
  state: z.enum(['online', 'offline']),
  at: z.string().optional(),
  agentVersion: z.string().optional(),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

/**
 * Settings the cloud may change through the device shadow (`state.desired`); the agent
 * applies them and reports them back in `state.reported`.
 */
export const ShadowSettings = z.object({
  heldOpenLimitSeconds: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .describe('Open longer than this raises Door Held Open')
    .default(30),
  heartbeatIntervalSeconds: z
    .number()
    .int()
    .min(5)
    .max(86_400)
    .describe('Seconds between heartbeats')
    .default(60),
  debounceMs: z.number().int().min(0).max(5_000).describe('Reed switch debounce').default(50),
});
export type ShadowSettings = z.infer<typeof ShadowSettings>;
export const DEFAULT_SHADOW_SETTINGS: ShadowSettings = ShadowSettings.parse({});
