import { createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A private key (PKCS#8 PEM) and a CSR for it (ECDSA P-256, which IoT Core accepts). */
export async function keyAndCsr(commonName: string): Promise<{ privateKeyPem: string; csrPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const privateKeyPem = x509.PemConverter.encode(
    await webcrypto.subtle.exportKey('pkcs8', keys.privateKey),
    'PRIVATE KEY',
  );
  return { privateKeyPem, csrPem: await csrFor(keys, commonName) };
}

/** A CSR for an existing private key (PEM), e.g. one a crashed run left behind. */
export async function csrForKey(privateKeyPem: string, commonName: string): Promise<string> {
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(privateKeyPem),
    KEY_ALGORITHM,
    true,
    ['sign'],
  );
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  const publicKey = await webcrypto.subtle.importKey(
    'jwk',
    { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! },
    KEY_ALGORITHM,
    true,
    ['verify'],
  );
  return csrFor({ privateKey, publicKey }, commonName);
}

async function csrFor(keys: webcrypto.CryptoKeyPair, commonName: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return csr.toString('pem');
}

/** Whether the certificate certifies the key's public half. */
export function certificateMatchesKey(certificatePem: string, privateKeyPem: string): boolean {
  try {
    const a = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
    const b = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
    return Buffer.compare(a, b) === 0;
  } catch {
    return false;
  }
}
