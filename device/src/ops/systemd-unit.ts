import { InstallOptionError } from './errors.js';

export interface UnitOptions {
  /** Dedicated system user the agent runs as. @default 'smartdoor' */
  user: string;
  /** Absolute path of the agent config. */
  configPath: string;
  /** Absolute path of the data folder (outbox, state): the only place the agent writes. */
  dataDir: string;
  /** Absolute path of node. */
  nodePath: string;
  /** Absolute path of the JS file node runs: the agent bundle, or device/bin/smartdoor-agent.js. */
  agentBin: string;
  /** node flags before agentBin, e.g. --max-semi-space-size=1. @default none */
  nodeArgs?: string[];
  /** The badge reader's device, allowed explicitly besides the usual serial majors. */
  serialPath?: string;
  /** Thing name, for the description. */
  thingName?: string;
  /** @default 5 */
  restartSec?: number;
}

const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** A serial device path: nothing a unit line could be broken or extended with. */
const SERIAL_PATH = /^\/dev\/[A-Za-z0-9._/-]+$/;
/** Newlines and other control characters: a unit line could be broken or extended with them. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The systemd unit for the agent. Hardening follows systemd.exec(5): the service sees the
 * system read-only (ProtectSystem=strict) except its data folder, has no capabilities,
 * and reaches only the devices it needs. Where a usual hardening option would break
 * GPIO or Node.js, the unit says why it is left out.
 */
export function renderUnit(opts: UnitOptions): string {
  // Every value is written into the unit: a newline in one would add directives of its own.
  for (const [name, value] of Object.entries({
    user: opts.user,
    configPath: opts.configPath,
    dataDir: opts.dataDir,
    nodePath: opts.nodePath,
    agentBin: opts.agentBin,
    'badgeReader.path': opts.serialPath,
    thingName: opts.thingName,
  }))
    if (value !== undefined && CONTROL.test(value))
      throw new InstallOptionError(
        `${name} must not contain newlines or control characters, received ${JSON.stringify(value)}`,
      );
  for (const [name, value] of Object.entries({
    configPath: opts.configPath,
    dataDir: opts.dataDir,
    nodePath: opts.nodePath,
    agentBin: opts.agentBin,
  })) {
    if (!value.startsWith('/'))
      throw new InstallOptionError(`${name} must be an absolute path, received ${value}`);
    if (/\s/.test(value))
      throw new InstallOptionError(`${name} must not contain spaces, received ${JSON.stringify(value)}`);
    if (value.includes('%'))
      throw new InstallOptionError(
        `${name} must not contain % (systemd would expand it), received ${JSON.stringify(value)}`,
      );
  }
  if (opts.serialPath !== undefined && !SERIAL_PATH.test(opts.serialPath))
    throw new InstallOptionError(
      `badgeReader.path must be a device path like /dev/serial0 (letters, digits, . _ / -), received ${JSON.stringify(opts.serialPath)}`,
    );
  for (const arg of opts.nodeArgs ?? [])
    if (!/^--[a-z0-9-]+(=[\w.,-]+)?$/.test(arg))
      throw new InstallOptionError(
        `node flags must look like --name or --name=value, received ${JSON.stringify(arg)}`,
      );
  if (!USER.test(opts.user))
    throw new InstallOptionError(`--user must be a system user name, received ${opts.user}`);
  if (opts.user === 'root')
    throw new InstallOptionError(
      '--user must not be root: the agent needs no privileges (create a system user, e.g. smartdoor)',
    );
  // The code under /home or /root would be hidden by ProtectHome=yes: only make it read-only then.
  const inHome = /^\/(home|root)(\/|$)/.test(opts.agentBin) || /^\/(home|root)(\/|$)/.test(opts.nodePath);
  const stateDir = /^\/var\/lib\/([^/]+)$/.exec(opts.dataDir)?.[1];
  const devices = ['char-gpiochip rw', 'char-ttyAMA rw', 'char-ttyS rw', 'char-ttyUSB rw', 'char-ttyACM rw'];
  if (opts.serialPath) devices.push(`${opts.serialPath} rw`);
  const lines = [
    '# Written by smartdoor-agent install-service. Re-run it to change this file.',
    '[Unit]',
    `Description=smartdoor door agent${opts.thingName ? ` (${opts.thingName})` : ''}`,
    '# Wiring and set-up: device/HARDWARE.md in the smartdoor repository.',
    // TLS needs a sane clock: wait for NTP when systemd-time-wait-sync is enabled.
    'Wants=network-online.target',
    'After=network-online.target time-sync.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `User=${opts.user}`,
    `Group=${opts.user}`,
    '# gpio: /sys/class/gpio and /dev/gpiochip*; dialout: the serial badge reader.',
    'SupplementaryGroups=gpio dialout',
    `Environment=SMARTDOOR_AGENT_CONFIG=${opts.configPath}`,
    'Environment=NODE_ENV=production',
    `ExecStart=${[opts.nodePath, ...(opts.nodeArgs ?? []), opts.agentBin].join(' ')} run --config ${opts.configPath}`,
    'Restart=always',
    `RestartSec=${opts.restartSec ?? 5}`,
    '# On SIGTERM the agent stops its inputs and closes the outbox cleanly.',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=20',
    'UMask=0077',
    '',
    '# Filesystem: everything read-only but the data folder (the outbox must survive reboots).',
    'ProtectSystem=strict',
    ...(stateDir ? [`StateDirectory=${stateDir}`, 'StateDirectoryMode=0750'] : []),
    `ReadWritePaths=${opts.dataDir}`,
    inHome ? '# The agent is installed under a home folder: read-only instead of hidden.' : null,
    inHome ? 'ProtectHome=read-only' : 'ProtectHome=yes',
    'PrivateTmp=yes',
    '',
    '# Privileges: none.',
    'NoNewPrivileges=yes',
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'RestrictRealtime=yes',
    'RestrictNamespaces=yes',
    'RemoveIPC=yes',
    'SystemCallArchitectures=native',
    '# MemoryDenyWriteExecute is left off: the V8 JIT needs writable+executable memory.',
    '',
    '# Devices: PrivateDevices=yes would hide /dev/gpiochip* and the serial ports, so it',
    '# stays off and an allow-list closes the rest of /dev instead.',
    'PrivateDevices=no',
    'DevicePolicy=closed',
    ...devices.map((d) => `DeviceAllow=${d}`),
    '# ProtectKernelTunables would make /sys read-only, which breaks sysfs GPIO export.',
    'ProtectKernelTunables=no',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.filter((l) => l !== null).join('\n');
}
