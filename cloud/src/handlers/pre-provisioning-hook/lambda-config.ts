import { parseWith } from '@smartdoor/shared';
import { z } from 'zod';

/** The pre-provisioning hook's environment, validated once at cold start (every bad variable listed). */
export const PreProvisioningHookEnv = z.object({
  ALLOW_LIST_TABLE: z.string().min(1).describe('Serial numbers that may be provisioned (pk serialNumber)'),
});
export type PreProvisioningHookEnv = z.infer<typeof PreProvisioningHookEnv>;

export function readPreProvisioningHookEnv(env: Record<string, string | undefined>): PreProvisioningHookEnv {
  return parseWith(PreProvisioningHookEnv, env, 'pre-provisioning hook environment');
}
