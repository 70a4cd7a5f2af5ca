import { ContractValidationError, describeValue } from './errors.js';
import { LIMITS } from './limits.js';

/**
 * The MQTT topic catalog. Every topic the project uses is built and parsed here, so that
 * the agent, the broker's policy and the cloud rules agree on one spelling.
 */
export const TOPIC_ROOT = 'smartdoor';

/** Thing names as IoT Core allows them: 1-128 of [a-zA-Z0-9:_-]. */
export const THING_NAME_RE = /^[a-zA-Z0-9:_-]{1,128}$/;

/**
 * Client id prefix of fleet provisioning claim connections (`claim-{serial}`): the claim
 * policy allows only these, and their lifecycle events are no door's presence.
 */
export const CLAIM_CLIENT_ID_PREFIX = 'claim-';

export function isClaimClientId(clientId: string): boolean {
  return clientId.startsWith(CLAIM_CLIENT_ID_PREFIX);
}

export function assertThingName(thingName: string): string {
  if (!THING_NAME_RE.test(thingName)) {
    throw new ContractValidationError('thing name', [
      {
        path: 'thingName',
        expected: '1-128 characters of a-z, A-Z, 0-9, ":", "_" or "-"',
        received: describeValue(thingName),
      },
    ]);
  }
  return thingName;
}

export const topics = {
  /** Door events, device to cloud, QoS 1. */
  events: (thing: string) => `${TOPIC_ROOT}/${assertThingName(thing)}/events`,
  /** Commands, cloud to device (e.g. sound the buzzer). */
  commands: (thing: string) => `${TOPIC_ROOT}/${assertThingName(thing)}/commands`,
  /** Retained `online`/`offline` status; the last will sets `offline`. */
  status: (thing: string) => `${TOPIC_ROOT}/${assertThingName(thing)}/status`,
  /** Everything a thing may use under the project root (for policies). */
  thingFilter: (thing: string) => `${TOPIC_ROOT}/${assertThingName(thing)}/#`,
  /** The classic shadow, or a named one; `op` is e.g. `update`, `update/delta`, `get/accepted`. */
  shadow: (thing: string, op: ShadowOperation, shadowName?: string) =>
    shadowName
      ? `$aws/things/${assertThingName(thing)}/shadow/name/${shadowName}/${op}`
      : `$aws/things/${assertThingName(thing)}/shadow/${op}`,
  /** IoT Core lifecycle events. */
  presence: (kind: 'connected' | 'disconnected', clientId: string) =>
    `$aws/events/presence/${kind}/${clientId}`,
  /** IoT Core Basic Ingest: publish straight to a rule, skipping the broker's fan-out. */
  basicIngest: (ruleName: string, rest: string) => `$aws/rules/${ruleName}/${rest}`,
} as const;

export const SHADOW_OPERATIONS = [
  'update',
  'update/accepted',
  'update/rejected',
  'update/delta',
  'update/documents',
  'get',
  'get/accepted',
  'get/rejected',
  'delete',
  'delete/accepted',
  'delete/rejected',
] as const;
export type ShadowOperation = (typeof SHADOW_OPERATIONS)[number];

/** What a topic is, once parsed. */
export type ParsedTopic =
  | { kind: 'events' | 'commands' | 'status'; thingName: string }
  | { kind: 'shadow'; thingName: string; shadowName: string | undefined; operation: ShadowOperation }
  | { kind: 'presence'; event: 'connected' | 'disconnected'; clientId: string }
  | { kind: 'basic-ingest'; ruleName: string; rest: string }
  | { kind: 'other' };

/** Parse a topic into what it addresses. Unknown topics are `{ kind: 'other' }`, never an error. */
export function parseTopic(topic: string): ParsedTopic {
  const parts = topic.split('/');
  if (parts[0] === TOPIC_ROOT && parts.length === 3 && THING_NAME_RE.test(parts[1]!)) {
    const kind = parts[2];
    if (kind === 'events' || kind === 'commands' || kind === 'status') return { kind, thingName: parts[1]! };
  }
  if (
    parts[0] === '$aws' &&
    parts[1] === 'things' &&
    parts[3] === 'shadow' &&
    THING_NAME_RE.test(parts[2] ?? '')
  ) {
    let shadowName: string | undefined;
    let rest = parts.slice(4);
    if (rest[0] === 'name') {
      shadowName = rest[1];
      rest = rest.slice(2);
      if (!shadowName) return { kind: 'other' };
    }
    const op = rest.join('/');
    if ((SHADOW_OPERATIONS as readonly string[]).includes(op)) {
      return { kind: 'shadow', thingName: parts[2]!, shadowName, operation: op as ShadowOperation };
    }
  }
  if (parts[0] === '$aws' && parts[1] === 'events' && parts[2] === 'presence' && parts.length === 5) {
    const event = parts[3];
    if ((event === 'connected' || event === 'disconnected') && parts[4]) {
      return { kind: 'presence', event, clientId: parts[4] };
    }
  }
  if (parts[0] === '$aws' && parts[1] === 'rules' && parts[2] && parts.length >= 4) {
    return { kind: 'basic-ingest', ruleName: parts[2], rest: parts.slice(3).join('/') };
  }
  return { kind: 'other' };
}

/**
 * Check a publish topic against IoT Core's limits: at most 256 bytes and 7 slashes
 * (for Basic Ingest, the `$aws/rules/{rule}/` prefix does not count), no wildcards.
 * Returns the reason it is refused, or undefined when it is fine.
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits
 */
export function checkPublishTopic(topic: string): string | undefined {
  if (topic.length === 0) return 'topic is empty';
  const bytes = Buffer.byteLength(topic, 'utf8');
  if (bytes > LIMITS.IOT_MAX_TOPIC_BYTES) {
    return `topic is ${bytes} bytes, over IoT Core's limit of ${LIMITS.IOT_MAX_TOPIC_BYTES}`;
  }
  if (topic.includes('+') || topic.includes('#'))
    return 'a publish topic may not contain the wildcards + or #';
  const parsed = parseTopic(topic);
  const counted = parsed.kind === 'basic-ingest' ? parsed.rest : topic;
  const slashes = counted.split('/').length - 1;
  if (slashes > LIMITS.IOT_MAX_TOPIC_SLASHES) {
    return `topic has ${slashes} slashes, over IoT Core's limit of ${LIMITS.IOT_MAX_TOPIC_SLASHES}`;
  }
  return undefined;
}

/** MQTT topic filter matching (+ one level, # the rest), as the broker applies it. */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // [MQTT-4.7.2-1] wildcards at the first level do not match topics starting with $.
  if (t[0]?.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
