import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_AGENT_CONFIG_PATH, loadAgentConfig } from '../config/load-agent-config.js';
import { UnitWriteError } from './errors.js';
import { renderUnit } from './systemd-unit.js';

export const UNIT_NAME = 'smartdoor-agent.service';
/** @default '/var/lib/smartdoor' */
export const DEFAULT_DATA_DIR = '/var/lib/smartdoor';

export interface InstallServiceOptions {
  /** @default env SMARTDOOR_AGENT_CONFIG, else /etc/smartdoor/agent.json */
  configPath?: string;
  /** @default 'smartdoor' */
  user?: string;
  /** @default the config's dataDir, else /var/lib/smartdoor */
  dataDir?: string;
  /** @default '/etc/systemd/system' */
  unitDir?: string;
  /** Print the unit instead of writing it. @default false */
  dryRun?: boolean;
  /** @default process.execPath */
  nodePath?: string;
  /** @default this package's bin/smartdoor-agent.js */
  agentBin?: string;
  /** @default process.env */
  env?: Record<string, string | undefined>;
}

export interface InstallServiceResult {
  unit: string;
  /** Where the unit was written; undefined on a dry run. */
  unitPath?: string;
  /** What to run next, one command a line. */
  nextSteps: string[];
  /** Things worth knowing (e.g. the config could not be read, so defaults were used). */
  notes: string[];
}

export function installService(opts: InstallServiceOptions = {}): InstallServiceResult {
  const env = opts.env ?? process.env;
  const configPath = resolve(opts.configPath ?? env.SMARTDOOR_AGENT_CONFIG ?? DEFAULT_AGENT_CONFIG_PATH);
  const user = opts.user ?? 'smartdoor';
  const notes: string[] = [];
  let config: ReturnType<typeof loadAgentConfig> | undefined;
  try {
    config = loadAgentConfig({ path: configPath, env });
  } catch (cause) {
    notes.push(`config not read (${cause instanceof Error ? cause.message : String(cause)}); using defaults`);
  }
  const dataDir = resolve(opts.dataDir ?? config?.dataDir ?? DEFAULT_DATA_DIR);
  const agentBin = opts.agentBin ?? fileURLToPath(new URL('../../bin/smartdoor-agent.js', import.meta.url));
  const unit = renderUnit({
    user,
    configPath,
    dataDir,
    nodePath: opts.nodePath ?? process.execPath,
    agentBin: isAbsolute(agentBin) ? agentBin : resolve(agentBin),
    serialPath: config?.badgeReader.enabled ? config.badgeReader.path : undefined,
    thingName: config?.thingName,
  });
  const keyFiles = [config?.mqtt.keyFile, config?.badgeSecretFile].filter((f): f is string => Boolean(f));
  const nextSteps = [
    `sudo useradd --system --user-group --home-dir ${dataDir} --shell /usr/sbin/nologin --groups gpio,dialout ${user}`,
    `sudo install -d -o ${user} -g ${user} -m 0750 ${dataDir}`,
    `sudo chown root:${user} ${configPath} && sudo chmod 0640 ${configPath}`,
    ...keyFiles.map((f) => `sudo chown ${user}:${user} ${f} && sudo chmod 0600 ${f}`),
    `sudo -u ${user} ${opts.nodePath ?? process.execPath} ${agentBin} doctor --config ${configPath}`,
    'sudo systemctl daemon-reload',
    `sudo systemctl enable --now ${UNIT_NAME}`,
    `journalctl -u ${UNIT_NAME} -f`,
  ];
  if (opts.dryRun) return { unit, nextSteps, notes };
  const unitDir = opts.unitDir ?? '/etc/systemd/system';
  const unitPath = join(unitDir, UNIT_NAME);
  try {
    mkdirSync(unitDir, { recursive: true });
    writeFileSync(unitPath, unit, { mode: 0o644 });
  } catch (cause) {
    throw new UnitWriteError(unitPath, { cause });
  }
  return { unit, unitPath, nextSteps, notes };
}
