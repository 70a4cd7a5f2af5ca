import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_AGENT_CONFIG_PATH, loadAgentConfig } from '../config/load-agent-config.js';
import { type AgentBundle, buildAgentBundle, defaultBundlePath, devicePackageDir } from './bundle.js';
import { UnitWriteError } from './errors.js';
import { renderUnit } from './systemd-unit.js';

export const UNIT_NAME = 'smartdoor-agent.service';
/** @default '/var/lib/smartdoor' */
export const DEFAULT_DATA_DIR = '/var/lib/smartdoor';
/**
 * The node flags of the unit, as measured by `npm run bench:agent` (device/README.md):
 * --max-semi-space-size=1 caps V8's young generation, which otherwise grows to 3 x 16 MB
 * under load; --lite-mode turns off the optimizing compilers, which a door making a few
 * events a minute does not need. With both the agent stays under 80 MB after 10,000
 * events (75 MB); with the cap alone it measured 89 to 113 MB.
 */
export const DEFAULT_NODE_ARGS: readonly string[] = ['--max-semi-space-size=1', '--lite-mode'];

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
  /**
   * The JS file the unit runs with node.
   * @default the bundle, device/dist/smartdoor-agent.mjs (see bundle.ts); with bundle: false,
   * this package's bin/smartdoor-agent.js (through tsx)
   */
  agentBin?: string;
  /** Run the agent bundle (true) or the TypeScript through tsx (false). @default true */
  bundle?: boolean;
  /** @default DEFAULT_NODE_ARGS */
  nodeArgs?: readonly string[];
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

/** The JS file the unit runs: agentBin, else the bundle, else the tsx bin. */
function agentEntry(opts: InstallServiceOptions): string {
  if (opts.agentBin) return resolve(opts.agentBin);
  return opts.bundle === false ? join(devicePackageDir(), 'bin', 'smartdoor-agent.js') : defaultBundlePath();
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
  const agentBin = agentEntry(opts);
  const nodeArgs = [...(opts.nodeArgs ?? DEFAULT_NODE_ARGS)];
  const unit = renderUnit({
    user,
    configPath,
    dataDir,
    nodePath: opts.nodePath ?? process.execPath,
    agentBin,
    nodeArgs,
    serialPath: config?.badgeReader.enabled ? config.badgeReader.path : undefined,
    thingName: config?.thingName,
  });
  const nextSteps = [
    `sudo useradd --system --user-group --home-dir ${dataDir} --shell /usr/sbin/nologin --groups gpio,dialout ${user}`,
    // -R: an outbox or status file left by a run as root would otherwise be unwritable.
    `sudo install -d -o ${user} -g ${user} -m 0750 ${dataDir} && sudo chown -R ${user}:${user} ${dataDir}`,
    `sudo chown root:${user} ${configPath} && sudo chmod 0640 ${configPath}`,
    ...(config ? credentialSteps(config, configPath, user) : []),
    `sudo -u ${user} ${[opts.nodePath ?? process.execPath, ...nodeArgs, agentBin].join(' ')} doctor --config ${configPath}`,
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

/**
 * Commands that let the service user read what the agent reads. provision writes the
 * certificate, key and CA root-owned 0600 in a root-owned 0700 folder: those files and
 * that folder go to the user. A certificate or CA file already readable by all (e.g. the
 * system CA bundle) is shared and left alone. A private folder further up only gets the
 * search (x) permission for the user's group.
 */
function credentialSteps(
  config: ReturnType<typeof loadAgentConfig>,
  configPath: string,
  user: string,
): string[] {
  const secrets = [config.mqtt.keyFile, config.badgeSecretFile];
  const publics = [config.mqtt.certFile, config.mqtt.caFile].filter((f) => !(f && worldReadable(f)));
  const files = [...new Set([...secrets, ...publics].filter((f): f is string => Boolean(f)))];
  const steps = files.map((f) => `sudo chown ${user}:${user} ${f} && sudo chmod 0600 ${f}`);
  const own = new Set(files.map((f) => dirname(f)).filter(isPrivateDir));
  const search = new Set<string>();
  for (const start of [...files, configPath].map((f) => dirname(f))) {
    for (let d = start; d !== dirname(d); d = dirname(d)) {
      if (!own.has(d) && isPrivateDir(d)) search.add(d);
    }
  }
  for (const d of own) steps.push(`sudo chown ${user}:${user} ${d}`);
  for (const d of search) steps.push(`sudo chgrp ${user} ${d} && sudo chmod g+x ${d}`);
  return steps;
}

function worldReadable(file: string): boolean {
  try {
    return (statSync(file).mode & 0o004) !== 0;
  } catch {
    return false;
  }
}

/** A folder others cannot enter (0700, as provision creates it); false when missing. */
function isPrivateDir(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o001) === 0;
  } catch {
    return false;
  }
}

export interface InstallServiceWithBundleResult extends InstallServiceResult {
  /** The bundle built for the unit; undefined on a dry run or with bundle: false. */
  bundle?: AgentBundle;
}

/**
 * install-service as the command runs it: (re)build the agent bundle the unit will run,
 * then write the unit. A dry run builds nothing and writes nothing. Re-run after an
 * update of the code, since the unit runs the bundle, not the sources.
 */
export async function installServiceWithBundle(
  opts: InstallServiceOptions & { build?: typeof buildAgentBundle } = {},
): Promise<InstallServiceWithBundleResult> {
  const bundled = opts.bundle !== false;
  const outFile = agentEntry(opts);
  // Check the options (user, paths) before spending seconds on a build.
  installService({ ...opts, agentBin: outFile, dryRun: true });
  const bundle = bundled && !opts.dryRun ? await (opts.build ?? buildAgentBundle)({ outFile }) : undefined;
  const result = installService({ ...opts, agentBin: outFile });
  if (bundled && opts.dryRun) result.notes.push(`dry run: ${outFile} not built`);
  return { ...result, bundle };
}
