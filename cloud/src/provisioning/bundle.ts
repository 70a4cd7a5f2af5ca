import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** File names inside a door's bundle folder. */
export const BUNDLE_FILES = {
  certificate: 'certificate.pem.crt',
  privateKey: 'private.pem.key',
  ca: 'ca.pem',
  agentConfig: 'agent.json',
} as const;

/** The door's bundle: certificate, CA and an agent config, each 0600. */
export function writeBundle(
  o: { mqttEndpoint: string; caPem?: string },
  dir: string,
  thingName: string,
  certificatePem: string,
): void {
  writeSecret(join(dir, BUNDLE_FILES.certificate), certificatePem);
  if (o.caPem) writeSecret(join(dir, BUNDLE_FILES.ca), o.caPem);
  // Relative paths: the agent resolves them against the config's folder, so the bundle can move.
  const config = {
    thingName,
    mqtt: {
      endpoint: o.mqttEndpoint,
      certFile: BUNDLE_FILES.certificate,
      keyFile: BUNDLE_FILES.privateKey,
      ...(o.caPem ? { caFile: BUNDLE_FILES.ca } : {}),
    },
  };
  writeSecret(join(dir, BUNDLE_FILES.agentConfig), `${JSON.stringify(config, null, 2)}\n`);
}

/** Creates the folder if needed and makes it 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** 0600, written to a temp file, fsynced and renamed into place. */
export function writeSecret(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
