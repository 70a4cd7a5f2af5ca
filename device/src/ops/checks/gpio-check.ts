import type { AgentConfig } from '@smartdoor/shared';
import { selectGpioDriver } from '../../inputs/gpio/select-gpio-driver.js';
import { resolveSysfsGpio } from '../../inputs/gpio/sysfs-gpio.js';
import { type CheckResult, fail, messageOf, ok } from './check-result.js';

/** Which GPIO driver applies and why; with sysfs, also where the pin maps. */
export function checkGpio(
  config: Pick<AgentConfig, 'reedSwitch'>,
  env: { sysfsRoot?: string; path?: string } = {},
): CheckResult {
  const rs = config.reedSwitch;
  try {
    const choice = selectGpioDriver({ requested: rs.driver, sysfsRoot: env.sysfsRoot, path: env.path });
    if (choice.driver !== 'sysfs') return ok('gpio', `${choice.driver}: ${choice.reason}`);
    const pin = resolveSysfsGpio(rs.bcmPin, env.sysfsRoot);
    return ok(
      'gpio',
      `sysfs: ${choice.reason}; GPIO${rs.bcmPin} is sysfs ${pin.sysfsNumber} (${pin.chip.label}, base ${pin.chip.base})`,
    );
  } catch (cause) {
    return fail('gpio', messageOf(cause));
  }
}
