import type { AgentConfig } from '@smartdoor/shared';
import { GpioBuzzer } from '../outputs/gpio-buzzer.js';
import { GpiodBuzzer } from '../outputs/gpiod-buzzer.js';
import { GpioDriverUnavailableError } from './errors.js';
import type { CommandRunner } from './gpio/command-runner.js';
import type { GpioFactory } from './gpio/gpio-like.js';
import { GpiodReedSwitch } from './gpio/gpiod-reed-switch.js';
import { type GpioDriverChoice, selectGpioDriver } from './gpio/select-gpio-driver.js';
import { SysfsReedSwitch } from './gpio/sysfs-reed-switch.js';
import type { InputLogger } from './logger.js';
import { SerialBadgeReader, type SerialPortFactory } from './serial/serial-badge-reader.js';
import type { Timers } from './timers.js';
import type { BadgeReader, Buzzer, DoorSensor } from './types.js';

/** What the drivers are built with; every field has a real default. */
export interface HardwareDeps {
  /** @default '/sys' */
  sysfsRoot?: string;
  /** PATH searched for gpiomon when choosing a driver. @default process.env.PATH */
  path?: string;
  /** @default onoff, imported lazily */
  gpioFactory?: GpioFactory;
  /** @default the real gpiod tools */
  runner?: CommandRunner;
  /** @default serialport, imported lazily */
  portFactory?: SerialPortFactory;
  /** Builds the sensor when the config asks for `simulated` (the core owns simulated inputs). */
  simulatedSensor?: () => DoorSensor;
  /** Builds the buzzer when the config asks for `simulated` inputs. */
  simulatedBuzzer?: () => Buzzer;
  now?: () => number;
  timers?: Timers;
  logger?: InputLogger;
}

/** The reed switch driver the config and the machine call for, with the reason it was chosen. */
export function createDoorSensor(
  config: Pick<AgentConfig, 'reedSwitch' | 'door'>,
  deps: HardwareDeps = {},
): { sensor: DoorSensor; choice: GpioDriverChoice } {
  const rs = config.reedSwitch;
  const choice = selectGpioDriver({ requested: rs.driver, sysfsRoot: deps.sysfsRoot, path: deps.path });
  const common = {
    bcmPin: rs.bcmPin,
    wiring: rs.wiring,
    activeLow: rs.activeLow,
    debounceMs: config.door.debounceMs,
    now: deps.now,
    timers: deps.timers,
  };
  switch (choice.driver) {
    case 'sysfs':
      return {
        sensor: new SysfsReedSwitch({ ...common, sysfsRoot: deps.sysfsRoot, gpioFactory: deps.gpioFactory }),
        choice,
      };
    case 'gpiod':
      return {
        sensor: new GpiodReedSwitch({ ...common, gpioChip: rs.gpioChip, runner: deps.runner }),
        choice,
      };
    default:
      if (!deps.simulatedSensor) {
        throw new GpioDriverUnavailableError(
          'reedSwitch.driver is "simulated" but no simulated sensor was supplied',
        );
      }
      return { sensor: deps.simulatedSensor(), choice };
  }
}

/** The serial badge reader, or undefined when the config disables it. */
export function createBadgeReader(
  config: Pick<AgentConfig, 'badgeReader'>,
  deps: HardwareDeps = {},
): BadgeReader | undefined {
  const br = config.badgeReader;
  if (!br.enabled) return undefined;
  return new SerialBadgeReader({
    path: br.path,
    baudRate: br.baudRate,
    protocol: br.protocol,
    reconnectMs: br.reconnectMs,
    portFactory: deps.portFactory,
    now: deps.now,
    timers: deps.timers,
    logger: deps.logger,
  });
}

/**
 * The buzzer, or undefined when the config disables it. It uses the same GPIO driver as
 * the reed switch (reedSwitch.driver and gpioChip): sysfs through onoff, or gpioset.
 */
export function createBuzzer(
  config: Pick<AgentConfig, 'buzzer' | 'reedSwitch'>,
  deps: HardwareDeps = {},
): Buzzer | undefined {
  if (!config.buzzer.enabled) return undefined;
  const choice = selectGpioDriver({
    requested: config.reedSwitch.driver,
    sysfsRoot: deps.sysfsRoot,
    path: deps.path,
  });
  switch (choice.driver) {
    case 'sysfs':
      return new GpioBuzzer({
        bcmPin: config.buzzer.bcmPin,
        sysfsRoot: deps.sysfsRoot,
        gpioFactory: deps.gpioFactory,
        timers: deps.timers,
      });
    case 'gpiod':
      return new GpiodBuzzer({
        bcmPin: config.buzzer.bcmPin,
        gpioChip: config.reedSwitch.gpioChip,
        runner: deps.runner,
        timers: deps.timers,
      });
    default:
      return deps.simulatedBuzzer?.();
  }
}
