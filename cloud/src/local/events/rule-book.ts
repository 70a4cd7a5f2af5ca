import { checkEventPattern, RuleMatcher } from '../../event-pattern/index.js';
import {
  EventsError,
  EventsInvalidPatternError,
  EventsResourceNotFoundError,
  EventsValidationError,
} from './errors.js';
import { type EventBus, type Rule, type RuleState, ruleArn, type Target } from './model.js';
import { checkName, checkRuleState, normalizeTarget } from './model-validation.js';
import type { EventsStore } from './store.js';
import type { TargetKind } from './targets/target-invoker.js';

/** A PutTargets failure for one target. */
export interface FailedTarget {
  targetId: string;
  errorCode: string;
  errorMessage: string;
}

/**
 * Rules and their targets, stored, and the enabled rules of each bus held in the project's
 * RuleMatcher so an event is matched against all of them in one pass.
 */
export class RuleBook {
  readonly #matchers = new Map<string, RuleMatcher<string>>();

  constructor(
    private readonly store: EventsStore,
    private readonly region: string,
    private readonly accountId: string,
    private readonly getBus: (nameOrArn: string) => EventBus,
    private readonly kinds: readonly TargetKind[],
  ) {}

  /**
   * Loads every stored rule into the matchers (start()). A stored pattern the matcher now
   * refuses (it was accepted by an older version) leaves that rule out instead of failing the
   * start; the errors are returned for the caller to report.
   */
  load(): Error[] {
    const failures: Error[] = [];
    for (const rule of this.store.listRules()) {
      try {
        this.#sync(rule);
      } catch (err) {
        failures.push(new Error(`Rule ${rule.arn} not loaded: ${(err as Error).message}`, { cause: err }));
      }
    }
    return failures;
  }

  /** Names of the enabled rules of `busName` that match `event`. */
  matches(busName: string, event: object): string[] {
    return this.#matchers.get(busName)?.matchesFor(event) ?? [];
  }

  putRule(input: {
    name: string;
    busName?: string;
    eventPattern?: string;
    state?: RuleState;
    description?: string;
  }): Rule {
    checkName('name', input.name);
    const state = checkRuleState(input.state);
    const bus = this.getBus(input.busName ?? 'default');
    if (input.eventPattern === undefined) {
      throw new EventsValidationError(
        'Parameter(s) EventPattern must be specified (schedule expressions are not supported locally).',
      );
    }
    const problem = checkEventPattern(input.eventPattern);
    if (problem !== undefined)
      throw new EventsInvalidPatternError(`Event pattern is not valid. Reason: ${problem}`);
    const rule: Rule = {
      name: input.name,
      busName: bus.name,
      arn: ruleArn(this.region, this.accountId, bus.name, input.name),
      eventPattern: input.eventPattern,
      state,
    };
    if (input.description !== undefined) rule.description = input.description;
    this.store.putRule(rule);
    this.#sync(rule);
    return rule;
  }

  getRule(name: string, busName = 'default'): Rule {
    const bus = busNameOf(busName);
    const rule = this.store.getRule(bus, name);
    if (!rule) throw new EventsResourceNotFoundError(name, `Rule ${name} does not exist on EventBus ${bus}.`);
    return rule;
  }

  listRules(busName = 'default', prefix = ''): Rule[] {
    const bus = this.getBus(busName);
    return this.store.listRules(bus.name).filter((r) => r.name.startsWith(prefix));
  }

  setRuleState(name: string, busName: string | undefined, state: RuleState): Rule {
    const rule = { ...this.getRule(name, busName), state };
    this.store.putRule(rule);
    this.#sync(rule);
    return rule;
  }

  deleteRule(name: string, busName = 'default'): void {
    const bus = busNameOf(busName);
    const rule = this.store.getRule(bus, name);
    if (!rule) return; // DeleteRule of a missing rule succeeds on AWS.
    if (this.store.listTargets(bus, name).length > 0) {
      throw new EventsValidationError("Rule can't be deleted since it has targets.");
    }
    this.store.deleteRule(bus, name);
    this.#matchers.get(bus)?.remove(name);
  }

  /** Adds or replaces targets; returns per-target failures as PutTargets does. */
  putTargets(
    ruleName: string,
    busName: string | undefined,
    targets: Array<Partial<Target> & { id: string; arn: string }>,
  ): FailedTarget[] {
    const rule = this.getRule(ruleName, busName);
    const normalized = targets.map(normalizeTarget);
    // Quota: 5 targets per rule (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
    const ids = new Set([
      ...this.store.listTargets(rule.busName, rule.name).map((t) => t.id),
      ...normalized.map((t) => t.id),
    ]);
    if (ids.size > 5) {
      throw new EventsError('LimitExceededException', `Rule ${rule.name} can have at most 5 targets.`, 400);
    }
    const failed: FailedTarget[] = [];
    for (const target of normalized) {
      const kind = this.kinds.find((k) => k.accepts(target.arn));
      const problem = kind
        ? kind.check?.(target.arn)
        : `Target ${target.arn} is not a supported local target.`;
      if (problem !== undefined) {
        failed.push({ targetId: target.id, errorCode: 'ValidationException', errorMessage: problem });
        continue;
      }
      this.store.putTarget(rule.busName, rule.name, target);
    }
    return failed;
  }

  removeTargets(ruleName: string, busName: string | undefined, ids: string[]): string[] {
    const rule = this.getRule(ruleName, busName);
    return ids.filter((id) => !this.store.removeTarget(rule.busName, rule.name, id));
  }

  listTargets(ruleName: string, busName?: string): Target[] {
    const rule = this.getRule(ruleName, busName);
    return this.store.listTargets(rule.busName, rule.name);
  }

  #sync(rule: Rule): void {
    let matcher = this.#matchers.get(rule.busName);
    if (!matcher) {
      matcher = new RuleMatcher<string>();
      this.#matchers.set(rule.busName, matcher);
    }
    if (rule.state === 'ENABLED') matcher.add(rule.name, rule.eventPattern);
    else matcher.remove(rule.name);
  }
}

/** Bus names may be given as names or ARNs. */
export function busNameOf(nameOrArn: string): string {
  const m = /^arn:aws:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return m ? m[1]! : nameOrArn;
}
