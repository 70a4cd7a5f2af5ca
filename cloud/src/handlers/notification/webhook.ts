import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChannelDeliveryError } from './errors.js';
import type { Notification, NotificationChannel } from './notification.js';

export const TIMESTAMP_HEADER = 'X-Smartdoor-Timestamp';
export const SIGNATURE_HEADER = 'X-Smartdoor-Signature';
export const DELIVERY_HEADER = 'X-Smartdoor-Delivery';

/** `v1=` + hex(HMAC-SHA256(secret, timestamp + "." + body)); the timestamp is in Unix seconds. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

export interface VerifyWebhookOptions {
  /**
   * Refuse timestamps further than this from now (replay protection).
   * @default 300
   */
  toleranceSeconds?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * For receivers: check a delivery's signature and freshness. Returns undefined when good,
 * else why not. Compares in constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: VerifyWebhookOptions = {},
): string | undefined {
  const { timestamp, signature } = headers;
  if (!timestamp || !/^\d+$/.test(timestamp)) return `missing or malformed ${TIMESTAMP_HEADER}`;
  if (!signature) return `missing ${SIGNATURE_HEADER}`;
  const now = (options.now ?? Date.now)() / 1000;
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300))
    return 'timestamp outside the tolerance';
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return 'signature does not match';
  return undefined;
}

export type FetchPort = (url: string, init: RequestInit) => Promise<Response>;

export interface WebhookChannelOptions {
  url: string;
  secret: string;
  /** @default globalThis.fetch */
  fetch?: FetchPort;
  /**
   * Per-attempt timeout.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * Attempts before giving up (the first included).
   * @default 4
   */
  attempts?: number;
  /**
   * First backoff; doubled each retry, with full jitter.
   * @default 200
   */
  backoffBaseMs?: number;
  /** @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  random?: () => number;
  /** @default Date.now */
  now?: () => number;
}

type ResolvedWebhookOptions = Required<WebhookChannelOptions>;

/** The first backoff of WebhookChannel, doubled each retry. */
export const WEBHOOK_BACKOFF_BASE_MS = 200;

/** The longest one WebhookChannel.send can take: every attempt timing out, the longest backoffs. */
export function webhookWorstCaseMs(o: {
  timeoutMs: number;
  attempts: number;
  backoffBaseMs?: number;
}): number {
  const base = o.backoffBaseMs ?? WEBHOOK_BACKOFF_BASE_MS;
  return o.attempts * o.timeoutMs + base * (2 ** (o.attempts - 1) - 1);
}

/**
 * JSON POST with an HMAC-SHA256 signature and timestamp header, a timeout per attempt, and
 * retries with exponential backoff and full jitter
 * (https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/). 5xx,
 * 408, 429, timeouts and network errors are retried; other 4xx are not (the request
 * itself is wrong).
 */
export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook';
  readonly #o: ResolvedWebhookOptions;

  constructor(options: WebhookChannelOptions) {
    this.#o = {
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      timeoutMs: 5_000,
      attempts: 4,
      backoffBaseMs: WEBHOOK_BACKOFF_BASE_MS,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      now: Date.now,
      ...options,
    };
  }

  async send(notification: Notification): Promise<void> {
    const body = JSON.stringify(notification);
    let lastError = 'no attempt made';
    for (let attempt = 1; attempt <= this.#o.attempts; attempt++) {
      const timestamp = String(Math.floor(this.#o.now() / 1000));
      try {
        const res = await this.#o.fetch(this.#o.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'smartdoor-notification/1',
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: signWebhook(this.#o.secret, timestamp, body),
            [DELIVERY_HEADER]: notification.id,
          },
          body,
          signal: AbortSignal.timeout(this.#o.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        lastError = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          throw new ChannelDeliveryError(
            this.name,
            attempt,
            `webhook refused the delivery: ${lastError}`,
            false,
          );
        }
      } catch (err) {
        if (err instanceof ChannelDeliveryError) throw err;
        const e = err as Error;
        lastError =
          e.name === 'TimeoutError' ? `timed out after ${this.#o.timeoutMs} ms` : describeFetchError(e);
      }
      if (attempt < this.#o.attempts) {
        await this.#o.sleep(Math.floor(this.#o.random() * this.#o.backoffBaseMs * 2 ** (attempt - 1)));
      }
    }
    throw new ChannelDeliveryError(this.name, this.#o.attempts, `webhook unreachable: ${lastError}`);
  }
}

function describeFetchError(e: Error): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${e.message} (${cause.code})` : e.message;
}
