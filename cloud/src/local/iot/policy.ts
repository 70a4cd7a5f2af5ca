import { THING_NAME_RE, TOPIC_ROOT } from '@smartdoor/shared';

/**
 * The per-thing IoT policy, as a pure function. It is the policy the CDK app attaches to
 * every door certificate, written with the thing policy variable
 * `${iot:Connection.Thing.ThingName}` (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html):
 *
 * - iot:Connect   client/${ThingName}
 * - iot:Publish   topic/smartdoor/${ThingName}/*, topic/$aws/things/${ThingName}/shadow/*,
 *                 topic/$aws/rules/*\/smartdoor/${ThingName}/*   (Basic Ingest)
 * - iot:Subscribe topicfilter/smartdoor/${ThingName}/*, topicfilter/$aws/things/${ThingName}/shadow/*
 * - iot:Receive   topic/smartdoor/${ThingName}/*, topic/$aws/things/${ThingName}/shadow/*
 *
 * Everything else is denied, as IoT Core denies what no statement allows. Over mTLS the
 * thing name is the certificate's CN; over the development TCP listener the client id
 * stands for it.
 */
export type IotPolicyAction = 'connect' | 'publish' | 'subscribe' | 'receive';

export interface IotPolicyRequest {
  action: IotPolicyAction;
  /** The MQTT client id of the connection. */
  clientId: string;
  /** The thing the connection's certificate names; undefined on the plain TCP listener. */
  certificateThingName?: string;
  /** Topic (publish, receive) or topic filter (subscribe); unused for connect. */
  topic?: string;
}

export type IotPolicyDecision = { allow: true } | { allow: false; reason: string };

const ALLOW: IotPolicyDecision = { allow: true };

function deny(reason: string): IotPolicyDecision {
  return { allow: false, reason };
}

/** The thing a connection acts as: the certificate's CN, or the client id on plain TCP. */
export function connectionThingName(
  req: Pick<IotPolicyRequest, 'clientId' | 'certificateThingName'>,
): string {
  return req.certificateThingName ?? req.clientId;
}

export function evaluateThingPolicy(req: IotPolicyRequest): IotPolicyDecision {
  const thing = connectionThingName(req);
  if (!THING_NAME_RE.test(thing)) {
    return deny(`"${thing}" is not a thing name (1-128 of a-z, A-Z, 0-9, ':', '_', '-')`);
  }
  if (req.clientId !== thing) {
    return deny(`client id "${req.clientId}" is not the certificate's thing name "${thing}"`);
  }
  if (req.action === 'connect') return ALLOW;
  const topic = req.topic;
  if (topic === undefined || topic === '') return deny(`${req.action} needs a topic`);
  const parts = topic.split('/');
  switch (req.action) {
    case 'publish':
      if (ownsTopic(parts, thing, false)) return ALLOW;
      if (
        parts[0] === '$aws' &&
        parts[1] === 'rules' &&
        parts.length > 3 &&
        ownsTopic(parts.slice(3), thing, false)
      ) {
        return ALLOW;
      }
      return deny(deniedTopic('publish to', topic, thing));
    case 'receive':
      return ownsTopic(parts, thing, false) ? ALLOW : deny(deniedTopic('receive from', topic, thing));
    case 'subscribe':
      return ownsTopic(parts, thing, true) ? ALLOW : deny(deniedTopic('subscribe to', topic, thing));
  }
}

/**
 * Whether a topic (or, with `filter`, a topic filter) lies under the thing's own subtrees.
 * Wildcards may only appear below the fixed prefix, so `smartdoor/+/events` is refused even
 * for a thing whose name would match it (IoT Core compares the filter text, not its matches).
 */
function ownsTopic(parts: string[], thing: string, filter: boolean): boolean {
  const prefixLength =
    parts[0] === TOPIC_ROOT && parts[1] === thing
      ? 2
      : parts[0] === '$aws' && parts[1] === 'things' && parts[2] === thing && parts[3] === 'shadow'
        ? 4
        : 0;
  if (prefixLength === 0 || parts.length <= prefixLength) return false;
  if (!filter) return true;
  return parts
    .slice(prefixLength)
    .every((p) => p === '+' || p === '#' || !(p.includes('+') || p.includes('#')));
}

function deniedTopic(verb: string, topic: string, thing: string): string {
  return `thing "${thing}" may not ${verb} "${topic}": only smartdoor/${thing}/... and $aws/things/${thing}/shadow/...`;
}
