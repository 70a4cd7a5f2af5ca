import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { powertoolsLog } from '../../idempotency/powertools-log.js';
import { DynamoDbSerialAllowList } from './dynamodb-allow-list.js';
import { createPreProvisioningHook, type PreProvisioningHookResponse } from './hook.js';
import { readPreProvisioningHookEnv } from './lambda-config.js';

const logger = new Logger({ serviceName: 'smartdoor-pre-provisioning-hook' });
const metrics = new Metrics({ namespace: 'smartdoor', serviceName: 'pre-provisioning-hook' });
const tracer = new Tracer({ serviceName: 'smartdoor-pre-provisioning-hook' });

/**
 * Build the hook from its environment. IoT Core waits at most 5 seconds for the answer
 * (https://docs.aws.amazon.com/iot/latest/developerguide/pre-provisioning-hook.html), so
 * the DynamoDB client gives up well before that.
 */
export function buildPreProvisioningHook(
  env: Record<string, string | undefined> = process.env,
  dynamodb: DynamoDBClient = new DynamoDBClient({
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_500 },
  }),
): (event: unknown) => Promise<PreProvisioningHookResponse> {
  const config = readPreProvisioningHookEnv(env);
  const doc = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(dynamodb));
  return createPreProvisioningHook({
    allowList: new DynamoDbSerialAllowList(doc, config.ALLOW_LIST_TABLE),
    log: powertoolsLog(logger),
    onDecision: (d) =>
      metrics.addMetric(d.allow ? 'provisioning_allowed' : 'provisioning_refused', MetricUnit.Count, 1),
  });
}

let built: ((event: unknown) => Promise<PreProvisioningHookResponse>) | undefined;

/** The Lambda entry, invoked synchronously by IoT Core's RegisterThing. Built on first use. */
export async function handler(event: unknown, context: unknown): Promise<PreProvisioningHookResponse> {
  logger.addContext(context as never);
  built ??= buildPreProvisioningHook();
  try {
    return await built(event);
  } finally {
    metrics.publishStoredMetrics();
  }
}
