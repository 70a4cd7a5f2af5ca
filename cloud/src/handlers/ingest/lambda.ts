/**
 * The ingest function's AWS Lambda entry: the IoT topic rules' Lambda action invokes it
 * with the rule output (EVENTS_RULE or PRESENCE_RULE). The same IngestHandler core runs in
 * the local cloud. Environment: EVENT_BUS_NAME, ERROR_QUEUE_URL, AWS_REGION (set by Lambda).
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { IngestHandler, type IngestResult } from './handler.js';

const SERVICE = 'smartdoor-ingest';
const logger = new Logger({ serviceName: SERVICE });
const metrics = new Metrics({ namespace: 'smartdoor', serviceName: SERVICE });
const tracer = new Tracer({ serviceName: SERVICE });

const eventBridge = tracer.captureAWSv3Client(new EventBridgeClient({}));
const sqs = tracer.captureAWSv3Client(new SQSClient({}));

/** The Lambda context fields this entry reads. */
export interface IngestLambdaContext {
  invokedFunctionArn: string;
  awsRequestId: string;
}

let core: IngestHandler | undefined;

/** Builds the core on first use: the account id comes from the function's own ARN. */
function coreFor(context: IngestLambdaContext): IngestHandler {
  if (core) return core;
  const busName = requiredEnv('EVENT_BUS_NAME');
  const queueUrl = requiredEnv('ERROR_QUEUE_URL');
  const [, , , region, accountId] = context.invokedFunctionArn.split(':');
  core = new IngestHandler({
    eventBridge,
    errors: {
      send: async (record) => {
        metrics.addMetric('IngestInvalidRecords', MetricUnit.Count, 1);
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
      },
    },
    clock: { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    logger: {
      debug: (m, e) => logger.debug(m, { ...e }),
      info: (m, e) => logger.info(m, { ...e }),
      warn: (m, e) => logger.warn(m, { ...e }),
      error: (m, e) => logger.error(m, { ...e }),
    },
    target: {
      region: region ?? process.env.AWS_REGION ?? 'us-east-1',
      accountId: accountId ?? '',
      eventBusName: busName,
    },
  });
  return core;
}

export const handler = async (event: unknown, context: IngestLambdaContext): Promise<IngestResult> => {
  logger.addContext(context as never);
  try {
    const result = await coreFor(context).handle(event);
    metrics.addMetric('IngestEventsPut', MetricUnit.Count, result.put);
    return result;
  } finally {
    metrics.publishStoredMetrics();
  }
};

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
