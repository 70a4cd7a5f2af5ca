/** The IoT registry's records, as the IoT control-plane API describes them. */

/** Certificate statuses (https://docs.aws.amazon.com/iot/latest/apireference/API_CertificateDescription.html). */
export const CERTIFICATE_STATUSES = ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_ACTIVATION'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

/** The statuses UpdateCertificate accepts locally (transfers are not modelled). */
export const SETTABLE_STATUSES: readonly CertificateStatus[] = ['ACTIVE', 'INACTIVE', 'REVOKED'];

export interface ThingRecord {
  thingName: string;
  thingId: string;
  attributes: Record<string, string>;
  thingTypeName?: string;
  version: number;
  createdAt: number;
}

export interface CertificateRecord {
  certificateId: string;
  certificatePem: string;
  status: CertificateStatus;
  createdAt: number;
  updatedAt: number;
}

export interface PolicyRecord {
  policyName: string;
  document: string;
  createdAt: number;
}

/** What the broker needs to know about a certificate at connect and on each message. */
export interface CertificateGrants {
  status: CertificateStatus;
  /** Things the certificate is attached to (AttachThingPrincipal). */
  things: string[];
  /** Policies attached to the certificate (AttachPolicy). */
  policies: string[];
}

export function certificateArn(region: string, accountId: string, certificateId: string): string {
  return `arn:aws:iot:${region}:${accountId}:cert/${certificateId}`;
}

export function thingArn(region: string, accountId: string, thingName: string): string {
  return `arn:aws:iot:${region}:${accountId}:thing/${thingName}`;
}

export function policyArn(region: string, accountId: string, policyName: string): string {
  return `arn:aws:iot:${region}:${accountId}:policy/${policyName}`;
}

/** The certificate id of a principal (`arn:aws:iot:...:cert/{id}` or the bare id), or undefined. */
export function certificateIdFromPrincipal(principal: string): string | undefined {
  const m = /^(?:arn:aws[\w-]*:iot:[^:]*:\d*:cert\/)?([0-9a-f]{64})$/.exec(principal);
  return m?.[1];
}
