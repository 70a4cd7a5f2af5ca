import { randomUUID } from 'node:crypto';
import type { IotRuleActionName, IotRuleDefinition } from '../../definitions/iot-rules.js';
import { type CompiledIotSql, compileIotSql, evaluateIotSql } from '../../iot-sql/index.js';
import type { BrokerLogger, BrokerMessage, IotBroker } from './broker.js';
import { TopicRuleError } from './errors.js';

/** What a rule action receives: the rule's output for one message. */
export interface RuleActionInput {
  ruleName: string;
  /** The topic the message was published on (Basic Ingest prefix included). */
  topic: string;
  /** The exact bytes the rule produced. */
  payload: Buffer;
  /** The output as JSON, when it is JSON. */
  json: unknown;
  clientId?: string;
  traceId: string;
}

/** An action: resolves when done, rejects when it failed (then the error action runs). */
export interface RuleAction {
  /** IoT Core's action type name in error messages, e.g. `LambdaAction`, `SqsAction`. */
  type: string;
  /** The resource in error messages, e.g. the function ARN or queue URL. */
  resource: string;
  run(input: RuleActionInput): Promise<void>;
}

/**
 * The message an error action receives
 * (https://docs.aws.amazon.com/iot/latest/developerguide/rule-error-handling.html#rule-error-message-format).
 */
export interface RuleErrorMessage {
  ruleName: string;
  topic: string;
  cloudwatchTraceId: string;
  clientId: string;
  base64OriginalPayload: string;
  failures: Array<{ failedAction: string; failedResource: string; errorMessage: string }>;
}

export interface RulesEngineOptions {
  rules: readonly IotRuleDefinition[];
  /** Actions by logical name ('ingest', 'rule-errors'), resolved by the local cloud. */
  actions: Partial<Record<IotRuleActionName, RuleAction>>;
  accountId: string;
  logger: BrokerLogger;
  /** @default Date.now */
  now?: () => number;
  /** @default crypto.randomUUID */
  newId?: () => string;
}

interface CompiledRule {
  definition: IotRuleDefinition;
  sql: CompiledIotSql;
  actions: RuleAction[];
  errorAction: RuleAction | undefined;
}

/** Counters for the dashboard and tests. */
export interface RulesEngineStats {
  evaluated: number;
  fired: number;
  actionFailures: number;
  ruleErrors: number;
}

/**
 * IoT Core's rules engine: every message the broker accepts runs through every rule's
 * SQL (compiled once, at construction); each result goes to the rule's actions, and a
 * failing action's message to the rule's error action.
 */
export class RulesEngine {
  readonly #rules: CompiledRule[];
  readonly #opts: RulesEngineOptions;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stats: RulesEngineStats = { evaluated: 0, fired: 0, actionFailures: 0, ruleErrors: 0 };
  #unsubscribe: Array<() => void> = [];

  constructor(options: RulesEngineOptions) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    this.#rules = options.rules.map((definition) => compileRule(definition, options.actions));
  }

  get stats(): RulesEngineStats {
    return { ...this.#stats };
  }

  /** Takes every message the broker accepts, `$` topics (lifecycle, Basic Ingest) included. */
  start(broker: IotBroker): void {
    // The promise lets the broker keep a journaled message until its actions finished.
    const handler = (m: BrokerMessage) => this.#run(m).done;
    // '#' does not match topics starting with '$' [MQTT-4.7.2-1], hence the second filter.
    this.#unsubscribe = [broker.onMessage('#', handler), broker.onMessage('$aws/#', handler)];
  }

  /** Stops taking messages and waits for the actions in flight. */
  async stop(): Promise<void> {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    await this.drain();
  }

  /** Resolves when every action started so far has finished. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Run one message through every rule; returns the names of the rules that fired. */
  process(message: BrokerMessage): string[] {
    return this.#run(message).fired;
  }

  #run(message: BrokerMessage): { fired: string[]; done: Promise<void> } {
    const fired: string[] = [];
    const started: Promise<void>[] = [];
    for (const rule of this.#rules) {
      const traceId = this.#newId();
      this.#stats.evaluated++;
      let result: ReturnType<typeof evaluateIotSql>;
      try {
        result = evaluateIotSql(
          rule.sql,
          { topic: message.topic, payload: message.payload },
          {
            ...(message.clientId === undefined ? {} : { clientId: message.clientId }),
            ...(message.principal === undefined ? {} : { principal: message.principal }),
            accountId: this.#opts.accountId,
            ruleName: rule.definition.name,
            traceId,
            now: this.#now,
            newUuid: this.#newId,
          },
        );
      } catch (err) {
        // An evaluation error is a rule error: IoT Core sends it to the error action too.
        started.push(this.#track(this.#fail(rule, message, traceId, [{ action: undefined, err }])));
        continue;
      }
      if (!result.fired) continue;
      this.#stats.fired++;
      fired.push(rule.definition.name);
      const input: RuleActionInput = {
        ruleName: rule.definition.name,
        topic: message.topic,
        payload: result.payload,
        json: result.json,
        ...(message.clientId === undefined ? {} : { clientId: message.clientId }),
        traceId,
      };
      started.push(this.#track(this.#runActions(rule, message, input)));
    }
    return { fired, done: Promise.allSettled(started).then(() => undefined) };
  }

  async #runActions(rule: CompiledRule, message: BrokerMessage, input: RuleActionInput): Promise<void> {
    const outcomes = await Promise.allSettled(rule.actions.map((a) => a.run(input)));
    const failures = outcomes.flatMap((o, i) =>
      o.status === 'rejected' ? [{ action: rule.actions[i], err: o.reason as unknown }] : [],
    );
    if (failures.length > 0) {
      this.#stats.actionFailures += failures.length;
      await this.#fail(rule, message, input.traceId, failures);
    }
  }

  async #fail(
    rule: CompiledRule,
    message: BrokerMessage,
    traceId: string,
    failures: Array<{ action: RuleAction | undefined; err: unknown }>,
  ): Promise<void> {
    this.#stats.ruleErrors++;
    const errorMessage: RuleErrorMessage = {
      ruleName: rule.definition.name,
      topic: message.topic,
      cloudwatchTraceId: traceId,
      clientId: message.clientId ?? 'n/a',
      base64OriginalPayload: message.payload.toString('base64'),
      failures: failures.map(({ action, err }) => ({
        failedAction: action?.type ?? 'RuleEvaluation',
        failedResource: action?.resource ?? rule.definition.name,
        errorMessage: err instanceof Error ? err.message : String(err),
      })),
    };
    this.#opts.logger.warn({ ...errorMessage, base64OriginalPayload: undefined }, 'topic rule action failed');
    if (!rule.errorAction) return;
    const payload = Buffer.from(JSON.stringify(errorMessage));
    try {
      await rule.errorAction.run({
        ruleName: rule.definition.name,
        topic: message.topic,
        payload,
        json: errorMessage,
        ...(message.clientId === undefined ? {} : { clientId: message.clientId }),
        traceId,
      });
    } catch (err) {
      // IoT Core drops a message whose error action fails too; we log it.
      this.#opts.logger.error(
        { err, ruleName: rule.definition.name },
        'error action failed; message dropped',
      );
    }
  }

  #track(p: Promise<void>): Promise<void> {
    this.#inFlight.add(p);
    p.finally(() => this.#inFlight.delete(p)).catch(() => {});
    return p;
  }
}

function compileRule(
  definition: IotRuleDefinition,
  actions: Partial<Record<IotRuleActionName, RuleAction>>,
): CompiledRule {
  let sql: CompiledIotSql;
  try {
    sql = compileIotSql(definition.sql);
  } catch (err) {
    throw new TopicRuleError(`rule ${definition.name}: ${(err as Error).message}`, definition.name, {
      cause: err,
    });
  }
  const resolved = definition.actions.map((name) => {
    const action = actions[name];
    if (!action)
      throw new TopicRuleError(`rule ${definition.name}: no action named ${name}`, definition.name);
    return action;
  });
  return { definition, sql, actions: resolved, errorAction: actions[definition.errorAction] };
}
