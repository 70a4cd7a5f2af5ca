import { createHash, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { assertThingName } from '@smartdoor/shared';
import { removeStaleTempFiles, writeFileAtomic } from '../atomic-file.js';
import { CertificateAuthorityError, InvalidCsrError } from './errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** ECDSA P-256: small certificates and fast signing, so that a fleet of simulated doors is cheap. */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface LocalCaOptions {
  /** Folder holding the CA (created 0700; keys written 0600). */
  dir: string;
  /**
   * Extra names the server certificate covers besides localhost, 127.0.0.1 and ::1
   * (the `--host` the cloud listens on).
   * @default []
   */
  serverNames?: readonly string[];
  /** Milliseconds since the epoch; certificates start an hour before it to allow clock skew. @default Date.now */
  now?: () => number;
  /** How long thing certificates are valid. @default 3650 */
  thingValidityDays?: number;
}

export interface IssueThingCertificateOptions {
  /** A PKCS#10 request (PEM); its public key is certified and no private key is returned. */
  csrPem?: string;
  /**
   * Reuse one key pair (per CA instance) for every certificate issued with this flag: signing
   * only, no key generation, for thousands of simulated doors. Never for real devices.
   * @default false
   */
  sharedKey?: boolean;
}

export interface IssuedThingCertificate {
  thingName: string;
  certificatePem: string;
  /** PKCS#8 PEM; absent when the certificate was issued from a CSR. */
  privateKeyPem?: string;
  /** IoT Core's certificate id: the SHA-256 of the DER certificate, hex. */
  certificateId: string;
}

interface KeyMaterial {
  keys: CryptoKeyPair;
  privateKeyPem: string;
}

/**
 * The local cloud's certificate authority: a CA certificate, a server certificate for the
 * MQTT TLS listener, and client certificates for things (CN = thing name), as IoT Core's
 * CreateKeysAndCertificate / CreateCertificateFromCsr give them.
 * Open it with `LocalCa.open(options)`: it loads the CA from `dir` or creates it there.
 */
export class LocalCa {
  readonly #dir: string;
  readonly #now: () => number;
  readonly #thingValidityMs: number;
  readonly #caCert: x509.X509Certificate;
  readonly #caKey: CryptoKey;
  #sharedKey: Promise<KeyMaterial> | undefined;
  /** The CA certificate (PEM): what devices and clients trust. */
  readonly caCertPem: string;
  /** The TLS server certificate and key (PEM), reissued at each start for the configured names. */
  readonly serverCertPem: string;
  readonly serverKeyPem: string;

  private constructor(init: {
    dir: string;
    now: () => number;
    thingValidityMs: number;
    caCert: x509.X509Certificate;
    caKey: CryptoKey;
    serverCertPem: string;
    serverKeyPem: string;
  }) {
    this.#dir = init.dir;
    this.#now = init.now;
    this.#thingValidityMs = init.thingValidityMs;
    this.#caCert = init.caCert;
    this.#caKey = init.caKey;
    this.caCertPem = init.caCert.toString('pem');
    this.serverCertPem = init.serverCertPem;
    this.serverKeyPem = init.serverKeyPem;
  }

  /** Where the CA lives on disk. */
  get dir(): string {
    return this.#dir;
  }

  /** Path of the CA certificate file, for tools such as mosquitto_pub --cafile. */
  get caCertPath(): string {
    return join(this.#dir, 'ca.crt');
  }

  /** Loads the CA from `dir`, or creates it on first use; then issues a fresh server certificate. */
  static async open(options: LocalCaOptions): Promise<LocalCa> {
    const now = options.now ?? Date.now;
    const dir = options.dir;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      await removeStaleTempFiles(dir);
      let caCert: x509.X509Certificate;
      let caKey: CryptoKey;
      const keyPem = await readIfExists(join(dir, 'ca.key'));
      const certPem = keyPem && (await readIfExists(join(dir, 'ca.crt')));
      if (keyPem && certPem) {
        caKey = await importPrivateKey(keyPem);
        caCert = new x509.X509Certificate(certPem);
        await chmod(join(dir, 'ca.key'), 0o600);
      } else if (keyPem) {
        // The key without its certificate: a first start killed between the two writes
        // (before the certificate went first), or a deleted file. The certificate is made
        // again from the key, so every certificate the key signed stays valid.
        const keys = await keyPairOf(keyPem);
        caKey = keys.privateKey;
        caCert = await selfSignedCa(keys, now());
        await writeFileAtomic(join(dir, 'ca.crt'), caCert.toString('pem'), 0o644);
      } else {
        const created = await generateKeyMaterial();
        caKey = created.keys.privateKey;
        caCert = await selfSignedCa(created.keys, now());
        // The certificate first, the key last: the key is what says the CA exists, so a
        // start killed in between makes the CA afresh (no certificate came from it yet).
        await writeFileAtomic(join(dir, 'ca.crt'), caCert.toString('pem'), 0o644);
        await writeFileAtomic(join(dir, 'ca.key'), created.privateKeyPem, 0o600);
      }
      const server = await createServerCert(caCert, caKey, now(), options.serverNames ?? []);
      await writeFileAtomic(join(dir, 'server.key'), server.privateKeyPem, 0o600);
      await writeFileAtomic(join(dir, 'server.crt'), server.certificatePem, 0o644);
      return new LocalCa({
        dir,
        now,
        thingValidityMs: (options.thingValidityDays ?? 3650) * DAY_MS,
        caCert,
        caKey,
        serverCertPem: server.certificatePem,
        serverKeyPem: server.privateKeyPem,
      });
    } catch (err) {
      if (err instanceof CertificateAuthorityError) throw err;
      throw new CertificateAuthorityError(
        `cannot open the local CA in ${dir}: ${(err as Error).message}`,
        dir,
        { cause: err },
      );
    }
  }

  /**
   * Issue a client certificate whose subject CN is the thing name, signed by this CA.
   * With `csrPem`, the request's public key is certified (its signature is verified first).
   */
  async issueThingCertificate(
    thingName: string,
    options: IssueThingCertificateOptions = {},
  ): Promise<IssuedThingCertificate> {
    try {
      assertThingName(thingName);
    } catch (err) {
      throw new CertificateAuthorityError((err as Error).message, thingName, { cause: err });
    }
    let publicKey: CryptoKey | x509.PublicKey;
    let privateKeyPem: string | undefined;
    if (options.csrPem !== undefined) {
      publicKey = await verifiedCsrKey(options.csrPem, thingName);
    } else {
      const material = options.sharedKey ? await this.#shared() : await generateKeyMaterial();
      publicKey = material.keys.publicKey;
      privateKeyPem = material.privateKeyPem;
    }
    const notBefore = new Date(this.#now() - 3_600_000);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: `CN=${thingName}`,
      issuer: this.#caCert.subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + this.#thingValidityMs),
      publicKey,
      signingKey: this.#caKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ],
    });
    const certificatePem = cert.toString('pem');
    return {
      thingName,
      certificatePem,
      ...(privateKeyPem === undefined ? {} : { privateKeyPem }),
      certificateId: certificateIdOf(certificatePem),
    };
  }

  /** Issue many certificates sharing one key pair (see `sharedKey`): the simulator's fleet. */
  async issueThingCertificates(thingNames: readonly string[]): Promise<IssuedThingCertificate[]> {
    const out: IssuedThingCertificate[] = [];
    for (const name of thingNames) out.push(await this.issueThingCertificate(name, { sharedKey: true }));
    return out;
  }

  #shared(): Promise<KeyMaterial> {
    this.#sharedKey ??= generateKeyMaterial();
    return this.#sharedKey;
  }
}

/** IoT Core's certificate id for a certificate: SHA-256 of its DER encoding, lower-case hex. */
export function certificateIdOf(certificate: string | Uint8Array): string {
  const der =
    typeof certificate === 'string'
      ? Buffer.from(x509.PemConverter.decodeFirst(certificate))
      : Buffer.from(certificate);
  return createHash('sha256').update(der).digest('hex');
}

/** The subject CN of a PEM certificate (the thing name, for thing certificates). */
export function commonNameOf(certificatePem: string): string | undefined {
  const cert = new x509.X509Certificate(certificatePem);
  return cert.subjectName.getField('CN')[0];
}

/** The CA's self-signed certificate for `keys` (the same subject and key identifier every time). */
async function selfSignedCa(keys: CryptoKeyPair, nowMs: number): Promise<x509.X509Certificate> {
  const notBefore = new Date(nowMs - 3_600_000);
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: 'CN=smartdoor local CA, O=smartdoor',
    notBefore,
    notAfter: new Date(notBefore.getTime() + 20 * 365 * DAY_MS),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

async function createServerCert(
  caCert: x509.X509Certificate,
  caKey: CryptoKey,
  nowMs: number,
  extraNames: readonly string[],
): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const material = await generateKeyMaterial();
  const names = new Set(['localhost', '127.0.0.1', '::1', ...extraNames]);
  const altNames = [...names].map((n) =>
    /^[\d.]+$/.test(n) || n.includes(':')
      ? { type: 'ip' as const, value: n }
      : { type: 'dns' as const, value: n },
  );
  const notBefore = new Date(nowMs - 3_600_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: 'CN=localhost',
    issuer: caCert.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 825 * DAY_MS),
    publicKey: material.keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(altNames),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem: material.privateKeyPem };
}

async function verifiedCsrKey(csrPem: string, thingName: string): Promise<x509.PublicKey> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new InvalidCsrError(`the CSR for ${thingName} is not a PEM PKCS#10 request`, thingName, {
      cause: err,
    });
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch (err) {
    throw new InvalidCsrError(`the CSR for ${thingName} uses an unsupported key or signature`, thingName, {
      cause: err,
    });
  }
  if (!valid)
    throw new InvalidCsrError(`the CSR for ${thingName} has a signature that does not verify`, thingName);
  return csr.publicKey;
}

async function generateKeyMaterial(): Promise<KeyMaterial> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

/** The key pair of a private key's PEM (the public half derived from it). */
async function keyPairOf(pem: string): Promise<CryptoKeyPair> {
  const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  const publicKey = await webcrypto.subtle.importKey('spki', spki, KEY_ALGORITHM, true, ['verify']);
  return { privateKey: await importPrivateKey(pem), publicKey } as CryptoKeyPair;
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']) as Promise<CryptoKey>;
}

/** A positive 128-bit serial (RFC 5280 4.1.2.2: positive, at most 20 octets). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
