import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CLAIM_CLIENT_ID_PREFIX, parseAgentConfig } from '@smartdoor/shared';
import { TransportUnavailableError } from '../core/errors.js';
import { parseEndpoint } from '../transport/create-transport.js';
import { ensurePrivateDir, readIfExists, writeFileAtomic } from './atomic-file.js';
import { CrtIdentityClient } from './crt-identity-client.js';
import { certificateMatchesKey, createCsr, generateDeviceKey } from './csr.js';
import {
  ProvisioningConflictError,
  ProvisioningError,
  ProvisioningFileError,
  ProvisioningRejectedError,
} from './errors.js';
import type { ClaimConnectionOptions, IdentityClient } from './identity-client.js';
import { MqttJsIdentityClient } from './mqttjs-identity-client.js';
import { type ProvisioningState, readState, writeState } from './provisioning-state.js';

/** Ownership tokens live an hour on IoT Core; past this age a resumed run asks for a new certificate. */
export const TOKEN_REUSE_MS = 50 * 60_000;

export interface ProvisionDeviceOptions {
  claimCertFile: string;
  claimKeyFile: string;
  templateName: string;
  serial: string;
  /** Host, host:port or mqtts:// URL. @default the config's mqtt.endpoint */
  endpoint?: string;
  /** CA to trust for the broker; copied beside the device certificate. @default the system store */
  caFile?: string;
  /** The agent config file to update. */
  configPath: string;
  /** Folder for device.crt, device.key, ca.crt and the state file (0700). */
  outDir: string;
  /** CreateKeysAndCertificate instead of a CSR (the key is made by IoT Core). @default false */
  createKeys?: boolean;
  /** More template parameters besides SerialNumber. @default {} */
  parameters?: Record<string, string>;
  /** Client id of the claim connection; the claim policy allows only `claim-*`. @default `claim-{serial}` */
  clientId?: string;
  /** auto: the SDK identity client for *.amazonaws.com when aws-crt loads, else MQTT.js. @default 'auto' */
  client?: 'auto' | 'aws-iot' | 'mqtt';
  /** @default 30000 */
  timeoutMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** Opens the identity client (tests). @default by `client` */
  connect?: (o: ClaimConnectionOptions) => Promise<IdentityClient>;
  /** Progress lines. @default none */
  log?: (line: string) => void;
}

export interface ProvisionDeviceResult {
  status: 'provisioned' | 'already-provisioned';
  thingName: string;
  certificateId: string;
  certFile: string;
  keyFile: string;
  caFile?: string;
  configPath: string;
}

/**
 * Provision this device by claim: make the key here, get a certificate (CSR, or
 * CreateKeysAndCertificate), RegisterThing with the template, write the certificate and
 * key (0600 in a 0700 folder) and point the agent config at them (atomic rename).
 * Progress is kept in a state file, so an interrupted run resumes; a provisioned device
 * is left as it is.
 */
export async function provisionDevice(o: ProvisionDeviceOptions): Promise<ProvisionDeviceResult> {
  if (o.clientId !== undefined && !o.clientId.startsWith(CLAIM_CLIENT_ID_PREFIX)) {
    // The claim policy refuses any other client id, so the claim certificate cannot take a door's.
    throw new ProvisioningError(
      `the claim client id must start with "${CLAIM_CLIENT_ID_PREFIX}" (the claim policy allows no other), not "${o.clientId}"`,
    );
  }
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const outDir = resolve(o.outDir);
  const configPath = resolve(o.configPath);
  const keyFile = join(outDir, 'device.key');
  const certFile = join(outDir, 'device.crt');
  const caOut = o.caFile ? join(outDir, 'ca.crt') : undefined;
  ensurePrivateDir(outDir);

  let state = readState(outDir);
  if (state && (state.serial !== o.serial || state.templateName !== o.templateName)) {
    throw new ProvisioningConflictError(
      `${outDir} holds a provisioning of serial ${state.serial} (template ${state.templateName}); remove it to provision serial ${o.serial}`,
    );
  }
  if (state?.phase === 'done' && existsSync(certFile) && existsSync(keyFile)) {
    log(`already provisioned as thing ${state.thingName}; nothing changed`);
    return {
      status: 'already-provisioned',
      thingName: state.thingName!,
      certificateId: state.certificateId!,
      certFile,
      keyFile,
      ...(caOut ? { caFile: caOut } : {}),
      configPath,
    };
  }

  const config = readConfig(configPath);
  const endpointText = o.endpoint ?? (config.mqtt as { endpoint?: string } | undefined)?.endpoint;
  if (!endpointText) throw new ProvisioningError('no --endpoint and no mqtt.endpoint in the agent config');
  const endpoint = parseEndpoint(endpointText);
  const ca = o.caFile ? readFileOr(o.caFile, 'CA file') : undefined;
  const connection: ClaimConnectionOptions = {
    host: endpoint.host,
    port: endpoint.port,
    cert: readFileOr(o.claimCertFile, 'claim certificate'),
    key: readFileOr(o.claimKeyFile, 'claim key'),
    ...(ca ? { ca } : {}),
    clientId: o.clientId ?? `${CLAIM_CLIENT_ID_PREFIX}${o.serial}`,
    timeoutMs: o.timeoutMs ?? 30_000,
  };
  const base = { version: 1 as const, serial: o.serial, templateName: o.templateName };

  // The key is made on the device and written before anything is asked of the cloud.
  if (!o.createKeys && readIfExists(keyFile) === undefined) {
    writeFileAtomic(keyFile, await generateDeviceKey(), 0o600);
    state = { ...base, phase: 'key-ready' };
    writeState(outDir, state);
  }

  let thingName: string;
  if (state?.phase === 'registered' && state.thingName) {
    // RegisterThing answered before the interruption: only the files are left to write.
    thingName = state.thingName;
  } else {
    thingName = await register(o, connection, endpoint.host, keyFile, base, state, now, log, (s) =>
      writeState(outDir, s),
    );
    state = readState(outDir);
  }

  writeFileAtomic(certFile, state!.certificatePem!, 0o600);
  if (caOut && ca) writeFileAtomic(caOut, ca, 0o600);
  updateAgentConfig(configPath, config, {
    thingName,
    endpoint: endpointText,
    certFile,
    keyFile,
    caFile: caOut,
  });
  writeState(outDir, { ...state!, phase: 'done', thingName });
  log(`provisioned as thing ${thingName}; config ${configPath} updated`);
  return {
    status: 'provisioned',
    thingName,
    certificateId: state!.certificateId!,
    certFile,
    keyFile,
    ...(caOut ? { caFile: caOut } : {}),
    configPath,
  };
}

/** Certificate (resumed or new) and RegisterThing over one claim connection; returns the thing name. */
async function register(
  o: ProvisionDeviceOptions,
  connection: ClaimConnectionOptions,
  host: string,
  keyFile: string,
  base: Pick<ProvisioningState, 'version' | 'serial' | 'templateName'>,
  initial: ProvisioningState | undefined,
  now: () => number,
  log: (line: string) => void,
  save: (state: ProvisioningState) => void,
): Promise<string> {
  let state = initial;
  const client = await (o.connect ?? ((c) => openIdentityClient(c, o.client ?? 'auto', host, log)))(
    connection,
  );
  try {
    for (let attempt = 0; ; attempt++) {
      const fresh =
        state?.phase === 'certificate-issued' && now() - (state.tokenReceivedAt ?? 0) < TOKEN_REUSE_MS;
      if (!fresh) state = await requestCertificate(client, o, keyFile, base, now, log);
      else log(`resuming with certificate ${state!.certificateId}`);
      save(state!);
      try {
        log(`RegisterThing with template ${o.templateName}`);
        const registered = await client.registerThing(o.templateName, state!.certificateOwnershipToken!, {
          ...o.parameters,
          SerialNumber: o.serial,
        });
        save({ ...state!, phase: 'registered', thingName: registered.thingName });
        return registered.thingName;
      } catch (err) {
        // A stale token from an earlier run: ask for a new certificate once.
        if (
          attempt === 0 &&
          err instanceof ProvisioningRejectedError &&
          /token/i.test(`${err.errorCode} ${err.message}`)
        ) {
          state = { ...base, phase: 'key-ready' };
          continue;
        }
        throw err;
      }
    }
  } finally {
    await client.close();
  }
}

async function requestCertificate(
  client: IdentityClient,
  o: ProvisionDeviceOptions,
  keyFile: string,
  base: Pick<ProvisioningState, 'version' | 'serial' | 'templateName'>,
  now: () => number,
  log: (line: string) => void,
): Promise<ProvisioningState> {
  let response: Awaited<ReturnType<IdentityClient['createKeysAndCertificate']>>;
  if (o.createKeys) {
    log('CreateKeysAndCertificate');
    response = await client.createKeysAndCertificate();
    if (!response.privateKey) throw new ProvisioningError('CreateKeysAndCertificate returned no private key');
    writeFileAtomic(keyFile, response.privateKey, 0o600);
  } else {
    log('CreateCertificateFromCsr (the private key stays on this device)');
    const key = readFileSync(keyFile, 'utf8');
    response = await client.createCertificateFromCsr(await createCsr(key, o.serial));
    if (!(await certificateMatchesKey(response.certificatePem, key))) {
      throw new ProvisioningError(`certificate ${response.certificateId} does not certify this device's key`);
    }
  }
  return {
    ...base,
    phase: 'certificate-issued',
    certificateId: response.certificateId,
    certificatePem: response.certificatePem,
    certificateOwnershipToken: response.certificateOwnershipToken,
    tokenReceivedAt: now(),
  };
}

async function openIdentityClient(
  c: ClaimConnectionOptions,
  kind: 'auto' | 'aws-iot' | 'mqtt',
  host: string,
  log: (line: string) => void,
): Promise<IdentityClient> {
  const wantsCrt = kind === 'aws-iot' || (kind === 'auto' && host.endsWith('.amazonaws.com'));
  if (wantsCrt) {
    try {
      const client = await CrtIdentityClient.connect(c);
      log('identity client: aws-iot-device-sdk-v2');
      return client;
    } catch (err) {
      if (!(err instanceof TransportUnavailableError)) throw err;
      log(`aws-iot-device-sdk-v2 is not available here (${err.message}); using MQTT.js`);
    }
  }
  return MqttJsIdentityClient.connect(c);
}

function readConfig(path: string): Record<string, unknown> {
  const text = readIfExists(path);
  if (text === undefined) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch (err) {
    throw new ProvisioningFileError(path, `the agent config ${path} is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  throw new ProvisioningFileError(path, `the agent config ${path} must hold a JSON object`);
}

/** Points the agent config at the new identity; validated before the atomic write. */
function updateAgentConfig(
  path: string,
  config: Record<string, unknown>,
  v: { thingName: string; endpoint: string; certFile: string; keyFile: string; caFile: string | undefined },
): void {
  const mqtt = { ...((config.mqtt as Record<string, unknown> | undefined) ?? {}) };
  delete mqtt.clientId; // the client id defaults to the thing name, as the door policy requires
  Object.assign(mqtt, { endpoint: v.endpoint, certFile: v.certFile, keyFile: v.keyFile });
  if (v.caFile) mqtt.caFile = v.caFile;
  const next = { ...config, thingName: v.thingName, mqtt };
  try {
    parseAgentConfig(next);
  } catch (err) {
    throw new ProvisioningFileError(
      path,
      `the updated agent config would be invalid: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  try {
    // 0750, not 0700: the agent's user reads the config through its group (install-service
    // has it chowned root:smartdoor 0640), and provisioning often runs as root.
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  } catch (err) {
    throw new ProvisioningFileError(path, `cannot create the folder of ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`, 0o600);
}

function readFileOr(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProvisioningFileError(path, `cannot read the ${what} ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
