import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** ECDSA P-256, which IoT Core accepts in a CSR (https://docs.aws.amazon.com/iot/latest/developerguide/x509-client-certs.html). */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A private key (PKCS#8 PEM) made on this device. */
export async function generateDeviceKey(): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

/**
 * A PKCS#10 request for `privateKeyPem`, signed with it: only the public key leaves the
 * device. IoT Core ignores the subject; the CN names the serial number for people reading logs.
 */
export async function createCsr(privateKeyPem: string, commonName: string): Promise<string> {
  const der = x509.PemConverter.decodeFirst(privateKeyPem);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, true, ['sign']);
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  const publicKey = await webcrypto.subtle.importKey(
    'jwk',
    { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! },
    KEY_ALGORITHM,
    true,
    ['verify'],
  );
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName.replace(/[,=+<>#;\\"]/g, '_')}`,
    keys: { privateKey, publicKey },
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return csr.toString('pem');
}

/** Whether a certificate (PEM) certifies the public key of `privateKeyPem`. */
export async function certificateMatchesKey(certificatePem: string, privateKeyPem: string): Promise<boolean> {
  const { createPublicKey, X509Certificate } = await import('node:crypto');
  try {
    const certKey = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
    const ownKey = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
    return Buffer.compare(certKey, ownKey) === 0;
  } catch {
    return false;
  }
}
