import type { AgentConfig } from '@smartdoor/shared';
import { ConfigInvalidError } from '../../config/errors.js';
import {
  type LoadAgentConfigOptions,
  loadAgentConfig,
  resolveAgentConfigPath,
} from '../../config/load-agent-config.js';
import { type CheckResult, fail, messageOf, ok } from './check-result.js';

/** Load the config; on failure the detail lists every problem (one per field). */
export function checkConfig(opts: LoadAgentConfigOptions): { result: CheckResult; config?: AgentConfig } {
  const path = resolveAgentConfigPath(opts);
  try {
    const config = loadAgentConfig(opts);
    return { result: ok('config', `${path} is valid (thing ${config.thingName})`), config };
  } catch (cause) {
    if (cause instanceof ConfigInvalidError) {
      return {
        result: fail('config', `${path}: ${cause.issues.length} error(s): ${cause.issues.join('; ')}`),
      };
    }
    return { result: fail('config', messageOf(cause)) };
  }
}
