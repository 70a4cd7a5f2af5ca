import { checkBroker } from './checks/broker-check.js';
import { type CheckResult, fail } from './checks/check-result.js';
import { checkClock } from './checks/clock-check.js';
import { checkConfig } from './checks/config-check.js';
import { type CredentialFs, checkCredentials } from './checks/credentials-check.js';
import { checkDataDir } from './checks/data-dir-check.js';
import { checkGpio } from './checks/gpio-check.js';
import { checkSerial } from './checks/serial-check.js';

export interface DoctorOptions {
  /** Config file. @default env.SMARTDOOR_AGENT_CONFIG, else /etc/smartdoor/agent.json */
  configPath?: string;
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** @default '/sys' */
  sysfsRoot?: string;
  /** PATH searched for gpiomon. @default env.PATH */
  path?: string;
  /** @default () => new Date() */
  now?: () => Date;
  /** Broker probe timeout. @default 5000 */
  brokerTimeoutMs?: number;
  credentialFs?: CredentialFs;
}

/** Every check in order; never throws (a check that breaks is reported as failed). */
export async function runDoctor(opts: DoctorOptions = {}): Promise<CheckResult[]> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? (() => new Date());
  const { result, config } = checkConfig({ path: opts.configPath, env });
  const results: CheckResult[] = [result];
  if (!config) {
    results.push(checkClock(now()));
    return results;
  }
  const guard = (name: string, fn: () => CheckResult | CheckResult[]) => {
    try {
      results.push(...[fn()].flat());
    } catch (cause) {
      results.push(fail(name, `check crashed: ${cause instanceof Error ? cause.message : String(cause)}`));
    }
  };
  guard('credentials', () => checkCredentials(config.mqtt, now(), opts.credentialFs));
  guard('gpio', () => checkGpio(config, { sysfsRoot: opts.sysfsRoot, path: opts.path ?? env.PATH }));
  guard('serial', () => checkSerial(config));
  guard('data dir', () => checkDataDir(config.dataDir));
  const broker = await checkBroker(config.mqtt, { timeoutMs: opts.brokerTimeoutMs });
  results.push(broker.result);
  results.push(checkClock(now(), broker.peerValidity));
  return results;
}

/** One line per check: `ok|warn|fail  name  detail`, columns aligned. */
export function formatDoctor(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results.map((r) => `${r.status.padEnd(4)}  ${r.name.padEnd(width)}  ${r.detail}`).join('\n');
}

export function doctorFailed(results: CheckResult[]): boolean {
  return results.some((r) => r.status === 'fail');
}
