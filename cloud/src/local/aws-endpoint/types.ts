/** The AWS wire protocols the local endpoint speaks (Smithy protocol traits). */
export type AwsProtocol = 'awsJson1_0' | 'awsJson1_1' | 'restJson1' | 'awsQuery';

/** One AWS API call, decoded from HTTP but not yet from the service's own body format. */
export interface AwsRequest {
  /** Signing name: 'events', 'iotdata', 'iot', ... */
  service: string;
  /**
   * From X-Amz-Target for JSON protocols ('PutEvents'), from the form's `Action` for awsQuery
   * (SNS); set by the route table for REST.
   */
  operation?: string;
  method: string;
  /** The raw (still percent-encoded) path, without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  region: string;
  accountId: string;
  /** The id returned in x-amzn-RequestId, handy for logs and Lambda-like contexts. */
  requestId?: string;
}

export interface AwsResponse {
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  /** A Buffer or string is sent as is; anything else as JSON. */
  body?: unknown | Buffer | string;
}

export interface AwsServiceDefinition {
  signingName: string;
  protocol: AwsProtocol;
  /**
   * X-Amz-Target prefix of a JSON-protocol service ('AWSEvents'), so that requests
   * without a signature can still be routed to the service that refuses them properly.
   */
  targetPrefix?: string;
  /** Throw AwsServiceError for errors; anything else becomes an InternalFailure (500). */
  handle(req: AwsRequest): Promise<AwsResponse>;
}

type LogFn = (obj: object, msg?: string) => void;
/** The subset of a pino logger the endpoint uses. */
export interface AwsEndpointLogger {
  debug: LogFn;
  warn: LogFn;
  error: LogFn;
}
