import { webcrypto, X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateIdOf, commonNameOf, LocalCa } from './ca.js';
import { CertificateAuthorityError, InvalidCsrError } from './errors.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

async function csrFor(cn: string): Promise<{ pem: string; publicKeyDer: Buffer }> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return { pem: csr.toString('pem'), publicKeyDer: Buffer.from(spki) };
}

describe('Class: LocalCa', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-ca-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('Method: open', () => {
    it('creates the CA in a 0700 folder with 0600 keys, and loads the same CA next time', async () => {
      // Prepare
      const caDir = join(dir, 'ca');

      // Act
      const first = await LocalCa.open({ dir: caDir });
      const second = await LocalCa.open({ dir: caDir });

      // Assess
      expect((await stat(caDir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(caDir, 'ca.key'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(caDir, 'server.key'))).mode & 0o777).toBe(0o600);
      expect(second.caCertPem).toBe(first.caCertPem);
      expect(await readFile(first.caCertPath, 'utf8')).toBe(first.caCertPem);
    });

    it('makes an existing ca.key 0600 again when it was left readable to others', async () => {
      // Prepare: a key made 0644 by hand (a copy, a restore from backup).
      const caDir = join(dir, 'ca');
      await LocalCa.open({ dir: caDir });
      await chmod(join(caDir, 'ca.key'), 0o644);

      // Act
      await LocalCa.open({ dir: caDir });

      // Assess
      expect((await stat(join(caDir, 'ca.key'))).mode & 0o777).toBe(0o600);
    });

    it('makes ca.crt again from ca.key when only the key is there, and what it signed stays valid', async () => {
      // Prepare: a CA that issued a door certificate, then lost its certificate (a first
      // start killed between the two writes by an older version, or a deleted file).
      const caDir = join(dir, 'ca');
      const before = await LocalCa.open({ dir: caDir });
      const door = new X509Certificate((await before.issueThingCertificate('door-001')).certificatePem);
      await rm(join(caDir, 'ca.crt'));

      // Act
      const after = await LocalCa.open({ dir: caDir });

      // Assess
      const caCert = new X509Certificate(await readFile(join(caDir, 'ca.crt'), 'utf8'));
      expect(caCert.ca).toBe(true);
      expect(door.checkIssued(caCert)).toBe(true);
      expect(door.verify(caCert.publicKey)).toBe(true);
      expect(new X509Certificate(after.caCertPem).fingerprint256).toBe(caCert.fingerprint256);
    });

    it('makes the CA afresh when a first start was killed before writing the key', async () => {
      // Prepare: what a kill between the certificate (written first) and the key leaves,
      // and a temp file of the write the kill interrupted.
      const caDir = join(dir, 'ca');
      const first = await LocalCa.open({ dir: caDir });
      await rm(join(caDir, 'ca.key'));
      await writeFile(join(caDir, 'ca.key.4242.tmp'), 'half a ke');

      // Act
      const again = await LocalCa.open({ dir: caDir });

      // Assess
      expect(again.caCertPem).not.toBe(first.caCertPem);
      expect((await stat(join(caDir, 'ca.key'))).mode & 0o777).toBe(0o600);
      expect(await readdir(caDir)).not.toContain('ca.key.4242.tmp');
      const door = new X509Certificate((await again.issueThingCertificate('door-001')).certificatePem);
      expect(door.verify(new X509Certificate(await readFile(join(caDir, 'ca.crt'), 'utf8')).publicKey)).toBe(
        true,
      );
    });

    it('issues a server certificate for localhost, 127.0.0.1 and the configured host', async () => {
      // Prepare
      const ca = await LocalCa.open({ dir: join(dir, 'ca'), serverNames: ['door-hub.local'] });

      // Act
      const server = new X509Certificate(ca.serverCertPem);

      // Assess
      expect(server.checkHost('localhost')).toBe('localhost');
      expect(server.checkHost('door-hub.local')).toBe('door-hub.local');
      expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(server.verify(new X509Certificate(ca.caCertPem).publicKey)).toBe(true);
    });

    it('names the folder when it cannot create the CA', async () => {
      // Prepare
      const blocked = join(dir, 'file');
      await (await import('node:fs/promises')).writeFile(blocked, 'x');

      // Act
      const outcome = LocalCa.open({ dir: join(blocked, 'ca') });

      // Assess
      await expect(outcome).rejects.toThrow(CertificateAuthorityError);
      await expect(outcome).rejects.toThrow(/cannot open the local CA in .*file\/ca/);
    });
  });

  describe('Method: issueThingCertificate', () => {
    it('issues a client certificate with CN = thing name, signed by the CA, with its key', async () => {
      // Prepare
      const ca = await LocalCa.open({ dir: join(dir, 'ca') });

      // Act
      const issued = await ca.issueThingCertificate('door-001');

      // Assess
      const cert = new X509Certificate(issued.certificatePem);
      expect(commonNameOf(issued.certificatePem)).toBe('door-001');
      expect(cert.verify(new X509Certificate(ca.caCertPem).publicKey)).toBe(true);
      expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
      expect(issued.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(issued.certificateId).toBe(certificateIdOf(issued.certificatePem));
      expect(issued.certificateId).toMatch(/^[0-9a-f]{64}$/);
    });

    it('certifies the public key of a CSR and returns no private key', async () => {
      // Prepare
      const ca = await LocalCa.open({ dir: join(dir, 'ca') });
      const csr = await csrFor('whatever');

      // Act
      const issued = await ca.issueThingCertificate('door-002', { csrPem: csr.pem });

      // Assess
      const cert = new X509Certificate(issued.certificatePem);
      expect(issued.privateKeyPem).toBeUndefined();
      expect(cert.publicKey.export({ type: 'spki', format: 'der' })).toEqual(csr.publicKeyDer);
      expect(commonNameOf(issued.certificatePem)).toBe('door-002');
    });

    it.each([
      [
        'text that is no CSR',
        '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----',
        /not a PEM PKCS#10/,
      ],
      ['garbage', 'hello', /not a PEM PKCS#10/],
    ])('refuses %s with InvalidCsrError', async (_name, pem, message) => {
      // Prepare
      const ca = await LocalCa.open({ dir: join(dir, 'ca') });

      // Act
      const outcome = ca.issueThingCertificate('door-003', { csrPem: pem });

      // Assess
      await expect(outcome).rejects.toThrow(InvalidCsrError);
      await expect(outcome).rejects.toThrow(message);
    });

    it('refuses a CSR whose signature does not verify', async () => {
      // Prepare
      const ca = await LocalCa.open({ dir: join(dir, 'ca') });
      const csr = new x509.Pkcs10CertificateRequest((await csrFor('door-004')).pem);
      const raw = Buffer.from(csr.rawData);
      raw[raw.length - 5] = raw[raw.length - 5]! ^ 0xff;
      const tampered = x509.PemConverter.encode(raw, 'CERTIFICATE REQUEST');

      // Act
      const outcome = ca.issueThingCertificate('door-004', { csrPem: tampered });

      // Assess
      await expect(outcome).rejects.toThrow(InvalidCsrError);
    });

    it('refuses a name that is no thing name', async () => {
      // Prepare
      const ca = await LocalCa.open({ dir: join(dir, 'ca') });

      // Act
      const outcome = ca.issueThingCertificate('door/001');

      // Assess
      await expect(outcome).rejects.toThrow(CertificateAuthorityError);
      await expect(outcome).rejects.toThrow(/thingName/);
    });
  });

  describe('Method: issueThingCertificates', () => {
    it('issues many certificates sharing one key pair, each for its own thing', async () => {
      // Prepare
      const ca = await LocalCa.open({ dir: join(dir, 'ca') });
      const names = Array.from({ length: 20 }, (_, i) => `sim-${i}`);

      // Act
      const issued = await ca.issueThingCertificates(names);

      // Assess
      expect(issued.map((i) => commonNameOf(i.certificatePem))).toEqual(names);
      expect(new Set(issued.map((i) => i.privateKeyPem)).size).toBe(1);
      expect(new Set(issued.map((i) => i.certificateId)).size).toBe(20);
    });
  });
});
