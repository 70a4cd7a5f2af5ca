/**
 * Hardware check for a real Pi: `npx tsx device/scripts/hardware-check.ts [options]`.
 * Reads the reed switch for N seconds printing each transition, reads badges (printed as
 * a short hash: ids never leave the device in clear), and beeps the buzzer once.
 * Options: --config FILE (use the agent config), or --pin 17 --serial /dev/serial0
 * --protocol rdm6300|line --buzzer-pin 18 --driver auto|sysfs|gpiod --wiring
 * normally-open|normally-closed; --seconds 30; --no-buzzer; --no-badge.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type AgentConfig, parseAgentConfig } from '@smartdoor/shared';
import { loadAgentConfig } from '../src/config/load-agent-config.js';
import { badgeLogHash } from '../src/inputs/badge-log-hash.js';
import {
  createBadgeReader,
  createBuzzer,
  createDoorSensor,
  type HardwareDeps,
} from '../src/inputs/create-hardware.js';
import type { BadgeReader, Buzzer, DoorSensor } from '../src/inputs/types.js';

export interface HardwareCheckOptions {
  config: AgentConfig;
  seconds: number;
  buzzer: boolean;
  badge: boolean;
  /** Printer; the script prints to stdout. */
  print: (line: string) => void;
  /** Resolves when the check should end (the script waits `seconds`). */
  until?: Promise<void>;
  deps?: HardwareDeps;
}

export interface HardwareCheckSummary {
  transitions: number;
  badges: number;
  badFrames: number;
  problems: string[];
}

export async function runHardwareCheck(opts: HardwareCheckOptions): Promise<HardwareCheckSummary> {
  const { config, print } = opts;
  const started = Date.now();
  const t = () => `+${((Date.now() - started) / 1000).toFixed(2)}s`;
  const summary: HardwareCheckSummary = { transitions: 0, badges: 0, badFrames: 0, problems: [] };
  const problem = (text: string) => {
    summary.problems.push(text);
    print(`  ${t()} PROBLEM ${text}`);
  };
  let sensor: DoorSensor | undefined;
  let reader: BadgeReader | undefined;
  let buzzer: Buzzer | undefined;
  print('smartdoor hardware check');
  try {
    const built = createDoorSensor(config, opts.deps);
    sensor = built.sensor;
    print(`gpio driver: ${built.choice.driver} (${built.choice.reason})`);
    let first = true;
    sensor.onReading((r) => {
      if (first)
        print(`reed switch GPIO${config.reedSwitch.bcmPin}: ${r.state} (${config.reedSwitch.wiring}, start)`);
      else {
        summary.transitions++;
        print(`  ${t()} door ${r.state}`);
      }
      first = false;
    });
    sensor.onError((e) => problem(`reed switch: ${e.message}`));
    await sensor.start();
  } catch (e) {
    problem(`reed switch: ${(e as Error).message}`);
    sensor = undefined;
  }
  if (opts.buzzer) {
    try {
      buzzer = createBuzzer({ ...config, buzzer: { ...config.buzzer, enabled: true } }, opts.deps);
      await buzzer?.start();
      await buzzer?.sound(200);
      print(`buzzer GPIO${config.buzzer.bcmPin}: beep 200 ms (you should hear it)`);
    } catch (e) {
      problem(`buzzer: ${(e as Error).message}`);
    }
  }
  if (opts.badge) {
    const path = config.badgeReader.path;
    reader = createBadgeReader({ badgeReader: { ...config.badgeReader, enabled: true } }, opts.deps);
    let changed = false;
    reader?.onConnectionChange((connected, error) => {
      changed = true;
      // A reader that cannot be opened is a problem (exit 1), as one that cannot be read is.
      if (connected) print(`  ${t()} badge reader ${path}: connected`);
      else problem(`badge reader ${path}: not connected (${error?.message})`);
    });
    reader?.onFrameErrors?.((failing, error) => {
      if (failing) print(`  ${t()} badge reader: ${error?.message}`);
    });
    reader?.onScan((s) => {
      summary.badges++;
      print(`  ${t()} badge ${badgeLogHash(s.badgeId)} (hash of the id)`);
    });
    await reader?.start();
    // A reader found at start is not a change: start() resolves after the first attempt to open.
    if (reader && !changed) print(`  ${t()} badge reader ${path}: connected`);
  }
  print(`watching for ${opts.seconds} s: open and close the door, present a badge`);
  await (opts.until ?? new Promise((r) => setTimeout(r, opts.seconds * 1000)));
  summary.badFrames = reader?.badFrames ?? 0;
  await Promise.allSettled([sensor?.stop(), reader?.stop(), buzzer?.stop()]);
  print(
    `summary: ${summary.transitions} transition(s), ${summary.badges} badge(s), ${summary.badFrames} bad frame(s), ` +
      `${summary.problems.length} problem(s)`,
  );
  return summary;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      seconds: { type: 'string', default: '30' },
      pin: { type: 'string', default: '17' },
      serial: { type: 'string', default: '/dev/serial0' },
      protocol: { type: 'string', default: 'rdm6300' },
      'buzzer-pin': { type: 'string', default: '18' },
      driver: { type: 'string', default: 'auto' },
      wiring: { type: 'string', default: 'normally-open' },
      'no-buzzer': { type: 'boolean', default: false },
      'no-badge': { type: 'boolean', default: false },
    },
  });
  const config = values.config
    ? loadAgentConfig({ path: values.config })
    : parseAgentConfig({
        thingName: 'hardware-check',
        mqtt: { endpoint: 'mqtt://127.0.0.1:1883' },
        reedSwitch: { bcmPin: Number(values.pin), driver: values.driver, wiring: values.wiring },
        badgeReader: { path: values.serial, protocol: values.protocol },
        buzzer: { bcmPin: Number(values['buzzer-pin']) },
      });
  const summary = await runHardwareCheck({
    config,
    seconds: Number(values.seconds),
    buzzer: !values['no-buzzer'],
    badge: !values['no-badge'],
    print: (line) => process.stdout.write(`${line}\n`),
  });
  if (summary.problems.length > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`hardware-check: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
