import type { SigV4Authorization } from './sigv4.js';
import type { AwsServiceDefinition } from './types.js';

/** Where a request goes and what the routing learned on the way. */
export interface RouteResult {
  service: AwsServiceDefinition;
  /** The operation from X-Amz-Target (JSON protocols only). */
  operation?: string;
}

/**
 * Finds the service for a request the way LocalStack's edge does
 * (localstack/aws/protocol/service_router.py): the signing name in the SigV4 credential
 * scope first, then the X-Amz-Target prefix, then the host's first label.
 */
export function routeService(
  services: ReadonlyMap<string, AwsServiceDefinition>,
  auth: SigV4Authorization | undefined,
  target: string | undefined,
  host: string | undefined,
): RouteResult | undefined {
  const operation = target === undefined ? undefined : splitTarget(target).operation;
  if (auth) {
    const service = services.get(auth.service);
    if (service) return withOperation(service, operation);
  }
  if (target !== undefined) {
    const { prefix } = splitTarget(target);
    for (const service of services.values()) {
      if (service.targetPrefix !== undefined && service.targetPrefix === prefix) {
        return withOperation(service, operation);
      }
    }
  }
  const label = host?.split('.')[0]?.toLowerCase();
  if (label !== undefined) {
    const service = services.get(label);
    if (service) return withOperation(service, operation);
  }
  return undefined;
}

function withOperation(service: AwsServiceDefinition, operation: string | undefined): RouteResult {
  return service.protocol === 'restJson1' || service.protocol === 'awsQuery' || operation === undefined
    ? { service }
    : { service, operation };
}

/** `AWSEvents.PutEvents` -> prefix `AWSEvents`, operation `PutEvents`. */
export function splitTarget(target: string): { prefix: string; operation: string } {
  const dot = target.lastIndexOf('.');
  return dot < 0
    ? { prefix: '', operation: target }
    : { prefix: target.slice(0, dot), operation: target.slice(dot + 1) };
}
