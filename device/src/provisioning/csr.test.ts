import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { certificateMatchesKey, createCsr, generateDeviceKey } from './csr.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** A self-signed certificate for the key's public half, standing in for what IoT Core returns. */
async function certificateFor(csrPem: string): Promise<string> {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const ca = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: 'CN=AWS IoT Certificate',
    issuer: 'CN=test CA',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: await csr.publicKey.export(),
    signingKey: ca.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return cert.toString('pem');
}

describe('Function: createCsr', () => {
  it('makes a request signed with the device key, naming the serial number', async () => {
    // Prepare
    const key = await generateDeviceKey();

    // Act
    const pem = await createCsr(key, 'SN-1');

    // Assess
    const csr = new x509.Pkcs10CertificateRequest(pem);
    expect(await csr.verify()).toBe(true);
    expect(csr.subject).toBe('CN=SN-1');
    expect(pem).not.toContain('PRIVATE KEY');
  });
});

describe('Function: certificateMatchesKey', () => {
  it('is true for a certificate of the key and false for another key or garbage', async () => {
    // Prepare
    const key = await generateDeviceKey();
    const other = await generateDeviceKey();
    const cert = await certificateFor(await createCsr(key, 'SN-2'));

    // Assess
    expect(await certificateMatchesKey(cert, key)).toBe(true);
    expect(await certificateMatchesKey(cert, other)).toBe(false);
    expect(await certificateMatchesKey('not a certificate', key)).toBe(false);
  });
});
