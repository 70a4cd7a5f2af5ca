import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeCertificateCommand,
  type IoTClient,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { type BackoffOptions, withBackoff } from './backoff.js';
import { BUNDLE_FILES, ensurePrivateDir, writeBundle, writeSecret } from './bundle.js';
import type { DoorRow } from './door-list.js';
import { assertPolicyExists } from './door-policy.js';
import { DoorStepError, ForeignCertificateError } from './errors.js';
import { ProvisionJournal } from './journal.js';
import { certificateMatchesKey, csrForKey, keyAndCsr } from './keys.js';

export { BUNDLE_FILES } from './bundle.js';
export { planFleet } from './plan.js';

export interface BulkProvisionOptions {
  doors: readonly DoorRow[];
  /** Output folder (0700): the journal and one bundle folder per door. */
  outDir: string;
  iot: IoTClient;
  /** Policy attached to every certificate. */
  policyName: string;
  /** MQTT endpoint written in each door's agent config. */
  mqttEndpoint: string;
  /** CA certificate (PEM) put in each bundle. @default none (the system store) */
  caPem?: string;
  /** CreateKeysAndCertificate instead of a CSR made here. @default false */
  createKeys?: boolean;
  /** Doors in flight at once. @default 4 */
  concurrency?: number;
  backoff?: BackoffOptions;
  /** Called as each door finishes (progress bar). */
  onDoor?: (result: DoorResult) => void;
}

export interface DoorResult {
  thingName: string;
  outcome: 'provisioned' | 'already-done' | 'failed';
  certificateId?: string;
  /** True when this run made the door's certificate. */
  createdCertificate: boolean;
  error?: string;
}

export interface BulkSummary {
  total: number;
  provisioned: number;
  alreadyDone: number;
  failed: number;
  certificatesCreated: number;
  failures: DoorResult[];
}

/**
 * Provision doors in bulk: CreateThing, a certificate (CSR made here, or
 * CreateKeysAndCertificate), AttachPolicy, AttachThingPrincipal, UpdateCertificate ACTIVE,
 * then a bundle per door. The policy is checked first, so a wrong name creates nothing.
 * Each step is journalled (fsync) as it completes, and before a
 * certificate is made the thing's principals are checked, so a rerun after a crash
 * finishes what was half done and never gives a thing a second certificate. Certificates
 * are made INACTIVE and activated last: one a crash orphans is never usable.
 */
export async function provisionFleet(o: BulkProvisionOptions): Promise<BulkSummary> {
  await assertPolicyExists(o.iot, o.policyName, o.backoff);
  ensurePrivateDir(o.outDir);
  const journal = new ProvisionJournal(o.outDir);
  journal.open();
  const results: DoorResult[] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      const door = o.doors[next++];
      if (!door) return;
      let result: DoorResult;
      try {
        result = await provisionDoor(o, journal, door);
      } catch (err) {
        result = {
          thingName: door.thingName,
          outcome: 'failed',
          createdCertificate: false,
          error: (err as Error).message,
        };
      }
      results.push(result);
      o.onDoor?.(result);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  } finally {
    journal.close();
  }
  const failures = results.filter((r) => r.outcome === 'failed');
  return {
    total: o.doors.length,
    provisioned: results.filter((r) => r.outcome === 'provisioned').length,
    alreadyDone: results.filter((r) => r.outcome === 'already-done').length,
    failed: failures.length,
    certificatesCreated: results.filter((r) => r.createdCertificate).length,
    failures,
  };
}

async function provisionDoor(
  o: BulkProvisionOptions,
  journal: ProvisionJournal,
  door: DoorRow,
): Promise<DoorResult> {
  const name = door.thingName;
  const dir = join(o.outDir, name);
  const certFile = join(dir, BUNDLE_FILES.certificate);
  const keyFile = join(dir, BUNDLE_FILES.privateKey);
  const progress = journal.progress(name);
  if (progress.steps.has('done') && existsSync(certFile) && existsSync(keyFile)) {
    return {
      thingName: name,
      outcome: 'already-done',
      createdCertificate: false,
      ...certId(progress.certificateId),
    };
  }
  ensurePrivateDir(dir);
  const call = <T>(step: string, fn: () => Promise<T>) =>
    withBackoff(fn, o.backoff).catch((cause: unknown) => {
      throw new DoorStepError(name, step, { cause });
    });

  if (!progress.steps.has('thing')) {
    await call('CreateThing', () =>
      o.iot
        .send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: door.attributes } }))
        .catch((err: Error) => {
          // Same name, other attributes (the list changed): the thing is there, keep it.
          if (err.name !== 'ResourceAlreadyExistsException') throw err;
        }),
    );
    journal.record({ thingName: name, step: 'thing' });
  }

  let cert: Certificate | undefined =
    progress.certificateId && progress.certificateArn && progress.certificatePem
      ? {
          certificateId: progress.certificateId,
          certificateArn: progress.certificateArn,
          certificatePem: progress.certificatePem,
        }
      : undefined;
  let created = false;
  if (!cert) {
    cert = await adoptExisting(o, name, keyFile, call);
    if (!cert) {
      cert = await createCertificate(o, name, keyFile, call);
      created = true;
    }
    journal.record({ thingName: name, step: 'certificate', ...cert });
  }
  const { certificateId, certificateArn: arn, certificatePem } = cert;

  if (!progress.steps.has('policy')) {
    await call('AttachPolicy', () =>
      o.iot.send(new AttachPolicyCommand({ policyName: o.policyName, target: arn })),
    );
    journal.record({ thingName: name, step: 'policy' });
  }
  if (!progress.steps.has('principal')) {
    await call('AttachThingPrincipal', () =>
      o.iot.send(new AttachThingPrincipalCommand({ thingName: name, principal: arn })),
    );
    journal.record({ thingName: name, step: 'principal' });
  }
  if (!progress.steps.has('active')) {
    await call('UpdateCertificate', () =>
      o.iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'ACTIVE' })),
    );
    journal.record({ thingName: name, step: 'active' });
  }

  writeBundle(o, dir, name, certificatePem);
  journal.record({ thingName: name, step: 'done' });
  return { thingName: name, outcome: 'provisioned', certificateId, createdCertificate: created };
}

type Call = <T>(step: string, fn: () => Promise<T>) => Promise<T>;

interface Certificate {
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
}

/** A certificate already attached to the thing: ours if its key is in the bundle, else refuse. */
async function adoptExisting(
  o: BulkProvisionOptions,
  name: string,
  keyFile: string,
  call: Call,
): Promise<Certificate | undefined> {
  const principals: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call('ListThingPrincipals', () =>
      o.iot.send(new ListThingPrincipalsCommand({ thingName: name, ...(nextToken ? { nextToken } : {}) })),
    );
    principals.push(...(page.principals ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const certs = principals.flatMap((arn) => {
    const id = /cert\/([0-9a-f]{64})$/.exec(arn)?.[1];
    return id ? [{ id, arn }] : [];
  });
  if (certs.length === 0) return undefined;
  const key = existsSync(keyFile) ? readFileSync(keyFile, 'utf8') : undefined;
  for (const { id, arn } of certs) {
    const d = await call('DescribeCertificate', () =>
      o.iot.send(new DescribeCertificateCommand({ certificateId: id })),
    );
    const pem = d.certificateDescription?.certificatePem;
    if (pem && key && certificateMatchesKey(pem, key)) {
      return { certificateId: id, certificateArn: arn, certificatePem: pem };
    }
  }
  throw new ForeignCertificateError(name, certs[0]!.id);
}

async function createCertificate(
  o: BulkProvisionOptions,
  name: string,
  keyFile: string,
  call: Call,
): Promise<Certificate> {
  if (o.createKeys) {
    const r = await call('CreateKeysAndCertificate', () =>
      o.iot.send(new CreateKeysAndCertificateCommand({ setAsActive: false })),
    );
    writeSecret(keyFile, r.keyPair!.PrivateKey!);
    return {
      certificateId: r.certificateId!,
      certificateArn: r.certificateArn!,
      certificatePem: r.certificatePem!,
    };
  }
  // The key is written before the request: a crash after it leaves a key a rerun reuses.
  let csrPem: string;
  if (existsSync(keyFile)) csrPem = await csrForKey(readFileSync(keyFile, 'utf8'), name);
  else {
    const made = await keyAndCsr(name);
    writeSecret(keyFile, made.privateKeyPem);
    csrPem = made.csrPem;
  }
  const r = await call('CreateCertificateFromCsr', () =>
    o.iot.send(
      new CreateCertificateFromCsrCommand({ certificateSigningRequest: csrPem, setAsActive: false }),
    ),
  );
  return {
    certificateId: r.certificateId!,
    certificateArn: r.certificateArn!,
    certificatePem: r.certificatePem!,
  };
}

function certId(id: string | undefined): { certificateId?: string } {
  return id ? { certificateId: id } : {};
}
