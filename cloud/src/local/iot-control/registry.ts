import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { THING_NAME_RE } from '@smartdoor/shared';
import type Database from 'better-sqlite3';
import type { LocalCa } from '../iot/ca.js';
import { InvalidCsrError } from '../iot/errors.js';
import {
  CertificateStateError,
  InvalidRequestError,
  MalformedPolicyError,
  ResourceAlreadyExistsError,
  ResourceNotFoundError,
} from './errors.js';
import {
  type CertificateGrants,
  type CertificateRecord,
  type CertificateStatus,
  certificateArn,
  certificateIdFromPrincipal,
  type PolicyRecord,
  SETTABLE_STATUSES,
  type ThingRecord,
} from './model.js';
import { SqliteRegistryStore } from './registry-store.js';

/**
 * Subject CN of certificates the registry issues. IoT Core's own certificates say
 * "AWS IoT Certificate"; the local CA takes thing-name characters only. The thing a
 * certificate stands for comes from its attachment (AttachThingPrincipal), not its CN.
 */
export const REGISTRY_CERTIFICATE_CN = 'AWS-IoT-Certificate';

/** IoT Core's certificate ownership tokens expire after an hour (fleet provisioning MQTT API). */
export const OWNERSHIP_TOKEN_TTL_MS = 3_600_000;

export interface IotRegistryOptions {
  db: Database.Database;
  ca: LocalCa;
  region: string;
  accountId: string;
  /** @default Date.now */
  now?: () => number;
  /** Thing ids. @default crypto.randomUUID */
  newId?: () => string;
  /** Told when UpdateCertificate takes a certificate out of ACTIVE (the broker closes its connections). */
  onDeactivated?: (certificateId: string, status: CertificateStatus) => void;
}

export interface CreatedCertificate {
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  /** Present for CreateKeysAndCertificate only. */
  keyPair?: { PublicKey: string; PrivateKey: string };
}

/**
 * The IoT registry: things, certificates (issued by the local CA), policies and their
 * attachments, with IoT Core's rules and error types. The control-plane API (api.ts),
 * the fleet provisioning MQTT API and the broker's connection checks all go through it.
 */
export class IotRegistry {
  readonly store: SqliteRegistryStore;
  readonly region: string;
  readonly accountId: string;
  readonly #ca: LocalCa;
  readonly #now: () => number;
  readonly #onDeactivated: IotRegistryOptions['onDeactivated'];
  readonly #newId: () => string;
  readonly #grants = new Map<string, CertificateGrants | null>();

  constructor(options: IotRegistryOptions) {
    this.store = new SqliteRegistryStore(options.db);
    this.#ca = options.ca;
    this.region = options.region;
    this.accountId = options.accountId;
    this.#now = options.now ?? Date.now;
    this.#onDeactivated = options.onDeactivated;
    this.#newId = options.newId ?? randomUUID;
  }

  /**
   * CreateThing: "If this call is made multiple times using the same thing name and
   * configuration, the call will succeed. If this call is made with the same thing name but
   * different configuration a ResourceAlreadyExistsException is thrown."
   * (https://docs.aws.amazon.com/iot/latest/apireference/API_CreateThing.html)
   */
  createThing(
    thingName: string,
    attributes: Record<string, string> = {},
    thingTypeName?: string,
  ): ThingRecord {
    checkThingName(thingName);
    for (const [k, v] of Object.entries(attributes)) {
      if (!/^[a-zA-Z0-9_.,@/:#-]{1,128}$/.test(k) || typeof v !== 'string' || v.length > 800) {
        throw new InvalidRequestError(`attribute "${k}" of thing ${thingName} is not a valid name/value`);
      }
    }
    const existing = this.store.getThing(thingName);
    if (existing) {
      if (sameAttributes(existing.attributes, attributes) && existing.thingTypeName === thingTypeName) {
        return existing;
      }
      throw new ResourceAlreadyExistsError(
        thingName,
        `Thing ${thingName} already exists in account with different attributes`,
      );
    }
    const thing: ThingRecord = {
      thingName,
      thingId: this.#newId(),
      attributes: { ...attributes },
      ...(thingTypeName === undefined ? {} : { thingTypeName }),
      version: 1,
      createdAt: this.#now(),
    };
    this.store.putThing(thing);
    return thing;
  }

  describeThing(thingName: string): ThingRecord {
    const thing = this.store.getThing(thingName);
    if (!thing) throw new ResourceNotFoundError(thingName, `Thing ${thingName} cannot be found.`);
    return thing;
  }

  /**
   * CreateKeysAndCertificate. `setAsActive` false gives INACTIVE (the HTTP API); the fleet
   * provisioning MQTT API passes PENDING_ACTIVATION, which RegisterThing turns ACTIVE.
   */
  async createKeysAndCertificate(
    setAsActive: boolean,
    notActive: CertificateStatus = 'INACTIVE',
  ): Promise<CreatedCertificate> {
    const issued = await this.#ca.issueThingCertificate(REGISTRY_CERTIFICATE_CN);
    const privateKey = issued.privateKeyPem!;
    const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    this.#record(issued.certificateId, issued.certificatePem, setAsActive ? 'ACTIVE' : notActive);
    return {
      certificateId: issued.certificateId,
      certificateArn: this.certificateArn(issued.certificateId),
      certificatePem: issued.certificatePem,
      keyPair: { PublicKey: publicKey, PrivateKey: privateKey },
    };
  }

  async createCertificateFromCsr(
    csrPem: string,
    setAsActive: boolean,
    notActive: CertificateStatus = 'INACTIVE',
  ): Promise<CreatedCertificate> {
    if (typeof csrPem !== 'string' || csrPem.trim() === '') {
      throw new InvalidRequestError('certificateSigningRequest is required');
    }
    let issued: Awaited<ReturnType<LocalCa['issueThingCertificate']>>;
    try {
      issued = await this.#ca.issueThingCertificate(REGISTRY_CERTIFICATE_CN, { csrPem });
    } catch (err) {
      if (err instanceof InvalidCsrError) throw new InvalidRequestError(err.message, { cause: err });
      throw err;
    }
    this.#record(issued.certificateId, issued.certificatePem, setAsActive ? 'ACTIVE' : notActive);
    return {
      certificateId: issued.certificateId,
      certificateArn: this.certificateArn(issued.certificateId),
      certificatePem: issued.certificatePem,
    };
  }

  describeCertificate(certificateId: string): CertificateRecord {
    const cert = this.store.getCertificate(certificateId);
    if (!cert)
      throw new ResourceNotFoundError(certificateId, `Certificate ${certificateId} cannot be found.`);
    return cert;
  }

  /**
   * UpdateCertificate; a REVOKED certificate cannot be activated again. "Within a few minutes
   * of updating a certificate from the ACTIVE state to any other state, AWS IoT disconnects
   * all devices that used that certificate" (API_UpdateCertificate): here, at once.
   */
  updateCertificate(certificateId: string, newStatus: string): void {
    if (!SETTABLE_STATUSES.includes(newStatus as CertificateStatus)) {
      throw new InvalidRequestError(
        `newStatus must be one of ${SETTABLE_STATUSES.join(', ')}, not "${newStatus}"`,
      );
    }
    const cert = this.describeCertificate(certificateId);
    if (cert.status === 'REVOKED' && newStatus !== 'REVOKED') {
      throw new CertificateStateError(
        certificateId,
        `Certificate ${certificateId} is revoked and cannot be changed.`,
      );
    }
    this.store.setCertificateStatus(certificateId, newStatus as CertificateStatus, this.#now());
    this.#grants.delete(certificateId);
    if (cert.status === 'ACTIVE' && newStatus !== 'ACTIVE') {
      this.#onDeactivated?.(certificateId, newStatus as CertificateStatus);
    }
  }

  createPolicy(policyName: string, document: string): PolicyRecord {
    if (!/^[\w+=,.@-]{1,128}$/.test(policyName ?? '')) {
      throw new InvalidRequestError(`"${policyName}" is not a valid policy name`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(document);
    } catch (err) {
      throw new MalformedPolicyError(`the document of policy ${policyName} is not JSON`, { cause: err });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new MalformedPolicyError(`the document of policy ${policyName} must be a JSON object`);
    }
    if (this.store.getPolicy(policyName)) {
      throw new ResourceAlreadyExistsError(policyName, `Policy ${policyName} already exists.`);
    }
    const policy = { policyName, document, createdAt: this.#now() };
    this.store.putPolicy(policy);
    return policy;
  }

  /** Create the policy unless it exists (the local cloud's own policies at start). */
  ensurePolicy(policyName: string, document: object): void {
    if (!this.store.getPolicy(policyName)) this.createPolicy(policyName, JSON.stringify(document));
  }

  getPolicy(policyName: string): PolicyRecord {
    const policy = this.store.getPolicy(policyName);
    if (!policy) throw new ResourceNotFoundError(policyName, `Policy ${policyName} cannot be found.`);
    return policy;
  }

  /** AttachPolicy to a certificate ARN; attaching twice is not an error, as on IoT Core. */
  attachPolicy(policyName: string, target: string): void {
    this.getPolicy(policyName);
    const certificateId = this.#certificateOf(target, 'target');
    this.store.attachPolicy(policyName, certificateId);
    this.#grants.delete(certificateId);
  }

  attachThingPrincipal(thingName: string, principal: string): void {
    this.describeThing(thingName);
    const certificateId = this.#certificateOf(principal, 'principal');
    this.store.attachThingPrincipal(thingName, certificateId, this.#now());
    this.#grants.delete(certificateId);
  }

  detachThingPrincipal(thingName: string, principal: string): void {
    this.describeThing(thingName);
    const certificateId = this.#certificateOf(principal, 'principal');
    this.store.detachThingPrincipal(thingName, certificateId);
    this.#grants.delete(certificateId);
  }

  /** Principal ARNs of a thing. */
  listThingPrincipals(thingName: string): string[] {
    this.describeThing(thingName);
    return this.store.thingPrincipals(thingName).map((id) => this.certificateArn(id));
  }

  /** Status, things and policies of a certificate; undefined when the registry never issued it. Cached. */
  grants(certificateId: string): CertificateGrants | undefined {
    let g = this.#grants.get(certificateId);
    if (g === undefined) {
      g = this.store.grants(certificateId) ?? null;
      this.#grants.set(certificateId, g);
    }
    return g ?? undefined;
  }

  /** A certificate ownership token for RegisterThing (fleet provisioning MQTT API). */
  issueOwnershipToken(certificateId: string): string {
    const token = randomBytes(48).toString('base64url');
    this.store.putOwnershipToken(token, certificateId, this.#now() + OWNERSHIP_TOKEN_TTL_MS);
    return token;
  }

  /** The certificate an unexpired ownership token stands for, or undefined. */
  certificateOfToken(token: string): string | undefined {
    const row = typeof token === 'string' ? this.store.getOwnershipToken(token) : undefined;
    if (!row || row.expiresAt <= this.#now()) return undefined;
    return row.certificateId;
  }

  certificateArn(certificateId: string): string {
    return certificateArn(this.region, this.accountId, certificateId);
  }

  #record(certificateId: string, pem: string, status: CertificateStatus): void {
    const at = this.#now();
    this.store.putCertificate({ certificateId, certificatePem: pem, status, createdAt: at, updatedAt: at });
    this.#grants.delete(certificateId);
  }

  #certificateOf(principal: string, what: string): string {
    const id = certificateIdFromPrincipal(principal ?? '');
    if (!id) throw new InvalidRequestError(`${what} "${principal}" is not a certificate ARN`);
    this.describeCertificate(id);
    return id;
  }
}

function checkThingName(thingName: string): void {
  if (typeof thingName !== 'string' || !THING_NAME_RE.test(thingName)) {
    throw new InvalidRequestError(
      `"${thingName}" is not a valid thing name: 1-128 of a-z, A-Z, 0-9, ':', '_', '-'`,
    );
  }
}

function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
