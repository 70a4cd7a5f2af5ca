import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { TransportError } from '../core/errors.js';

/** Days before expiry from which the agent (and `doctor`) warn about the device certificate. */
export const CERT_EXPIRY_WARN_DAYS = 30;

const DAY_MS = 86_400_000;

export interface ClientCertificateCheck {
  certFile: string;
  cert: Buffer;
  keyFile?: string | undefined;
  key?: Buffer | undefined;
  /** Milliseconds since the epoch. */
  now: number;
  logger: Pick<Logger, 'error' | 'warn'>;
}

/**
 * Look at the client certificate before connecting, since the broker's refusal names no
 * file: an expired or not yet valid certificate is logged as an error naming the file (the
 * agent keeps running: it keeps events, and the clock may be what is wrong), one expiring
 * within CERT_EXPIRY_WARN_DAYS as a warning. A key that is not the certificate's throws,
 * naming both files: no connection can work with it.
 */
export function checkClientCertificate(c: ClientCertificateCheck): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(c.cert);
  } catch (cause) {
    // TLS refuses it too, at connect; say here which file it is.
    c.logger.warn(
      { certFile: c.certFile, err: messageOf(cause) },
      `client certificate ${c.certFile} cannot be read as a PEM certificate`,
    );
    return;
  }
  const validFrom = Date.parse(cert.validFrom);
  const validTo = Date.parse(cert.validTo);
  const iso = (ms: number) => new Date(ms).toISOString();
  if (c.now > validTo) {
    c.logger.error(
      { certFile: c.certFile, validTo: iso(validTo) },
      `client certificate ${c.certFile} expired on ${iso(validTo)}: the broker refuses it; provision a new one`,
    );
  } else if (c.now < validFrom) {
    c.logger.error(
      { certFile: c.certFile, validFrom: iso(validFrom) },
      `client certificate ${c.certFile} is not valid before ${iso(validFrom)}: is the clock right (NTP)?`,
    );
  } else if (validTo - c.now < CERT_EXPIRY_WARN_DAYS * DAY_MS) {
    const days = Math.floor((validTo - c.now) / DAY_MS);
    c.logger.warn(
      { certFile: c.certFile, validTo: iso(validTo) },
      `client certificate ${c.certFile} expires in ${days} days (${iso(validTo)}); provision a new one`,
    );
  }
  if (!c.key || !c.keyFile) return;
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(c.key));
  } catch (cause) {
    throw new TransportError(`cannot read the private key ${c.keyFile}: ${messageOf(cause)}`, { cause });
  }
  if (!matches) {
    throw new TransportError(
      `the private key ${c.keyFile} is not the key of the certificate ${c.certFile} (key values mismatch); ` +
        'set mqtt.keyFile to the key made with this certificate',
    );
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
