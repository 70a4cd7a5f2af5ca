import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsServiceError, MissingAuthenticationTokenError, UnknownOperationError } from './errors.js';
import { routeService } from './service-router.js';
import { headerValue, parseAuthorization, verifySignature } from './sigv4.js';
import type {
  AwsEndpointLogger,
  AwsProtocol,
  AwsRequest,
  AwsResponse,
  AwsServiceDefinition,
} from './types.js';
import { contentTypeFor, toWireError } from './wire-errors.js';

export interface AwsEndpointOptions {
  /** The account every request acts in (AwsRequest.accountId). */
  accountId: string;
  /** Region used when the request's credential scope names none. */
  region: string;
  /**
   * Verify SigV4 signatures against `credentials`. Off, any signature is accepted (as
   * LocalStack does), but a request must still carry one.
   * @default false
   */
  checkSignatures?: boolean;
  /** The only credentials accepted when `checkSignatures` is on. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  logger?: AwsEndpointLogger;
  /**
   * Largest request body accepted, in bytes.
   * @default 16 MiB
   */
  maxBodyBytes?: number;
  /** @default Date.now */
  now?: () => number;
  /** @default crypto.randomUUID */
  newId?: () => string;
}

const SILENT: AwsEndpointLogger = { debug: () => {}, warn: () => {}, error: () => {} };

/**
 * The local cloud's one AWS HTTP endpoint: every AWS API the project uses, routed by the
 * SigV4 signing name (then X-Amz-Target, then host), so that the official SDK v3 clients
 * work by setting `endpoint` only. A request handler, not a server: see server.ts.
 */
export class AwsEndpoint {
  readonly #services = new Map<string, AwsServiceDefinition>();
  readonly #opts: AwsEndpointOptions;
  readonly #log: AwsEndpointLogger;
  readonly #now: () => number;
  readonly #newId: () => string;

  constructor(opts: AwsEndpointOptions) {
    if (opts.checkSignatures && !opts.credentials) {
      throw new TypeError('AwsEndpoint: checkSignatures needs credentials to check against');
    }
    this.#opts = opts;
    this.#log = opts.logger ?? SILENT;
    this.#now = opts.now ?? Date.now;
    this.#newId = opts.newId ?? randomUUID;
  }

  /** Adds a service; its signing name must be new. */
  register(service: AwsServiceDefinition): void {
    if (this.#services.has(service.signingName)) {
      throw new TypeError(
        `AwsEndpoint: a service with signing name ${service.signingName} is already registered`,
      );
    }
    this.#services.set(service.signingName, service);
  }

  /** Removes a service (a component's stop()). */
  unregister(signingName: string): void {
    this.#services.delete(signingName);
  }

  /** Node http request listener. Never throws; every failure becomes an AWS error response. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = this.#newId();
    this.#dispatch(req, res, requestId).catch((err: unknown) => {
      this.#log.error({ err, requestId }, 'aws endpoint: failed to answer');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-requestid': requestId });
        res.end('{"message":"The server encountered an internal error"}');
      } else res.destroy();
    });
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers = req.headers as Record<string, string | string[] | undefined>;
    const target = headerValue(headers, 'x-amz-target');
    const auth = parseAuthorization(headerValue(headers, 'authorization'));
    const route = routeService(this.#services, auth, target, headerValue(headers, 'host'));
    // Without a service we still answer in the protocol the client most likely speaks.
    const protocol: AwsProtocol = route?.service.protocol ?? (target ? 'awsJson1_1' : 'restJson1');
    const send = (response: AwsResponse) => this.#send(res, protocol, requestId, response);
    try {
      const body = await readBody(req, this.#opts.maxBodyBytes ?? 16 * 1024 * 1024);
      if (!auth) {
        throw new MissingAuthenticationTokenError(
          'Missing Authentication Token: the request carries no AWS Signature Version 4 Authorization header',
        );
      }
      if (!route) throw new UnknownOperationError(`No local service for signing name ${auth.service}`, 404);
      const awsReq: AwsRequest = {
        service: route.service.signingName,
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        headers,
        body,
        region: auth.region,
        accountId: this.#opts.accountId,
        requestId,
      };
      if (route.operation !== undefined) awsReq.operation = route.operation;
      if (protocol === 'awsQuery') {
        // The query protocol names the operation in the form body (or the query string).
        const action =
          new URLSearchParams(body.toString('utf8')).get('Action') ?? url.searchParams.get('Action');
        if (action) awsReq.operation = action;
      }
      if (this.#opts.checkSignatures) {
        await verifySignature(awsReq, auth, this.#opts.credentials!, this.#now());
      }
      if (protocol !== 'restJson1' && awsReq.operation === undefined) {
        throw new UnknownOperationError(
          protocol === 'awsQuery'
            ? 'Missing Action parameter naming the operation'
            : 'Missing X-Amz-Target header naming the operation (query-protocol services such as SNS register as awsQuery)',
        );
      }
      send(await route.service.handle(awsReq));
    } catch (err) {
      if (!(err instanceof AwsServiceError)) {
        this.#log.error(
          { err, requestId, service: route?.service.signingName },
          'aws endpoint: handler failed',
        );
      } else {
        this.#log.debug({ requestId, code: err.code, message: err.message }, 'aws endpoint: error response');
      }
      const wire = toWireError(protocol, err, requestId);
      send({ status: wire.status, headers: wire.headers, body: wire.body });
    }
  }

  #send(res: ServerResponse, protocol: AwsProtocol, requestId: string, response: AwsResponse): void {
    const { body } = response;
    let payload: Buffer | string;
    if (Buffer.isBuffer(body) || typeof body === 'string') payload = body;
    else if (body === undefined) payload = protocol === 'restJson1' || protocol === 'awsQuery' ? '' : '{}';
    else payload = JSON.stringify(body);
    const headers: Record<string, string | number> = {
      'content-type': contentTypeFor(protocol),
      ...lowerKeys(response.headers ?? {}),
      'x-amzn-requestid': requestId,
      'content-length': Buffer.byteLength(payload),
    };
    res.writeHead(response.status ?? 200, headers);
    res.end(payload);
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > max) {
        failed = true;
        reject(
          new AwsServiceError('RequestEntityTooLargeException', `Request body exceeds ${max} bytes`, 413),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (cause) => {
      if (!failed)
        reject(
          new AwsServiceError('InvalidRequestException', 'Request body could not be read', 400, { cause }),
        );
    });
  });
}
