import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeFakeSysfs } from '../inputs/gpio/fake-sysfs.js';
import { SocatPtyPair } from '../inputs/serial/socat-pty-pair.js';
import { doctorFailed, formatDoctor, runDoctor } from './doctor.js';
import { doctorCommand } from './doctor-command.js';
import { makeTestPki, type TestPki } from './test-pki.js';

describe('Function: runDoctor', () => {
  let dir: string;
  let pki: TestPki;
  let broker: Server;
  let port: number;
  let pty: SocatPtyPair;
  let sysfs: ReturnType<typeof makeFakeSysfs>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-doctor-run-'));
    pki = makeTestPki(dir);
    broker = createServer({
      key: readFileSync(pki.serverKey),
      cert: readFileSync(pki.serverCert),
      ca: readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    }).on('secureConnection', (s) => s.end());
    await new Promise<void>((r) => broker.listen(0, '127.0.0.1', r));
    port = (broker.address() as { port: number }).port;
    pty = new SocatPtyPair(join(dir, 'reader-a'), join(dir, 'reader-b'));
    await pty.start();
    sysfs = makeFakeSysfs([{ label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
    mkdirSync(join(dir, 'data'));
  });
  afterAll(async () => {
    await pty.stop();
    await new Promise((r) => broker.close(r));
    sysfs.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  const writeConfig = (extra: object = {}) => {
    const path = join(dir, 'agent.json');
    writeFileSync(
      path,
      JSON.stringify({
        thingName: 'door-001',
        dataDir: 'data',
        mqtt: {
          endpoint: `mqtts://localhost:${port}`,
          certFile: 'client.pem',
          keyFile: 'client.key',
          caFile: 'ca.pem',
        },
        badgeReader: { path: join(dir, 'reader-b') },
        ...extra,
      }),
    );
    return path;
  };

  it('passes every check on a healthy installation', async () => {
    // Prepare
    const configPath = writeConfig();
    // Act
    const results = await runDoctor({ configPath, env: {}, sysfsRoot: sysfs.root, path: '' });
    // Assess
    expect(results.map((r) => `${r.status} ${r.name}`)).toEqual([
      'ok config',
      'ok certificate',
      'ok private key',
      'ok key pair',
      'ok ca',
      'ok gpio',
      'ok serial',
      'ok data dir',
      'ok broker',
      'ok clock',
    ]);
    expect(doctorFailed(results)).toBe(false);
    expect(formatDoctor(results).split('\n')[5]).toMatch(/^ok {4}gpio {9}sysfs: .*GPIO17 is sysfs 529/);
  });

  it('stops after a broken config, still checking the clock', async () => {
    // Prepare
    const configPath = join(dir, 'broken.json');
    writeFileSync(configPath, '{');
    // Act
    const results = await runDoctor({ configPath, env: {} });
    // Assess
    expect(results.map((r) => `${r.status} ${r.name}`)).toEqual(['fail config', 'ok clock']);
    expect(doctorFailed(results)).toBe(true);
  });
});

describe('Function: doctorCommand', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('prints JSON and sets exit code 1 when a check fails', async () => {
    // Prepare
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    // Act
    await doctorCommand().parseAsync(['--config', '/nonexistent/agent.json', '--json'], { from: 'user' });
    // Assess
    const report = JSON.parse(out.join(''));
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ name: 'config', status: 'fail' });
    expect(process.exitCode).toBe(1);
  });
});
