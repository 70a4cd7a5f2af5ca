import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { type AgentConfig, parseAgentConfig } from '@smartdoor/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeFakeSysfs } from '../../inputs/gpio/fake-sysfs.js';
import { SocatPtyPair } from '../../inputs/serial/socat-pty-pair.js';
import { makeTestPki, type TestPki } from '../test-pki.js';
import { brokerAddress, checkBroker } from './broker-check.js';
import { checkClock } from './clock-check.js';
import { checkConfig } from './config-check.js';
import { checkCredentials } from './credentials-check.js';
import { checkDataDir } from './data-dir-check.js';
import { checkGpio } from './gpio-check.js';
import { checkSerial } from './serial-check.js';

// A minute ahead: the test certificates start "now", to the second.
const NOW = new Date(Date.now() + 60_000);
let dir: string;
let pki: TestPki;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'smartdoor-doctor-'));
  pki = makeTestPki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mqtt = (extra: Partial<AgentConfig['mqtt']> = {}): AgentConfig['mqtt'] =>
  parseAgentConfig({ thingName: 'door-001', mqtt: { endpoint: 'mqtts://localhost:8883', ...extra } }).mqtt;

describe('Function: checkConfig', () => {
  it('passes a valid file and lists every error of a bad one', () => {
    // Prepare
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify({ thingName: 'door-001', mqtt: { endpoint: 'mqtt://x' } }));
    writeFileSync(bad, JSON.stringify({ thingName: '', mqtt: {} }));
    // Act
    const a = checkConfig({ path: good, env: {} });
    const b = checkConfig({ path: bad, env: {} });
    const c = checkConfig({ path: join(dir, 'nope.json'), env: {} });
    // Assess
    expect(a.result.status).toBe('ok');
    expect(a.config?.thingName).toBe('door-001');
    expect(b.result).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/2 error\(s\): thingName: .*; mqtt\.endpoint: /),
    });
    expect(c.result.detail).toMatch(/no such file/);
  });
});

describe('Function: checkCredentials', () => {
  it('passes a readable certificate and a 0600 key', () => {
    // Prepare + Act
    const results = checkCredentials(
      mqtt({ certFile: pki.clientCert, keyFile: pki.clientKey, caFile: pki.caCert }),
      NOW,
    );
    // Assess
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['certificate', 'ok'],
      ['private key', 'ok'],
      ['key pair', 'ok'],
      ['ca', 'ok'],
    ]);
    expect(results[0]?.detail).toContain('CN=door-001');
  });

  it('warns on a group-readable key and fails on a world-readable one', () => {
    // Prepare
    const key = join(dir, 'loose.key');
    writeFileSync(key, readFileSync(pki.clientKey));
    // Act
    chmodSync(key, 0o640);
    const group = checkCredentials(mqtt({ certFile: pki.clientCert, keyFile: key }), NOW)[1];
    chmodSync(key, 0o644);
    const world = checkCredentials(mqtt({ certFile: pki.clientCert, keyFile: key }), NOW)[1];
    // Assess
    expect(group).toMatchObject({ status: 'warn', detail: expect.stringContaining('mode 0640') });
    expect(world).toMatchObject({ status: 'fail', detail: expect.stringContaining(`chmod 600 ${key}`) });
  });

  it('fails on missing files, wrong contents and an expired or soon-expiring certificate', () => {
    // Prepare
    const later = new Date(NOW.getTime() + 350 * 86_400_000);
    const muchLater = new Date(NOW.getTime() + 400 * 86_400_000);
    // Act
    const missing = checkCredentials(mqtt({ certFile: join(dir, 'none.pem'), keyFile: pki.clientCert }), NOW);
    const unset = checkCredentials(mqtt(), NOW);
    const soon = checkCredentials(mqtt({ certFile: pki.clientCert, keyFile: pki.clientKey }), later)[0];
    const expired = checkCredentials(
      mqtt({ certFile: pki.clientCert, keyFile: pki.clientKey }),
      muchLater,
    )[0];
    // Assess
    expect(missing.map((r) => r.detail)).toEqual([
      `${join(dir, 'none.pem')}: no such file`,
      `${pki.clientCert} is not a PEM private key`,
    ]);
    expect(unset.map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(soon?.status).toBe('warn');
    expect(expired).toMatchObject({ status: 'fail', detail: expect.stringContaining('expired') });
  });

  it("fails when the key is not the certificate's", () => {
    // Prepare + Act
    const results = checkCredentials(mqtt({ certFile: pki.clientCert, keyFile: pki.strangerKey }), NOW);
    // Assess
    expect(results[2]).toEqual({
      name: 'key pair',
      status: 'fail',
      detail: `${pki.strangerKey} is not the key of ${pki.clientCert}`,
    });
  });

  it('checks the credentials of a bare host, which the agent reaches over TLS', () => {
    // Prepare + Act
    const results = checkCredentials(mqtt({ endpoint: 'a1b2-ats.iot.eu-west-1.amazonaws.com:8883' }), NOW);
    // Assess
    expect(results[0]).toMatchObject({ name: 'certificate', status: 'fail' });
  });

  it('says credentials are not used for plain MQTT', () => {
    // Prepare + Act
    const results = checkCredentials(mqtt({ endpoint: 'mqtt://127.0.0.1:1883' }), NOW);
    // Assess
    expect(results).toEqual([
      { name: 'credentials', status: 'ok', detail: expect.stringContaining('plain MQTT') },
    ]);
  });
});

describe('Function: checkBroker', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  const listen = async (server: Server) => {
    servers.push(server);
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return address.port;
  };
  const tlsBroker = () =>
    createTlsServer({
      key: readFileSync(pki.serverKey),
      cert: readFileSync(pki.serverCert),
      ca: readFileSync(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    }).on('secureConnection', (s) => s.end());

  it('completes a TLS handshake with the client certificate and returns the broker validity', async () => {
    // Prepare
    const port = await listen(tlsBroker());
    // Act
    const probe = await checkBroker(
      mqtt({
        endpoint: `mqtts://localhost:${port}`,
        certFile: pki.clientCert,
        keyFile: pki.clientKey,
        caFile: pki.caCert,
      }),
    );
    // Assess
    expect(probe.result).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(`TLS handshake with localhost:${port}`),
    });
    expect(probe.peerValidity?.to.getTime()).toBeGreaterThan(NOW.getTime());
  });

  it('fails when the broker refuses the client certificate or the CA does not match', async () => {
    // Prepare
    const port = await listen(tlsBroker());
    // Act
    const stranger = await checkBroker(
      mqtt({
        endpoint: `mqtts://localhost:${port}`,
        certFile: pki.strangerCert,
        keyFile: pki.strangerKey,
        caFile: pki.caCert,
      }),
    );
    const untrusted = await checkBroker(
      mqtt({ endpoint: `mqtts://localhost:${port}`, certFile: pki.clientCert, keyFile: pki.clientKey }),
    );
    // Assess
    expect(stranger.result.status).toBe('fail');
    expect(untrusted.result).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/failed: .*certificate/i),
    });
  });

  it.each([
    ['a bare host', (port: number) => `localhost:${port}`],
    ['a URL', (port: number) => `mqtts://localhost:${port}`],
  ])('reaches the broker the agent would for %s (TLS, the given port)', async (_, endpoint) => {
    // Prepare
    const port = await listen(tlsBroker());
    // Act
    const probe = await checkBroker(
      mqtt({
        endpoint: endpoint(port),
        certFile: pki.clientCert,
        keyFile: pki.clientKey,
        caFile: pki.caCert,
      }),
    );
    // Assess
    expect(probe.result).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(`TLS handshake with localhost:${port}`),
    });
  });

  it('connects over plain TCP for mqtt://, and fails on a closed port or a silent server', async () => {
    // Prepare
    const open = await listen(createNetServer((s) => s.end()));
    const silent = await listen(createNetServer(() => {}));
    const closedServer = createNetServer();
    const closed = await listen(closedServer);
    await new Promise((r) => closedServer.close(r));
    servers.splice(servers.indexOf(closedServer), 1);
    // Act
    const a = await checkBroker(mqtt({ endpoint: `mqtt://127.0.0.1:${open}` }));
    const b = await checkBroker(mqtt({ endpoint: `mqtt://127.0.0.1:${closed}` }));
    const c = await checkBroker(mqtt({ endpoint: `mqtts://127.0.0.1:${silent}` }), { timeoutMs: 200 });
    // Assess
    expect(a.result.status).toBe('ok');
    expect(b.result).toMatchObject({ status: 'fail', detail: expect.stringContaining('ECONNREFUSED') });
    expect(c.result).toMatchObject({ status: 'fail', detail: expect.stringContaining('within 200 ms') });
  });

  it('reads the endpoint as the agent does: default ports from the scheme, a bare host as TLS on 8883', () => {
    // Prepare + Act + Assess
    for (const endpoint of [
      'a1b2-ats.iot.eu-west-1.amazonaws.com',
      'a1b2-ats.iot.eu-west-1.amazonaws.com:8883',
      'mqtts://a1b2-ats.iot.eu-west-1.amazonaws.com:8883',
    ]) {
      expect(brokerAddress(endpoint)).toEqual({
        host: 'a1b2-ats.iot.eu-west-1.amazonaws.com',
        port: 8883,
        tls: true,
      });
    }
    expect(brokerAddress('127.0.0.1:9001')).toEqual({ host: '127.0.0.1', port: 9001, tls: true });
    expect(brokerAddress('mqtts://a1b2-ats.iot.eu-west-1.amazonaws.com')).toEqual({
      host: 'a1b2-ats.iot.eu-west-1.amazonaws.com',
      port: 8883,
      tls: true,
    });
    expect(brokerAddress('mqtt://127.0.0.1')).toEqual({ host: '127.0.0.1', port: 1883, tls: false });
    // The transports speak MQTT over TCP only: doctor must not pass what the agent cannot use.
    expect(() => brokerAddress('wss://broker.example.com/mqtt')).toThrow(/wss:\/\/ is not supported/);
    expect(brokerAddress('mqtts://[::1]:8884')).toEqual({ host: '::1', port: 8884, tls: true });
  });
});

describe('Function: checkClock', () => {
  it('fails before 2024 and warns outside the broker certificate validity', () => {
    // Prepare
    const validity = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') };
    // Act + Assess
    expect(checkClock(new Date('1970-01-01T00:00:10Z')).status).toBe('fail');
    expect(checkClock(new Date('2026-06-01T00:00:00Z')).status).toBe('ok');
    expect(checkClock(new Date('2025-06-01T00:00:00Z'), validity).status).toBe('warn');
    expect(checkClock(new Date('2027-06-01T00:00:00Z'), validity).detail).toMatch(/clock ahead/);
    expect(checkClock(new Date('2026-06-01T00:00:00Z'), validity).status).toBe('ok');
  });
});

describe('Function: checkGpio', () => {
  it('says which driver applies and where the pin maps, or why none does', () => {
    // Prepare
    const sysfs = makeFakeSysfs([{ label: 'pinctrl-rp1', base: 571, ngpio: 54 }]);
    const none = makeFakeSysfs([], { withExport: false });
    const config = parseAgentConfig({ thingName: 'd', mqtt: { endpoint: 'mqtt://x' } });
    // Act
    const a = checkGpio(config, { sysfsRoot: sysfs.root, path: '' });
    const b = checkGpio(config, { sysfsRoot: none.root, path: '' });
    sysfs.remove();
    none.remove();
    // Assess
    expect(a).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('GPIO17 is sysfs 588 (pinctrl-rp1, base 571)'),
    });
    expect(b).toMatchObject({ status: 'fail', detail: expect.stringContaining('gpiomon is not on PATH') });
  });
});

describe('Function: checkSerial', () => {
  it('finds a real pty, and names a missing or disabled port', async () => {
    // Prepare
    const pty = new SocatPtyPair(join(dir, 'pa'), join(dir, 'pb'));
    await pty.start();
    const cfg = (extra: object) =>
      parseAgentConfig({ thingName: 'd', mqtt: { endpoint: 'mqtt://x' }, badgeReader: extra });
    const plain = join(dir, 'plain-file');
    writeFileSync(plain, '');
    // Act
    const present = checkSerial(cfg({ path: join(dir, 'pb') }));
    await pty.stop();
    const missing = checkSerial(cfg({ path: join(dir, 'pb') }));
    const notDevice = checkSerial(cfg({ path: plain }));
    const disabled = checkSerial(cfg({ enabled: false }));
    // Assess
    expect(present).toMatchObject({ status: 'ok', detail: expect.stringContaining('rdm6300, 9600 baud') });
    expect(missing).toMatchObject({ status: 'fail', detail: expect.stringContaining('does not exist') });
    expect(notDevice.status).toBe('warn');
    expect(disabled.status).toBe('ok');
  });
});

describe('Function: checkDataDir', () => {
  it('passes a writable folder and warns on a missing one', () => {
    // Prepare
    const data = join(dir, 'data');
    mkdirSync(data);
    // Act + Assess
    expect(checkDataDir(data).status).toBe('ok');
    expect(checkDataDir(join(dir, 'missing')).status).toBe('warn');
    expect(checkDataDir(pki.caCert).status).toBe('fail');
  });
});
