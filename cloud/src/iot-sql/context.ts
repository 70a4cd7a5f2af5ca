import type { SqlValue } from './values.js';

/**
 * What IoT Core knows about a message besides its topic and payload: the functions
 * clientid(), principal(), accountid(), traceid(), timestamp() and newuuid() read it.
 */
export interface IotSqlContext {
  /** MQTT client id of the publisher. @default 'n/a' (what clientid() returns for a message not sent over MQTT) */
  clientId?: string;
  /** The publisher's principal, e.g. its X.509 certificate thumbprint. @default undefined (Undefined) */
  principal?: string;
  /** The AWS account that owns the rule, for accountid(). @default undefined (Undefined) */
  accountId?: string;
  /** The rule's name: Basic Ingest topics `$aws/rules/{ruleName}/...` reach only this rule. @default undefined */
  ruleName?: string;
  /** The MQTT message's trace id, for traceid(). @default undefined (Undefined) */
  traceId?: string;
  /** Milliseconds since the epoch, for timestamp() and parse_time. @default Date.now */
  now?: () => number;
  /** A new UUID string, for newuuid(). @default crypto.randomUUID */
  newUuid?: () => string;
  /** A number in [0, 1), for rand(). @default Math.random */
  random?: () => number;
}

/** One message being evaluated: what functions and field references see. */
export interface Env {
  /** The topic as topic() sees it (without a Basic Ingest prefix). */
  topic: string;
  /** The exact bytes of the message body. */
  payload: Uint8Array;
  /** The payload as an IoT SQL value: parsed JSON, or the bytes when it is not JSON. Parsed once, on first use. */
  root(): SqlValue;
  ctx: IotSqlContext;
}
