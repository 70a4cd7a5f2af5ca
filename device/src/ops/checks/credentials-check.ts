import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { AgentConfig } from '@smartdoor/shared';
import { CERT_EXPIRY_WARN_DAYS } from '../../transport/client-certificate.js';
import { parseEndpoint } from '../../transport/create-transport.js';
import { type CheckResult, fail, messageOf, ok, warn } from './check-result.js';

/** File access the credential checks need; tests pass temp files, so the real fs is fine. */
export interface CredentialFs {
  readFile(path: string): Buffer;
  mode(path: string): number;
}
export const NODE_CREDENTIAL_FS: CredentialFs = {
  readFile: (p) => readFileSync(p),
  mode: (p) => statSync(p).mode,
};

/** Whether the agent will use TLS for this endpoint (a bare host does); an unreadable one counts as TLS. */
export function usesTls(endpoint: string): boolean {
  try {
    return parseEndpoint(endpoint).tls;
  } catch {
    return true;
  }
}

/**
 * Certificate, key and CA: readable, a PEM the right kind, the key private (0600 or 0400;
 * group bits warn, any "other" bit fails, as the key is the device's identity).
 */
export function checkCredentials(
  mqtt: AgentConfig['mqtt'],
  now: Date,
  fs: CredentialFs = NODE_CREDENTIAL_FS,
): CheckResult[] {
  const tls = usesTls(mqtt.endpoint);
  const results: CheckResult[] = [];
  if (!tls && !mqtt.certFile && !mqtt.keyFile) {
    return [ok('credentials', `not used: ${mqtt.endpoint} is plain MQTT (development only)`)];
  }
  results.push(checkCert(mqtt.certFile, tls, now, fs));
  results.push(checkKey(mqtt.keyFile, tls, fs));
  if (mqtt.certFile && mqtt.keyFile && results.every((r) => r.status !== 'fail')) {
    results.push(checkPair(mqtt.certFile, mqtt.keyFile, fs));
  }
  if (mqtt.caFile) results.push(checkCa(mqtt.caFile, fs));
  return results;
}

function checkCert(path: string | undefined, required: boolean, now: Date, fs: CredentialFs): CheckResult {
  const name = 'certificate';
  if (!path)
    return (required ? fail : warn)(name, 'mqtt.certFile is not set; IoT Core needs a client certificate');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(fs.readFile(path));
  } catch (cause) {
    return fail(name, `${path}: ${readReason(cause, 'not a PEM certificate')}`);
  }
  const validTo = new Date(cert.validTo);
  const validFrom = new Date(cert.validFrom);
  const days = Math.floor((validTo.getTime() - now.getTime()) / 86_400_000);
  if (now < validFrom)
    return fail(name, `${path} is not valid before ${validFrom.toISOString()} (clock behind?)`);
  if (days < 0) return fail(name, `${path} expired on ${validTo.toISOString()}`);
  if (days < CERT_EXPIRY_WARN_DAYS)
    return warn(name, `${path} expires in ${days} days (${validTo.toISOString()})`);
  return ok(
    name,
    `${path} readable, ${cert.subject.replace(/\n/g, ', ')}, valid until ${validTo.toISOString()}`,
  );
}

function checkKey(path: string | undefined, required: boolean, fs: CredentialFs): CheckResult {
  const name = 'private key';
  if (!path) return (required ? fail : warn)(name, 'mqtt.keyFile is not set');
  let text: string;
  try {
    text = fs.readFile(path).toString('utf8');
  } catch (cause) {
    return fail(name, `${path}: ${readReason(cause, 'unreadable')}`);
  }
  if (!/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(text))
    return fail(name, `${path} is not a PEM private key`);
  const mode = fs.mode(path) & 0o777;
  const shown = mode.toString(8).padStart(4, '0');
  if (mode & 0o007) return fail(name, `${path} has mode ${shown}: others can read it; run chmod 600 ${path}`);
  if (mode & 0o070)
    return warn(name, `${path} has mode ${shown}: the group can read it; run chmod 600 ${path}`);
  return ok(name, `${path} readable, mode ${shown}`);
}

/** A certificate paired with another device's key fails only at the broker, obscurely: say it here. */
function checkPair(certFile: string, keyFile: string, fs: CredentialFs): CheckResult {
  try {
    const cert = new X509Certificate(fs.readFile(certFile));
    if (cert.checkPrivateKey(createPrivateKey(fs.readFile(keyFile)))) {
      return ok('key pair', 'the private key matches the certificate');
    }
    return fail('key pair', `${keyFile} is not the key of ${certFile}`);
  } catch (cause) {
    return fail('key pair', `cannot compare ${keyFile} with ${certFile}: ${messageOf(cause)}`);
  }
}

function checkCa(path: string, fs: CredentialFs): CheckResult {
  try {
    const cert = new X509Certificate(fs.readFile(path));
    return ok('ca', `${path} readable, ${cert.subject.replace(/\n/g, ', ')}`);
  } catch (cause) {
    return fail('ca', `${path}: ${readReason(cause, 'not a PEM certificate')}`);
  }
}

function readReason(cause: unknown, parseFailure: string): string {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied (is the service user the owner?)';
  if (code?.startsWith('E')) return messageOf(cause);
  return parseFailure;
}
