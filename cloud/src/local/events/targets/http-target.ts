import { TargetInvocationError } from '../errors.js';
import type { Invocation, TargetKind } from './target-invoker.js';

export interface ApiDestination {
  url: string;
  /** Extra headers (e.g. the connection's API key). */
  headers?: Record<string, string>;
}

export interface HttpTargetOptions {
  /**
   * Per-request timeout; API destinations time out after 5 s.
   * @default 5000
   */
  timeoutMs?: number;
}

const API_DEST_RE = /^arn:aws:events:[^:]*:[^:]*:api-destination\/([^/]+)(?:\/.*)?$/;

/**
 * HTTP endpoints: POST of the (transformed) event as JSON. Addressed either as an API
 * destination ARN registered by name, or, as a documented local form, by the URL itself
 * (Target Arn `http://127.0.0.1:9000/hook`). Retries follow the API destinations rules:
 * 401, 407, 409, 429 and 5xx are retried, other statuses are not
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html).
 */
export class HttpTarget implements TargetKind {
  readonly kind = 'http';
  readonly #destinations = new Map<string, ApiDestination>();
  readonly #timeoutMs: number;

  constructor(opts: HttpTargetOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 5000;
  }

  registerApiDestination(name: string, destination: ApiDestination): void {
    this.#destinations.set(name, destination);
  }

  accepts(arn: string): boolean {
    return API_DEST_RE.test(arn) || /^https?:\/\//.test(arn);
  }

  check(arn: string): string | undefined {
    return this.#resolve(arn) ? undefined : `No API destination registered for ${arn}`;
  }

  async invoke({ arn, input }: Invocation): Promise<void> {
    const dest = this.#resolve(arn);
    if (!dest)
      throw new TargetInvocationError(
        'ResourceNotFoundException',
        `API destination not found: ${arn}`,
        false,
      );
    let res: Response;
    try {
      res = await fetch(dest.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...dest.headers },
        body: input.text,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      await res.arrayBuffer();
    } catch (err) {
      throw new TargetInvocationError(
        'SdkClientException',
        `POST ${dest.url} failed: ${(err as Error).message}`,
        true,
        {
          cause: err,
        },
      );
    }
    if (res.ok) return;
    const retryable = [401, 407, 409, 429].includes(res.status) || res.status >= 500;
    throw new TargetInvocationError(
      `HTTP${res.status}`,
      `POST ${dest.url} answered ${res.status}`,
      retryable,
    );
  }

  #resolve(arn: string): ApiDestination | undefined {
    if (/^https?:\/\//.test(arn)) return { url: arn };
    const name = API_DEST_RE.exec(arn)?.[1];
    return name === undefined ? undefined : this.#destinations.get(name);
  }
}
