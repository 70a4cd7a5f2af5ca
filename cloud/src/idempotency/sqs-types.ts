/**
 * The shapes Lambda uses for an SQS event source, written out here rather than pulling
 * in @types/aws-lambda. https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    [name: string]: string;
  };
  messageAttributes: Record<string, { stringValue?: string; dataType: string }>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** The partial batch response (function response type ReportBatchItemFailures). */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** The part of the Lambda context the handlers use. */
export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  getRemainingTimeInMillis(): number;
}

/** A Lambda-style SQS handler, as the local cloud and Lambda both invoke it. */
export type SqsLambdaHandler = (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse>;

/**
 * The log port of the handler cores: Powertools Logger's signature (message first),
 * so the Lambda entry passes its logger as is; the local wiring adapts pino.
 */
export interface SubscriberLog {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export const SILENT_LOG: SubscriberLog = { debug() {}, info() {}, warn() {}, error() {} };
