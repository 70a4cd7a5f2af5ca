import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findOnPath } from '../inputs/gpio/select-gpio-driver.js';
import { defaultBundlePath, devicePackageDir } from './bundle.js';
import { InstallOptionError, UnitWriteError } from './errors.js';
import { DEFAULT_NODE_ARGS, installService, UNIT_NAME } from './install-service.js';
import { installServiceCommand } from './install-service-command.js';
import { renderUnit } from './systemd-unit.js';

const BASE = {
  user: 'smartdoor',
  configPath: '/etc/smartdoor/agent.json',
  dataDir: '/var/lib/smartdoor',
  nodePath: '/usr/bin/node',
  agentBin: '/opt/smartdoor/device/bin/smartdoor-agent.js',
};
/** The value(s) of a directive in a rendered unit. */
const directive = (unit: string, key: string) =>
  unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

describe('Function: renderUnit', () => {
  it('refuses a badge reader path that would inject lines into the unit', () => {
    // Prepare
    const serialPath = '/dev/ttyS0 rw\nExecStartPre=/bin/sh -c "id>/tmp/pwn"\nDeviceAllow=/dev/mem';
    // Act
    const act = () => renderUnit({ ...BASE, serialPath });
    // Assess
    expect(act).toThrow(InstallOptionError);
    expect(act).toThrow(/^badgeReader\.path must not contain newlines or control characters/);
  });

  it('refuses a badge reader path that is not a plain device path', () => {
    // Prepare + Act
    const act = () => renderUnit({ ...BASE, serialPath: '/dev/tty%n' });
    // Assess
    expect(act).toThrow(/^badgeReader\.path must be a device path like \/dev\/serial0/);
  });

  it.each([
    ['thingName', { thingName: 'door\nExecStartPre=/bin/true' }],
    ['configPath', { configPath: '/etc/smartdoor/a\u0001.json' }],
    ['dataDir', { dataDir: '/var/lib/smart%hdoor' }],
  ])('refuses a control character or specifier in %s, naming it', (name, extra) => {
    // Prepare + Act
    const act = () => renderUnit({ ...BASE, ...extra });
    // Assess
    expect(act).toThrow(InstallOptionError);
    expect(act).toThrow(new RegExp(`^${name} must not contain`));
  });

  it('refuses to run the agent as root', () => {
    // Prepare + Act
    const act = () => renderUnit({ ...BASE, user: 'root' });
    // Assess
    expect(act).toThrow(/^--user must not be root: the agent needs no privileges/);
  });

  it('runs the agent as the dedicated user in the gpio and dialout groups, restarting always', () => {
    // Prepare + Act
    const unit = renderUnit({ ...BASE, thingName: 'door-001' });
    // Assess
    expect(directive(unit, 'ExecStart')).toEqual([
      '/usr/bin/node /opt/smartdoor/device/bin/smartdoor-agent.js run --config /etc/smartdoor/agent.json',
    ]);
    expect(directive(unit, 'User')).toEqual(['smartdoor']);
    expect(directive(unit, 'SupplementaryGroups')).toEqual(['gpio dialout']);
    expect(directive(unit, 'Restart')).toEqual(['always']);
    expect(directive(unit, 'RestartSec')).toEqual(['5']);
    expect(directive(unit, 'Description')).toEqual(['smartdoor door agent (door-001)']);
    expect(directive(unit, 'WantedBy')).toEqual(['multi-user.target']);
  });

  it('hardens the service: read-only system but the data folder, no capabilities, listed devices only', () => {
    // Prepare + Act
    const unit = renderUnit({ ...BASE, serialPath: '/dev/ttyUSB0' });
    // Assess
    expect(directive(unit, 'ProtectSystem')).toEqual(['strict']);
    expect(directive(unit, 'ReadWritePaths')).toEqual(['/var/lib/smartdoor']);
    expect(directive(unit, 'StateDirectory')).toEqual(['smartdoor']);
    expect(directive(unit, 'ProtectHome')).toEqual(['yes']);
    expect(directive(unit, 'PrivateTmp')).toEqual(['yes']);
    expect(directive(unit, 'NoNewPrivileges')).toEqual(['yes']);
    expect(directive(unit, 'CapabilityBoundingSet')).toEqual(['']);
    expect(directive(unit, 'PrivateDevices')).toEqual(['no']);
    expect(directive(unit, 'DevicePolicy')).toEqual(['closed']);
    expect(directive(unit, 'DeviceAllow')).toContain('char-gpiochip rw');
    expect(directive(unit, 'DeviceAllow')).toContain('/dev/ttyUSB0 rw');
    expect(directive(unit, 'ProtectKernelTunables')).toEqual(['no']);
    expect(directive(unit, 'MemoryDenyWriteExecute')).toEqual([]);
    expect(unit).toMatch(/# Devices: PrivateDevices=yes would hide/);
  });

  it('uses ReadWritePaths only for a data folder outside /var/lib, and keeps home readable for code there', () => {
    // Prepare + Act
    const unit = renderUnit({
      ...BASE,
      dataDir: '/srv/smartdoor/data',
      agentBin: '/home/pi/smartdoor/device/bin/smartdoor-agent.js',
    });
    // Assess
    expect(directive(unit, 'StateDirectory')).toEqual([]);
    expect(directive(unit, 'ReadWritePaths')).toEqual(['/srv/smartdoor/data']);
    expect(directive(unit, 'ProtectHome')).toEqual(['read-only']);
  });

  it('puts node flags between node and the agent file', () => {
    // Prepare + Act
    const unit = renderUnit({ ...BASE, nodeArgs: ['--max-semi-space-size=1', '--lite-mode'] });
    // Assess
    expect(directive(unit, 'ExecStart')).toEqual([
      '/usr/bin/node --max-semi-space-size=1 --lite-mode /opt/smartdoor/device/bin/smartdoor-agent.js run --config /etc/smartdoor/agent.json',
    ]);
  });

  it('refuses a node flag that could smuggle another word into ExecStart', () => {
    // Prepare + Act + Assess
    expect(() => renderUnit({ ...BASE, nodeArgs: ['--max-semi-space-size=1 --inspect'] })).toThrow(
      /node flags must look like --name or --name=value/,
    );
    expect(() => renderUnit({ ...BASE, nodeArgs: ['-e'] })).toThrow(InstallOptionError);
  });

  it('refuses relative paths, spaces and bad user names', () => {
    // Prepare + Act + Assess
    expect(() => renderUnit({ ...BASE, dataDir: 'data' })).toThrow(InstallOptionError);
    expect(() => renderUnit({ ...BASE, configPath: '/etc/smart door.json' })).toThrow(
      /must not contain spaces/,
    );
    expect(() => renderUnit({ ...BASE, user: 'Root User' })).toThrow(/--user must be a system user name/);
  });

  // systemd-analyze is part of systemd; on a machine without it there is nothing to verify with.
  it.skipIf(!findOnPath('systemd-analyze'))('passes systemd-analyze verify', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'smartdoor-unit-'));
    const unitPath = join(dir, UNIT_NAME);
    writeFileSync(
      unitPath,
      renderUnit({
        ...BASE,
        nodePath: process.execPath,
        agentBin: process.execPath,
        nodeArgs: [...DEFAULT_NODE_ARGS],
      }),
    );
    // Act
    let output = '';
    try {
      output = execFileSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      output = String((e as { stderr?: string }).stderr ?? e);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Assess
    expect(output).not.toMatch(/Unknown (key|section)|Failed to parse|Invalid/i);
  });
});

describe('Function: installService', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-install-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the unit with the data folder and serial port from the config, and lists the next commands', () => {
    // Prepare
    const configPath = join(dir, 'agent.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        thingName: 'door-007',
        dataDir: '/var/lib/door7',
        mqtt: { endpoint: 'mqtts://x:8883', keyFile: '/etc/smartdoor/key.pem' },
        badgeReader: { path: '/dev/ttyAMA0' },
      }),
    );
    const unitDir = join(dir, 'units');
    // Act
    const result = installService({
      configPath,
      unitDir,
      env: {},
      nodePath: '/usr/bin/node',
      agentBin: BASE.agentBin,
    });
    // Assess
    const written = readFileSync(join(unitDir, UNIT_NAME), 'utf8');
    expect(result.unitPath).toBe(join(unitDir, UNIT_NAME));
    expect(written).toBe(result.unit);
    expect(statSync(join(unitDir, UNIT_NAME)).mode & 0o777).toBe(0o644);
    expect(directive(written, 'ReadWritePaths')).toEqual(['/var/lib/door7']);
    expect(directive(written, 'DeviceAllow')).toContain('/dev/ttyAMA0 rw');
    expect(result.nextSteps[0]).toMatch(/^sudo useradd --system .*--groups gpio,dialout smartdoor$/);
    expect(result.nextSteps).toContain(
      'sudo chown smartdoor:smartdoor /etc/smartdoor/key.pem && sudo chmod 0600 /etc/smartdoor/key.pem',
    );
    expect(result.nextSteps).toContain('sudo systemctl daemon-reload');
    expect(result.nextSteps).toContain(`sudo systemctl enable --now ${UNIT_NAME}`);
    expect(result.notes).toEqual([]);
  });

  it('gives the service user every file the agent reads and the private folders provision made', () => {
    // Prepare: what provision writes (0600 files in a 0700 folder), a badge secret, and a
    // CA readable by all (a shared bundle), in a private folder above the config's.
    const top = join(dir, 'private');
    const certs = join(top, 'etc', 'certs');
    mkdirSync(certs, { recursive: true });
    chmodSync(top, 0o700);
    chmodSync(certs, 0o700);
    const file = (name: string, mode: number) => {
      const p = join(certs, name);
      writeFileSync(p, 'x');
      chmodSync(p, mode);
      return p;
    };
    const [cert, key, ca, secret] = [
      file('device.crt', 0o600),
      file('device.key', 0o600),
      file('ca.crt', 0o600),
      file('badge-secret', 0o600),
    ];
    const configPath = join(top, 'etc', 'agent.json');
    const mqtt = { endpoint: 'mqtts://x:8883', certFile: cert, keyFile: key, caFile: ca };
    writeFileSync(configPath, JSON.stringify({ thingName: 'door-007', mqtt, badgeSecretFile: secret }));
    const sharedCa = join(dir, 'shared-ca.pem');
    writeFileSync(sharedCa, 'x');
    chmodSync(sharedCa, 0o644);
    // Act
    const { nextSteps } = installService({ configPath, user: 'door', dryRun: true, env: {} });
    writeFileSync(configPath, JSON.stringify({ thingName: 'door-007', mqtt: { ...mqtt, caFile: sharedCa } }));
    const withSharedCa = installService({ configPath, user: 'door', dryRun: true, env: {} }).nextSteps;
    // Assess
    for (const f of [cert, key, ca, secret]) {
      expect(nextSteps).toContain(`sudo chown door:door ${f} && sudo chmod 0600 ${f}`);
    }
    expect(nextSteps).toContain(`sudo chown door:door ${certs}`);
    expect(nextSteps).toContain(`sudo chgrp door ${top} && sudo chmod g+x ${top}`);
    expect(nextSteps.findIndex((l) => l.includes(' doctor '))).toBeGreaterThan(
      nextSteps.indexOf(`sudo chown door:door ${certs}`),
    );
    expect(withSharedCa.join('\n')).not.toContain(sharedCa);
  });

  it('hands the data folder and anything already in it to the service user', () => {
    // Prepare + Act
    const result = installService({ configPath: join(dir, 'missing.json'), dryRun: true, env: {} });
    // Assess: an outbox left by a run as root would be unwritable for the service
    expect(result.nextSteps).toContain(
      'sudo install -d -o smartdoor -g smartdoor -m 0750 /var/lib/smartdoor && sudo chown -R smartdoor:smartdoor /var/lib/smartdoor',
    );
  });

  it('falls back to defaults with a note when the config cannot be read, and writes nothing on a dry run', () => {
    // Prepare
    const unitDir = join(dir, 'units');
    // Act
    const result = installService({ configPath: join(dir, 'missing.json'), unitDir, dryRun: true, env: {} });
    // Assess
    expect(result.unitPath).toBeUndefined();
    expect(directive(result.unit, 'ReadWritePaths')).toEqual(['/var/lib/smartdoor']);
    expect(result.notes[0]).toMatch(/config not read .*no such file.*using defaults/);
    expect(() => statSync(unitDir)).toThrow();
  });

  it('runs the bundle with plain node and a capped young generation and lite mode by default, the tsx bin on request', () => {
    // Prepare + Act
    const bundled = installService({
      configPath: join(dir, 'missing.json'),
      dryRun: true,
      env: {},
      nodePath: '/usr/bin/node',
    });
    const tsx = installService({
      configPath: join(dir, 'missing.json'),
      dryRun: true,
      env: {},
      nodePath: '/usr/bin/node',
      bundle: false,
    });
    // Assess
    expect(directive(bundled.unit, 'ExecStart')[0]).toBe(
      `/usr/bin/node --max-semi-space-size=1 --lite-mode ${defaultBundlePath()} run --config ${join(dir, 'missing.json')}`,
    );
    expect(defaultBundlePath()).toBe(join(devicePackageDir(), 'dist', 'smartdoor-agent.mjs'));
    expect(bundled.nextSteps).toContain(
      `sudo -u smartdoor /usr/bin/node --max-semi-space-size=1 --lite-mode ${defaultBundlePath()} doctor --config ${join(dir, 'missing.json')}`,
    );
    expect(directive(tsx.unit, 'ExecStart')[0]).toMatch(
      /^\/usr\/bin\/node --max-semi-space-size=1 --lite-mode \/.*\/bin\/smartdoor-agent\.js run --config /,
    );
  });

  it('names the unit path it could not write', () => {
    // Prepare: a folder path through a plain file fails for root too (ENOTDIR).
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const unitDir = join(blocker, 'units');
    // Act
    const act = () => installService({ configPath: join(dir, 'missing.json'), unitDir, env: {} });
    // Assess
    expect(act).toThrow(UnitWriteError);
    expect(act).toThrow(`cannot write ${join(unitDir, UNIT_NAME)}: ENOTDIR`);
  });

  it('tells to use sudo when permission is denied', () => {
    // Prepare + Act
    const error = new UnitWriteError('/etc/systemd/system/x.service', {
      cause: Object.assign(new Error('EACCES'), { code: 'EACCES' }),
    });
    // Assess
    expect(error.message).toBe(
      'cannot write /etc/systemd/system/x.service: permission denied (run with sudo, or pass --unit-dir)',
    );
  });
});

describe('Function: installServiceCommand', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('prints the unit and the next steps on --dry-run', async () => {
    // Prepare
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    // Act
    await installServiceCommand().parseAsync(
      ['--config', '/nonexistent/agent.json', '--user', 'door', '--data-dir', '/var/lib/doorx', '--dry-run'],
      { from: 'user' },
    );
    // Assess
    const text = out.join('');
    expect(text).toContain('User=door\n');
    expect(text).toContain('ReadWritePaths=/var/lib/doorx\n');
    expect(text).toContain('sudo systemctl enable --now smartdoor-agent.service');
    expect(process.exitCode).toBeUndefined();
  });

  it('describes the restart policy the unit has (Restart=always)', () => {
    // Prepare + Act
    const description = installServiceCommand().description();
    // Assess
    expect(directive(renderUnit(BASE), 'Restart')).toEqual(['always']);
    expect(description).toContain('restarted always');
    expect(description).not.toMatch(/on failure/);
  });

  it('refuses --user root on stderr with exit code 2', async () => {
    // Prepare
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    // Act
    await installServiceCommand().parseAsync(['--config', '/x.json', '--user', 'root', '--dry-run'], {
      from: 'user',
    });
    // Assess
    expect(err.join('')).toMatch(/^install-service: --user must not be root/);
    expect(process.exitCode).toBe(2);
  });

  it('reports a bad option on stderr with exit code 2', async () => {
    // Prepare
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    // Act
    await installServiceCommand().parseAsync(['--config', '/x.json', '--user', 'Bad User', '--dry-run'], {
      from: 'user',
    });
    // Assess
    expect(err.join('')).toMatch(/^install-service: --user must be a system user name/);
    expect(process.exitCode).toBe(2);
  });
});
