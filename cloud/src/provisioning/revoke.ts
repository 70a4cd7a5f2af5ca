import {
  DetachThingPrincipalCommand,
  type IoTClient,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { type BackoffOptions, withBackoff } from './backoff.js';
import { FleetProvisioningError } from './errors.js';

export interface RevokeOptions {
  /** REVOKED is final; INACTIVE can be activated again. @default 'REVOKED' */
  status?: 'REVOKED' | 'INACTIVE';
  backoff?: BackoffOptions;
}

export interface RevokeResult {
  thingName: string;
  status: 'REVOKED' | 'INACTIVE';
  /** Certificate ids deactivated and detached. */
  certificates: string[];
}

/**
 * Take a door's identity away: every certificate attached to the thing is set INACTIVE or
 * REVOKED (the broker refuses it from the next connection) and detached from the thing.
 */
export async function revokeThing(
  iot: IoTClient,
  thingName: string,
  o: RevokeOptions = {},
): Promise<RevokeResult> {
  const status = o.status ?? 'REVOKED';
  const principals: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withBackoff(
      () => iot.send(new ListThingPrincipalsCommand({ thingName, ...(nextToken ? { nextToken } : {}) })),
      o.backoff,
    );
    principals.push(...(page.principals ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const certs = principals.flatMap((arn) => {
    const id = /cert\/([0-9a-f]{64})$/.exec(arn)?.[1];
    return id ? [{ id, arn }] : [];
  });
  if (certs.length === 0) throw new FleetProvisioningError(`thing ${thingName} has no certificate attached`);
  for (const { id, arn } of certs) {
    // Deactivate first: a crash between the two calls must leave the certificate unusable.
    await withBackoff(
      () => iot.send(new UpdateCertificateCommand({ certificateId: id, newStatus: status })),
      o.backoff,
    );
    await withBackoff(
      () => iot.send(new DetachThingPrincipalCommand({ thingName, principal: arn })),
      o.backoff,
    );
  }
  return { thingName, status, certificates: certs.map((c) => c.id) };
}
