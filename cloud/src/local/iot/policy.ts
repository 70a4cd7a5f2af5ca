import { THING_NAME_RE } from '@smartdoor/shared';
import { doorPolicyDocument, type IotPolicyDocument } from '../../definitions/iot-policies.js';

/**
 * The per-thing IoT policy the broker enforces: the door policy document the CDK stack
 * attaches to every door certificate (definitions/iot-policies.ts, doorPolicyDocument),
 * evaluated here as IoT Core evaluates it, so that what the local cloud allows a door is
 * what IoT Core will (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policies.html):
 * the thing policy variable `${iot:Connection.Thing.ThingName}` resolved to the connection's
 * thing, resources compared as text with `*` and `?` wildcards (a topic filter's `#` and `+`
 * are characters, not wildcards, as IoT Core compares topicfilter resources), and what no
 * statement allows denied. Over mTLS the thing name is the certificate's CN; over the
 * development TCP listener the client id stands for it (and for the attached thing that
 * the Connect statement's `iot:Connection.Thing.IsAttached` condition asks for).
 */
export type IotPolicyAction = 'connect' | 'publish' | 'subscribe' | 'receive' | 'retainPublish';

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
  const policy = doorPolicyFor(thing);
  if (req.action === 'connect') {
    return policy.allows(req.action, `client/${req.clientId}`)
      ? ALLOW
      : deny(`the door policy does not let client "${req.clientId}" connect`);
  }
  const topic = req.topic;
  if (topic === undefined || topic === '') return deny(`${req.action} needs a topic`);
  const kind = req.action === 'subscribe' ? 'topicfilter' : 'topic';
  if (policy.allows(req.action, `${kind}/${topic}`)) return ALLOW;
  return deny(
    `thing "${thing}" may not ${VERB[req.action]} "${topic}": the door policy allows ${policy.allowed(req.action).join(', ') || 'none'}`,
  );
}

const VERB: Record<Exclude<IotPolicyAction, 'connect'>, string> = {
  publish: 'publish to',
  retainPublish: 'publish a retained message to',
  subscribe: 'subscribe to',
  receive: 'receive from',
};

const IOT_ACTION: Record<IotPolicyAction, string> = {
  connect: 'iot:Connect',
  publish: 'iot:Publish',
  retainPublish: 'iot:RetainPublish',
  subscribe: 'iot:Subscribe',
  receive: 'iot:Receive',
};

/** Any ARN prefix does: resources are compared after it. */
const ARN = 'arn:aws:iot:local:000000000000';

/** A policy document with its variables resolved for one connection, ready to answer. */
interface CompiledPolicy {
  /** Whether a statement allows `action` on `resource` (`topic/...`, `topicfilter/...`, `client/...`). */
  allows(action: IotPolicyAction, resource: string): boolean;
  /** The resources allowed for `action`, without the ARN prefix, for a refusal's reason. */
  allowed(action: IotPolicyAction): string[];
}

/** Door policies compiled per thing: a publish or a receive asks on every message. */
const doorPolicies = new Map<string, CompiledPolicy>();
const MAX_COMPILED = 10_000;

function doorPolicyFor(thing: string): CompiledPolicy {
  let policy = doorPolicies.get(thing);
  if (!policy) {
    policy = compilePolicy(doorPolicyDocument(ARN), { 'iot:Connection.Thing.ThingName': thing });
    // Oldest first out: a fleet larger than the cache compiles again, nothing grows for ever.
    if (doorPolicies.size >= MAX_COMPILED) doorPolicies.delete(doorPolicies.keys().next().value!);
    doorPolicies.set(thing, policy);
  }
  return policy;
}

/**
 * Compile the Allow statements of `doc` with `variables` resolved. A statement with a
 * condition other than `iot:Connection.Thing.IsAttached` (which holds here: see above)
 * allows nothing, and neither does a resource naming a variable not given: deny is safe.
 */
function compilePolicy(doc: IotPolicyDocument, variables: Record<string, string>): CompiledPolicy {
  const rules = new Map<string, Array<{ text: string; re: RegExp }>>();
  for (const statement of doc.Statement) {
    if (statement.Effect !== 'Allow' || !conditionHolds(statement.Condition)) continue;
    for (const action of [statement.Action].flat()) {
      const list = rules.get(action) ?? [];
      rules.set(action, list);
      for (const resource of [statement.Resource].flat()) {
        const text = resolveVariables(resource, variables);
        if (text !== undefined) list.push({ text: text.slice(ARN.length + 1), re: globRegExp(text) });
      }
    }
  }
  const of = (action: IotPolicyAction) => rules.get(IOT_ACTION[action]) ?? [];
  return {
    allows: (action, resource) => of(action).some((r) => r.re.test(`${ARN}:${resource}`)),
    allowed: (action) => of(action).map((r) => r.text.replace(/^(topic|topicfilter|client)\//, '')),
  };
}

function conditionHolds(condition: Record<string, Record<string, string>> | undefined): boolean {
  if (condition === undefined) return true;
  return Object.entries(condition).every(
    ([operator, tests]) =>
      operator === 'Bool' &&
      Object.entries(tests).every(
        ([key, value]) => key === 'iot:Connection.Thing.IsAttached' && value === 'true',
      ),
  );
}

/** `${name}` policy variables replaced; undefined when one is not known. */
function resolveVariables(text: string, variables: Record<string, string>): string | undefined {
  let unknown = false;
  const resolved = text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    const value = variables[name];
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  return unknown ? undefined : resolved;
}

/** IoT policy resource matching: the text as is, `*` any run of characters, `?` one. */
function globRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}
